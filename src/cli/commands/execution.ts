import type { Command } from 'commander';
import {
  DEFAULT_COMMISSION_RATE,
  DEFAULT_INITIAL_CAPITAL,
  DEFAULT_SLIPPAGE_BPS,
} from '../../core/defaults.js';
import type { PreTradeCheck } from '../../core/orders.js';
import type { OrderSnapshot } from '../../execution/order.js';
import { loadCliConfig } from '../context.js';
import { accountFlag, brokerFlag, isoTime, numberFlag, orderJson } from '../trading-flags.js';

/**
 * Execution commands: `order submit|cancel|list` and `trade` (a strategy on streaming bars). Paper is
 * the default broker and `paper` the default account; `trade` on replayed history runs in a replay
 * account of its own. The library is imported inside the actions to keep `--help` fast.
 */
interface SubmitFlags {
  symbol: string;
  side: string;
  quantity: string;
  type?: string;
  limitPrice?: string;
  stopPrice?: string;
  trailPercent?: string;
  trailPrice?: string;
  tif?: string;
  clientOrderId?: string;
  broker?: string;
  account?: string;
  wait?: string;
  json?: boolean;
}

interface TradeFlags {
  memory?: boolean | string;
  strategy: string;
  symbols: string[];
  broker?: string;
  account?: string;
  param?: string[];
  paramsFile?: string;
  capital?: string;
  commission?: string;
  slippageBps?: string;
  replaySpeed?: string;
  bars?: string;
  start?: string;
  cancelOnExit?: boolean;
  maxDailyLoss?: string;
  maxDrawdown?: string;
  maxPositionWeight?: string;
  json?: boolean;
}

/**
 * A risk fraction flag (0.05 = 5%). Loss thresholds must be below 1 (a 100% loss cannot be exceeded
 * while equity stays positive); a position weight may be 1 (the whole account in one name).
 */
async function fractionFlag(
  name: string,
  value: string | undefined,
  allowOne: boolean,
): Promise<number | undefined> {
  const n = await numberFlag(name, value);
  if (n === undefined) return undefined;
  if (!(n > 0 && (allowOne ? n <= 1 : n < 1))) {
    const { ValidationError } = await import('../../core/errors.js');
    throw new ValidationError(
      `--${name}: expected a fraction in ${allowOne ? '(0, 1]' : '(0, 1)'} such as 0.05 for 5%, got ${value}`,
      { field: name },
    );
  }
  return n;
}

/** The trade command's risk flags as pre-trade checks (src/risk is loaded only when one is given). */
async function riskChecks(flags: TradeFlags): Promise<PreTradeCheck[]> {
  const maxDailyLoss = await fractionFlag('max-daily-loss', flags.maxDailyLoss, false);
  const maxDrawdown = await fractionFlag('max-drawdown', flags.maxDrawdown, false);
  const maxPositionWeight = await fractionFlag('max-position-weight', flags.maxPositionWeight, true);
  if (maxDailyLoss === undefined && maxDrawdown === undefined && maxPositionWeight === undefined) return [];
  const { CircuitBreaker, riskLimitsCheck } = await import('../../risk/index.js');
  const checks: PreTradeCheck[] = [];
  if (maxDailyLoss !== undefined || maxDrawdown !== undefined) {
    checks.push(new CircuitBreaker({ maxDailyLoss, maxDrawdown }));
  }
  if (maxPositionWeight !== undefined) checks.push(riskLimitsCheck({ maxPositionWeight }));
  return checks;
}

function orderRow(o: OrderSnapshot) {
  return {
    id: o.id,
    client_order_id: o.clientOrderId,
    broker: o.broker,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    qty: o.quantity,
    filled: o.filledQuantity,
    avg_price: Number.isFinite(o.averageFillPrice) ? o.averageFillPrice : null,
    limit: o.limitPrice ?? null,
    stop: o.stopPrice ?? null,
    tif: o.timeInForce,
    status: o.status,
    created: isoTime(o.createdAt),
    updated: isoTime(o.updatedAt),
    market_time: isoTime(o.marketTime),
    reason: o.reason ?? null,
  };
}

