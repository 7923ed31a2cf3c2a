import { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { guardTransport } from './guard.js';
import { buildMcpServer, startJobPool } from './server.js';
import type { McpRuntime } from './tool.js';

/**
 * In stdio mode stdout IS the protocol channel: one stray `console.log` from any library (a tfjs banner,
 * a debug print) would corrupt the JSON-RPC stream. So the transport gets a private handle on the real
 * stdout, and process.stdout.write (which console.log and friends use) is pointed at stderr.
 */
function claimStdout(): Writable {
  const realWrite = process.stdout.write.bind(process.stdout);
  const protocolOut = new Writable({
    write(chunk: Buffer | string, encoding, callback) {
      realWrite(chunk, encoding, callback);
    },
  });
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    (process.stderr.write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(
      chunk,
      ...rest,
    )) as typeof process.stdout.write;
  return protocolOut;
}

/** Count requests read from the client and not yet answered (by wrapping the connected transport). */
function trackPendingRequests(transport: StdioServerTransport): {
  drained(timeoutMs: number): Promise<void>;
} {
  const pending = new Set<string | number>();
  const waiters = new Set<() => void>();
  const receive = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    if ('method' in message && 'id' in message) pending.add(message.id);
    receive?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    if (!('method' in message) && 'id' in message && message.id !== undefined) {
      pending.delete(message.id);
      if (pending.size === 0) for (const wake of waiters) wake();
    }
  };
  return {
    drained(timeoutMs) {
      if (pending.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(finish, timeoutMs);
        function finish() {
          clearTimeout(timer);
          waiters.delete(finish);
          resolve();
        }
        waiters.add(finish);
      });
    },
  };
}

export interface StdioServerHandle {
  close(): Promise<void>;
  /** Resolves when the client hangs up (stdin ends) or close() is called. */
  readonly closed: Promise<void>;
}

/** Serve one MCP session over this process' stdin/stdout. */
export async function serveStdio(runtime: McpRuntime): Promise<StdioServerHandle> {
  const protocolOut = claimStdout();
  const server = buildMcpServer(runtime);
  const transport = new StdioServerTransport(process.stdin, protocolOut);
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  transport.onclose = () => {
    void close();
  };
  await server.connect(transport);
  guardTransport(transport);
  // server.close() closes the transport, whose onclose calls close() again: the promise is assigned
  // before any of that work starts (it runs on a later tick), so the re-entrant call just returns it.
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= Promise.resolve().then(async () => {
      await server.close();
      await runtime.close();
      resolveClosed();
    });
    return closing;
  };
  const pending = trackPendingRequests(transport);
  // A client that is gone for good (our stdout is closed: EPIPE) cannot read answers: close at once,
  // which cancels every call still running.
  for (const stream of [protocolOut, process.stdout]) {
    stream.once('error', () => {
      void close();
    });
  }
  startJobPool(runtime);
  // The client closing our stdin is how a stdio session ends. Requests already read (e.g. piped in by
  // a script) still get their answers: unanswered requests may finish first (up to a minute).
  process.stdin.once('end', () => {
    void pending.drained(60_000).then(close);
  });
  runtime.log.info('serving MCP over stdio', { tools: runtime.toolNames.length });
  return { close, closed };
}
