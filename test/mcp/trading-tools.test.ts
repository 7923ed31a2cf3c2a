import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COMMISSION_RATE } from '../../src/core/defaults.js';
import { loadSampleSeries } from '../../src/data/index.js';
import type { TradingSession } from '../../src/execution/index.js';
import { requireConfirmation } from '../../src/mcp/tools/desk.js';
import { callError, callOk, connectStdio, makeSandbox, type Sandbox, type StdioSession } from './helpers.js';

const aapl = loadSampleSeries('AAPL');
const AAPL_LAST = aapl.close[aapl.length - 1];
/** Cash after buying 10 AAPL on paper: notional plus the default commission (the backtester's). */
const CASH_AFTER_10 = 100_000 - 10 * AAPL_LAST * (1 + DEFAULT_COMMISSION_RATE);

describe('trading and portfolio tools (paper) over stdio', () => {
  let sandbox: Sandbox;
  let session: StdioSession;

  beforeAll(async () => {
    sandbox = makeSandbox();
    session = await connectStdio(sandbox);
  });

  afterAll(async () => {
    await session?.close();
    sandbox?.cleanup();
  });

  it('simulate_trade prices an order without placing it', async () => {
    const data = await callOk(session.client, 'simulate_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      commission_rate: 0.001,
      slippage_bps: 10,
    });
    expect(data.mode).toBe('paper');
    expect(data.reference_price).toBeCloseTo(AAPL_LAST, 10);
    expect(data.would_fill_now).toBe(true);
    expect(data.fill_price).toBeCloseTo(AAPL_LAST * 1.001, 8);
    expect(data.commission).toBeCloseTo(0.001 * 10 * AAPL_LAST * 1.001, 8);
    expect(data.position_before).toBe(0);
    expect(data.position_after).toBe(10);
    expect(data.cash_before).toBe(100_000);
    expect((data.pre_trade_checks as { accepted: boolean }).accepted).toBe(true);
    const orders = await callOk(session.client, 'get_orders');
    expect(orders.count).toBe(0);
  });

  it('simulate_trade reports a pre-trade rejection without placing anything', async () => {
    const data = await callOk(session.client, 'simulate_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1_000_000,
    });
    const checks = data.pre_trade_checks as { accepted: boolean; rejection: string };
    expect(checks.accepted).toBe(false);
    expect(checks.rejection).toMatch(/order rejected/);
  });

  it('execute_trade places a paper order that fills at the reference price', async () => {
    const data = await callOk(session.client, 'execute_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      client_order_id: 'mcp-test-1',
    });
    expect(data.mode).toBe('paper');
    expect(data.replayed).toBe(false);
    const order = data.order as {
      status: string;
      filled_quantity: number;
      average_fill_price: number;
      client_order_id: string;
    };
    expect(order.status).toBe('filled');
    expect(order.client_order_id).toBe('mcp-test-1');
    expect(order.filled_quantity).toBe(10);
    expect(order.average_fill_price).toBeCloseTo(AAPL_LAST, 10);
    expect(data.position_after).toBe(10);
    expect(data.cash_after).toBeCloseTo(CASH_AFTER_10, 6);
  });

  it('execute_trade is idempotent on client_order_id', async () => {
    const again = await callOk(session.client, 'execute_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      client_order_id: 'mcp-test-1',
    });
    expect(again.replayed).toBe(true);
    expect(again.position_after).toBe(10);
    const reused = await callError(session.client, 'execute_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 5,
      client_order_id: 'mcp-test-1',
    });
    expect(reused).toMatch(/(client_order_id|clientOrderId): "mcp-test-1" was already used for buy 10 AAPL/);
  });

  it('execute_trade validates arguments by name', async () => {
    expect(
      await callError(session.client, 'execute_trade', { symbol: 'AAPL', side: 'buy', quantity: 1 }),
    ).toMatch(/client_order_id/);
    expect(
      await callError(session.client, 'execute_trade', {
        symbol: 'AAPL',
        side: 'hold',
        quantity: 1,
        client_order_id: 'x1',
      }),
    ).toMatch(/unknown "hold"; valid: buy, sell[\s\S]*side/);
    expect(
      await callError(session.client, 'execute_trade', {
        symbol: 'AAPL',
        side: 'buy',
        quantity: -1,
        client_order_id: 'x2',
      }),
    ).toMatch(/quantity/);
    expect(
      await callError(session.client, 'execute_trade', {
        symbol: 'AAPL',
        side: 'buy',
        quantity: 1,
        order_type: 'limit',
        client_order_id: 'x3',
      }),
    ).toMatch(/limit/i);
  });

  it('execute_trade goes through the pre-trade checks (buying power, unknown symbol)', async () => {
    const tooBig = await callError(session.client, 'execute_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1_000_000,
      client_order_id: 'mcp-too-big',
    });
    expect(tooBig).toMatch(/order rejected/);
    expect(tooBig).toMatch(/hint:/);
    const unknown = await callError(session.client, 'execute_trade', {
      symbol: 'ZZZZQ',
      side: 'buy',
      quantity: 1,
      client_order_id: 'mcp-unknown',
    });
    expect(unknown).toMatch(/ZZZZQ/);
  });

  it('a resting limit order can be listed and canceled', async () => {
    const placed = await callOk(session.client, 'execute_trade', {
      symbol: 'MSFT',
      side: 'buy',
      quantity: 5,
      order_type: 'limit',
      limit_price: 1,
      time_in_force: 'gtc',
      client_order_id: 'mcp-limit-1',
    });
    expect((placed.order as { status: string }).status).toMatch(/new|accepted/);
    const open = await callOk(session.client, 'get_orders', { status: 'open' });
    expect((open.orders as { client_order_id: string }[]).map((o) => o.client_order_id)).toContain(
      'mcp-limit-1',
    );
    const byId = await callOk(session.client, 'get_orders', { client_order_id: 'mcp-limit-1' });
    expect(byId.count).toBe(1);
    const canceled = await callOk(session.client, 'cancel_order', { order_id: 'mcp-limit-1' });
    expect((canceled.order as { status: string }).status).toBe('canceled');
    expect(await callError(session.client, 'cancel_order', { order_id: 'mcp-limit-1' })).toMatch(
      /already canceled/,
    );
    expect(await callError(session.client, 'cancel_order', { order_id: 'no-such-order' })).toMatch(
      /no order/,
    );
  });

  it('get_portfolio_status and get_positions show the paper account', async () => {
    const status = await callOk(session.client, 'get_portfolio_status');
    expect(status.mode).toBe('paper');
    expect(status.account).toBe('paper');
    expect(status.commission_rate).toBe(DEFAULT_COMMISSION_RATE);
    expect(status.cash).toBeCloseTo(CASH_AFTER_10, 6);
    expect(status.position_count).toBe(1);
    expect(status.equity).toBeCloseTo(100_000 - 10 * AAPL_LAST * DEFAULT_COMMISSION_RATE, 6);
    expect(String(status.journal).startsWith(sandbox.home)).toBe(true);
    const positions = await callOk(session.client, 'get_positions');
    const rows = positions.positions as {
      symbol: string;
      quantity: number;
      average_cost: number;
      weight: number;
    }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ symbol: 'AAPL', quantity: 10 });
    expect(rows[0].weight).toBeCloseTo(
      (10 * AAPL_LAST) / (100_000 - 10 * AAPL_LAST * DEFAULT_COMMISSION_RATE),
      8,
    );
  });

  it('portfolio_rebalance plans by default and executes idempotently with a prefix', async () => {
    const plan = await callOk(session.client, 'portfolio_rebalance', {
      target_weights: { AAPL: 0.1, MSFT: 0.05 },
    });
    expect(plan.executed).toBe(false);
    const rows = plan.plan as { symbol: string; side: string; quantity: number }[];
    expect(rows.map((r) => r.symbol).sort()).toEqual(['AAPL', 'MSFT']);
    expect(rows.every((r) => r.side === 'buy' && r.quantity > 0)).toBe(true);
    // Orders refused by pre-trade checks never reach the journal: the filled buy and the canceled limit.
    expect((await callOk(session.client, 'get_orders')).count).toBe(2);

    expect(
      await callError(session.client, 'portfolio_rebalance', {
        target_weights: { AAPL: 0.1 },
        execute: true,
      }),
    ).toMatch(/client_order_id_prefix: required/);
    expect(await callError(session.client, 'portfolio_rebalance', { target_weights: { AAPL: 3 } })).toMatch(
      /target_weights/,
    );

    const done = await callOk(session.client, 'portfolio_rebalance', {
      target_weights: { AAPL: 0.1, MSFT: 0.05 },
      execute: true,
      client_order_id_prefix: 'rebal-1',
    });
    expect((done.orders as unknown[]).length).toBe(2);
    const afterFirst = (await callOk(session.client, 'get_orders')).count;
    await callOk(session.client, 'portfolio_rebalance', {
      target_weights: { AAPL: 0.1, MSFT: 0.05 },
      execute: true,
      client_order_id_prefix: 'rebal-1',
    });
    expect((await callOk(session.client, 'get_orders')).count).toBe(afterFirst);
    const positions = await callOk(session.client, 'get_positions');
    const weights = Object.fromEntries(
      (positions.positions as { symbol: string; weight: number }[]).map((p) => [p.symbol, p.weight]),
    );
    expect(weights.AAPL).toBeCloseTo(0.1, 2);
    expect(weights.MSFT).toBeCloseTo(0.05, 2);
  });

  it('performance_report summarises fills and P&L per symbol', async () => {
    const report = await callOk(session.client, 'performance_report');
    expect(report.fills).toBe(3);
    const orders = report.orders as { total: number; filled: number; canceled: number };
    expect(orders.filled).toBe(3);
    expect(orders.canceled).toBe(1);
    expect((report.by_symbol as { symbol: string }[]).map((s) => s.symbol).sort()).toEqual(['AAPL', 'MSFT']);
  });

  it('the paper state persists in the journal across server restarts', async () => {
    await session.close();
    session = await connectStdio(sandbox);
    const positions = await callOk(session.client, 'get_positions');
    expect((positions.positions as { symbol: string }[]).map((p) => p.symbol).sort()).toEqual([
      'AAPL',
      'MSFT',
    ]);
    const replay = await callOk(session.client, 'execute_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      client_order_id: 'mcp-test-1',
    });
    expect(replay.replayed).toBe(true);
  });
});

