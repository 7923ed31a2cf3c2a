import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COMMISSION_RATE } from '../../src/core/defaults.js';
import { FakeAlpacaTrading } from '../fakes/alpaca-trading.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/neural-trader.js');
let home: string;
let fake: FakeAlpacaTrading;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'nt-cli-exec-'));
  fake = await new FakeAlpacaTrading().start();
});
afterAll(async () => {
  await fake.stop();
  rmSync(home, { recursive: true, force: true });
});

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', NEURAL_TRADER_HOME: join(home, 'nt'), LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe('order / portfolio / trade CLI', () => {
  it('submits a paper order at the latest sample price, lists, cancels and shows the portfolio', async () => {
    const buy = await cli([
      'order',
      'submit',
      '--symbol',
      'AAPL',
      '--side',
      'buy',
      '--quantity',
      '10',
      '--json',
    ]);
    expect(buy.code, buy.stderr).toBe(0);
    const result = JSON.parse(buy.stdout);
    expect(result.order.status).toBe('filled');
    expect(result.referencePrice.source).toMatch(
      /last close in the bundled sample data \(\d{4}-\d{2}-\d{2}\)/,
    );
    expect(result.order.averageFillPrice).toBeCloseTo(result.referencePrice.price, 9);

    const limit = await cli([
      'order',
      'submit',
      '--symbol',
      'AAPL',
      '--side',
      'buy',
      '--quantity',
      '5',
      '--type',
      'limit',
      '--limit-price',
      '1',
      '--tif',
      'gtc',
      '--client-order-id',
      'cli-limit-1',
    ]);
    expect(limit.code, limit.stderr).toBe(0);
    expect(limit.stdout).toMatch(/status\s+accepted/);
    const again = await cli([
      'order',
      'submit',
      '--symbol',
      'AAPL',
      '--side',
      'buy',
      '--quantity',
      '5',
      '--type',
      'limit',
      '--limit-price',
      '1',
      '--tif',
      'gtc',
      '--client-order-id',
      'cli-limit-1',
      '--json',
    ]);
    expect(JSON.parse(again.stdout).order.clientOrderId).toBe('cli-limit-1');

    const open = await cli(['order', 'list', '--json']);
    const openOrders = JSON.parse(open.stdout);
    expect(openOrders).toHaveLength(1);
    expect(openOrders[0].clientOrderId).toBe('cli-limit-1');

    const cancel = await cli(['order', 'cancel', 'cli-limit-1']);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/status\s+canceled/);
    const all = JSON.parse((await cli(['order', 'list', '--status', 'all', '--json'])).stdout);
    expect(all.map((o: { status: string }) => o.status).sort()).toEqual(['canceled', 'filled']);

    const show = await cli(['portfolio', 'show', '--json']);
    const portfolio = JSON.parse(show.stdout);
    expect(portfolio.positions).toHaveLength(1);
    expect(portfolio.positions[0]).toMatchObject({ symbol: 'AAPL', quantity: 10 });
    // Paper commission is the backtester's default (DEFAULT_COMMISSION_RATE of notional).
    const notional = 10 * result.order.averageFillPrice;
    expect(portfolio.cash).toBeCloseTo(100_000 - notional - notional * DEFAULT_COMMISSION_RATE, 6);
  });

  it('rejects invalid orders with one line naming the field', async () => {
    const zero = await cli(['order', 'submit', '--symbol', 'AAPL', '--side', 'buy', '--quantity', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/^error: --quantity: must be more than 0, got 0/);
    const unknown = await cli(['order', 'submit', '--symbol', 'ZZZZQ', '--side', 'buy', '--quantity', '1']);
    expect(unknown.stderr).toMatch(/symbol: unknown symbol ZZZZQ/);
    const noPrice = await cli([
      'order',
      'submit',
      '--symbol',
      'AAPL',
      '--side',
      'buy',
      '--quantity',
      '1',
      '--type',
      'limit',
    ]);
    expect(noPrice.stderr).toMatch(/limitPrice: .*needs limitPrice/);
    expect(noPrice.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('refuses the live endpoint without NEURAL_TRADER_LIVE_TRADING=true, however the URL dresses it up', async () => {
    for (const url of [
      'https://api.alpaca.markets',
      // The paper host in the PATH does not make the live host paper.
      'https://api.alpaca.markets/paper-api.alpaca.markets/..',
      'https://paper-api.alpaca.markets@api.alpaca.markets',
    ]) {
      const r = await cli(
        ['order', 'submit', '--symbol', 'AAPL', '--side', 'buy', '--quantity', '1', '--broker', 'alpaca'],
        {
          ALPACA_API_KEY: 'PKLIVECLI12345',
          ALPACA_SECRET_KEY: 'live-cli-secret-98765',
          ALPACA_BASE_URL: url,
        },
      );
      expect(r.code, url).toBe(1);
      expect(r.stderr, url).toMatch(/live endpoint.*NEURAL_TRADER_LIVE_TRADING is not true/);
      expect(r.stderr).not.toContain('live-cli-secret-98765');
    }
  });

  it('submits through Alpaca (fake server) from the CLI without leaking credentials at trace level', async () => {
    const r = await cli(
      [
        'order',
        'submit',
        '--symbol',
        'MSFT',
        '--side',
        'buy',
        '--quantity',
        '2',
        '--broker',
        'alpaca',
        '--json',
      ],
      {
        ALPACA_API_KEY: fake.keyId,
        ALPACA_SECRET_KEY: fake.secretKey,
        ALPACA_BASE_URL: fake.baseUrl,
        LOG_LEVEL: 'trace',
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).order.brokerOrderId).toBe([...fake.orders.keys()][0]);
    expect(r.stderr + r.stdout).not.toContain(fake.secretKey);
    expect(r.stderr + r.stdout).not.toContain(fake.keyId);
  });

  it('trades a strategy on replayed sample bars and reports a summary', async () => {
    const r = await cli(['trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '120', '--json'], {
      NEURAL_TRADER_HOME: join(home, 'trade'),
    });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      strategy: expect.any(String),
      broker: 'paper',
      bars: 120,
      stoppedBy: 'max-bars',
    });
    expect(summary.feed).toMatch(/sample replay/);
  });
});

describe('trade checks the strategy against its data first', () => {
  it('enhanced-momentum on the Dow 30 closes fails with the same line as backtest, creating no account', async () => {
    const args = ['-s', 'enhanced-momentum', '--symbols', 'KO'];
    const [backtest, trade] = await Promise.all([
      cli(['backtest', ...args]),
      cli(['trade', '--strategy', 'enhanced-momentum', '--symbols', 'KO']),
    ]);
    expect(backtest.code).toBe(1);
    expect(trade.code).toBe(1);
    const first = (r: { stderr: string }) => r.stderr.split('\n')[0];
    expect(first(trade)).toMatch(
      /^error: enhanced-momentum needs volume for its volume filter .* but KO has none/,
    );
    expect(first(trade)).toBe(first(backtest));
    const accounts = await cli(['account', 'list', '--json']);
    expect(
      JSON.parse(accounts.stdout).filter((a: { account: string }) => a.account.startsWith('replay-')),
    ).toEqual([]);
  });
});
