import type { AnyToolSpec } from '../tool.js';
import type { McpToolset } from '../toolsets.js';
import { backtestTools } from './backtest.js';
import { dataTools } from './data.js';
import { memoryTools } from './memory.js';
import { neuralTools } from './neural.js';
import { portfolioTools } from './portfolio.js';
import { riskTools } from './risk.js';
import { sportsTools } from './sports.js';
import { strategyTools } from './strategies.js';
import { syndicateTools } from './syndicate.js';
import { systemTools } from './system.js';
import { tradingTools } from './trading.js';

/**
 * Every tool module, in the order tools are listed to clients. Adding a capability's tools is one
 * module in this folder plus one line here; each module's handlers import their library lazily.
 */
export const ALL_TOOLS: readonly AnyToolSpec[] = [
  ...systemTools,
  ...dataTools,
  ...strategyTools,
  ...backtestTools,
  ...tradingTools,
  ...portfolioTools,
  ...riskTools,
  ...neuralTools,
  ...sportsTools,
  ...syndicateTools,
  ...memoryTools,
];

/** The tools exposed for a set of toolsets. */
export function selectTools(toolsets: ReadonlySet<McpToolset>): AnyToolSpec[] {
  return ALL_TOOLS.filter((tool) => toolsets.has(tool.toolset));
}
