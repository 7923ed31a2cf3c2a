import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ERROR_TEXT } from '../../src/mcp/errors.js';
import {
  callOk,
  connectHttp,
  type HttpServerProcess,
  makeSandbox,
  type Sandbox,
  spawnHttpServer,
  TOKEN,
} from './helpers.js';

/**
 * Fault injection over Streamable HTTP: each hostile call must come back as an isError tool result with
 * a short text that says what was wrong, and a ping right after must answer (the server is still up).
 * Arguments are built with JSON.parse where a JavaScript object literal could not express them (a
 * `__proto__` key).
 */
interface Hostile {
  name: string;
  tool: string;
  args: Record<string, unknown>;
  expect: RegExp;
  /** Also check the text does not contain this. */
  absent?: RegExp;
}

const deep = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

const HOSTILE: Hostile[] = [
  {
    name: '1e9-point grid (once a V8 fatal error)',
    tool: 'optimize_strategy',
    args: {
      strategy: 'sma-crossover',
      symbols: ['AAPL'],
      param_space: { fast: { min: 1, max: 1e9, step: 1 } },
    },
    expect: /param_space: the grid has 1,000,000,000 combinations; the limit is 20,000/,
  },
  {
    name: 'two dimensions of 100,000 points',
    tool: 'optimize_strategy',
    args: {
      strategy: 'sma-crossover',
      symbols: ['AAPL'],
      param_space: { fast: { min: 1, max: 100_000, step: 1 }, slow: { min: 1, max: 100_000, step: 1 } },
    },
    expect: /the grid has 10,000,000,000 combinations/,
  },
  {
    name: '90 years of synthetic minute bars (once 41 s and 2.25 GB)',
    tool: 'get_market_data',
    args: {
      symbol: 'SYN',
      provider: 'synthetic',
      timeframe: '1Min',
      start_date: '1930-01-01',
      end_date: '2020-01-01',
    },
    expect: /start_date: the date range spans up to 47,337,120 1Min bars; the limit is 1,000,000 per symbol/,
  },
  {
    name: 'minute bars with no start date',
    tool: 'get_market_data',
    args: { symbol: 'SYN', provider: 'synthetic', timeframe: '1Min', end_date: '2090-01-01' },
    expect: /the limit is 1,000,000 per symbol\nhint: give a start_date/,
  },
  {
    name: 'a backtest over eight millennia',
    tool: 'run_backtest',
    args: {
      strategy: 'sma-crossover',
      symbols: ['SYN'],
      provider: 'synthetic',
      start_date: '0001-01-01',
      end_date: '9999-12-31',
    },
    expect: /start_date: the date range spans up to [\d,]+ 1Day bars; the limit is 1,000,000/,
  },
  {
    name: 'training work beyond the limit',
    tool: 'neural_train',
    args: { symbol: 'SPX', epochs: 1000 },
    expect: /epochs: 1000 epochs x [\d,]+ windows = [\d,]+ training passes; the limit is 2,000,000/,
  },
  {
    name: 'training work within the limit for the target alone, beyond it with exogenous inputs',
    tool: 'neural_train',
    args: { symbol: 'SPX', epochs: 300, exogenous: ['volume'] },
    expect: /epochs: 300 epochs x [\d,]+ windows x 2 input channels \(the target and 1 exogenous\)/,
  },
  {
    name: 'Monte Carlo scenarios x assets beyond the limit',
    tool: 'risk_analysis',
    args: {
      positions: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`S${i}`, 1])),
      method: 'monte-carlo',
      simulations: 1_000_000,
    },
    expect: /simulations: 1,000,000 scenarios x 20 assets = 20,000,000 draws/,
  },
  {
    name: '__proto__ argument (once silently ignored)',
    tool: 'run_backtest',
    args: JSON.parse('{"strategy":"sma-crossover","symbols":["AAPL"],"__proto__":{"initial_capital":1}}'),
    expect: /^arguments\.__proto__: "__proto__" is not a parameter name/,
  },
  {
    name: 'constructor inside strategy params',
    tool: 'run_backtest',
    args: JSON.parse(
      '{"strategy":"sma-crossover","symbols":["AAPL"],"params":{"constructor":{"prototype":{}}}}',
    ),
    expect: /^arguments\.params\.constructor:/,
  },
  {
    name: 'prototype inside a parameter space',
    tool: 'optimize_strategy',
    args: JSON.parse('{"strategy":"sma-crossover","symbols":["AAPL"],"param_space":{"prototype":[1,2]}}'),
    expect: /^arguments\.param_space\.prototype:/,
  },
  {
    name: 'a 1 MB date string (once echoed back whole)',
    tool: 'run_backtest',
    args: { strategy: 'sma-crossover', symbols: ['AAPL'], start_date: 'x'.repeat(1_000_000) },
    expect: /expected a date YYYY-MM-DD, got "x{39}\.\.\.\(1000002 characters\)/,
  },
  {
    name: 'a 100,000-character unknown argument name',
    tool: 'run_backtest',
    args: { strategy: 'sma-crossover', symbols: ['AAPL'], ['k'.repeat(100_000)]: 1 },
    expect: /Unrecognized key/,
  },
  {
    name: 'a 100,000-character client order id',
    tool: 'execute_trade',
    args: { symbol: 'KO', side: 'buy', quantity: 1, client_order_id: 'a'.repeat(100_000) },
    expect: /longer than 128 characters \(100000\) at client_order_id/,
  },
  {
    name: 'a client order id with a newline',
    tool: 'execute_trade',
    args: { symbol: 'KO', side: 'buy', quantity: 1, client_order_id: 'ok-1\nINJECTED' },
    expect: /"ok-1\?INJECTED" has characters ids may not use/,
  },
  {
    name: 'a client order id with spaces and quotes',
    tool: 'get_orders',
    args: { client_order_id: 'a" OR "1"="1' },
    expect: /has characters ids may not use/,
  },
  {
    name: '10,000 symbols',
    tool: 'run_backtest',
    args: { strategy: 'sma-crossover', symbols: Array.from({ length: 10_000 }, (_, i) => `S${i}`) },
    expect: /at most 50 symbols|maximum of 10000 elements/,
  },
  {
    name: 'a 1 MB strategy name',
    tool: 'run_backtest',
    args: { strategy: 's'.repeat(1_000_000), symbols: ['AAPL'] },
    expect: /at most 64 characters at strategy/,
  },
  {
    name: 'strategy params with 5,000 keys',
    tool: 'run_backtest',
    args: {
      strategy: 'sma-crossover',
      symbols: ['AAPL'],
      params: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`p${i}`, i])),
    },
    expect: /at most 64 parameters/,
  },
  {
    name: 'arguments nested 1,000 levels deep',
    tool: 'run_backtest',
    args: { strategy: 'sma-crossover', symbols: ['AAPL'], params: { fast: deep(1000) } },
    expect: /fast/,
  },
  {
    name: 'a live provider without keys (field names intact)',
    tool: 'get_market_data',
    args: { symbol: 'AAPL', provider: 'alpaca', start_date: '2024-01-02', end_date: '2024-01-05' },
    expect: /ALPACA_API_KEY and ALPACA_SECRET_KEY are not set/,
    absent: /_a_l_p|_k_e_y/,
  },
  {
    name: 'a model path outside the registry',
    tool: 'neural_forecast',
    args: { model: '../../../../etc/passwd' },
    expect: /model: unknown model/,
  },
  {
    name: 'a quantity written as hex text',
    tool: 'simulate_trade',
    args: { symbol: 'KO', side: 'buy', quantity: '0x10' },
    expect: /expected a number, got "0x10"/,
  },
  {
    name: 'a negative quantity',
    tool: 'execute_trade',
    args: { symbol: 'KO', side: 'buy', quantity: -5, client_order_id: 'neg-1' },
    expect: /must be > 0, got -5/,
  },
  {
    name: 'an impossible date',
    tool: 'run_backtest',
    args: { strategy: 'sma-crossover', symbols: ['AAPL'], start_date: '2020-13-45' },
    // Refused by the argument schema (the same date parser as the CLI and the library), before any work.
    expect: /expected a date YYYY-MM-DD, got "2020-13-45".* at start_date/,
  },
  {
    name: 'a limit of a billion bars',
    tool: 'get_market_data',
    args: { symbol: 'SPX', limit: 1e9 },
    expect: /must be between 1 and 10000 at limit/,
  },
  {
    name: 'an unknown tool',
    tool: 'drop_tables',
    args: {},
    expect: /drop_tables not found/,
  },
];

