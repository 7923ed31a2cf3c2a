import { ValidationError } from '../core/errors.js';
import { Random } from '../core/random.js';
import type { EpochMs } from '../core/time.js';
import {
  EMBEDDING_DIMENSION,
  EMBEDDING_WARMUP,
  MarketStateEncoder,
  type Normalisation,
  normaliseState,
} from '../memory/embedding.js';
import { DEFAULT_NORMALISATION } from '../memory/normalisation-defaults.js';
import {
  addOutcome,
  chooseArm,
  EMPTY_STATS,
  type NeighbourOutcome,
  type SelectionMethod,
  type SkillStats,
} from '../memory/selection.js';
import { type ExposureSignal, ExposureStrategy } from './base.js';
import { ensembleMemberSchema } from './ensemble.js';
import type { BarReader } from './input.js';
import { type ParamSpec, parseParams } from './params.js';

/**
 * The adaptive strategy: a selector among skills (member strategies with fixed parameters) that picks,
 * every `every` bars, the skill whose outcomes were best in past market states most like the current
 * one (32-d market-state embedding, k nearest past decision states, Thompson sampling or UCB; see
 * src/memory/selection.ts), and then holds that skill's desired exposure until the next decision.
 *
 * Learning uses only outcomes known at the time. At each decision bar t every skill's counterfactual
 * result over the next `horizon` bars is tracked (its own exposure times the bar returns, less
 * `costBps` per unit of exposure change: all members run on every bar anyway); that outcome enters the
 * learner at bar t + horizon, never earlier. Outcomes from the memory database (`useMemory`) enter only
 * once the bar's time has reached the time they became known (their `knownAt`).
 */
export interface AdaptiveSkillSpec {
  name: string;
  params?: Record<string, unknown>;
}

export interface AdaptiveParams {
  skills: AdaptiveSkillSpec[];
  horizon: number;
  every: number;
  neighbours: number;
  method: SelectionMethod;
  seed: number;
  exploration: number;
  costBps: number;
  percent: number;
  useMemory: boolean;
}

export const DEFAULT_ADAPTIVE_SKILLS: AdaptiveSkillSpec[] = [
  { name: 'sma-crossover', params: { fast: 10, slow: 50 } },
  { name: 'momentum', params: { lookback: 60, threshold: 0 } },
  { name: 'mean-reversion', params: { period: 20 } },
];

export const adaptiveParams: readonly ParamSpec[] = [
  {
    name: 'skills',
    type: 'list',
    default: DEFAULT_ADAPTIVE_SKILLS,
    item: ensembleMemberSchema,
    description: 'skills to choose among, as [{name, params}] (single-symbol strategies)',
  },
  {
    name: 'horizon',
    type: 'integer',
    default: 20,
    min: 1,
    max: 500,
    grid: { min: 5, max: 40, step: 5 },
    description: 'bars after a decision over which each skill is scored (its outcome is known then)',
  },
  {
    name: 'every',
    type: 'integer',
    default: 5,
    min: 1,
    max: 500,
    grid: { min: 1, max: 20, step: 1 },
    description: 'bars between decisions',
  },
  {
    name: 'neighbours',
    type: 'integer',
    default: 30,
    min: 1,
    max: 1000,
    grid: { min: 10, max: 100, step: 10 },
    description: 'past decision states (nearest to the current one) whose outcomes condition the choice',
  },
  {
    name: 'method',
    type: 'choice',
    default: 'thompson',
    choices: ['thompson', 'ucb'],
    description: 'Thompson sampling (seeded) or UCB',
  },
  {
    name: 'seed',
    type: 'integer',
    default: 42,
    min: 0,
    max: 2 ** 31 - 1,
    description: 'Thompson sampling seed',
  },
  {
    name: 'exploration',
    type: 'number',
    default: 1,
    min: 0,
    max: 10,
    description: 'UCB exploration constant',
  },
  {
    name: 'costBps',
    type: 'number',
    default: 10,
    min: 0,
    max: 1000,
    description: "cost per unit of exposure change in the skills' scores, in basis points",
  },
  {
    name: 'percent',
    type: 'number',
    default: 1,
    min: 0.01,
    max: 10,
    description: 'position size as a fraction of equity',
  },
  {
    name: 'useMemory',
    type: 'boolean',
    default: false,
    description: 'also learn from decision outcomes stored in the memory database (each once it was known)',
  },
];

