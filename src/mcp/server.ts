import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Config } from '../core/config.js';
import { registerPrompts } from './prompts.js';
import { registerToolSpec } from './register.js';
import { registerResources } from './resources.js';
import { createRuntime, packageVersion } from './runtime.js';
import type { McpRuntime } from './tool.js';
import { selectTools } from './tools/index.js';
import { type McpToolset, parseToolsets } from './toolsets.js';

export interface McpServerOptions {
  config: Config;
  /** Overrides config.mcp.toolsets (NEURAL_TRADER_TOOLSETS). */
  toolsets?: readonly string[] | string;
  transport?: 'stdio' | 'http';
}

const INSTRUCTIONS = [
  'neural-trader: market data, indicators, strategies, backtests, paper/live order execution, portfolio,',
  'risk and neural forecasting tools. Dates are YYYY-MM-DD. The bundled sample datasets (provider "sample")',
  'work offline. Orders are paper (simulated) unless the operator enabled live trading in configuration;',
  'every order needs a unique client_order_id, and live orders also need confirm: true.',
].join(' ');

/** One process-wide runtime; each MCP session gets its own McpServer over it. */
export function createMcpRuntime(options: McpServerOptions): McpRuntime {
  const toolsets: ReadonlySet<McpToolset> = parseToolsets(options.toolsets ?? options.config.mcp.toolsets);
  return createRuntime({
    config: options.config,
    transport: options.transport ?? 'stdio',
    toolsets,
    toolNames: selectTools(toolsets).map((tool) => tool.name),
  });
}

/**
 * Values (keys and array items) one call's arguments may hold in all; beyond this the SDK refuses the
 * call before validating it. The largest legitimate arguments (a list grid, a portfolio) are far below.
 */
const MAX_ARGUMENT_ELEMENTS = 10_000;

/**
 * Start the worker pool soon after serving begins (when any exposed tool uses it), so the first heavy
 * call finds it warm, but not during start-up, where its threads would slow the first tools/list. A
 * heavy call that comes sooner starts it on demand.
 */
export function startJobPool(runtime: McpRuntime, afterMs = 1000): void {
  if (!selectTools(runtime.toolsets).some((tool) => tool.worker)) return;
  setTimeout(() => {
    runtime.jobs().catch((error: unknown) => runtime.log.warn('could not start the worker pool', { error }));
  }, afterMs).unref();
}

/** An McpServer with the tools, resources and prompts of the runtime's toolsets registered. */
export function buildMcpServer(runtime: McpRuntime): McpServer {
  const server = new McpServer(
    { name: 'neural-trader', title: 'neural-trader', version: packageVersion() },
    { instructions: INSTRUCTIONS, maxToolInputElements: MAX_ARGUMENT_ELEMENTS },
  );
  for (const tool of selectTools(runtime.toolsets)) registerToolSpec(server, tool, runtime);
  registerResources(server, runtime);
  registerPrompts(server, runtime);
  return server;
}
