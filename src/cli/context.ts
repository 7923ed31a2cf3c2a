import type { Command } from 'commander';
import type { Config } from '../core/config.js';

/** Load (once) the config for this CLI run, honouring the global --env flag. */
export async function loadCliConfig(program: Command): Promise<Config> {
  const { getConfig, loadConfig, setConfig } = await import('../core/config.js');
  const envFile = program.opts<{ env?: string }>().env;
  if (envFile) {
    const config = loadConfig({ envFile });
    setConfig(config);
    return config;
  }
  return getConfig();
}