async function submit(program: Command, flags: SubmitFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { placeOrder } = await import('../../execution/place.js');
  const { describeHolder } = await import('../../execution/lease.js');
  const { printJson, renderKeyValues } = await import('../output.js');
  const broker = await brokerFlag(flags.broker);
  const account = await accountFlag(flags.account, broker);
  const request = {
    symbol: flags.symbol,
    side: flags.side as 'buy' | 'sell',
    quantity: (await numberFlag('quantity', flags.quantity, { min: 0, exclusiveMin: true })) as number,
    type: (flags.type ?? 'market') as 'market',
    limitPrice: await numberFlag('limit-price', flags.limitPrice, { min: 0, exclusiveMin: true }),
    stopPrice: await numberFlag('stop-price', flags.stopPrice, { min: 0, exclusiveMin: true }),
    trailPercent: await numberFlag('trail-percent', flags.trailPercent, { min: 0, exclusiveMin: true }),
    trailPrice: await numberFlag('trail-price', flags.trailPrice, { min: 0, exclusiveMin: true }),
    timeInForce: (flags.tif ?? 'day') as 'day',
    clientOrderId: flags.clientOrderId,
  };
  const waitSeconds = await numberFlag('wait', flags.wait, { min: 0, max: 3600 });
  const placed = await placeOrder(request, {
    broker,
    account,
    config,
    waitMs: waitSeconds === undefined ? undefined : waitSeconds * 1000,
  });
  const { order, referencePrice: reference } = placed;
  const priceNote = reference
    ? `${reference.symbol} ${reference.price} = ${reference.source}`
    : broker === 'paper'
      ? placed.via === 'handoff'
        ? 'priced by the owner'
        : 'none'
      : 'market price at Alpaca';
  if (flags.json) {
    printJson({
      account,
      order: orderJson(order),
      referencePrice: reference ? { ...reference, timestamp: isoTime(reference.timestamp) } : null,
      placedBy: placed.via === 'handoff' && placed.owner ? describeHolder(placed.owner) : 'this process',
    });
  } else {
    process.stdout.write(
      renderKeyValues({
        account,
        ...orderRow(order),
        paper_price: broker === 'paper' ? priceNote : undefined,
        placed_by:
          placed.via === 'handoff' && placed.owner
            ? `the account's owner, ${describeHolder(placed.owner)}`
            : undefined,
      }),
    );
  }
  if (order.status === 'rejected') process.exitCode = 1;
}

/** The broker of the account that holds order `id` (read-only), or a NOT_FOUND error naming the account. */
async function brokerOfOrder(home: string, id: string, account: string): Promise<'paper' | 'alpaca'> {
  const { Journal } = await import('../../execution/journal.js');
  const { accountJournalPath } = await import('../../execution/account-names.js');
  const { NeuralTraderError } = await import('../../core/errors.js');
  const journal = new Journal(accountJournalPath(home, account), { account, readonly: true });
  try {
    if (!journal.findOrder(id)) {
      throw new NeuralTraderError('NOT_FOUND', `no order ${id} in account ${account} (${journal.path})`, {
        field: 'id',
        hint: `list orders with \`npx neural-trader order list --account ${account} --status all\``,
      });
    }
    return journal.settings.broker === 'alpaca' ? 'alpaca' : 'paper';
  } finally {
    journal.close();
  }
}

interface ChangeFlags {
  broker?: string;
  account?: string;
  wait?: string;
  json?: boolean;
}

/** Print a canceled or replaced order, saying who did it when the account's owner did. */
async function printChanged(
  changed: import('../../execution/place.js').ChangedOrder,
  json: boolean | undefined,
): Promise<void> {
  const { describeHolder } = await import('../../execution/lease.js');
  const { printJson, renderKeyValues } = await import('../output.js');
  const by = changed.via === 'handoff' && changed.owner ? describeHolder(changed.owner) : undefined;
  if (json) {
    printJson({ account: changed.account, order: orderJson(changed.order), doneBy: by ?? 'this process' });
  } else {
    process.stdout.write(
      renderKeyValues({
        account: changed.account,
        ...orderRow(changed.order),
        done_by: by ? `the account's owner, ${by}` : undefined,
      }),
    );
  }
}

async function cancel(program: Command, id: string, flags: ChangeFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { cancelPlacedOrder } = await import('../../execution/place.js');
  const given = flags.broker ? await brokerFlag(flags.broker) : undefined;
  const account = await accountFlag(flags.account, given ?? 'paper');
  const broker = await brokerOfOrder(config.home, id, account);
  const waitSeconds = await numberFlag('wait', flags.wait, { min: 0, max: 3600 });
  const changed = await cancelPlacedOrder(id, {
    broker,
    account,
    config,
    waitMs: waitSeconds === undefined ? undefined : waitSeconds * 1000,
  });
  await printChanged(changed, flags.json);
}

