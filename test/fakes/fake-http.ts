import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The shared machinery of the fake services: a node:http server on 127.0.0.1 (random port) that records
 * every request and lets a test script the next responses (errors, rate limits, slow answers) before
 * the fake's normal behaviour resumes.
 */

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path plus query string, as sent. */
  url: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

/** One scripted answer, used instead of the normal response for the next matching request. */
export interface ScriptedResponse {
  status: number;
  /** JSON body (an object) or a raw string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (for timeout tests). */
  delayMs?: number;
  /** Only for requests whose path contains this; default: any request. */
  pathIncludes?: string;
}

export interface FakeServerBase {
  /** Root URL, e.g. http://127.0.0.1:53121 */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queue scripted responses; each is used once, in order. */
  script(...responses: ScriptedResponse[]): void;
  /** Forget recorded requests and pending scripted responses. */
  reset(): void;
  close(): Promise<void>;
}

export type JsonReply = { status: number; body: unknown; headers?: Record<string, string> };
export type Handler = (request: RecordedRequest, origin: string) => JsonReply | Promise<JsonReply>;

export interface StartOptions {
  /** Delay every normal response by this many ms. */
  delayMs?: number;
}

export function sendJson(res: ServerResponse, reply: JsonReply): void {
  const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
  res.end(body);
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    url: req.url ?? '/',
    query: Object.fromEntries(url.searchParams),
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

export async function startFakeServer(handler: Handler, options: StartOptions = {}): Promise<FakeServerBase> {
  const requests: RecordedRequest[] = [];
  let scripted: ScriptedResponse[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    void (async () => {
      const request = await record(req);
      requests.push(request);
      const index = scripted.findIndex((s) => !s.pathIncludes || request.path.includes(s.pathIncludes));
      if (index >= 0) {
        const [reply] = scripted.splice(index, 1);
        if (reply.delayMs) await wait(reply.delayMs);
        if (!res.destroyed)
          sendJson(res, { status: reply.status, body: reply.body ?? '', headers: reply.headers });
        return;
      }
      if (options.delayMs) await wait(options.delayMs);
      try {
        const reply = await handler(request, origin);
        if (!res.destroyed) sendJson(res, reply);
      } catch (error) {
        sendJson(res, { status: 500, body: { message: `fake server bug: ${(error as Error).message}` } });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    script: (...responses) => {
      scripted.push(...responses);
    },
    reset: () => {
      requests.length = 0;
      scripted = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