/** An outcome from outside the run (the memory database): a skill's reward in a state, known at a time. */
export interface PriorOutcome {
  skill: number;
  state: Float32Array;
  reward: number;
  knownAt: EpochMs;
}

/** One decision, for inspection and for recording as an episode. */
export interface AdaptiveDecision {
  barIndex: number;
  timestamp: EpochMs;
  skill: number;
  state: Float32Array;
  /** Observations (decision states with known outcomes) available when deciding. */
  known: number;
  /** Each skill's outcome over the horizon, filled in when it becomes known. */
  outcomes?: number[];
  knownAt?: EpochMs;
}

interface Observation {
  state: Float32Array;
  rewards: number[];
}

export interface AdaptiveMember {
  signal: ExposureSignal;
  spec: AdaptiveSkillSpec;
}

export class AdaptiveStrategy extends ExposureStrategy {
  readonly name = 'adaptive';
  readonly warmup: number;
  override readonly needsVolume: boolean;
  readonly params: Readonly<Omit<AdaptiveParams, 'skills'>>;
  readonly members: readonly AdaptiveMember[];
  /** Every decision of the run, in order. */
  decisions: AdaptiveDecision[] = [];
  /** Outcomes from outside the run, admitted once the bar time reaches their knownAt. */
  prior: PriorOutcome[] = [];
  normalisation: Normalisation = DEFAULT_NORMALISATION;
  private encoder = new MarketStateEncoder();
  private raw = new Float64Array(EMBEDDING_DIMENSION);
  private wealth: Float64Array;
  private previousExposure: Float64Array;
  private current: Float64Array;
  private previousClose = Number.NaN;
  private pending: { decision: AdaptiveDecision; start: Float64Array; due: number }[] = [];
  private observations: Observation[] = [];
  private globals: SkillStats[] = [];
  private admittedPrior = 0;
  private chosen = -1;
  private bars = 0;
  private random: Random;
  private desired = 0;

  constructor(
    symbol: string,
    members: readonly AdaptiveMember[],
    params: Partial<Omit<AdaptiveParams, 'skills'>> = {},
  ) {
    super(symbol);
    if (members.length === 0) {
      throw new ValidationError('skills: the adaptive strategy needs at least one skill', {
        field: 'skills',
        hint: 'e.g. [{"name":"sma-crossover"},{"name":"momentum"}]',
      });
    }
    this.params = parseParams<Omit<AdaptiveParams, 'skills'>>(
      'adaptive',
      adaptiveParams.filter((s) => s.name !== 'skills'),
      params,
    );
    this.members = members;
    this.warmup = Math.max(EMBEDDING_WARMUP, ...members.map((m) => m.signal.warmup));
    this.needsVolume = members.some((m) => m.signal.needsVolume);
    this.wealth = new Float64Array(members.length);
    this.previousExposure = new Float64Array(members.length);
    this.current = new Float64Array(members.length);
    this.random = new Random(this.params.seed);
    this.resetState();
  }

  async prepare(): Promise<void> {
    if (!this.params.useMemory) return;
    const { loadAdaptivePrior } = await import('../memory/adaptive-prior.js');
    const { prior, normalisation } = loadAdaptivePrior(this.members.map((m) => m.spec));
    this.prior = prior;
    this.normalisation = normalisation;
  }