async function replace(
  program: Command,
  id: string,
  flags: ChangeFlags & {
    quantity?: string;
    limitPrice?: string;
    stopPrice?: string;
    trailPercent?: string;
    trailPrice?: string;
    tif?: string;
  },
): Promise<void> {
  const config = await loadCliConfig(program);
  const { replacePlacedOrder } = await import('../../execution/place.js');
  const { ValidationError } = await import('../../core/errors.js');
  const given = flags.broker ? await brokerFlag(flags.broker) : undefined;
  const account = await accountFlag(flags.account, given ?? 'paper');
  const positive = { min: 0, exclusiveMin: true };
  const changes = {
    quantity: await numberFlag('quantity', flags.quantity, positive),
    limitPrice: await numberFlag('limit-price', flags.limitPrice, positive),
    stopPrice: await numberFlag('stop-price', flags.stopPrice, positive),
    trailPercent: await numberFlag('trail-percent', flags.trailPercent, positive),
    trailPrice: await numberFlag('trail-price', flags.trailPrice, positive),
    timeInForce: flags.tif as 'day' | 'gtc' | 'ioc' | 'fok' | undefined,
  };
  if (changes.timeInForce !== undefined && !['day', 'gtc', 'ioc', 'fok'].includes(changes.timeInForce)) {
    throw new ValidationError(`--tif: expected day, gtc, ioc or fok, got "${changes.timeInForce}"`, {
      field: 'tif',
    });
  }
  const requested = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  if (Object.keys(requested).length === 0) {
    throw new ValidationError('order replace: nothing to change', {
      field: 'quantity',
      hint: 'give at least one of --quantity, --limit-price, --stop-price, --trail-percent, --trail-price, --tif',
    });
  }
  const broker = await brokerOfOrder(config.home, id, account);
  const waitSeconds = await numberFlag('wait', flags.wait, { min: 0, max: 3600 });
  const changed = await replacePlacedOrder(id, requested, {
    broker,
    account,
    config,
    waitMs: waitSeconds === undefined ? undefined : waitSeconds * 1000,
  });
  await printChanged(changed, flags.json);
}

async function list(
  program: Command,
  flags: { status?: string; symbol?: string; broker?: string; account?: string; json?: boolean },
): Promise<void> {
  const config = await loadCliConfig(program);
  const { ValidationError } = await import('../../core/errors.js');
  const { normalizeSymbol } = await import('../../core/inputs.js');
  const { Journal } = await import('../../execution/journal.js');
  const { accountJournalPath } = await import('../../execution/account-names.js');
  const { printJson, printTable } = await import('../output.js');
  const status = flags.status ?? 'open';
  const allowed = [
    'open',
    'closed',
    'all',
    'new',
    'accepted',
    'partially_filled',
    'filled',
    'canceled',
    'expired',
    'rejected',
  ];
  if (!allowed.includes(status)) {
    throw new ValidationError(`--status: expected one of ${allowed.join(', ')}, got "${status}"`, {
      field: 'status',
    });
  }
  const broker = flags.broker ? await brokerFlag(flags.broker) : undefined;
  const account = await accountFlag(flags.account, broker ?? 'paper');
  const symbol = flags.symbol === undefined ? undefined : normalizeSymbol(flags.symbol, '--symbol');
  const path = accountJournalPath(config.home, account);
  const { existsSync } = await import('node:fs');
  if (!existsSync(path) && flags.account === undefined) {
    // The default account before its first order: nothing to list, nothing to create.
    if (flags.json) printJson([]);
    else process.stdout.write(`no orders yet in account ${account}\n`);
    return;
  }
  const journal = new Journal(path, { account, readonly: true });
  try {
    const orders = journal.listOrders({ status: status as 'open', symbol, broker });
    if (flags.json) printJson(orders.map(orderJson));
    else if (orders.length === 0)
      process.stdout.write(
        `no ${status === 'all' ? '' : `${status} `}orders in account ${account} (${journal.path})\n`,
      );
    else
      printTable(orders.map(orderRow), [
        'id',
        'client_order_id',
        'symbol',
        'side',
        'type',
        'qty',
        'filled',
        'avg_price',
        'limit',
        'stop',
        'tif',
        'status',
        'created',
        'market_time',
      ]);
  } finally {
    journal.close();
  }
}

