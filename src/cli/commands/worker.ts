import type { Command } from 'commander';
import {
  DEFAULT_QUEUE_GRACE_SECONDS,
  DEFAULT_QUEUE_HEARTBEAT_SECONDS,
  DEFAULT_QUEUE_STALL_TIMEOUT_SECONDS,
} from '../../core/defaults.js';
import { loadCliConfig } from '../context.js';
import type { WorkerFlags } from '../worker-command.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('run optimisation trials from a Redis queue (start one per machine; see optimize --queue)')
    .option(
      '--queue [url]',
      'the queue: redis://[:password@]host:6379[/db][?prefix=name] (rediss:// for TLS; no URL: NEURAL_TRADER_QUEUE_URL)',
    )
    .option('--concurrency <n>', 'trials run at once, one thread each (default: one per core)')
    .option(
      '--stall-timeout <seconds>',
      "how long a silent worker's trial waits before another worker takes it",
      String(DEFAULT_QUEUE_STALL_TIMEOUT_SECONDS),
    )
    .option(
      '--heartbeat <seconds>',
      'how often this worker announces itself',
      String(DEFAULT_QUEUE_HEARTBEAT_SECONDS),
    )
    .option(
      '--grace <seconds>',
      'on SIGTERM, how long running trials may finish before they go back to the queue',
      String(DEFAULT_QUEUE_GRACE_SECONDS),
    )
    .action(async (flags: WorkerFlags) => {
      const config = await loadCliConfig(program);
      const { runWorkerCommand } = await import('../worker-command.js');
      await runWorkerCommand(flags, config);
    });
}
