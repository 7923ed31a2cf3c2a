import { z } from 'zod';
import { NeuralTraderError, ValidationError } from '../../core/errors.js';
import { nonNegativeNumberArg } from '../args.js';
import { type AnyToolSpec, defineTool, READ_ONLY } from '../tool.js';
import {
  accountArg,
  closeDesk,
  markPositions,
  orderJson,
  orderStateUnknown,
  requireConfirmation,
  tradingDesk,
} from './desk.js';

/**
 * The account traded by the order tools (paper journal, or the live broker): status, positions,
 * rebalancing to target weights and a performance report, all from the shared Portfolio.
 */
const positionShape = z.object({
  symbol: z.string(),
  quantity: z.number(),
  average_cost: z.number(),
  last_price: z.number(),
  market_value: z.number(),
  unrealized_pnl: z.number(),
  realized_pnl: z.number(),
  weight: z.number().nullable().describe('Market value / equity'),
});

const getPortfolioStatus = defineTool({
  name: 'get_portfolio_status',
  title: 'Portfolio status',
  description:
    'Cash, equity, exposure, realised and unrealised P&L, commissions and open positions/orders of the ' +
    'account the order tools trade (paper unless live trading is configured). Positions are marked to ' +
    'the latest reference price.',
  toolset: 'portfolio',
  input: { account: accountArg },
  output: {
    mode: z.enum(['paper', 'live']),
    account: z.string(),
    kind: z
      .string()
      .describe('paper (priced at the latest close), replay (a replayed strategy run) or alpaca'),
    commission_rate: z.number().describe("The account's paper commission, a fraction of notional"),
    slippage_bps: z.number(),
    market_clock: z.string().nullable().describe("The account's market time (bar time of a replay account)"),
    initial_capital: z.number(),
    cash: z.number(),
    equity: z.number(),
    positions_value: z.number(),
    gross_exposure: z.number(),
    net_exposure: z.number(),
    realized_pnl: z.number(),
    unrealized_pnl: z.number(),
    commissions: z.number(),
    total_pnl: z.number(),
    return_pct: z.number(),
    position_count: z.number(),
    open_orders: z.number(),
    kill_switch_engaged: z.boolean(),
    broker_account: z
      .object({ cash: z.number(), equity: z.number(), buying_power: z.number() })
      .nullable()
      .describe("The live broker's own figures, when live"),
    journal: z.string(),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const desk = await tradingDesk(runtime, args.account);
    await markPositions(desk);
    const metrics = desk.manager.portfolio.calculateMetrics();
    const account = desk.live && desk.broker.account ? await desk.broker.account() : undefined;
    const clock = desk.journal.marketClock();
    return {
      mode: desk.live ? 'live' : 'paper',
      account: desk.account,
      kind: desk.settings.kind,
      commission_rate: desk.settings.commissionRate,
      slippage_bps: desk.settings.slippageBps,
      market_clock: clock === undefined ? null : new Date(clock).toISOString(),
      initial_capital: desk.manager.portfolio.initialCapital,
      cash: metrics.cash,
      equity: metrics.equity,
      positions_value: metrics.positionsValue,
      gross_exposure: metrics.grossExposure,
      net_exposure: metrics.netExposure,
      realized_pnl: metrics.realizedPnl,
      unrealized_pnl: metrics.unrealizedPnl,
      commissions: metrics.commissions,
      total_pnl: metrics.totalPnl,
      return_pct: metrics.returnPct,
      position_count: metrics.positionCount,
      open_orders: desk.manager.getOrders({ status: 'open' }).length,
      kill_switch_engaged: desk.manager.killSwitchEngaged,
      broker_account: account
        ? { cash: account.cash, equity: account.equity, buying_power: account.buyingPower }
        : null,
      journal: desk.journal.path,
    };
  },
});

