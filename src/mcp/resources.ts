import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpRuntime } from './tool.js';

/**
 * Read-only resources: catalogues an assistant can load into context without a tool call.
 * Registered with the toolset they belong to.
 */
export function registerResources(_server: McpServer, _runtime: McpRuntime): void {}
