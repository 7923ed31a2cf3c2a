import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../core/errors.js';
import { JsonHttpClient } from './http.js';

/** A port with nothing listening: open a server, note its port, close it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The error a promise rejects with; fails the test if it resolves. */
async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error('expected the request to fail');
}

async function withServer<T>(
  answer: (path: string) => { status: number; body: string; delayMs?: number },
  run: (url: string) => Promise<T>,
): Promise<T> {
  const server = createServer((req, res) => {
    const reply = answer(req.url ?? '/');
    setTimeout(() => {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body);
    }, reply.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('JsonHttpClient', () => {
  it('retries network errors with backoff, then reports the host it could not reach', async () => {
    const sleeps: number[] = [];
    const client = new JsonHttpClient({
      provider: 'alpaca',
      maxRetries: 2,
      baseDelayMs: 10,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const port = await deadPort();
    const error = await failure(client.getJson(`http://127.0.0.1:${port}/v2/x?apiKey=hidden123456`));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('could not reach');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('hidden123456');
    expect(sleeps.length).toBe(2);
  });

  it('does not retry other 4xx; 404 names the symbol', async () => {
    let calls = 0;
    const error = await failure(
      withServer(
        () => {
          calls++;
          return { status: 404, body: '{"message":"not found"}' };
        },
        (url) => new JsonHttpClient({ provider: 'polygon' }).getJson(`${url}/x`, { symbol: 'NOPE' }),
      ),
    );
    expect(calls).toBe(1);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('polygon: symbol "NOPE" not found (HTTP 404): not found');
  });

  it('a caller abort cancels without retrying', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const error = await failure(
      withServer(
        () => ({ status: 200, body: '{}', delayMs: 3000 }),
        (url) => {
          setTimeout(() => controller.abort(), 100);
          return new JsonHttpClient({ provider: 'alpaca', maxRetries: 3 }).getJson(url, {
            signal: controller.signal,
          });
        },
      ),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a body that is not JSON', async () => {
    const error = await failure(
      withServer(
        () => ({ status: 200, body: '<html>proxy login</html>' }),
        (url) => new JsonHttpClient({ provider: 'alpaca' }).getJson(url),
      ),
    );
    expect(error.message).toContain('is not valid JSON');
  });

  it('uses jittered exponential backoff capped at maxDelayMs, and Retry-After when given', () => {
    const client = new JsonHttpClient({
      provider: 'x',
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 0.999,
    });
    expect(client.retryDelay(0, null)).toBe(100);
    expect(client.retryDelay(2, null)).toBe(400);
    expect(client.retryDelay(10, null)).toBe(1000);
    const low = new JsonHttpClient({ provider: 'x', baseDelayMs: 100, random: () => 0 });
    expect(low.retryDelay(1, null)).toBe(100);
    expect(client.retryDelay(0, '0.5')).toBe(500);
    expect(client.retryDelay(0, '120')).toBe(1000);
  });
});
