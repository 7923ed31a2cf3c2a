import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { type ExposureSignal, ExposureStrategy } from './base.js';
import type { BarReader } from './input.js';
import { type ParamSpec, parseParams } from './params.js';

export interface EnsembleMemberSpec {
  /** Registry name of the member strategy, e.g. "sma-crossover". */
  name: string;
  /** Its parameters (symbols are the ensemble's). */
  params?: Record<string, unknown>;
  /** Voting weight (> 0), default 1. */
  weight?: number;
}

export interface EnsembleParams {
  members: EnsembleMemberSpec[];
  /** Weighted vote needed to hold a position, as a fraction of the total weight. */
  threshold: number;
  allowShort: boolean;
  percent: number;
}

export const ensembleMemberSchema = z.object({
  name: z.string({ error: 'expected a strategy name' }).min(1),
  params: z.record(z.string(), z.unknown()).optional(),
  weight: z
    .number({ error: 'expected a positive number' })
    .positive({ error: 'must be greater than 0' })
    .optional(),
});

export const ensembleParams: readonly ParamSpec[] = [
  {
    name: 'members',
    type: 'list',
    default: [
      { name: 'sma-crossover', params: { fast: 10, slow: 30 }, weight: 1 },
      { name: 'momentum', params: { lookback: 20 }, weight: 1 },
      { name: 'mean-reversion', params: { period: 20 }, weight: 1 },
    ],
    item: ensembleMemberSchema,
    description: 'member strategies as [{name, params, weight}] (single-symbol strategies)',
  },
  {
    name: 'threshold',
    type: 'number',
    default: 0.3,
    min: 0,
    max: 1,
    grid: { min: 0.1, max: 0.7, step: 0.2 },
    description: 'weighted vote (fraction of total weight) needed to be long (or short)',
  },
  {
    name: 'allowShort',
    type: 'boolean',
    default: false,
    description: 'go short when the vote is below -threshold',
  },
  {
    name: 'percent',
    type: 'number',
    default: 1,
    min: 0.01,
    max: 10,
    description: 'position size as a fraction of equity',
  },
];

/** A built member with its weight. */
export interface EnsembleMember {
  signal: ExposureSignal;
  weight: number;
}

/**
 * Weighted vote of member strategies on one symbol. Each bar every member advances and votes +1 (it
 * wants to be long), -1 (short) or 0 (flat); the score is the weighted sum over the total weight, in
 * [-1, 1]. Score > threshold: long; score < -threshold: short (allowShort) or flat; otherwise flat.
 * Members are driven through their signals only; their own orders are never sent.
 */
export class EnsembleStrategy extends ExposureStrategy {
  readonly name = 'ensemble';
  readonly warmup: number;
  override readonly needsVolume: boolean;
  protected override readonly volumeUse = {
    because: "for a member's signal (e.g. enhanced-momentum's volume filter)",
    withoutIt:
      'turn the member\'s volume filter off (e.g. {"name": "enhanced-momentum", "params": {"volumeFilter": false}})',
  };
  readonly params: Readonly<Omit<EnsembleParams, 'members'>>;
  readonly members: readonly EnsembleMember[];
  private readonly signals: ExposureSignal[];
  private readonly weights: Float64Array;
  private readonly totalWeight: number;
  private desired = 0;

  constructor(
    symbol: string,
    members: readonly EnsembleMember[],
    params: Partial<Omit<EnsembleParams, 'members'>> = {},
  ) {
    super(symbol);
    if (members.length === 0) {
      throw new ValidationError('members: an ensemble needs at least one member', {
        field: 'members',
        hint: 'e.g. [{"name":"sma-crossover"},{"name":"momentum"}]',
      });
    }
    for (const [i, member] of members.entries()) {
      if (!(member.weight > 0) || !Number.isFinite(member.weight)) {
        throw new ValidationError(`members.${i}.weight: ${member.weight} must be a positive number`, {
          field: `members.${i}.weight`,
        });
      }
    }
    this.params = parseParams<Omit<EnsembleParams, 'members'>>(
      'ensemble',
      ensembleParams.filter((s) => s.name !== 'members'),
      params,
    );
    this.members = members;
    this.signals = members.map((m) => m.signal);
    this.weights = Float64Array.from(members, (m) => m.weight);
    this.totalWeight = members.reduce((sum, m) => sum + m.weight, 0);
    this.warmup = Math.max(...members.map((m) => m.signal.warmup));
    this.needsVolume = members.some((m) => m.signal.needsVolume);
  }

  /** The weighted vote of the last bar, in [-1, 1]. */
  score = 0;

  nextExposure(bar: BarReader): number {
    let vote = 0;
    for (let i = 0; i < this.signals.length; i++) {
      const exposure = this.signals[i].nextExposure(bar);
      if (exposure > 0) vote += this.weights[i];
      else if (exposure < 0) vote -= this.weights[i];
    }
    this.score = vote / this.totalWeight;
    const { threshold, percent, allowShort } = this.params;
    if (this.score > threshold) this.desired = percent;
    else if (this.score < -threshold && allowShort) this.desired = -percent;
    else this.desired = 0;
    return this.desired;
  }

  protected resetState(): void {
    for (const signal of this.signals) signal.resetSignal();
    this.score = 0;
    this.desired = 0;
  }

  cloneSignal(): EnsembleStrategy {
    return new EnsembleStrategy(
      this.symbol,
      this.members.map((m) => ({ signal: m.signal.cloneSignal(), weight: m.weight })),
      this.params,
    );
  }
}
