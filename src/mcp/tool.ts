import type { z } from 'zod';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { JobPool } from './pool.js';
import type { McpSettings } from './settings.js';
import type { McpToolset } from './toolsets.js';

/**
 * The shape every MCP tool module uses. A tool is a thin adapter: it receives arguments already
 * validated against `input` (zod), calls the library, and returns plain JSON data; the registration
 * wrapper (register.ts) turns that into `structuredContent` plus a text rendering, maps library errors
 * to tool errors and sanitises numbers (NaN/Infinity become null).
 */

/** Truthful behaviour hints (MCP tool annotations) that clients use to decide what needs a confirmation. */
export interface ToolHints {
  /** Reads only; changes nothing anywhere. */
  readOnlyHint: boolean;
  /** May destroy or irreversibly change something (an order that may fill, a cancel, an overwrite). */
  destructiveHint: boolean;
  /** Calling twice with the same arguments has no further effect. */
  idempotentHint: boolean;
  /** Talks to the world outside this process' own files (a broker, a market data API). */
  openWorldHint: boolean;
}

export const READ_ONLY: ToolHints = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** What a tool call can use besides its arguments. */
export interface ToolCallContext<Prepared = unknown> {
  readonly runtime: McpRuntime;
  /** What the tool's prepare() resolved on the event loop (worker tools), else undefined. */
  readonly prepared?: Prepared;
  /** Aborted when the client cancels the request (notifications/cancelled) or disconnects. */
  readonly signal: AbortSignal;
  /**
   * Report progress of long work (sent as notifications/progress when the client asked for it with a
   * progressToken; otherwise a no-op). Throws a CANCELLED error if the request was cancelled meanwhile,
   * so long loops stop at their next report.
   */
  progress(done: number, total?: number, message?: string): Promise<void>;
}

/** Process-wide state shared by every session (stdio has one session; HTTP may have several). */
export interface McpRuntime {
  readonly config: Config;
  readonly startedAt: number;
  readonly transport: 'stdio' | 'http';
  readonly toolsets: ReadonlySet<McpToolset>;
  readonly log: Logger;
  /** Names of the tools this server registers (after toolset filtering). */
  readonly toolNames: readonly string[];
  /** Limits and pool sizes from configuration (NEURAL_TRADER_MCP_*). */
  readonly settings: McpSettings;
  /**
   * The worker pool that runs heavy tools, started on first use (or soon after the transports start).
   * Asynchronous so that worker_threads is loaded only then, not at start-up.
   */
  jobs(): Promise<JobPool>;
  /** Lazily created services keyed by name (paper trading desk, model store, ...), one per process. */
  service<T>(key: string, create: () => Promise<T>): Promise<T>;
  /** Close every service that has a close() (the trading journal, broker connections). */
  close(): Promise<void>;
}

/** Plain JSON-able data a tool returns; it becomes structuredContent. */
export type ToolData = Record<string, unknown>;

/**
 * Where a heavy tool runs: in the server's worker pool, off the event loop, so ping and every other
 * session stay responsive while it computes.
 */
export interface WorkerPlacement {
  /** Long jobs (optimisation, training) never take the last free worker, so quick jobs always find one. */
  readonly long?: boolean;
  /** At most this many calls of this tool run at once; the others wait in the queue. */
  readonly maxConcurrent?: number;
}

export interface ToolSpec<Input extends z.ZodRawShape = z.ZodRawShape, Prepared = unknown> {
  /** snake_case, as the old system named its tools. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly toolset: McpToolset;
  readonly input: Input;
  /** Shape of structuredContent (validated by the SDK before it is sent). */
  readonly output: z.ZodRawShape;
  readonly hints: ToolHints;
  /** Human-readable text for `content`; default: a generic rendering of the data. */
  render?(data: ToolData): string;
  /** Run in the worker pool (heavy computation) instead of on the event loop. */
  readonly worker?: WorkerPlacement;
  /** Default time limit in seconds (NEURAL_TRADER_MCP_TIME_LIMITS overrides; see limits.ts). */
  readonly timeLimitSeconds?: number;
  /** The size limit in words, appended to the description (e.g. "at most 20,000 grid combinations"). */
  readonly sizeLimit?: string;
  /**
   * Arithmetic size check on the validated arguments, run on the event loop before anything is queued,
   * fetched or allocated. Throws a ValidationError naming the argument.
   */
  checkSize?(args: z.output<z.ZodObject<Input>>): void;
  /**
   * Worker tools only: resolve what only the event loop has (the traded account's positions) into plain
   * data, passed to run() as `context.prepared`.
   */
  prepare?(args: z.output<z.ZodObject<Input>>, context: ToolCallContext): Promise<Prepared | undefined>;
  run(args: z.output<z.ZodObject<Input>>, context: ToolCallContext<Prepared>): Promise<ToolData>;
}

/** A tool spec with its input type erased, so modules can list specs of different shapes together. */
export type AnyToolSpec = ToolSpec<z.ZodRawShape>;

/** Define a tool with full type inference of its arguments, then erase the type for registration. */
export function defineTool<Input extends z.ZodRawShape, Prepared = unknown>(
  spec: ToolSpec<Input, Prepared>,
): AnyToolSpec {
  return spec as unknown as AnyToolSpec;
}
