import { describe, expect, it } from 'vitest';
import { DEFAULT_INITIAL_CAPITAL } from '../../src/core/defaults.js';
import { callError, callOk, runCli, stdioSuite } from './helpers.js';

/**
 * The trading and portfolio tools take the CLI's `account` argument, apply the same limits as the
 * library, and the server owns each account it trades: a CLI order on the same account is handed to
 * it instead of being refused or placed twice.
 */

const DJ30 = [
  'AA',
  'AXP',
  'T',
  'BA',
  'CAT',
  'C',
  'KO',
  'DD',
  'EK',
  'XOM',
  'GE',
  'GM',
  'HWP',
  'HD',
  'HON',
  'INTC',
  'IBM',
  'IP',
  'JPM',
  'JNJ',
];

describe('accounts through the MCP tools', () => {
  const mcp = stdioSuite();

  it('trades a named account, separate from the default one', async () => {
    const placed = await callOk(mcp.session.client, 'execute_trade', {
      account: 'Swing',
      symbol: 'AAPL',
      side: 'buy',
      quantity: 5,
      client_order_id: 'swing-1',
    });
    expect(placed.account).toBe('swing');
    expect((placed.order as { status: string }).status).toBe('filled');
    const swing = await callOk(mcp.session.client, 'get_portfolio_status', { account: 'swing' });
    expect(swing).toMatchObject({ account: 'swing', kind: 'paper', position_count: 1 });
    const paper = await callOk(mcp.session.client, 'get_portfolio_status');
    expect(paper).toMatchObject({ account: 'paper', position_count: 0, cash: DEFAULT_INITIAL_CAPITAL });
    const orders = await callOk(mcp.session.client, 'get_orders', { account: 'swing' });
    expect(orders.count).toBe(1);
    const listed = await callOk(mcp.session.client, 'list_accounts');
    const accounts = listed.accounts as { account: string; owner: string | null }[];
    expect(accounts.map((a) => a.account)).toEqual(['paper', 'swing']);
    // This server owns both while it runs.
    for (const a of accounts) expect(a.owner).toMatch(/^pid \d+ on this host \(neural-trader mcp start\)/);
    expect(await callError(mcp.session.client, 'get_orders', { account: 'no way' })).toMatch(/account/);
  });

  it('refuses a rebalance to twenty -1 weights by the gross exposure rule, placing nothing', async () => {
    const weights = Object.fromEntries(DJ30.map((symbol) => [symbol, -1]));
    const text = await callError(mcp.session.client, 'portfolio_rebalance', {
      target_weights: weights,
      execute: true,
      client_order_id_prefix: 'short-all',
    });
    expect(text).toMatch(
      /target_weights: gross weight 20\.0000 \(sum of \|weight\|\) exceeds the maximum gross exposure of 2 x equity/,
    );
    const orders = await callOk(mcp.session.client, 'get_orders', { status: 'all' });
    expect(orders.count).toBe(0);
  });

  it('applies the size limits and strict checks to every order', async () => {
    const tiny = await callOk(mcp.session.client, 'simulate_trade', {
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1e-300,
    });
    expect((tiny.pre_trade_checks as { rejection: string }).rejection).toMatch(
      /below the smallest tradable quantity/,
    );
    expect(
      await callError(mcp.session.client, 'execute_trade', {
        symbol: 'AAPL',
        side: 'sell',
        quantity: 1e15,
        client_order_id: 'huge-1',
      }),
    ).toMatch(/above the maximum order quantity/);
    expect(
      await callError(mcp.session.client, 'execute_trade', {
        symbol: 'AAPL',
        side: 'sell',
        quantity: 5_000,
        client_order_id: 'short-1',
      }),
    ).toMatch(/gross exposure .* above 2 x equity/);
  });

  it("a CLI order on the server's account is handed to the server, which places it once", async () => {
    const r = await runCli(mcp.sandbox, [
      'order',
      'submit',
      '--symbol',
      'KO',
      '--side',
      'buy',
      '--quantity',
      '3',
      '--client-order-id',
      'cli-1',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.placedBy).toMatch(/^pid \d+ on this host \(neural-trader mcp start\)/);
    expect(result.order.status).toBe('filled');
    const orders = await callOk(mcp.session.client, 'get_orders', { client_order_id: 'cli-1' });
    expect(orders.count).toBe(1);
  });

  it('resets an account only with confirm: true', async () => {
    expect(await callError(mcp.session.client, 'reset_account', { account: 'swing' })).toMatch(/confirm/);
    const reset = await callOk(mcp.session.client, 'reset_account', { account: 'swing', confirm: true });
    expect(reset).toMatchObject({ account: 'swing', cash: DEFAULT_INITIAL_CAPITAL });
    const swing = await callOk(mcp.session.client, 'get_portfolio_status', { account: 'swing' });
    expect(swing).toMatchObject({ cash: DEFAULT_INITIAL_CAPITAL, position_count: 0 });
  });
});
