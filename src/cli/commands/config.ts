import type { Command } from 'commander';
import { loadCliConfig } from '../context.js';

export function register(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (.env + environment) with secrets redacted')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = await loadCliConfig(program);
      const { redactedConfig } = await import('../../core/config.js');
      const { printJson, renderKeyValues } = await import('../output.js');
      const values = redactedConfig(config);
      if (options.json) printJson(values);
      else process.stdout.write(renderKeyValues(values));
    });
}
