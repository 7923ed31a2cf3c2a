import { ValidationError } from '../core/errors.js';
import { cholesky, choleskySolve } from '../risk/matrix.js';
import {
  DEFAULT_KELLY_MULTIPLIER,
  DEFAULT_MAX_BET_FRACTION,
  DEFAULT_MAX_DAY_FRACTION,
  DEFAULT_MAX_EVENT_FRACTION,
  DEFAULT_STOP_BELOW_FRACTION,
} from './defaults.js';
import { decimalOddsValue, probabilityValue } from './odds.js';

/**
 * Kelly staking for bets: the fraction of bankroll that maximises the expected logarithm of wealth.
 *  - one bet: f = (p o - 1) / (o - 1), or 0 without an edge;
 *  - several mutually exclusive outcomes of one event (a horse race, 1X2): the closed form of
 *    Smoczynski and Tomkins (2010) - bet the outcomes with the highest expected return p o while it
 *    exceeds the reserve rate R(S) = (1 - sum_S p) / (1 - sum_S 1/o), each at f = p - R/o;
 *  - several independent events at once: no closed form; expected log wealth over every joint result is
 *    maximised by Newton's method (exact enumeration, up to 16 bets).
 * Fractional Kelly scales the result; caps per bet, event and day and a bankroll stop bound the stakes.
 */

export interface BetPrice {
  probability: number;
  /** Decimal odds. */
  odds: number;
}

function checkPrice(bet: BetPrice, field: string): BetPrice {
  return {
    probability: probabilityValue(bet.probability, `${field}.probability`),
    odds: decimalOddsValue(bet.odds, `${field}.odds`),
  };
}

/** Full-Kelly fraction for one bet at decimal `odds` won with `probability`; 0 without an edge. */
export function kellyFraction(probability: number, odds: number): number {
  const { probability: p, odds: o } = checkPrice({ probability, odds }, 'bet');
  return Math.max(0, (p * o - 1) / (o - 1));
}

export interface KellyAllocation {
  /** Fraction of bankroll per outcome/bet, in input order (0 for those not bet). */
  fractions: number[];
  /** Expected log growth of the bankroll per round at these fractions. */
  growthRate: number;
}

export interface MutuallyExclusiveKelly extends KellyAllocation {
  /** The reserve rate R(S) of the optimal set (fraction kept back, per unit, in Smoczynski-Tomkins). */
  reserveRate: number;
}

/**
 * Kelly fractions for several outcomes of one event, at most one of which wins. Probabilities may sum
 * to less than 1 (outcomes without a price are simply not listed). Betting every outcome of an
 * arbitrage puts the whole bankroll down, in proportion to the probabilities.
 */
export function kellyMutuallyExclusive(outcomes: readonly BetPrice[]): MutuallyExclusiveKelly {
  const checked = outcomes.map((o, i) => checkPrice(o, `outcomes[${i}]`));
  const total = checked.reduce((a, o) => a + o.probability, 0);
  if (total > 1 + 1e-9) {
    throw new ValidationError(
      `outcomes: probabilities of exclusive outcomes sum to ${total.toFixed(6)} > 1`,
      {
        field: 'outcomes',
        hint: 'outcomes of one event cannot be more than certain together; use de-margined or model probabilities',
      },
    );
  }
  const order = checked
    .map((_, i) => i)
    .sort((a, b) => expectedReturn(checked[b]) - expectedReturn(checked[a]));
  let sumP = 0;
  let sumInverse = 0;
  let reserve = 1;
  const chosen: number[] = [];
  for (const k of order) {
    const o = checked[k];
    if (!(expectedReturn(o) > reserve)) break;
    const nextSumInverse = sumInverse + 1 / o.odds;
    const nextSumP = sumP + o.probability;
    if (nextSumInverse >= 1) {
      // The chosen prices already form a (possibly complete) arbitrage: every unit is bet.
      if (Math.abs(nextSumP - 1) < 1e-12 || nextSumP > 1) {
        chosen.push(k);
        sumP = nextSumP;
        sumInverse = nextSumInverse;
        reserve = 0;
      }
      break;
    }
    chosen.push(k);
    sumP = nextSumP;
    sumInverse = nextSumInverse;
    reserve = (1 - sumP) / (1 - sumInverse);
  }
  const fractions = checked.map(() => 0);
  for (const k of chosen) fractions[k] = Math.max(0, checked[k].probability - reserve / checked[k].odds);
  return { fractions, reserveRate: reserve, growthRate: growthExclusive(checked, fractions) };
}

