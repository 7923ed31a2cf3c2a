import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { ConfigError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import { guardTransport } from './guard.js';
import { buildMcpServer, startJobPool } from './server.js';
import type { McpRuntime } from './tool.js';

/**
 * Streamable HTTP transport, stateful: each client session (created by its `initialize` request) gets
 * its own McpServer and transport, kept in memory and addressed by the `Mcp-Session-Id` header. Stateful
 * sessions are what let a client cancel a long optimisation or training run and receive its progress
 * notifications. Paper-trading state is process-wide (the journal on disk), shared by all sessions.
 *
 * Security: bound to 127.0.0.1 by default. A bearer token (`--token` / NEURAL_TRADER_MCP_TOKEN) is
 * compared in constant time; binding to a non-loopback address without one is refused. Without a token
 * on loopback, Host and Origin headers must be local, which stops DNS-rebinding attacks from web pages
 * (an `Origin: null` from a sandboxed page, or one that is not a URL, is refused too).
 *
 * Sessions: at most `maxSessions` are kept; a new client beyond that closes the least recently used
 * session that has no request in progress (only when every session is busy is it told 503). A session
 * idle for `sessionIdleMs` is closed. A client that disconnects while a request runs cancels it.
 */
export interface HttpServeOptions {
  host?: string;
  port?: number;
  token?: string;
  /** URL path of the MCP endpoint (default /mcp). */
  path?: string;
  /** Sessions kept; a new one beyond this closes the least recently used idle session (default 128). */
  maxSessions?: number;
  /** A session with no request for this long is closed (default 15 minutes). */
  sessionIdleMs?: number;
  /** Largest accepted request body (default 4 MiB). */
  maxBodyBytes?: number;
}

export interface HttpServerHandle {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly sessionCount: () => number;
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

export const MIN_TOKEN_LENGTH = 16;

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** Refuse configurations that would expose trading tools to the network without authentication. */
export function assertSafeHttpBinding(host: string, token: string | undefined): void {
  if (token !== undefined && /\s/.test(token)) {
    // A blank token would otherwise mean "no authentication", and one with spaces can never be sent
    // in an `Authorization: Bearer` header: both are configuration mistakes.
    throw new ConfigError(
      token.trim() === ''
        ? 'MCP token is blank (only whitespace)'
        : 'MCP token contains whitespace, which a bearer header cannot carry',
      {
        field: 'token',
        hint: 'generate one with `openssl rand -hex 32` and pass it with --token or NEURAL_TRADER_MCP_TOKEN',
      },
    );
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(`MCP token is too short (${token.length} characters, need ${MIN_TOKEN_LENGTH}+)`, {
      field: 'token',
      hint: 'generate one with `openssl rand -hex 32` and pass it with --token or NEURAL_TRADER_MCP_TOKEN',
    });
  }
  if (!isLoopbackHost(host) && !token) {
    throw new ConfigError(`refusing to serve MCP on non-loopback address ${host} without a token`, {
      field: 'host',
      hint:
        'set NEURAL_TRADER_MCP_TOKEN (or pass --token) so clients must send that token as a bearer ' +
        'Authorization header, or bind to 127.0.0.1',
    });
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time bearer check: both sides are hashed to equal length before timingSafeEqual. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  if (!header) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return false;
  return timingSafeEqual(digest(match[1]), expected);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers = {}) {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

/** True when an Origin header is absent or names a loopback host; `null` and non-URLs are not local. */
export function isLocalOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  let hostname: string;
  try {
    hostname = new URL(origin).hostname;
  } catch {
    return false;
  }
  return isLoopbackHost(hostname);
}

interface Session {
  transport: StreamableHTTPServerTransport;
  close(): Promise<void>;
  lastSeen: number;
  /** POST requests being answered right now (a session with any is never evicted). */
  active: number;
}

/** JSON-RPC request ids in a POST body (a single message or a batch). */
function requestIds(body: unknown): (string | number)[] {
  const messages = Array.isArray(body) ? body : [body];
  const ids: (string | number)[] = [];
  for (const message of messages) {
    if (message && typeof message === 'object' && 'method' in message && 'id' in message) {
      const id = (message as { id: unknown }).id;
      if (typeof id === 'string' || typeof id === 'number') ids.push(id);
    }
  }
  return ids;
}

/**
 * Serve a POST on a session. If the client goes away before the answer is complete, its requests are
 * cancelled exactly as if it had sent notifications/cancelled, so the work stops.
 */
async function serveOnSession(
  session: Session,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  session.lastSeen = Date.now();
  if (req.method !== 'POST') {
    await session.transport.handleRequest(req, res, body);
    return;
  }
  session.active++;
  const ids = requestIds(body);
  res.once('close', () => {
    session.active--;
    session.lastSeen = Date.now();
    if (res.writableFinished || ids.length === 0) return;
    for (const requestId of ids) {
      session.transport.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId, reason: 'client disconnected' },
      });
    }
  });
  await session.transport.handleRequest(req, res, body);
}

