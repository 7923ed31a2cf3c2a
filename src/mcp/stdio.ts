import { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildMcpServer } from './server.js';
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
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await server.close();
      await runtime.close();
      resolveClosed();
    })();
    return closing;
  };
  // The client closing our stdin is how a stdio session ends.
  process.stdin.once('end', () => {
    void close();
  });
  runtime.log.info('serving MCP over stdio', { tools: runtime.toolNames.length });
  return { close, closed };
}
