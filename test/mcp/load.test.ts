import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * 200 concurrent calls over Streamable HTTP from ten sessions: backtests, an optimisation, a training
 * job, data and risk requests, and hostile calls mixed in, with a client pinging throughout. Asserted:
 * no crash (every call answered, the server alive), every hostile call an isError result, every
 * legitimate one a result, RSS bounded. Ping latency is measured and printed, not asserted (a shared
 * machine's timing is not a test); `npm run bench mcp` holds the latency targets.
 */
const RSS_BOUND_MB = 1024;

interface Planned {
  tool: string;
  args: Record<string, unknown>;
  hostile: boolean;
}

function plan(): Planned[] {
  const calls: Planned[] = [];
  const legit = (tool: string, args: Record<string, unknown>) => calls.push({ tool, args, hostile: false });
  const hostile = (tool: string, args: Record<string, unknown>) => calls.push({ tool, args, hostile: true });
  legit('neural_train', { symbol: 'SPX', epochs: 5 });
  legit('optimize_strategy', {
    strategy: 'sma-crossover',
    symbols: ['SPX'],
    param_space: { fast: { min: 5, max: 30, step: 5 }, slow: { min: 40, max: 200, step: 20 } },
  });
  const strategies = ['sma-crossover', 'momentum', 'mean-reversion'];
  const symbols = ['AAPL', 'SPX', 'MSFT', 'KO', 'PG'];
  for (let i = 0; i < 110; i++)
    legit('run_backtest', { strategy: strategies[i % 3], symbols: [symbols[i % 5]] });
  for (let i = 0; i < 30; i++) legit('get_market_data', { symbol: symbols[i % 5], limit: 500 });
  for (let i = 0; i < 16; i++) legit('quick_analysis', { symbol: symbols[i % 5] });
  legit('risk_analysis', { positions: { KO: 100, PG: 50 }, method: 'monte-carlo' });
  legit('correlation_analysis', { symbols: ['KO', 'PG', 'MSFT'] });
  for (let i = 0; i < 20; i++) legit('ping', {});
  const attacks: [string, Record<string, unknown>][] = [
    [
      'optimize_strategy',
      { strategy: 'sma-crossover', symbols: ['AAPL'], param_space: { fast: { min: 1, max: 1e9, step: 1 } } },
    ],
    [
      'get_market_data',
      {
        symbol: 'SYN',
        provider: 'synthetic',
        timeframe: '1Min',
        start_date: '1930-01-01',
        end_date: '2020-01-01',
      },
    ],
    ['run_backtest', JSON.parse('{"strategy":"sma-crossover","symbols":["AAPL"],"__proto__":{"x":1}}')],
    ['execute_trade', { symbol: 'KO', side: 'buy', quantity: 1, client_order_id: 'x'.repeat(100_000) }],
    ['neural_train', { symbol: 'SPX', epochs: 1000 }],
  ];
  for (let i = 0; i < 20; i++) hostile(...attacks[i % attacks.length]);
  return calls;
}

function rssMb(pid: number): number {
  if (!existsSync(`/proc/${pid}/status`)) return 0;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

describe('MCP under load (200 concurrent calls over Streamable HTTP)', () => {
  let sandbox: Sandbox;
  let server: HttpServerProcess;
  const clients: Client[] = [];

  beforeAll(async () => {
    sandbox = makeSandbox();
    server = await spawnHttpServer(sandbox, [], { NEURAL_TRADER_MCP_TOKEN: TOKEN });
    for (let i = 0; i < 11; i++) clients.push(await connectHttp(server.url, TOKEN));
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await server?.stop();
    sandbox?.cleanup();
  });

  it('answers every call, refuses every hostile one, keeps RSS bounded and ping answering', async () => {
    const pid = server.child.pid as number;
    const rssBefore = rssMb(pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMb(pid));
    }, 100);
    const pinger = clients[10];
    const pings: number[] = [];
    let loading = true;
    const pinging = (async () => {
      while (loading) {
        const started = performance.now();
        await callOk(pinger, 'ping');
        pings.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const calls = plan();
    expect(calls).toHaveLength(200);
    const outcomes = await Promise.all(
      calls.map((call, i) =>
        clients[i % 10]
          .callTool({ name: call.tool, arguments: call.args }, undefined, { timeout: 170_000 })
          .then(
            (result) => ({
              call,
              isError: result.isError === true,
              text: String((result.content as { text?: string }[])[0]?.text ?? ''),
            }),
            (error: Error) => ({ call, crashed: error.message }),
          ),
      ),
    );
    loading = false;
    await pinging;
    clearInterval(sampler);

    const crashed = outcomes.filter((o) => 'crashed' in o);
    expect(crashed, JSON.stringify(crashed.slice(0, 3))).toEqual([]);
    const wrong = outcomes.filter((o) => 'isError' in o && o.isError !== o.call.hostile);
    expect(
      wrong.map((o) => `${o.call.tool}: ${'text' in o ? o.text.slice(0, 160) : ''}`),
      'legitimate calls succeed, hostile calls are isError',
    ).toEqual([]);
    expect(server.child.exitCode).toBeNull();
    expect((await callOk(clients[0], 'ping')).status).toBe('ok');
    if (rssBefore > 0) expect(rssPeak).toBeLessThan(RSS_BOUND_MB);

    pings.sort((a, b) => a - b);
    process.stderr.write(
      `[load] 200 calls: ping p50 ${quantile(pings, 0.5).toFixed(1)} ms, p99 ${quantile(pings, 0.99).toFixed(1)} ms ` +
        `over ${pings.length} pings; RSS before ${rssBefore.toFixed(0)} MB, peak ${rssPeak.toFixed(0)} MB, ` +
        `after ${rssMb(pid).toFixed(0)} MB\n`,
    );
  }, 180_000);
});