describe('hostile MCP arguments over Streamable HTTP', () => {
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

  for (const hostile of HOSTILE) {
    it(`${hostile.name}: isError with a short message, and ping still answers`, async () => {
      const result = (await client.callTool({ name: hostile.tool, arguments: hostile.args })) as {
        isError?: boolean;
        content: { type: string; text: string }[];
      };
      const text = result.content.map((part) => part.text).join('\n');
      expect(result.isError, text.slice(0, 300)).toBe(true);
      expect(text).toMatch(hostile.expect);
      if (hostile.absent) expect(text).not.toMatch(hostile.absent);
      // Never the caller's input echoed back whole: a small, bounded answer.
      expect(text.length).toBeLessThanOrEqual(MAX_ERROR_TEXT + 40);
      expect((await callOk(client, 'ping')).status).toBe('ok');
    });
  }

  it('answers arguments nested 100,000 levels deep (raw JSON no client can build) with isError', async () => {
    const headers = {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const post = (body: string, session?: string) =>
      fetch(server.url, {
        method: 'POST',
        headers: session
          ? { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }
          : headers,
        body,
      });
    const init = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    );
    const session = init.headers.get('mcp-session-id') ?? '';
    await init.text();
    await (
      await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), session)
    ).text();
    const nested = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const call = await post(
      `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"run_backtest","arguments":{"strategy":"sma-crossover","symbols":["AAPL"],"params":{"fast":${nested}}}}}`,
      session,
    );
    const answer = await call.text();
    expect(answer).toMatch(/"isError":true/);
    expect(answer.length).toBeLessThan(MAX_ERROR_TEXT + 500);
    expect((await callOk(client, 'ping')).status).toBe('ok');
  });

  it('is still the same healthy process, which logged no internal error', async () => {
    expect(server.child.exitCode).toBeNull();
    const metrics = await callOk(client, 'get_system_metrics');
    expect(metrics.pid).toBe(server.child.pid);
    expect(server.stderr()).not.toMatch(/internal error|FATAL|tool failed/);
  });
});