const getPositions = defineTool({
  name: 'get_positions',
  title: 'Positions',
  description:
    'Open positions of the traded account: signed quantity (negative = short), average cost, last price, ' +
    'market value, unrealised and realised P&L and weight of equity.',
  toolset: 'portfolio',
  input: { account: accountArg },
  output: {
    mode: z.enum(['paper', 'live']),
    account: z.string(),
    equity: z.number(),
    count: z.number(),
    positions: z.array(positionShape),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const desk = await tradingDesk(runtime, args.account);
    await markPositions(desk);
    const snapshot = desk.manager.portfolio.toJSON();
    const positions = snapshot.positions.map((p) => ({
      symbol: p.symbol,
      quantity: p.quantity,
      average_cost: p.averageCost,
      last_price: p.lastPrice,
      market_value: p.marketValue,
      unrealized_pnl: p.unrealizedPnl,
      realized_pnl: p.realizedPnl,
      weight: snapshot.equity > 0 ? p.marketValue / snapshot.equity : null,
    }));
    return {
      mode: desk.live ? 'live' : 'paper',
      account: desk.account,
      equity: snapshot.equity,
      count: positions.length,
      positions,
    };
  },
});

const portfolioRebalance = defineTool({
  name: 'portfolio_rebalance',
  title: 'Rebalance to target weights',
  description:
    'Orders that move the account to target weights of equity (e.g. {"AAPL": 0.3, "MSFT": 0.2}; the rest ' +
    'stays cash; held symbols not listed are closed; negative = short). By default (execute: false) only ' +
    'returns the plan. With execute: true the orders are placed (sells first) with client_order_id ' +
    '"<client_order_id_prefix>-<SYMBOL>", so repeating the call does not double the trades. Refused when ' +
    'the gross weight (sum of |weight|) exceeds the maximum gross exposure (2 x equity by default).',
  toolset: 'portfolio',
  input: {
    account: accountArg,
    target_weights: z
      .record(z.string(), z.number().min(-1).max(1))
      .describe('Symbol -> weight of equity, between -1 and 1'),
    execute: z.boolean().default(false).describe('Place the orders (default false: plan only)'),
    client_order_id_prefix: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, { error: 'use 1-100 letters, digits and . _ : -' })
      .optional()
      .describe('Required with execute: true; unique per rebalance, e.g. "rebal-2024-06-01"'),
    min_trade_value: nonNegativeNumberArg('Skip trades smaller than this notional (default 0)').default(0),
    confirm: z.boolean().default(false).describe('Must be true to execute in live mode'),
  },
  output: {
    mode: z.enum(['paper', 'live']),
    account: z.string(),
    executed: z.boolean(),
    equity: z.number(),
    gross_weight: z.number(),
    plan: z.array(
      z.object({
        symbol: z.string(),
        side: z.string(),
        quantity: z.number(),
        price: z.number(),
        notional: z.number(),
        current_quantity: z.number(),
        target_weight: z.number(),
      }),
    ),
    orders: z.array(z.record(z.string(), z.unknown())),
  },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, { runtime }) {
    const { checkTargetWeights } = await import('../../execution/index.js');
    const { normalizeSymbol } = await import('../../core/inputs.js');
    const targets: Record<string, number> = {};
    for (const [symbol, weight] of Object.entries(args.target_weights))
      targets[normalizeSymbol(symbol, `target_weights.${symbol.slice(0, 32)}`)] = weight;
    if (Object.keys(targets).length === 0) {
      throw new ValidationError('target_weights: give at least one symbol', { field: 'target_weights' });
    }
    // The exposure rule, on the whole plan before any order is placed (not after half of them).
    checkTargetWeights(targets);
    if (args.execute && !args.client_order_id_prefix) {
      throw new ValidationError('client_order_id_prefix: required when execute is true', {
        field: 'client_order_id_prefix',
        hint: 'pick one unique per rebalance, e.g. "rebal-2024-06-01"; it makes the orders idempotent',
      });
    }
    const desk = await tradingDesk(runtime, args.account);
    if (args.execute) requireConfirmation(desk, args.confirm, 'this rebalance');
    const portfolio = desk.manager.portfolio;
    const prices: Record<string, number> = {};
    for (const symbol of new Set([...Object.keys(targets), ...portfolio.positions().map((p) => p.symbol)])) {
      const reference = await desk.ensurePrice(symbol);
      if (reference) prices[symbol] = reference.price;
    }
    const orders = portfolio.rebalance(targets, prices, { minTradeValue: args.min_trade_value });
    const plan = orders.map((order) => {
      const price = prices[order.symbol] ?? portfolio.lastPrice(order.symbol) ?? Number.NaN;
      return {
        symbol: order.symbol,
        side: order.side,
        quantity: order.quantity,
        price,
        notional: order.quantity * price,
        current_quantity: portfolio.position(order.symbol),
        target_weight: targets[order.symbol] ?? 0,
      };
    });
    const equity = portfolio.equity;
    const grossWeight = Object.values(targets).reduce((sum, w) => sum + Math.abs(w), 0);
    const placed: ReturnType<typeof orderJson>[] = [];
    if (args.execute) {
      const { OrderStateUnknownError } = await import('../../execution/index.js');
      for (const order of orders) {
        const clientOrderId = `${args.client_order_id_prefix}-${order.symbol}`;
        try {
          placed.push(
            orderJson(await desk.manager.submitOrder({ ...order, clientOrderId, tag: 'mcp-rebalance' })),
          );
        } catch (error) {
          if (error instanceof OrderStateUnknownError) throw orderStateUnknown(clientOrderId, error);
          if (error instanceof NeuralTraderError && placed.length > 0) {
            throw new NeuralTraderError(
              error.code,
              `${error.message} (after ${placed.length} orders were placed)`,
              {
                field: error.field,
                hint: `placed so far: ${placed.map((o) => o.client_order_id).join(', ')}; check get_orders`,
              },
            );
          }
          throw error;
        }
      }
    }
    return {
      mode: desk.live ? 'live' : 'paper',
      account: desk.account,
      executed: args.execute,
      equity,
      gross_weight: grossWeight,
      plan,
      orders: placed,
    };
  },
});

