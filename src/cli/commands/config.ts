import type { Command } from 'commander';
import { loadCliConfig } from '../context.js';

export function register(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (.env + environment) with secrets redacted')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = await loadCliConfig(program);
      const [{ redactedConfig }, { describeMcpSettings }, { printJson, renderKeyValues }] = await Promise.all(
        [import('../../core/config.js'), import('../../mcp/settings.js'), import('../output.js')],
      );
      // The MCP server's NEURAL_TRADER_MCP_* settings sit with the token and toolsets, before the file read.
      const { env_file: envFile, ...settings } = redactedConfig(config);
      const values = { ...settings, ...describeMcpSettings(config), env_file: envFile };
      if (options.json) printJson(values);
      else process.stdout.write(renderKeyValues(values));
    });
}