function expectedReturn(o: BetPrice): number {
  return o.probability * o.odds;
}

/** Expected log wealth after one event when `fractions` are bet on its exclusive outcomes. */
export function growthExclusive(outcomes: readonly BetPrice[], fractions: readonly number[]): number {
  const staked = fractions.reduce((a, b) => a + b, 0);
  let g = 0;
  let pNone = 1;
  for (let i = 0; i < outcomes.length; i++) {
    const p = outcomes[i].probability;
    pNone -= p;
    if (p > 0) g += p * Math.log(1 - staked + fractions[i] * outcomes[i].odds);
  }
  if (pNone > 1e-15) g += pNone * Math.log(1 - staked);
  return g;
}

/** Most simultaneous independent bets solved jointly (2^n joint results are enumerated). */
export const MAX_INDEPENDENT_BETS = 16;

/**
 * Kelly fractions for simultaneous bets on independent events (one bet per event). Only bets with an edge
 * get a stake: with independent events the marginal growth of a bet at zero stake has the sign of its
 * edge, so positive-edge bets are all positive at the optimum and the rest are zero.
 */
export function kellyIndependent(bets: readonly BetPrice[]): KellyAllocation & { iterations: number } {
  const checked = bets.map((b, i) => checkPrice(b, `bets[${i}]`));
  if (checked.length > MAX_INDEPENDENT_BETS) {
    throw new ValidationError(
      `bets: at most ${MAX_INDEPENDENT_BETS} simultaneous independent bets are solved jointly, got ${checked.length}`,
      { field: 'bets', hint: 'split them into smaller groups (e.g. by kick-off time)' },
    );
  }
  const active = checked.map((b, i) => ({ ...b, index: i })).filter((b) => b.probability * b.odds > 1);
  const fractions = checked.map(() => 0);
  const n = active.length;
  if (n === 0) return { fractions, growthRate: 0, iterations: 0 };
  const outcomesCount = 1 << n;
  // Joint results: probability and the net return per unit of each bet (o - 1 if it wins, -1 if not).
  const jointP = new Float64Array(outcomesCount);
  for (let m = 0; m < outcomesCount; m++) {
    let p = 1;
    for (let i = 0; i < n; i++) p *= m & (1 << i) ? active[i].probability : 1 - active[i].probability;
    jointP[m] = p;
  }
  const net = (m: number, i: number) => (m & (1 << i) ? active[i].odds - 1 : -1);
  const growth = (f: Float64Array): number => {
    let g = 0;
    for (let m = 0; m < outcomesCount; m++) {
      if (jointP[m] === 0) continue;
      let w = 1;
      for (let i = 0; i < n; i++) w += f[i] * net(m, i);
      if (!(w > 0)) return Number.NEGATIVE_INFINITY;
      g += jointP[m] * Math.log(w);
    }
    return g;
  };
  // Start from the single-bet Kelly fractions scaled to leave at least half the bankroll unstaked.
  let f = new Float64Array(active.map((b) => (b.probability * b.odds - 1) / (b.odds - 1)));
  const start = f.reduce((a, b) => a + b, 0);
  if (start > 0.5) f = f.map((x) => (x * 0.5) / start);
  let g = growth(f);
  let iterations = 0;
  for (; iterations < 100; iterations++) {
    const gradient = new Float64Array(n);
    const negHessian = new Float64Array(n * n);
    for (let m = 0; m < outcomesCount; m++) {
      const p = jointP[m];
      if (p === 0) continue;
      let w = 1;
      for (let i = 0; i < n; i++) w += f[i] * net(m, i);
      for (let i = 0; i < n; i++) {
        const ri = net(m, i);
        gradient[i] += (p * ri) / w;
        for (let j = 0; j <= i; j++) negHessian[i * n + j] += (p * ri * net(m, j)) / (w * w);
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) negHessian[j * n + i] = negHessian[i * n + j];
    let maxGradient = 0;
    for (let i = 0; i < n; i++) maxGradient = Math.max(maxGradient, Math.abs(gradient[i]));
    if (maxGradient < 1e-12) break;
    const factor = cholesky({ size: n, values: negHessian });
    const step = factor ? choleskySolve(factor, n, gradient) : gradient;
    let t = 1;
    let improved = false;
    for (let halvings = 0; halvings < 60; halvings++, t /= 2) {
      const candidate = f.map((x, i) => x + t * step[i]);
      if (candidate.some((x) => x < 0)) continue;
      const gc = growth(candidate);
      if (gc >= g) {
        f = candidate;
        improved = gc - g > 1e-16;
        g = gc;
        break;
      }
    }
    if (!improved) break;
  }
  active.forEach((b, i) => {
    fractions[b.index] = f[i];
  });
  return { fractions, growthRate: g, iterations };
}

export interface StakingLimits {
  /** Multiplier on full Kelly (0.25 = quarter Kelly). */
  kellyMultiplier: number;
  /** Most of the bankroll on one bet (fraction). */
  maxBetFraction: number;
  /** Most on one event across its outcomes (fraction). */
  maxEventFraction: number;
  /** Most staked in one day (or one round) across events (fraction). */
  maxDayFraction: number;
  /** No new bets while the bankroll is below this fraction of the starting bankroll (0 = never stop). */
  stopBelowFraction: number;
}

/** The library's default staking plan (src/sports/defaults.ts). */
export const DEFAULT_STAKING_LIMITS: Readonly<StakingLimits> = {
  kellyMultiplier: DEFAULT_KELLY_MULTIPLIER,
  maxBetFraction: DEFAULT_MAX_BET_FRACTION,
  maxEventFraction: DEFAULT_MAX_EVENT_FRACTION,
  maxDayFraction: DEFAULT_MAX_DAY_FRACTION,
  stopBelowFraction: DEFAULT_STOP_BELOW_FRACTION,
};

export interface StakeEventInput {
  eventId: string;
  /** The day (or round) the event belongs to, for the per-day cap; default one day for all. */
  day?: string;
  /** Outcomes of the event being considered, mutually exclusive. */
  outcomes: readonly (BetPrice & { name: string })[];
}

export interface PlannedStake {
  eventId: string;
  outcome: string;
  day: string;
  probability: number;
  odds: number;
  /** Full-Kelly fraction for this outcome (exclusive-outcome Kelly within its event). */
  fullKelly: number;
  /** Fraction of bankroll after the multiplier and every cap. */
  fraction: number;
  /** fraction * bankroll, in the bankroll's units (not rounded). */
  stake: number;
}

export interface StakePlan {
  stakes: PlannedStake[];
  bankroll: number;
  /** True when the bankroll stop is active and nothing is staked. */
  stopped: boolean;
  /** Which caps bound the plan ("per-bet cap bound 2 bets", ...). */
  notes: string[];
}

export function checkStakingLimits(limits: StakingLimits): StakingLimits {
  const entries: [keyof StakingLimits, number, number][] = [
    ['kellyMultiplier', 0, 1],
    ['maxBetFraction', 0, 1],
    ['maxEventFraction', 0, 1],
    ['maxDayFraction', 0, 1],
  ];
  for (const [key, lo, hi] of entries) {
    const v = limits[key];
    if (!(Number.isFinite(v) && v > lo && v <= hi)) {
      throw new ValidationError(`${key}: must be a fraction in (0, 1], got ${v}`, { field: key });
    }
  }
  const stop = limits.stopBelowFraction;
  if (!(Number.isFinite(stop) && stop >= 0 && stop < 1)) {
    throw new ValidationError(`stopBelowFraction: must be a fraction in [0, 1), got ${stop}`, {
      field: 'stopBelowFraction',
    });
  }
  return limits;
}

/**
 * Stakes for a set of events: exclusive-outcome Kelly within each event, times the Kelly multiplier,
 * then the per-bet cap, the per-event cap (scaling the event's bets down together) and the per-day cap
 * (scaling the day's bets down together). Events are treated as independent and sized separately, which
 * slightly over-stakes many simultaneous bets compared with the joint optimum (`kellyIndependent`); the
 * day cap bounds that.
 */
export function planStakes(
  bankroll: number,
  events: readonly StakeEventInput[],
  limits: StakingLimits,
  startingBankroll = bankroll,
): StakePlan {
  if (!(Number.isFinite(bankroll) && bankroll >= 0)) {
    throw new ValidationError(`bankroll: must be a finite amount >= 0, got ${bankroll}`, {
      field: 'bankroll',
    });
  }
  checkStakingLimits(limits);
  const notes: string[] = [];
  if (bankroll <= startingBankroll * limits.stopBelowFraction || bankroll === 0) {
    return {
      stakes: [],
      bankroll,
      stopped: true,
      notes: [
        `bankroll stop: ${bankroll} is at or below ${limits.stopBelowFraction * 100}% of ${startingBankroll}`,
      ],
    };
  }
  const stakes: PlannedStake[] = [];
  let cappedBets = 0;
  let cappedEvents = 0;
  for (const event of events) {
    const kelly = kellyMutuallyExclusive(event.outcomes);
    const day = event.day ?? 'all';
    const eventStakes: PlannedStake[] = [];
    event.outcomes.forEach((outcome, i) => {
      const full = kelly.fractions[i];
      if (!(full > 0)) return;
      let fraction = full * limits.kellyMultiplier;
      if (fraction > limits.maxBetFraction) {
        fraction = limits.maxBetFraction;
        cappedBets++;
      }
      eventStakes.push({
        eventId: event.eventId,
        outcome: outcome.name,
        day,
        probability: outcome.probability,
        odds: outcome.odds,
        fullKelly: full,
        fraction,
        stake: 0,
      });
    });
    const eventTotal = eventStakes.reduce((a, s) => a + s.fraction, 0);
    if (eventTotal > limits.maxEventFraction) {
      cappedEvents++;
      for (const s of eventStakes) s.fraction *= limits.maxEventFraction / eventTotal;
    }
    stakes.push(...eventStakes);
  }
  const byDay = new Map<string, number>();
  for (const s of stakes) byDay.set(s.day, (byDay.get(s.day) ?? 0) + s.fraction);
  let cappedDays = 0;
  for (const [day, total] of byDay) {
    if (total <= limits.maxDayFraction) continue;
    cappedDays++;
    for (const s of stakes) if (s.day === day) s.fraction *= limits.maxDayFraction / total;
  }
  for (const s of stakes) s.stake = s.fraction * bankroll;
  if (cappedBets) notes.push(`per-bet cap (${limits.maxBetFraction}) bound ${cappedBets} bet(s)`);
  if (cappedEvents) notes.push(`per-event cap (${limits.maxEventFraction}) bound ${cappedEvents} event(s)`);
  if (cappedDays) notes.push(`per-day cap (${limits.maxDayFraction}) bound ${cappedDays} day(s)`);
  return { stakes, bankroll, stopped: false, notes };
}