const performanceReport = defineTool({
  name: 'performance_report',
  title: 'Performance report',
  description:
    'Performance of the traded account since inception: return, realised/unrealised P&L and commissions ' +
    'overall and per symbol (including closed positions), and the number of fills and orders.',
  toolset: 'portfolio',
  input: { account: accountArg },
  output: {
    mode: z.enum(['paper', 'live']),
    account: z.string(),
    initial_capital: z.number(),
    equity: z.number(),
    total_pnl: z.number(),
    return_pct: z.number(),
    realized_pnl: z.number(),
    unrealized_pnl: z.number(),
    commissions: z.number(),
    fills: z.number(),
    orders: z.object({
      total: z.number(),
      filled: z.number(),
      open: z.number(),
      canceled: z.number(),
      rejected: z.number(),
    }),
    by_symbol: z.array(
      z.object({
        symbol: z.string(),
        quantity: z.number(),
        realized_pnl: z.number(),
        unrealized_pnl: z.number(),
        fills: z.number(),
        commissions: z.number(),
      }),
    ),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const desk = await tradingDesk(runtime, args.account);
    await markPositions(desk);
    const portfolio = desk.manager.portfolio;
    const metrics = portfolio.calculateMetrics();
    const fills = desk.manager.getFills();
    const bySymbol = new Map<string, { fills: number; commissions: number }>();
    for (const fill of fills) {
      const entry = bySymbol.get(fill.symbol) ?? { fills: 0, commissions: 0 };
      entry.fills++;
      entry.commissions += fill.commission;
      bySymbol.set(fill.symbol, entry);
    }
    const orders = desk.manager.getOrders({ status: 'all', limit: 1_000_000 });
    const count = (status: string) => orders.filter((o) => o.status === status).length;
    return {
      mode: desk.live ? 'live' : 'paper',
      account: desk.account,
      initial_capital: portfolio.initialCapital,
      equity: metrics.equity,
      total_pnl: metrics.totalPnl,
      return_pct: metrics.returnPct,
      realized_pnl: metrics.realizedPnl,
      unrealized_pnl: metrics.unrealizedPnl,
      commissions: metrics.commissions,
      fills: fills.length,
      orders: {
        total: orders.length,
        filled: count('filled'),
        open: orders.filter((o) => ['new', 'accepted', 'partially_filled'].includes(o.status)).length,
        canceled: count('canceled'),
        rejected: count('rejected'),
      },
      by_symbol: [...bySymbol].map(([symbol, entry]) => {
        const position = portfolio.getPosition(symbol);
        return {
          symbol,
          quantity: position?.quantity ?? 0,
          realized_pnl: position?.realizedPnl ?? 0,
          unrealized_pnl: portfolio.unrealizedPnl(symbol),
          fills: entry.fills,
          commissions: entry.commissions,
        };
      }),
    };
  },
});