export async function serveHttp(
  runtime: McpRuntime,
  options: HttpServeOptions = {},
): Promise<HttpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  assertSafeHttpBinding(host, token);
  registerSecret(token);
  const expected = token ? digest(token) : undefined;
  const endpoint = options.path ?? '/mcp';
  const maxSessions = options.maxSessions ?? runtime.settings.maxSessions;
  const idleMs = options.sessionIdleMs ?? runtime.settings.sessionIdleMs;
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const loopbackOnly = isLoopbackHost(host);
  const log = runtime.log.child('http');
  const sessions = new Map<string, Session>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== endpoint) {
      sendJson(res, 404, { error: `not found; the MCP endpoint is ${endpoint}` });
      return;
    }
    if (expected) {
      if (!bearerMatches(req.headers.authorization, expected)) {
        log.warn('unauthorised request', { method: req.method, remote: req.socket.remoteAddress });
        jsonRpcError(
          res,
          401,
          -32001,
          'unauthorised: send the server token in a bearer Authorization header',
          {
            'www-authenticate': 'Bearer realm="neural-trader"',
          },
        );
        return;
      }
    } else if (loopbackOnly) {
      // No token: only requests that are really local (not a web page that rebound a DNS name to us).
      const hostHeader = req.headers.host ?? '';
      if (!isLoopbackHost(hostnameOf(hostHeader)) || !isLocalOrigin(req.headers.origin)) {
        jsonRpcError(res, 403, -32001, 'forbidden: non-local Host or Origin header');
        return;
      }
    }

    const sessionId = req.headers['mcp-session-id'];
    let parsedBody: unknown;
    if (req.method === 'POST') {
      try {
        parsedBody = JSON.parse(await readBody(req, maxBody));
      } catch (error) {
        if (error instanceof BodyTooLargeError) jsonRpcError(res, 413, -32600, error.message);
        else jsonRpcError(res, 400, -32700, 'parse error: the body is not valid JSON');
        return;
      }
    }

    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session) {
        jsonRpcError(res, 404, -32001, 'session not found (expired or closed); initialise a new session');
        return;
      }
      await serveOnSession(session, req, res, parsedBody);
      return;
    }

    if (req.method !== 'POST' || !isInitializeRequest(parsedBody)) {
      jsonRpcError(
        res,
        400,
        -32000,
        'bad request: no Mcp-Session-Id header; start with an initialize request',
      );
      return;
    }
    if (sessions.size >= maxSessions && !evictLeastRecentlyUsed()) {
      jsonRpcError(
        res,
        503,
        -32000,
        `all ${sessions.size} sessions are busy; retry shortly (the operator can raise NEURAL_TRADER_MCP_MAX_SESSIONS)`,
      );
      return;
    }
    const server = buildMcpServer(runtime);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, close: () => server.close(), lastSeen: Date.now(), active: 0 });
        log.info('session opened', { sessions: sessions.size });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    guardTransport(transport);
    await transport.handleRequest(req, res, parsedBody);
  };

  /** Close the least recently used session with no request in progress; false if every one is busy. */
  const evictLeastRecentlyUsed = (): boolean => {
    let oldest: [string, Session] | undefined;
    for (const entry of sessions) {
      if (entry[1].active > 0) continue;
      if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
    }
    if (!oldest) return false;
    sessions.delete(oldest[0]);
    void oldest[1].close();
    log.info('session evicted (least recently used)', { sessions: sessions.size, limit: maxSessions });
    return true;
  };

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('request failed', { error });
      jsonRpcError(res, 500, -32603, 'internal server error');
    });
  });

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const [id, session] of sessions) {
        if (session.active === 0 && session.lastSeen < cutoff) {
          sessions.delete(id);
          void session.close();
        }
      }
    },
    Math.min(60_000, idleMs),
  );
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ConfigError(`cannot listen on ${host}:${options.port ?? 3000}: ${error.code ?? error.message}`, {
          field: 'port',
          hint: error.code === 'EADDRINUSE' ? 'pick another --port' : 'check --host and --port',
        }),
      );
    });
    httpServer.listen(options.port ?? 3000, host, () => resolve());
  });
  startJobPool(runtime);
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 3000);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const close = async () => {
    clearInterval(sweep);
    await Promise.allSettled([...sessions.values()].map((session) => session.close()));
    sessions.clear();
    await new Promise<void>((resolve) => {
      httpServer.close(() => resolve());
      httpServer.closeAllConnections();
    });
    await runtime.close();
    resolveClosed();
  };
  return {
    url: `http://${urlHost}:${port}${endpoint}`,
    host,
    port,
    sessionCount: () => sessions.size,
    close,
    closed,
  };
}
