import type { Command } from 'commander';
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
      '30',
    )
    .option('--heartbeat <seconds>', 'how often this worker announces itself', '5')
    .option(
      '--grace <seconds>',
      'on SIGTERM, how long running trials may finish before they go back to the queue',
      '30',
    )
    .action(async (flags: WorkerFlags) => {
      const config = await loadCliConfig(program);
      const { runWorkerCommand } = await import('../worker-command.js');
      await runWorkerCommand(flags, config);
    });
}