  nextExposure(bar: BarReader): number {
    const close = bar.close();
    const time = bar.timestamp;
    if (!(close > 0)) return this.desired;
    const r = this.previousClose > 0 ? close / this.previousClose - 1 : 0;
    this.previousClose = close;
    const cost = this.params.costBps / 10_000;
    for (let j = 0; j < this.members.length; j++) {
      const exposure = this.members[j].signal.nextExposure(bar);
      const growth = 1 + this.previousExposure[j] * r - cost * Math.abs(exposure - this.previousExposure[j]);
      this.wealth[j] += Math.log(Math.max(growth, 1e-9));
      this.previousExposure[j] = exposure;
      this.current[j] = exposure;
    }
    this.encoder.update({ high: bar.high(), low: bar.low(), close, volume: bar.volume() }, this.raw);
    const index = this.bars++;
    this.admitOutcomes(index, time);
    if (this.encoder.ready && index % this.params.every === 0) this.decide(index, time);
    this.desired = this.chosen < 0 ? 0 : Math.sign(this.current[this.chosen]) * this.params.percent;
    return this.desired;
  }

  /** Outcomes whose horizon has passed (in-run) or whose knownAt time has come (prior). */
  private admitOutcomes(index: number, time: EpochMs): void {
    while (this.pending.length > 0 && this.pending[0].due <= index) {
      const { decision, start } = this.pending.shift() as (typeof this.pending)[number];
      const rewards = Array.from(this.wealth, (w, j) => w - start[j]);
      decision.outcomes = rewards;
      decision.knownAt = time;
      this.observations.push({ state: decision.state, rewards });
      rewards.forEach((reward, j) => {
        this.globals[j] = addOutcome(this.globals[j], reward);
      });
    }
    while (this.admittedPrior < this.prior.length && this.prior[this.admittedPrior].knownAt <= time) {
      const p = this.prior[this.admittedPrior++];
      const rewards = this.members.map(() => Number.NaN);
      rewards[p.skill] = p.reward;
      this.observations.push({ state: p.state, rewards });
      this.globals[p.skill] = addOutcome(this.globals[p.skill], p.reward);
    }
  }

  private decide(index: number, time: EpochMs): void {
    const state = normaliseState(this.raw, this.normalisation);
    const neighbours = this.nearest(state);
    const { arm } = chooseArm(
      this.globals,
      neighbours,
      { method: this.params.method, exploration: this.params.exploration },
      this.random,
    );
    this.chosen = arm;
    const decision: AdaptiveDecision = {
      barIndex: index,
      timestamp: time,
      skill: arm,
      state,
      known: this.observations.length,
    };
    this.decisions.push(decision);
    this.pending.push({ decision, start: Float64Array.from(this.wealth), due: index + this.params.horizon });
  }

  /** Outcomes of the k known decision states nearest `state` (brute force; one per skill per state). */
  private nearest(state: Float32Array): NeighbourOutcome[] {
    const k = this.params.neighbours;
    const scored = this.observations.map((o, i) => {
      let s = 0;
      for (let d = 0; d < EMBEDDING_DIMENSION; d++) s += (o.state[d] - state[d]) ** 2;
      return { i, distance: Math.sqrt(s) };
    });
    scored.sort((a, b) => a.distance - b.distance || a.i - b.i);
    const out: NeighbourOutcome[] = [];
    for (const { i, distance } of scored.slice(0, k)) {
      this.observations[i].rewards.forEach((reward, arm) => {
        if (!Number.isNaN(reward)) out.push({ arm, distance, reward });
      });
    }
    return out;
  }

  protected resetState(): void {
    for (const m of this.members) m.signal.resetSignal();
    this.encoder = new MarketStateEncoder();
    this.wealth.fill(0);
    this.previousExposure.fill(0);
    this.current.fill(0);
    this.previousClose = Number.NaN;
    this.pending = [];
    this.observations = [];
    this.globals = this.members.map(() => ({ ...EMPTY_STATS }));
    this.admittedPrior = 0;
    this.chosen = -1;
    this.bars = 0;
    this.decisions = [];
    this.random = new Random(this.params.seed);
    this.desired = 0;
  }

  cloneSignal(): AdaptiveStrategy {
    const copy = new AdaptiveStrategy(
      this.symbol,
      this.members.map((m) => ({ signal: m.signal.cloneSignal(), spec: m.spec })),
      this.params,
    );
    copy.prior = this.prior;
    copy.normalisation = this.normalisation;
    return copy;
  }
}