async function trade(program: Command, flags: TradeFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { runLiveStrategy } = await import('../../execution/live-runner.js');
  const { countFlag, symbolsFlag } = await import('../flags.js');
  const { strategyParamsFromFlags } = await import('../../core/strategy-params.js');
  const broker = await brokerFlag(flags.broker);
  const account = flags.account === undefined ? undefined : await accountFlag(flags.account, broker);
  const checks = await riskChecks(flags);
  // The same readings as backtest: `KO PG` or `KO,PG`, any case; `--bars 0` or `-1` is an error.
  const symbols = symbolsFlag(flags.symbols);
  const params = strategyParamsFromFlags(flags.param, flags.paramsFile);
  const maxBars = countFlag('bars', flags.bars);
  const controller = new AbortController();
  const stop = (signal: string) => {
    process.stderr.write(
      `\n${signal}: stopping (journal will be closed${flags.cancelOnExit ? ', open orders canceled' : ''})\n`,
    );
    controller.abort();
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  try {
    const summary = await runLiveStrategy({
      strategy: flags.strategy,
      symbols,
      params,
      broker,
      account,
      config,
      initialCapital: await numberFlag('capital', flags.capital, { min: 0, exclusiveMin: true }),
      commissionRate: await numberFlag('commission', flags.commission, { min: 0, max: 0.5 }),
      slippageBps: await numberFlag('slippage-bps', flags.slippageBps, { min: 0, max: 10_000 }),
      replaySpeed: await numberFlag('replay-speed', flags.replaySpeed, { min: 0 }),
      maxBars,
      start: flags.start,
      cancelOnExit: flags.cancelOnExit === true,
      signal: controller.signal,
      checks,
      onEvent: flags.json ? undefined : (line) => process.stderr.write(`${line}\n`),
      // A halt is reported even with --json (stderr): nobody should miss that trading stopped.
      onHalt: (line) => process.stderr.write(`${line}\n`),
    });
    const { printJson, renderKeyValues } = await import('../output.js');
    if (summary.orders === 0) {
      process.stderr.write(
        `warning: no orders: ${summary.strategy} placed no order in ${summary.bars} bars (too few bars to warm up, or its signals never fired)\n`,
      );
    }
    if (flags.json) printJson({ ...summary, marketClock: isoTime(summary.marketClock) });
    else {
      process.stdout.write(
        renderKeyValues({
          strategy: summary.strategy,
          broker: summary.broker,
          account: summary.account,
          feed: summary.feed,
          bars: summary.bars,
          market_clock: isoTime(summary.marketClock),
          orders: summary.orders,
          fills: summary.fills,
          rejected: summary.rejected,
          canceled_on_exit: summary.canceledOnExit,
          cash: summary.cash,
          equity: summary.equity,
          return_pct: summary.returnPct,
          positions: summary.positions.map((p) => `${p.symbol}:${p.quantity}`).join(' ') || '(flat)',
          halts: summary.halts.length,
          journal: summary.journal,
        }),
      );
      process.stderr.write(
        `see the account with: npx neural-trader portfolio show --account ${summary.account}\n`,
      );
    }
    if (flags.memory) {
      const { recordTradeRunInMemory } = await import('../../memory/record-trades.js');
      const { printWarnings } = await import('../flags.js');
      printWarnings(
        await recordTradeRunInMemory(config.home, summary.account, flags.memory, summary.strategy),
      );
    }
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

export function register(program: Command): void {
  const order = program
    .command('order')
    .description('submit, cancel, replace and list orders (paper by default)');
  order
    .command('submit')
    .description('submit an order (the paper broker fills against the latest bundled sample bar)')
    .requiredOption('--symbol <symbol>', 'ticker, e.g. AAPL')
    .requiredOption('--side <side>', 'buy or sell')
    .requiredOption('--quantity <n>', 'shares (may be fractional, plain decimals)')
    .option('--type <type>', 'market, limit, stop, stop_limit or trailing_stop', 'market')
    .option('--limit-price <price>', 'limit price (limit, stop_limit)')
    .option('--stop-price <price>', 'stop trigger price (stop, stop_limit)')
    .option('--trail-percent <pct>', 'trailing stop distance in percent')
    .option('--trail-price <amount>', 'trailing stop distance in price')
    .option('--tif <tif>', 'time in force: day, gtc, ioc or fok', 'day')
    .option('--client-order-id <id>', 'idempotency key (the same id twice places one order)')
    .option('--broker <broker>', 'paper or alpaca', 'paper')
    .option('--account <name>', 'account to trade (default: paper, or alpaca with --broker alpaca)')
    .option('--wait <seconds>', 'how long to wait for another process that owns the account', '10')
    .option('--json', 'print JSON')
    .action(async (flags: SubmitFlags) => submit(program, flags));
  order
    .command('cancel <id>')
    .description('cancel an open order (by id, client order id or broker order id)')
    .option('--broker <broker>', 'paper or alpaca (default: the broker of the account)')
    .option('--account <name>', 'account of the order (default: paper)')
    .option('--wait <seconds>', 'how long to wait for another process that owns the account', '5')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: ChangeFlags) => cancel(program, id, flags));
  order
    .command('replace <id>')
    .description(
      'change an open order (quantity is the new total; by id, client order id or broker order id)',
    )
    .option('--quantity <n>', 'new total quantity')
    .option('--limit-price <price>', 'new limit price')
    .option('--stop-price <price>', 'new stop price')
    .option('--trail-percent <pct>', 'new trailing distance in percent')
    .option('--trail-price <amount>', 'new trailing distance in price')
    .option('--tif <tif>', 'new time in force: day, gtc, ioc or fok')
    .option('--broker <broker>', 'paper or alpaca (default: the broker of the account)')
    .option('--account <name>', 'account of the order (default: paper)')
    .option('--wait <seconds>', 'how long to wait for another process that owns the account', '5')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: Parameters<typeof replace>[2]) => replace(program, id, flags));
  order
    .command('list')
    .description("orders from an account's journal")
    .option('--status <status>', 'open, closed, all, or one status such as filled', 'open')
    .option('--symbol <symbol>', 'only this symbol')
    .option('--broker <broker>', 'only orders sent to paper or alpaca')
    .option('--account <name>', 'account to list (default: paper)')
    .option('--json', 'print JSON')
    .action(
      async (flags: {
        status?: string;
        symbol?: string;
        broker?: string;
        account?: string;
        json?: boolean;
      }) => list(program, flags),
    );

  program
    .command('trade')
    .description(
      'run a strategy on streaming bars (paper: replayed sample data, in a replay account of its own)',
    )
    .requiredOption('--strategy <name>', 'registered strategy, e.g. momentum')
    .requiredOption('--symbols <symbols...>', 'tickers, e.g. AAPL, KO PG or KO,PG')
    .option('--broker <broker>', 'paper or alpaca', 'paper')
    .option('--account <name>', 'account to trade (default: a new replay-<time> account per paper run)')
    .option('--param <k=v...>', 'strategy parameters, e.g. --param lookback=20 (lists/objects as JSON)')
    .option('--params-file <file>', 'strategy parameters from a JSON object file (--param overrides it)')
    .option('--capital <amount>', `starting cash of a new account (default ${DEFAULT_INITIAL_CAPITAL})`)
    .option(
      '--commission <rate>',
      `paper commission of a new account as a fraction of notional (default ${DEFAULT_COMMISSION_RATE}, as in backtests)`,
    )
    .option(
      '--slippage-bps <bps>',
      `paper slippage of a new account in basis points (default ${DEFAULT_SLIPPAGE_BPS})`,
    )
    .option('--replay-speed <bars/s>', 'paper replay speed in bars per second (0 = as fast as possible)', '0')
    .option('--bars <n>', 'stop after this many bars (a whole number >= 1)')
    .option('--start <date>', 'paper replay: first bar date')
    .option('--cancel-on-exit', 'cancel open orders when stopping')
    .option(
      '--max-daily-loss <fraction>',
      'circuit breaker: halt new orders for the day after this loss (0.03 = 3%)',
    )
    .option(
      '--max-drawdown <fraction>',
      'circuit breaker: halt new orders after this drawdown from peak, for the run',
    )
    .option(
      '--max-position-weight <fraction>',
      'refuse orders that take a position above this share of equity',
    )
    .option('--json', 'print the summary as JSON (no per-bar log)')
    .option(
      '--memory [db]',
      "record the account's fills as episodes in the agent memory (NEURAL_TRADER_HOME/memory/memory.db or DB)",
    )
    .action(async (flags: TradeFlags) => trade(program, flags));
}
