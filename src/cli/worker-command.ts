import type { Config } from '../core/config.js';
import { ValidationError } from '../core/errors.js';
import { parseStrictNumber } from '../core/inputs.js';
import { redact } from '../core/redact.js';
import { queueUrlFromFlag } from './queue-mode.js';

export interface WorkerFlags {
  queue?: string | boolean;
  concurrency?: string;
  stallTimeout: string;
  heartbeat: string;
  grace: string;
}

function seconds(text: string, flag: string, min: number): number {
  const value = parseStrictNumber(text, flag);
  if (!(value >= min) || value > 86_400) {
    throw new ValidationError(`${flag}: expected seconds in [${min}, 86400], got "${text}"`, { field: flag });
  }
  return value;
}

function log(text: string): void {
  process.stderr.write(`${redact(`${new Date().toISOString()} ${text}`)}\n`);
}

/**
 * `neural-trader worker`: serve the queue until SIGTERM or Ctrl-C. The first signal stops taking jobs and
 * lets running trials finish (up to --grace, then they go back to the queue); a second one returns them
 * at once. Either way the process exits 0 with every job finished or back in the queue.
 */
export async function runWorkerCommand(flags: WorkerFlags, config: Config): Promise<void> {
  const url = queueUrlFromFlag(flags.queue ?? true, config) as string;
  let concurrency: number | undefined;
  if (flags.concurrency !== undefined) {
    concurrency = parseStrictNumber(flags.concurrency, '--concurrency');
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new ValidationError(
        `--concurrency: expected a whole number in [1, 256], got "${flags.concurrency}"`,
        {
          field: 'concurrency',
        },
      );
    }
  }
  const stallTimeoutMs = seconds(flags.stallTimeout, '--stall-timeout', 0.2) * 1000;
  const heartbeatMs = seconds(flags.heartbeat, '--heartbeat', 0.1) * 1000;
  const graceMs = seconds(flags.grace, '--grace', 0) * 1000;
  const { parseQueueUrl, startQueueWorker } = await import('../distributed/index.js');
  parseQueueUrl(url, '--queue');
  const worker = await startQueueWorker({ queue: url, concurrency, stallTimeoutMs, heartbeatMs, log });
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        log(
          `${signal}: taking no more trials; running ones finish within ${graceMs / 1000} s, then go back to the queue ` +
            '(send the signal again to return them now)',
        );
        const timer = setTimeout(() => void worker.stop({ returnRunning: true }), graceMs);
        timer.unref();
        worker.stop().then(() => {
          clearTimeout(timer);
          resolve();
        });
      } else {
        log(`${signal}: returning running trials to the queue`);
        void worker.stop({ returnRunning: true });
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  log(`worker ${worker.id} stopped after ${worker.done} trial(s)`);
  // Every job is finished or back in the queue. A client still retrying a lost Redis must not keep
  // the process alive: if anything is left after a moment, exit anyway.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1_000).unref();
}
