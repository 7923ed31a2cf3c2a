import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { loadConfig } from '../../src/core/config.js';
import { DEFAULT_COMMISSION_RATE } from '../../src/core/defaults.js';
import { loadSampleSeries } from '../../src/data/sample.js';
import { Journal } from '../../src/execution/journal.js';
import { runLiveStrategy } from '../../src/execution/live-runner.js';
import { checkLiveTradingAllowed } from '../../src/execution/session.js';
import { createStrategy } from '../../src/strategies/registry.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'nt-live-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const config = () => loadConfig({ env: { NEURAL_TRADER_HOME: home }, envFile: false, applyLogLevel: false });

describe('live runner (paper, sample replay)', () => {
  it('runs the same strategy object as a backtest and fills the same orders at the same prices', async () => {
    const bars = 400;
    const summary = await runLiveStrategy({
      strategy: 'momentum',
      symbols: ['AAPL'],
      broker: 'paper',
      config: config(),
      maxBars: bars,
    });
    expect(summary.bars).toBe(bars);
    expect(summary.fills).toBeGreaterThan(0);
    expect(summary.stoppedBy).toBe('max-bars');
    // A replay runs in an account of its own; the default paper account is untouched.
    expect(summary.account).toMatch(/^replay-\d{8}-\d{6}-[0-9a-f]{4}$/);
    const journal = Journal.open(home, { account: summary.account, create: false });
    const liveFills = journal.listFills();
    journal.close();
    expect(liveFills.length).toBe(summary.fills);

    const series = loadSampleSeries('AAPL').slice(0, bars);
    // Paper and backtest share their cost defaults (commission 0.001, slippage 0). The paper broker
    // charges no financing, so the backtest is run without it (momentum goes short: a borrow fee would
    // move its equity and so its order sizes).
    const result = runBacktest(createStrategy('momentum', { symbols: ['AAPL'] }), [series], {
      defaultTimeInForce: 'day',
      commission: DEFAULT_COMMISSION_RATE,
      marginInterestRate: 0,
      borrowFeeRate: 0,
    });
    const backtestFills = result.fills;
    const n = Math.min(liveFills.length, backtestFills.length, 10);
    expect(n).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) {
      expect(liveFills[i].timestamp).toBe(backtestFills[i].timestamp);
      expect(liveFills[i].side).toBe(backtestFills[i].side);
      expect(liveFills[i].price).toBeCloseTo(backtestFills[i].price, 9);
      expect(liveFills[i].commission).toBeCloseTo(backtestFills[i].commission, 9);
    }
  });

  it('fails fast, before any account is opened, when the strategy needs a column the data lacks (as backtest)', async () => {
    const strategy = () => createStrategy('enhanced-momentum', { symbols: ['KO'] });
    let backtestError: Error | undefined;
    try {
      runBacktest(strategy(), [loadSampleSeries('KO')]);
    } catch (error) {
      backtestError = error as Error;
    }
    expect(backtestError?.message).toMatch(
      /^enhanced-momentum needs volume for its volume filter .* but KO has none/,
    );
    await expect(
      runLiveStrategy({ strategy: strategy(), broker: 'paper', config: config(), maxBars: 10 }),
    ).rejects.toThrow(backtestError?.message as string);
    // Nothing was created: no replay account, no journal.
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(home, 'accounts'))).toBe(false);
    // Without the volume filter the same run trades.
    const summary = await runLiveStrategy({
      strategy: createStrategy('enhanced-momentum', { symbols: ['KO'], volumeFilter: false }),
      broker: 'paper',
      config: config(),
      maxBars: 10,
    });
    expect(summary.bars).toBe(10);
  });

  it('stops cleanly on an abort signal, cancels open orders on exit and closes the journal', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const summary = await runLiveStrategy({
      strategy: 'momentum',
      symbols: ['AAPL'],
      broker: 'paper',
      config: config(),
      replaySpeed: 2000,
      cancelOnExit: true,
      signal: controller.signal,
      onEvent: (line) => {
        lines.push(line);
        if (lines.length === 3) controller.abort();
      },
    });
    expect(summary.stoppedBy).toBe('signal');
    const journal = Journal.open(home, { account: summary.account, create: false });
    expect(journal.listOrders({ status: 'open' })).toHaveLength(0);
    expect(journal.lease.holder()?.releasedAt).toBeDefined();
    journal.close();
  });

  it('refuses real money unless NEURAL_TRADER_LIVE_TRADING=true, and warns loudly when it is', () => {
    const base = {
      ALPACA_API_KEY: 'PKLIVEKEY123',
      ALPACA_SECRET_KEY: 'livesecret-123456',
      NEURAL_TRADER_HOME: home,
    };
    const live = loadConfig({
      env: { ...base, ALPACA_BASE_URL: 'https://api.alpaca.markets' },
      envFile: false,
      applyLogLevel: false,
    });
    expect(() => checkLiveTradingAllowed(live, 'alpaca')).toThrow(
      /live endpoint .* NEURAL_TRADER_LIVE_TRADING is not true/,
    );
    const allowed = loadConfig({
      env: { ...base, ALPACA_BASE_URL: 'https://api.alpaca.markets', NEURAL_TRADER_LIVE_TRADING: 'true' },
      envFile: false,
      applyLogLevel: false,
    });
    const verdict = checkLiveTradingAllowed(allowed, 'alpaca');
    expect(verdict.live).toBe(true);
    expect(verdict.warning).toMatch(/LIVE TRADING.*REAL MONEY/);
    const paper = loadConfig({
      env: { ...base, NEURAL_TRADER_LIVE_TRADING: 'true' },
      envFile: false,
      applyLogLevel: false,
    });
    expect(checkLiveTradingAllowed(paper, 'alpaca').live).toBe(false);
    const noKeys = loadConfig({ env: { NEURAL_TRADER_HOME: home }, envFile: false, applyLogLevel: false });
    expect(() => checkLiveTradingAllowed(noKeys, 'alpaca')).toThrow(
      /needs ALPACA_API_KEY and ALPACA_SECRET_KEY/,
    );
    expect(checkLiveTradingAllowed(noKeys, 'paper').live).toBe(false);
  });
});

