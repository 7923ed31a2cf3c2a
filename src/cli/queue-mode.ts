import type { Config } from '../core/config.js';
import { ValidationError } from '../core/errors.js';
import type { QueueEvent, RedisQueueOptions, SweepQueue } from '../distributed/index.js';
import { DEFAULT_QUEUE_PREFIX } from '../distributed/queue-url.js';
import { createProgress, type Progress } from './progress.js';

/**
 * The CLI side of queue mode (`optimize --queue`, `optimize --resume`, `worker`): where the URL comes
 * from, and how a sweep's progress and events are shown on stderr.
 */

/** `--queue URL` as given, or `--queue` alone: NEURAL_TRADER_QUEUE_URL (keeps a password off `ps`). */
export function queueUrlFromFlag(flag: string | boolean | undefined, config: Config): string | undefined {
  if (flag === undefined || flag === false) return undefined;
  if (flag !== true) return flag;
  if (!config.queueUrl) {
    throw new ValidationError('--queue: no URL given and NEURAL_TRADER_QUEUE_URL is not set', {
      field: 'queue',
      hint: 'give --queue redis://host:6379, or set NEURAL_TRADER_QUEUE_URL in .env (keeps a password off the command line)',
    });
  }
  return config.queueUrl;
}

/** The queue of `--queue`; a bad URL is refused naming the flag, before any data is fetched. */
export async function openQueue(url: string, options: RedisQueueOptions): Promise<SweepQueue> {
  const { parseQueueUrl, redisQueue } = await import('../distributed/index.js');
  parseQueueUrl(url, '--queue');
  return redisQueue(url, options);
}

export interface QueueReporter {
  onEvent(event: QueueEvent): void;
  onProgress(done: number, total: number): void;
  finish(): void;
}

/**
 * The `--queue` argument that reaches the same queue again, for hints: the display URL (no password) plus
 * the prefix when it is not the default, quoted because `?` is a shell pattern character.
 */
export function queueArgument(url: string, prefix: string): string {
  return prefix === DEFAULT_QUEUE_PREFIX ? url : `"${url}?prefix=${prefix}"`;
}

function line(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Lines for a queue sweep's events; a progress bar with trials done, rate, ETA and failed attempts. */
export function queueReporter(label: string): QueueReporter {
  let progress: Progress | undefined;
  let started = Date.now();
  let failures = 0;
  let requeued = 0;
  let queueArg = 'URL';
  const note = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const parts = [`${rate.toFixed(rate < 10 ? 1 : 0)}/s`];
    if (failures > 0) parts.push(`${failures} failed attempt(s)`);
    if (requeued > 0) parts.push(`${requeued} re-queued`);
    return parts.join(', ');
  };
  let done = 0;
  return {
    onEvent(event) {
      switch (event.type) {
        case 'sweep':
          queueArg = queueArgument(event.url, event.prefix);
          started = Date.now();
          line(
            `sweep ${event.sweepId} ${event.resumed ? 'resumed' : 'queued'} on ${event.url} (prefix ${event.prefix}, ` +
              `data ${(event.dataBytes / 2 ** 20).toFixed(1)} MB sent once); if this process stops, finish it with ` +
              `\`npx neural-trader optimize --resume ${event.sweepId} --queue ${queueArg}\``,
          );
          return;
        case 'workers':
          if (event.compatible > 0) {
            line(`workers: ${event.compatible} on this build (${event.threads} trial threads)`);
          } else {
            line(
              `no worker on this build is connected yet: start one with \`npx neural-trader worker --queue ${queueArg}\`; trials wait in the queue`,
            );
          }
          for (const other of event.incompatible) {
            line(
              `${other.workers} worker(s) run another build (${other.version}) and will not take these trials: update them to this build`,
            );
          }
          return;
        case 'failure':
          if (!event.final) failures++;
          line(
            event.final
              ? `trial ${event.key.slice(0, 8)} failed for good on ${event.worker}: ${event.reason}`
              : `trial ${event.key.slice(0, 8)} failed on ${event.worker} (${event.reason}); it is retried`,
          );
          return;
        case 'requeued':
          requeued++;
          line(`trial ${event.key.slice(0, 8)} went back to the queue: its worker stopped answering`);
          return;
        case 'connection':
          line(
            event.state.type === 'lost'
              ? `lost Redis (${event.state.reason}); reconnect attempt ${event.state.attempt} in ${(event.state.retryInMs / 1000).toFixed(1)} s`
              : `Redis is back after ${(event.state.downMs / 1000).toFixed(1)} s`,
          );
          return;
      }
    },
    onProgress(doneNow, total) {
      done = doneNow;
      progress ??= createProgress(label, total);
      progress.update(done, note(done));
    },
    finish() {
      progress?.finish(note(done));
    },
  };
}
