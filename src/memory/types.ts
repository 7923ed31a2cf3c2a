import { z } from 'zod';
import type { EpochMs } from '../core/time.js';

/** What an episode records. */
export const EPISODE_KINDS = ['backtest', 'trade', 'bet', 'decision'] as const;
export type EpisodeKind = (typeof EPISODE_KINDS)[number];

/** Most neighbours one query may ask for. */
export const MAX_K = 1000;

const finite = (field: string) =>
  z.number({ error: `${field}: expected a finite number` }).refine(Number.isFinite, {
    message: `${field}: expected a finite number (not NaN or infinity)`,
  });

/** When a time is given as a number it is ms since the epoch (UTC). */
const epochMs = (field: string) =>
  z
    .number({ error: `${field}: expected a time in ms since the epoch` })
    .int({ message: `${field}: expected whole milliseconds` })
    .min(0, { message: `${field}: must not be before 1970` })
    .max(8.64e15, { message: `${field}: out of range` });

/** A state vector: an array or typed array of numbers (length and values are checked by the store). */
const stateSchema = z.custom<ArrayLike<number>>(
  (v) => Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array,
  { message: 'state: expected an array of numbers' },
);

export const outcomeSchema = z
  .object({
    /** Profit or loss in account currency. */
    pnl: finite('pnl').optional(),
    /** The learning signal, e.g. the return as a fraction (0.02 = 2%). */
    reward: finite('reward'),
    /** Bars between the state and the outcome. */
    horizonBars: z.number().int().min(0).max(1_000_000).optional(),
    /** When the outcome became known (default: when it is recorded). */
    knownAt: epochMs('knownAt').optional(),
    /** Whether it counts as a success for the skill (default reward > 0). */
    success: z.boolean().optional(),
  })
  .strict();
export type OutcomeInput = z.input<typeof outcomeSchema>;

export const episodeInputSchema = z
  .object({
    kind: z.enum(EPISODE_KINDS, { error: `kind: expected one of ${EPISODE_KINDS.join(', ')}` }),
    /** The state vector (normalised market-state embedding), one number per dimension. */
    state: stateSchema,
    /** When the state was observed (the decision time). */
    time: epochMs('time'),
    action: z.string().trim().min(1, { message: 'action: must not be empty' }).max(200),
    symbol: z.string().trim().min(1).max(32).optional(),
    strategy: z.string().trim().min(1).max(100).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    outcome: outcomeSchema.optional(),
    critique: z.string().max(10_000).optional(),
    /** The skill that made the decision; its statistics are updated when the outcome is recorded. */
    skillId: z.number().int().positive().optional(),
    /** Idempotency key: storing the same key twice returns the first episode and writes nothing. */
    key: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type EpisodeInput = z.input<typeof episodeInputSchema>;

export interface Outcome {
  pnl?: number;
  reward: number;
  horizonBars?: number;
  knownAt: EpochMs;
}

export interface Episode {
  id: number;
  kind: EpisodeKind;
  /** When the state was observed (the decision time). */
  time: EpochMs;
  action: string;
  symbol?: string;
  strategy?: string;
  params?: Record<string, unknown>;
  outcome?: Outcome;
  critique?: string;
  skillId?: number;
  key?: string;
  createdAt: EpochMs;
}

export interface EpisodeFilter {
  symbol?: string;
  strategy?: string;
  kind?: EpisodeKind;
  /** State time range, inclusive. */
  from?: EpochMs;
  to?: EpochMs;
  /** Outcome sign: reward > 0, reward < 0, or any known outcome. */
  outcome?: 'positive' | 'negative' | 'known';
}

export type SearchMethod = 'exact' | 'approximate' | 'auto';

export interface SimilarEpisode {
  episode: Episode;
  /** Euclidean distance between the normalised vectors. */
  distance: number;
}

export interface OutcomeSummary {
  /** Neighbours returned. */
  count: number;
  /** Of those, how many have an outcome. */
  withOutcome: number;
  meanReward: number | null;
  medianReward: number | null;
  stdReward: number | null;
  /** Share of known outcomes with reward > 0, as a fraction. */
  winRate: number | null;
  meanPnl: number | null;
  totalPnl: number | null;
  meanDistance: number | null;
}

export interface SimilarResult {
  method: 'exact' | 'approximate';
  k: number;
  neighbours: SimilarEpisode[];
  summary: OutcomeSummary;
  warnings: string[];
}

export const skillInputSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, { message: 'name: must not be empty' })
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
        message: 'name: letters, digits, dot, dash, colon, underscore',
      }),
    strategy: z.string().trim().min(1).max(100),
    params: z.record(z.string(), z.unknown()).default({}),
    description: z.string().max(2000).optional(),
    /** A typical state the skill suits (optional), for searching skills by state. */
    state: stateSchema.optional(),
  })
  .strict();
export type SkillInput = z.input<typeof skillInputSchema>;

export interface Skill {
  id: number;
  name: string;
  strategy: string;
  params: Record<string, unknown>;
  description?: string;
  uses: number;
  successes: number;
  successRate: number;
  rewardMean: number;
  /** Sample variance of the rewards (0 with fewer than two uses). */
  rewardVariance: number;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  hasState: boolean;
}

export interface MemoryStats {
  path: string;
  dimension: number;
  embedding: string;
  normalisationSource: string;
  episodes: number;
  episodesByKind: Record<string, number>;
  withOutcome: number;
  skills: number;
  firstAt: EpochMs | null;
  lastAt: EpochMs | null;
  approximateIndex: { file: string; present: boolean; rows: number | null; inStep: boolean };
}

/** Mean and standard deviation per feature; vectors are (raw - mean) / std. */
export interface Normalisation {
  version: string;
  /** Where the statistics were fitted, e.g. "sample SPX 2000-2020 + DJ30 vs DJIA". */
  source: string;
  mean: number[];
  std: number[];
}
