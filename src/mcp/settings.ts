import { availableParallelism } from 'node:os';
import type { Config } from '../core/config.js';
import { DEFAULT_TIME_LIMIT_SECONDS, parseTimeLimits } from './limits.js';

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

/**
 * The NEURAL_TRADER_MCP_* settings as `neural-trader config` prints them: each variable's effective value,
 * marked as a default when it was not set. (The token is printed masked with the other secrets.) A time
 * limit list that cannot be read is refused here with the one-line error the server would give.
 */
export function describeMcpSettings(config: Config): Record<string, string> {
  const settings = mcpSettings(config);
  const value = (given: number | undefined, effective: number, rule: string) =>
    given === undefined ? `${effective} (default: ${rule})` : String(effective);
  const limits = [...settings.timeLimits].map(([tool, seconds]) => `${tool}=${seconds}`).join(',');
  return {
    NEURAL_TRADER_MCP_WORKERS: value(config.mcp.workers, settings.workers, 'one per core, 2 to 8'),
    NEURAL_TRADER_MCP_QUEUE: value(config.mcp.queue, settings.queue, 'heavy calls that may wait'),
    NEURAL_TRADER_MCP_MAX_SESSIONS: value(config.mcp.maxSessions, settings.maxSessions, 'HTTP sessions kept'),
    NEURAL_TRADER_MCP_SESSION_IDLE_SECONDS: value(
      config.mcp.sessionIdleSeconds,
      settings.sessionIdleMs / 1000,
      '15 minutes',
    ),
    NEURAL_TRADER_MCP_TIME_LIMITS:
      limits === ''
        ? `(each tool's own: ${DEFAULT_TIME_LIMIT_SECONDS.main} s quick, ${DEFAULT_TIME_LIMIT_SECONDS.worker} s heavy unless the tool sets one)`
        : limits,
  };
}