describe('live runner (alpaca, fake servers)', () => {
  it('streams bars from the data WebSocket and trades through the Alpaca REST API', async () => {
    const { FakeAlpacaTrading } = await import('../fakes/alpaca-trading.js');
    const { FakeMarketDataStream } = await import('../fakes/alpaca-trading-market-stream.js');
    const trading = await new FakeAlpacaTrading().start();
    const data = await new FakeMarketDataStream(trading.keyId, trading.secretKey).start();
    process.env.ALPACA_STREAM_URL = data.url();
    try {
      const cfg = loadConfig({
        env: {
          NEURAL_TRADER_HOME: home,
          ALPACA_API_KEY: trading.keyId,
          ALPACA_SECRET_KEY: trading.secretKey,
          ALPACA_BASE_URL: trading.baseUrl,
        },
        envFile: false,
        applyLogLevel: false,
      });
      const seen: number[] = [];
      const strategy = {
        name: 'test-flip',
        symbols: ['AAPL'],
        onBar(ctx: import('../../src/strategies/types.js').StrategyContext) {
          seen.push(ctx.close());
          if (ctx.barIndex === 1) ctx.buy(3);
          if (ctx.barIndex === 3) ctx.sell(3);
        },
      };
      const run = runLiveStrategy({ strategy, broker: 'alpaca', config: cfg, maxBars: 5 });
      const waitFor = async (predicate: () => boolean) => {
        const end = Date.now() + 5000;
        while (!predicate()) {
          if (Date.now() > end) throw new Error('timed out');
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      await waitFor(() => data.barSubscribers('AAPL') === 1);
      for (let i = 0; i < 5; i++) {
        data.pushBar('AAPL', `2024-01-02T15:3${i}:00Z`, 100 + i, 101 + i, 99 + i, 100.5 + i, 1000);
        await waitFor(() => seen.length === i + 1);
      }
      const summary = await run;
      expect(summary.bars).toBe(5);
      expect(summary.broker).toBe('alpaca');
      const posts = trading.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body));
      expect(posts.map((p) => `${p.side} ${p.qty}`)).toEqual(['buy 3', 'sell 3']);
      expect(seen).toEqual([100.5, 101.5, 102.5, 103.5, 104.5]);
    } finally {
      delete process.env.ALPACA_STREAM_URL;
      await data.stop();
      await trading.stop();
    }
  });
});

describe('executeOrder (library)', () => {
  it('places a paper order through the process-wide OrderManager with the journal in config.home', async () => {
    const { setConfig } = await import('../../src/core/config.js');
    const { executeOrder, closeDefaultTradingSession } = await import('../../src/execution/session.js');
    setConfig(config());
    try {
      const order = await executeOrder({ symbol: 'AAPL', quantity: 100, side: 'buy', type: 'market' });
      expect(order.status).toBe('filled');
      expect(order.filledQuantity).toBe(100);
      const second = await executeOrder({ symbol: 'AAPL', quantity: 40, side: 'sell', type: 'market' });
      expect(second.status).toBe('filled');
      await closeDefaultTradingSession();
      const journal = Journal.open(home);
      expect(journal.listFills().map((f) => f.quantity)).toEqual([100, 40]);
      journal.close();
    } finally {
      await closeDefaultTradingSession();
      setConfig(undefined);
    }
  });
});
