import type { z } from 'zod';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
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
export interface ToolCallContext {
  readonly runtime: McpRuntime;
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
  /** Lazily created services keyed by name (paper trading desk, model store, ...), one per process. */
  service<T>(key: string, create: () => Promise<T>): Promise<T>;
  /** Close every service that has a close() (the trading journal, broker connections). */
  close(): Promise<void>;
}

/** Plain JSON-able data a tool returns; it becomes structuredContent. */
export type ToolData = Record<string, unknown>;

export interface ToolSpec<Input extends z.ZodRawShape = z.ZodRawShape> {
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
  run(args: z.output<z.ZodObject<Input>>, context: ToolCallContext): Promise<ToolData>;
}

/** A tool spec with its input type erased, so modules can list specs of different shapes together. */
export type AnyToolSpec = ToolSpec<z.ZodRawShape>;

/** Define a tool with full type inference of its arguments, then erase the type for registration. */
export function defineTool<Input extends z.ZodRawShape>(spec: ToolSpec<Input>): AnyToolSpec {
  return spec as unknown as AnyToolSpec;
}
