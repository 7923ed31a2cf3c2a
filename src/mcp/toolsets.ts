import { ConfigError } from '../core/errors.js';

/**
 * Tools come in groups ("toolsets") so an operator can expose only what an assistant should touch, e.g.
 * `NEURAL_TRADER_TOOLSETS=data,strategies,backtest` for research without any order tools.
 * `system` (ping, server metrics) is always exposed: it reads nothing sensitive and clients use it for
 * health checks.
 */
export const MCP_TOOLSETS = [
  'data',
  'strategies',
  'backtest',
  'trading',
  'portfolio',
  'risk',
  'neural',
  'sports',
  'syndicate',
  'memory',
  'system',
] as const;
export type McpToolset = (typeof MCP_TOOLSETS)[number];

/** Parse a toolset list (from --toolsets or NEURAL_TRADER_TOOLSETS); undefined or empty means all. */
export function parseToolsets(list: readonly string[] | string | undefined): ReadonlySet<McpToolset> {
  const items = (typeof list === 'string' ? list.split(',') : (list ?? []))
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 0 || items.includes('all')) return new Set(MCP_TOOLSETS);
  const selected = new Set<McpToolset>(['system']);
  for (const item of items) {
    if (!(MCP_TOOLSETS as readonly string[]).includes(item)) {
      throw new ConfigError(`NEURAL_TRADER_TOOLSETS: unknown toolset "${item}"`, {
        field: 'NEURAL_TRADER_TOOLSETS',
        hint: `use a comma list of: ${MCP_TOOLSETS.join(', ')} (or "all")`,
      });
    }
    selected.add(item as McpToolset);
  }
  return selected;
}
