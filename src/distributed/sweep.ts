import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { TIMEFRAMES } from '../core/timeframe.js';
import type { DataRef } from './data-store.js';
import { type QueueKeys, SWEEP_TTL_SECONDS } from './keys.js';
import type { SweepSettings, TrialJob, TrialTask } from './trial-adapter.js';
import type { CodeVersion } from './version.js';

/**
 * A sweep as stored in Redis: its manifest says what it runs (the job every trial shares and the
 * settings that generated the trials), on which data (by hash) and with which code. Workers read it once
 * per sweep; `--resume` rebuilds the sweep from it. Each trial is named by a hash of its parameters and
 * bar window, so the same trial always gets the same job id and the same result slot.
 */
export interface SweepManifest {
  format: 1;
  id: string;
  kind: 'optimize' | 'walk-forward';
  createdAt: number;
  version: CodeVersion;
  data: DataRef & { symbols: string[]; bars: number; timeframe: string };
  job: TrialJob;
  settings: SweepSettings;
}

const SWEEP_ID = /^sw-[0-9a-f]{12}$/;

export function newSweepId(): string {
  return `sw-${randomBytes(6).toString('hex')}`;
}

export function parseSweepId(text: string, field = 'resume'): string {
  const id = String(text).trim();
  if (!SWEEP_ID.test(id)) {
    throw new ValidationError(
      `${field}: "${id.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}" is not a sweep id`,
      {
        field,
        hint: 'a sweep id looks like sw-3f9a2c1d0b7e (printed when the sweep started)',
      },
    );
  }
  return id;
}

/** The trial's name within its sweep: a hash of its parameters (in name order) and its bar window. */
export function taskKey(task: TrialTask): string {
  const params = Object.keys(task.params)
    .sort()
    .map((name) => [name, task.params[name]]);
  const canonical = JSON.stringify([params, task.from, task.to, task.keepEquity === true]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/** BullMQ job id of a trial: sweep id + parameter hash (BullMQ ids may not contain ':'). */
export function jobId(sweepId: string, key: string): string {
  return `${sweepId}-${key}`;
}

/** The sweep id and task key a job id was made from. */
export function splitJobId(id: string): { sweepId: string; key: string } | undefined {
  const match = /^(sw-[0-9a-f]{12})-([0-9a-f]{32})$/.exec(id);
  return match ? { sweepId: match[1], key: match[2] } : undefined;
}

const dimensionSchema = z.union([
  z.array(z.union([z.number(), z.string(), z.boolean()])),
  z.object({
    min: z.number(),
    max: z.number(),
    step: z.number().optional(),
    integer: z.boolean().optional(),
  }),
]);

const manifestSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(SWEEP_ID),
  kind: z.enum(['optimize', 'walk-forward']),
  createdAt: z.number(),
  version: z.object({ package: z.string(), engine: z.string() }),
  data: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().min(1),
    symbols: z.array(z.string()).min(1),
    bars: z.number().int().min(1),
    timeframe: z.enum(TIMEFRAMES),
  }),
  job: z.object({
    strategy: z.string().min(1),
    fixed: z.record(z.string(), z.unknown()),
    options: z.record(z.string(), z.unknown()),
  }),
  settings: z.object({
    strategy: z.string().min(1),
    fixedParams: z.record(z.string(), z.unknown()).optional(),
    space: z.record(z.string(), dimensionSchema),
    method: z.enum(['grid', 'random']).optional(),
    samples: z.number().int().min(1).optional(),
    seed: z.number().optional(),
    metric: z.string().optional(),
    backtestOptions: z.record(z.string(), z.unknown()).optional(),
    inSampleBars: z.number().int().optional(),
    outOfSampleBars: z.number().int().optional(),
    anchored: z.boolean().optional(),
    dataSource: z.string().max(64).optional(),
  }),
});

/** Store a new sweep's manifest (never over another one). */
export async function saveManifest(redis: Redis, keys: QueueKeys, manifest: SweepManifest): Promise<void> {
  const stored = await redis.set(
    keys.sweep(manifest.id),
    JSON.stringify(manifest),
    'EX',
    SWEEP_TTL_SECONDS,
    'NX',
  );
  if (stored !== 'OK') {
    throw new NeuralTraderError('CONFIG', `sweep ${manifest.id} already exists under this queue prefix`);
  }
}

/** Read a sweep's manifest; undefined when there is none (unknown or expired). */
export async function loadManifest(
  redis: Redis,
  keys: QueueKeys,
  id: string,
): Promise<SweepManifest | undefined> {
  const text = await redis.get(keys.sweep(id));
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NeuralTraderError(
      'DATA',
      `sweep ${id}: its stored manifest is unreadable (${issue.path.join('.') || 'manifest'})`,
      {
        hint: 'another program may be writing under this queue prefix: use a prefix of your own (?prefix=)',
      },
    );
  }
  return parsed.data as SweepManifest;
}