const listAccounts = defineTool({
  name: 'list_accounts',
  title: 'List accounts',
  description:
    'Every account in NEURAL_TRADER_HOME (each has its own cash, orders and clock): the default paper account, ' +
    'replay accounts of `trade` runs, the Alpaca account. With cash, equity, order counts, market clock and the ' +
    'process that owns it now, if any.',
  toolset: 'portfolio',
  input: {},
  output: {
    count: z.number(),
    accounts: z.array(
      z.object({
        account: z.string(),
        kind: z.string().nullable(),
        broker: z.string().nullable(),
        cash: z.number().nullable(),
        equity: z.number().nullable(),
        orders: z.number().nullable(),
        open_orders: z.number().nullable(),
        market_clock: z.string().nullable(),
        owner: z.string().nullable().describe('The process that owns the account now (pid, command, since)'),
        problem: z.string().nullable().describe('Why the journal could not be read (damaged), if so'),
      }),
    ),
  },
  hints: READ_ONLY,
  async run(_args, { runtime }) {
    const { describeHolder, listAccounts: list } = await import('../../execution/index.js');
    const accounts = (await list(runtime.config.home)).map((a) => ({
      account: a.account,
      kind: a.kind ?? null,
      broker: a.broker ?? null,
      cash: a.cash ?? null,
      equity: a.equity ?? null,
      orders: a.orders ?? null,
      open_orders: a.openOrders ?? null,
      market_clock: a.marketClock === undefined ? null : new Date(a.marketClock).toISOString(),
      owner: a.owner ? describeHolder(a.owner) : null,
      problem: a.problem ?? null,
    }));
    return { count: accounts.length, accounts };
  },
});

const resetAccount = defineTool({
  name: 'reset_account',
  title: 'Reset a paper account',
  description:
    'Delete every order and fill of a PAPER account and return it to its starting cash (or a new one). ' +
    'Irreversible: needs confirm: true. Refused while another process owns the account.',
  toolset: 'portfolio',
  input: {
    account: accountArg,
    initial_capital: z.number().positive().finite().max(1e12).optional().describe('A new starting cash'),
    confirm: z.boolean().default(false).describe("Must be true: the account's history is deleted"),
  },
  output: {
    account: z.string(),
    cash: z.number(),
    reset_at: z.string().nullable(),
  },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(args, { runtime }) {
    const { DEFAULT_ACCOUNT } = await import('../../core/defaults.js');
    const { parseAccountName, resetAccount: reset } = await import('../../execution/index.js');
    const account = parseAccountName(args.account ?? DEFAULT_ACCOUNT);
    if (!args.confirm) {
      throw new ValidationError(
        `confirm: resetting account ${account} deletes its orders and fills; set confirm: true`,
        {
          field: 'confirm',
        },
      );
    }
    // This server may own the account itself: give it up first, so the reset is not refused by us.
    await closeDesk(runtime, account);
    const settings = reset(runtime.config.home, account, { initialCapital: args.initial_capital });
    return {
      account,
      cash: settings.initialCapital,
      reset_at: settings.resetAt === undefined ? null : new Date(settings.resetAt).toISOString(),
    };
  },
});

const verifyAccount = defineTool({
  name: 'verify_account',
  title: 'Verify an account journal',
  description:
    "Run an account journal's full integrity check now (file header, write-ahead log, SQLite quick_check, " +
    "every row's checksum, fills against each order's filled quantity and against the booked positions) on a " +
    'read-only connection, also while another process trades the account. Returns what was checked and every ' +
    'problem found (ok: false when the journal fails; trading on it is refused until it is restored).',
  toolset: 'portfolio',
  input: { account: accountArg },
  output: {
    account: z.string(),
    journal: z.string(),
    ok: z.boolean(),
    orders: z.number().nullable().describe('Orders checked'),
    fills: z.number().nullable().describe('Fills checked'),
    positions: z.number().nullable().describe('Booked positions checked'),
    checks: z.array(z.string()),
    problems: z.array(z.string()),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const { DEFAULT_ACCOUNT } = await import('../../core/defaults.js');
    const { verifyAccount: verify } = await import('../../execution/index.js');
    const report = verify(runtime.config.home, args.account ?? DEFAULT_ACCOUNT);
    return {
      account: report.account,
      journal: report.journal,
      ok: report.ok,
      orders: report.orders,
      fills: report.fills,
      positions: report.positions,
      checks: [...report.checks],
      problems: report.problems,
    };
  },
});

export const portfolioTools: readonly AnyToolSpec[] = [
  getPortfolioStatus,
  getPositions,
  portfolioRebalance,
  performanceReport,
  listAccounts,
  resetAccount,
  verifyAccount,
];
