/**
 * Queue mode: optimisation and walk-forward trials as BullMQ jobs on Redis, run by `neural-trader
 * worker` processes on any number of machines, ranked exactly as a local run.
 *
 *   const queue = redisQueue('redis://10.0.0.5:6379/0');
 *   const result = await optimizeStrategy({ ...input, queue });   // same result as without `queue`
 *   const worker = await startQueueWorker({ queue: 'redis://10.0.0.5:6379/0' });
 */
export type { ConnectionState } from './connection.js';
export { MIN_REDIS_VERSION } from './connection.js';
export type { QueueEvent, RedisQueueOptions, SweepQueue } from './coordinator.js';
export { DEFAULT_OUTAGE_LIMIT_MS, DEFAULT_TRIAL_ATTEMPTS, redisQueue } from './coordinator.js';
export { SWEEP_TTL_SECONDS } from './keys.js';
export { DEFAULT_QUEUE_PREFIX, parseQueueUrl, QueueTarget } from './queue-url.js';
export type { ResumedSweep, ResumeSweepInput } from './resume.js';
export { resumeSweep } from './resume.js';
export { parseSweepId } from './sweep.js';
export type { CodeVersion } from './version.js';
export { codeVersion, describeVersion } from './version.js';
export type { QueueWorker, QueueWorkerOptions } from './worker.js';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_STALL_TIMEOUT_MS, startQueueWorker } from './worker.js';
