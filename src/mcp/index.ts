import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Config } from '../core/config.js';
import type { HttpServeOptions, HttpServerHandle } from './http.js';
import type { StdioServerHandle } from './stdio.js';
import type { ToolHints } from './tool.js';
import { ALL_TOOLS, selectTools } from './tools/index.js';
import { type McpToolset, parseToolsets } from './toolsets.js';

/**
 * The MCP server: every neural-trader capability as tools an AI assistant can call. The SDK and the
 * capability libraries are loaded lazily, so importing the library does not pay for them.
 */
export type { HttpServeOptions, HttpServerHandle } from './http.js';
export type { StdioServerHandle } from './stdio.js';
export type { AnyToolSpec, McpRuntime, ToolCallContext, ToolHints, ToolSpec } from './tool.js';
export { MCP_TOOLSETS, type McpToolset, parseToolsets as parseMcpToolsets } from './toolsets.js';

export interface McpToolInfo {
  name: string;
  title: string;
  description: string;
  toolset: McpToolset;
  hints: ToolHints;
}

/** The tools a server would expose for these toolsets (default: all), without starting one. */
export function listMcpTools(toolsets?: readonly string[] | string): McpToolInfo[] {
  const selected = toolsets === undefined ? undefined : parseToolsets(toolsets);
  return (selected ? selectTools(selected) : [...ALL_TOOLS]).map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    toolset: tool.toolset,
    hints: tool.hints,
  }));
}

export interface CreateMcpServerOptions {
  config: Config;
  /** Overrides config.mcp.toolsets (NEURAL_TRADER_TOOLSETS). */
  toolsets?: readonly string[] | string;
}

/** An McpServer with every tool registered, to connect to a transport of your own (e.g. in-memory). */
export async function createMcpServer(options: CreateMcpServerOptions): Promise<McpServer> {
  const { buildMcpServer, createMcpRuntime } = await import('./server.js');
  return buildMcpServer(createMcpRuntime({ config: options.config, toolsets: options.toolsets }));
}

/** Serve over this process' stdin/stdout (what `neural-trader mcp start` does by default). */
export async function startMcpStdioServer(options: CreateMcpServerOptions): Promise<StdioServerHandle> {
  const [{ createMcpRuntime }, { serveStdio }] = await Promise.all([
    import('./server.js'),
    import('./stdio.js'),
  ]);
  return serveStdio(createMcpRuntime({ ...options, transport: 'stdio' }));
}

/** Serve Streamable HTTP on host:port (default 127.0.0.1:3000, endpoint /mcp). */
export async function startMcpHttpServer(
  options: CreateMcpServerOptions & HttpServeOptions,
): Promise<HttpServerHandle> {
  const [{ createMcpRuntime }, { serveHttp }] = await Promise.all([
    import('./server.js'),
    import('./http.js'),
  ]);
  const runtime = createMcpRuntime({ config: options.config, toolsets: options.toolsets, transport: 'http' });
  return serveHttp(runtime, { ...options, token: options.token ?? options.config.mcp.token });
}
