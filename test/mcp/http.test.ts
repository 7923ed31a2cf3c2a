import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMcpTools } from '../../src/mcp/index.js';
import {
  callError,
  callOk,
  connectHttp,
  type HttpServerProcess,
  makeSandbox,
  runCli,
  type Sandbox,
  spawnHttpServer,
  TOKEN,
} from './helpers.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

function rawPost(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(INITIALIZE),
  });
}

describe('mcp start --transport http with a bearer token', () => {
  let sandbox: Sandbox;
  let server: HttpServerProcess;
  let client: Client;

  beforeAll(async () => {
    sandbox = makeSandbox();
    server = await spawnHttpServer(sandbox, [], { NEURAL_TRADER_MCP_TOKEN: TOKEN });
    client = await connectHttp(server.url, TOKEN);
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    sandbox?.cleanup();
  });

  it('binds to 127.0.0.1 by default on the /mcp endpoint', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(server.stderr()).toContain('bearer token required');
    expect(server.stderr()).not.toContain(TOKEN);
  });

  it('serves tools to an authorised client', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(listMcpTools().map((t) => t.name));
    const ping = await callOk(client, 'ping');
    expect(ping.status).toBe('ok');
    const metrics = await callOk(client, 'get_system_metrics');
    expect(metrics.transport).toBe('http');
    expect(metrics.trading_mode).toBe('paper');
  });

  it('runs library tools and streams progress notifications over HTTP', async () => {
    const analysis = await callOk(client, 'quick_analysis', { symbol: 'SPX', date: '2019-12-31' });
    expect(analysis.date).toBe('2019-12-31');
    const progress: number[] = [];
    const result = await client.callTool(
      {
        name: 'optimize_strategy',
        arguments: {
          strategy: 'sma-crossover',
          symbols: ['AAPL'],
          param_space: { fast: [5, 10], slow: [30, 40] },
        },
      },
      undefined,
      { onprogress: (p) => progress.push(p.progress), timeout: 60_000 },
    );
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect((result.structuredContent as { trials_run: number }).trials_run).toBe(4);
    expect(progress.at(-1)).toBe(4);
    const order = await callOk(client, 'execute_trade', {
      symbol: 'KO',
      side: 'buy',
      quantity: 2,
      client_order_id: 'http-1',
    });
    expect(order.mode).toBe('paper');
  });

  it('returns tool errors over HTTP too', async () => {
    const text = await callError(client, 'ping', { unexpected: 1 });
    expect(text).toMatch(/unexpected/);
  });

  it('rejects requests without a token (401)', async () => {
    const response = await rawPost(server.url, {});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('rejects a wrong token (401), including one that differs only at the end', async () => {
    for (const wrong of ['nope', `${TOKEN.slice(0, -1)}x`, `${TOKEN}x`]) {
      const response = await rawPost(server.url, { authorization: `Bearer ${wrong}` });
      expect(response.status).toBe(401);
    }
    const basic = await rawPost(server.url, {
      authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`,
    });
    expect(basic.status).toBe(401);
  });

  it('accepts the right token on a raw request', async () => {
    const response = await rawPost(server.url, { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toMatch(/[0-9a-f-]{36}/);
    await response.body?.cancel();
  });

  it('answers 404 for unknown sessions and other paths', async () => {
    const unknown = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': '00000000-0000-0000-0000-000000000000',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(unknown.status).toBe(404);
    const elsewhere = await fetch(server.url.replace('/mcp', '/other'), {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(elsewhere.status).toBe(404);
  });
});

describe('mcp start --transport http without a token', () => {
  let sandbox: Sandbox;

  beforeAll(() => {
    sandbox = makeSandbox();
  });

  afterAll(() => sandbox?.cleanup());

  it('refuses to bind a non-loopback address without a token', async () => {
    const result = await runCli(sandbox, [
      'mcp',
      'start',
      '--transport',
      'http',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/refusing to serve MCP on non-loopback address 0\.0\.0\.0 without a token/);
    expect(result.stderr).toMatch(/NEURAL_TRADER_MCP_TOKEN/);
    expect(result.stdout).toBe('');
  });

  it('refuses a token that is too short', async () => {
    const result = await runCli(sandbox, [
      'mcp',
      'start',
      '--transport',
      'http',
      '--port',
      '0',
      '--token',
      'short',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/token is too short/);
  });

  it('refuses an unknown transport, naming the valid ones', async () => {
    const result = await runCli(sandbox, ['mcp', 'start', '--transport', 'ws']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--transport: unknown "ws"; valid: stdio, http/);
  });

  it('serves loopback without a token but rejects foreign Host/Origin headers (DNS rebinding)', async () => {
    const server = await spawnHttpServer(sandbox, []);
    try {
      expect(server.stderr()).toContain('no token (loopback only)');
      const client = await connectHttp(server.url);
      expect((await callOk(client, 'ping')).status).toBe('ok');
      await client.close();
      const foreignOrigin = await rawPost(server.url, { origin: 'https://evil.example' });
      expect(foreignOrigin.status).toBe(403);
    } finally {
      await server.stop();
    }
  });
});

describe('mcp start --transport http: Origin, token and session limits', () => {
  let sandbox: Sandbox;

  beforeAll(() => {
    sandbox = makeSandbox();
  });

  afterAll(() => sandbox?.cleanup());

  it('answers an Origin of "null" or one that is not a URL with 403, not 500', async () => {
    const server = await spawnHttpServer(sandbox, []);
    try {
      for (const origin of ['null', 'not a url', 'http://', 'file://']) {
        const response = await rawPost(server.url, { origin });
        expect(response.status, origin).toBe(403);
        expect(await response.json()).toMatchObject({
          error: { message: 'forbidden: non-local Host or Origin header' },
        });
      }
      const local = await rawPost(server.url, { origin: 'http://localhost:5173' });
      expect(local.status).toBe(200);
      await local.body?.cancel();
    } finally {
      await server.stop();
    }
  });

  it('refuses a blank token from the environment instead of serving without authentication', async () => {
    const result = await runCli(sandbox, ['mcp', 'start', '--transport', 'http', '--port', '0'], {
      NEURAL_TRADER_MCP_TOKEN: ' '.repeat(24),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/MCP token is blank \(only whitespace\)/);
    expect(result.stderr).not.toMatch(/listening on/);
  });

  it('refuses a token with whitespace inside (no bearer header can carry it)', async () => {
    for (const token of [' '.repeat(20), 'abcdefgh ijklmnopqrstuvwxyz']) {
      const result = await runCli(sandbox, [
        'mcp',
        'start',
        '--transport',
        'http',
        '--port',
        '0',
        '--token',
        token,
      ]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/MCP token (is blank|contains whitespace)/);
    }
  });

  it('closes the least recently used idle session for a new client instead of locking it out', async () => {
    const server = await spawnHttpServer(sandbox, [], {
      NEURAL_TRADER_MCP_MAX_SESSIONS: '2',
      LOG_LEVEL: 'info',
    });
    const clients: Client[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        clients.push(await connectHttp(server.url));
        await callOk(clients[i], 'ping');
      }
      await callOk(clients[0], 'ping'); // clients[1] is now the least recently used
      clients.push(await connectHttp(server.url));
      expect((await callOk(clients[2], 'ping')).status).toBe('ok');
      await expect(clients[1].callTool({ name: 'ping', arguments: {} })).rejects.toThrow(/session not found/);
      expect((await callOk(clients[0], 'ping')).status).toBe('ok');
      expect(server.stderr()).toMatch(/session evicted \(least recently used\)/);

      // A session with a call in progress is never evicted: with both busy, a new client is told 503.
      const controllers = [new AbortController(), new AbortController()];
      const busy = [clients[0], clients[2]].map((client, i) =>
        client
          .callTool({ name: 'neural_train', arguments: { symbol: 'SPX', epochs: 300 } }, undefined, {
            signal: controllers[i].signal,
            timeout: 60_000,
          })
          .catch(() => undefined),
      );
      // Both POSTs are in flight well before this (they are sent at once; training takes seconds).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const refused = await rawPost(server.url, {});
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({
        error: { message: expect.stringMatching(/all 2 sessions are busy/) },
      });
      for (const controller of controllers) controller.abort();
      await Promise.all(busy);
    } finally {
      await Promise.allSettled(clients.map((client) => client.close()));
      await server.stop();
    }
  });

  it('closes a session idle past NEURAL_TRADER_MCP_SESSION_IDLE_SECONDS', async () => {
    const server = await spawnHttpServer(sandbox, [], { NEURAL_TRADER_MCP_SESSION_IDLE_SECONDS: '1' });
    const client = await connectHttp(server.url);
    try {
      await callOk(client, 'ping');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await expect(client.callTool({ name: 'ping', arguments: {} })).rejects.toThrow(/session not found/);
    } finally {
      await client.close().catch(() => {});
      await server.stop();
    }
  });
});
