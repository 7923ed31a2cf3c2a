import { availableParallelism } from 'node:os';
import type { Config } from '../core/config.js';
import { parseTimeLimits } from './limits.js';

/**
 * The MCP server's operating limits, from configuration (NEURAL_TRADER_MCP_* variables) with defaults
 * sized for a small machine. Every number here bounds memory or latency under load.
 */
export interface McpSettings {
  /** Per-tool time limits in seconds (`*` = every tool without its own entry). */
  readonly timeLimits: ReadonlyMap<string, number>;
  /** Worker threads for heavy tools. */
  readonly workers: number;
  /** Heavy calls allowed to wait for a worker; more are refused as busy. */
  readonly queue: number;
  /** Tool calls in progress across all sessions; more are refused as busy. */
  readonly maxInFlight: number;
  /** HTTP sessions kept; a new one closes the least recently used idle session beyond this. */
  readonly maxSessions: number;
  /** An HTTP session idle this long is closed. */
  readonly sessionIdleMs: number;
}

export const DEFAULT_MCP_SETTINGS = {
  queue: 256,
  maxInFlight: 1024,
  maxSessions: 128,
  sessionIdleSeconds: 15 * 60,
} as const;

/** One worker per core, at least 2 (one for long jobs, one always free for quick ones), at most 8. */
export function defaultWorkerCount(): number {
  return Math.min(8, Math.max(2, availableParallelism()));
}

export function mcpSettings(config: Config): McpSettings {
  const mcp = config.mcp;
  return {
    timeLimits: parseTimeLimits(mcp.timeLimits),
    workers: mcp.workers ?? defaultWorkerCount(),
    queue: mcp.queue ?? DEFAULT_MCP_SETTINGS.queue,
    maxInFlight: DEFAULT_MCP_SETTINGS.maxInFlight,
    maxSessions: mcp.maxSessions ?? DEFAULT_MCP_SETTINGS.maxSessions,
    sessionIdleMs: (mcp.sessionIdleSeconds ?? DEFAULT_MCP_SETTINGS.sessionIdleSeconds) * 1000,
  };
}