describe('live trading needs configuration, never a tool argument', () => {
  let sandbox: Sandbox;
  let session: StdioSession;

  beforeAll(async () => {
    sandbox = makeSandbox();
    // The flag alone (with the default paper endpoint and no keys) does not make orders live.
    session = await connectStdio(sandbox, { NEURAL_TRADER_LIVE_TRADING: 'true' });
  });

  afterAll(async () => {
    await session?.close();
    sandbox?.cleanup();
  });

  it('a "live" order without a live endpoint stays paper', async () => {
    const data = await callOk(session.client, 'execute_trade', {
      symbol: 'KO',
      side: 'buy',
      quantity: 3,
      client_order_id: 'maybe-live-1',
      confirm: true,
    });
    expect(data.mode).toBe('paper');
    expect((data.order as { broker: string }).broker).toBe('paper');
    const metrics = await callOk(session.client, 'get_system_metrics');
    expect(metrics.trading_mode).toBe('paper');
  });

  it('there is no tool argument that selects a broker or live mode', async () => {
    const text = await callError(session.client, 'execute_trade', {
      symbol: 'KO',
      side: 'buy',
      quantity: 3,
      client_order_id: 'maybe-live-2',
      live: true,
    });
    expect(text).toMatch(/live/);
  });

  it('in live mode an order without confirm: true is refused, naming the field', () => {
    const liveDesk = { live: true } as TradingSession;
    expect(() => requireConfirmation(liveDesk, false, 'buy 1 AAPL')).toThrow(
      /confirm: live trading is enabled/,
    );
    expect(() => requireConfirmation(liveDesk, true, 'buy 1 AAPL')).not.toThrow();
    expect(() => requireConfirmation({ live: false } as TradingSession, false, 'buy 1 AAPL')).not.toThrow();
  });
});
