import { ValidationError } from '../core/errors.js';
import type { Random } from '../core/random.js';

/**
 * Skill statistics and the choice among skills, as pure functions shared by the memory store
 * (`selectSkill`) and the adaptive strategy.
 *
 * Statistics of a skill are updated one outcome at a time (Welford): uses, successes, the running
 * mean of the reward and M2 (sum of squared deviations), so variance = M2 / (uses - 1).
 *
 * A choice is conditioned on similarity: each skill's evidence is the outcomes it had in the k past
 * states nearest the current one, each weighted by a Gaussian kernel of its distance,
 * w = exp(-d^2 / (2 h^2)) with h the median neighbour distance, plus its global record at a small
 * weight (`globalWeight`, default 0.1 per use), so local evidence dominates when there is any:
 *   n_eff = sum w + g n_global,  mean = (sum w r + g n_global mean_global) / n_eff.
 * Thompson sampling draws each skill's mean from N(mean, s^2 / n_eff) (s^2: the pooled reward variance
 * of all skills' outcomes, 1 without any), a skill with no evidence from N(prior mean, s^2); UCB scores
 * mean + c s sqrt(ln(1 + N) / n_eff) with N the total evidence, a skill with none first. The highest
 * draw or score wins; ties go to the earlier skill.
 */

export interface SkillStats {
  uses: number;
  successes: number;
  rewardMean: number;
  /** Sum of squared deviations of the rewards from their mean (Welford's M2). */
  rewardM2: number;
}

export const EMPTY_STATS: SkillStats = { uses: 0, successes: 0, rewardMean: 0, rewardM2: 0 };

/** Add one outcome to a skill's statistics (a new object; the input is untouched). */
export function addOutcome(stats: SkillStats, reward: number, success: boolean = reward > 0): SkillStats {
  const uses = stats.uses + 1;
  const delta = reward - stats.rewardMean;
  const rewardMean = stats.rewardMean + delta / uses;
  const rewardM2 = stats.rewardM2 + delta * (reward - rewardMean);
  return { uses, successes: stats.successes + (success ? 1 : 0), rewardMean, rewardM2 };
}

/** Sample variance of the rewards (0 with fewer than two). */
export function rewardVariance(stats: SkillStats): number {
  return stats.uses > 1 ? stats.rewardM2 / (stats.uses - 1) : 0;
}

export function successRate(stats: SkillStats): number {
  return stats.uses > 0 ? stats.successes / stats.uses : 0;
}

export type SelectionMethod = 'thompson' | 'ucb';

/** One past outcome of a skill in a state near the current one. */
export interface NeighbourOutcome {
  arm: number;
  distance: number;
  reward: number;
}

export interface ArmScore {
  arm: number;
  /** Kernel-weighted evidence plus the down-weighted global record. */
  effectiveCount: number;
  mean: number;
  /** The Thompson draw or the UCB score the choice compared. */
  score: number;
}

export interface SelectionOptions {
  method: SelectionMethod;
  /** UCB exploration constant c (default 1). */
  exploration?: number;
  /** Weight of each global use next to local evidence (default 0.1). */
  globalWeight?: number;
}

/** Kernel weights exp(-d^2 / (2 h^2)), h = median distance (1 when all distances are 0). */
export function kernelWeights(distances: readonly number[]): number[] {
  if (distances.length === 0) return [];
  const sorted = [...distances].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const h = median > 0 ? median : 1;
  return distances.map((d) => Math.exp(-(d * d) / (2 * h * h)));
}

/**
 * Score every arm from its global statistics and the neighbour outcomes, and pick one. `random` is
 * needed for Thompson sampling (seeded by the caller, so a choice is reproducible).
 */
export function chooseArm(
  globals: readonly SkillStats[],
  neighbours: readonly NeighbourOutcome[],
  options: SelectionOptions,
  random?: Random,
): { arm: number; scores: ArmScore[] } {
  const arms = globals.length;
  if (arms === 0) {
    throw new ValidationError('no skills to choose from', {
      field: 'skills',
      hint: 'create one with `npx neural-trader memory skills create ...` or createSkill()',
    });
  }
  const g = options.globalWeight ?? 0.1;
  const c = options.exploration ?? 1;
  const weights = kernelWeights(neighbours.map((n) => n.distance));
  const localW = new Float64Array(arms);
  const localWR = new Float64Array(arms);
  for (let i = 0; i < neighbours.length; i++) {
    const { arm, reward } = neighbours[i];
    if (arm < 0 || arm >= arms) continue;
    localW[arm] += weights[i];
    localWR[arm] += weights[i] * reward;
  }
  // Pooled reward variance: every skill's M2 plus the local outcomes' spread, as one estimate.
  let m2 = 0;
  let dof = 0;
  let priorSum = 0;
  let priorCount = 0;
  for (const s of globals) {
    m2 += s.rewardM2;
    dof += Math.max(0, s.uses - 1);
    priorSum += s.rewardMean * s.uses;
    priorCount += s.uses;
  }
  const localRewards = neighbours.map((n) => n.reward);
  if (localRewards.length > 1) {
    const m = localRewards.reduce((a, b) => a + b, 0) / localRewards.length;
    m2 += localRewards.reduce((a, r) => a + (r - m) * (r - m), 0);
    dof += localRewards.length - 1;
    priorSum += localRewards.reduce((a, b) => a + b, 0);
    priorCount += localRewards.length;
  }
  const variance = dof > 0 && m2 > 0 ? m2 / dof : 1;
  const sd = Math.sqrt(variance);
  const priorMean = priorCount > 0 ? priorSum / priorCount : 0;
  let total = 0;
  const evidence = globals.map((s, arm) => {
    const n = localW[arm] + g * s.uses;
    total += n;
    const mean = n > 0 ? (localWR[arm] + g * s.uses * s.rewardMean) / n : priorMean;
    return { n, mean };
  });
  const scores: ArmScore[] = evidence.map(({ n, mean }, arm) => {
    let score: number;
    if (options.method === 'thompson') {
      if (!random) throw new Error('chooseArm: Thompson sampling needs a seeded Random');
      score = mean + (n > 0 ? sd / Math.sqrt(n) : sd) * random.normal();
    } else {
      score = n > 0 ? mean + c * sd * Math.sqrt(Math.log(1 + total) / n) : Number.POSITIVE_INFINITY;
    }
    return { arm, effectiveCount: n, mean, score };
  });
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i].score > scores[best].score) best = i;
  return { arm: best, scores };
}
