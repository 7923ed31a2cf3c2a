import type { Command } from 'commander';
import type { PreTradeCheck } from '../../core/orders.js';
import { loadCliConfig } from '../context.js';

/**
 * Execution commands: `order submit|cancel|list` and `trade` (a strategy on streaming bars). Paper is
 * the default broker; the library is imported inside the actions to keep `--help` fast.
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
  json?: boolean;
}

interface TradeFlags {
  strategy: string;
  symbols: string[];
  broker?: string;
  param?: string[];
  paramsFile?: string;
  capital?: string;
  replaySpeed?: string;
  bars?: string;
  start?: string;
  cancelOnExit?: boolean;
  maxDailyLoss?: string;
  maxDrawdown?: string;
  maxPositionWeight?: string;
  json?: boolean;
}

async function numberFlag(name: string, value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    const { ValidationError } = await import('../../core/errors.js');
    throw new ValidationError(`--${name}: expected a number, got "${value}"`, { field: name });
  }
  return n;
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

async function brokerFlag(value: string | undefined): Promise<'paper' | 'alpaca'> {
  const broker = value ?? 'paper';
  if (broker !== 'paper' && broker !== 'alpaca') {
    const { ValidationError } = await import('../../core/errors.js');
    throw new ValidationError(`--broker: expected paper or alpaca, got "${broker}"`, { field: 'broker' });
  }
  return broker;
}

function orderRow(o: {
  id: string;
  clientOrderId: string;
  broker: string;
  symbol: string;
  side: string;
  type: string;
  quantity: number;
  filledQuantity: number;
  averageFillPrice: number;
  status: string;
  limitPrice?: number;
  stopPrice?: number;
  timeInForce: string;
  createdAt: number;
  reason?: string;
}) {
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
    created: new Date(o.createdAt).toISOString().replace('.000Z', 'Z'),
    reason: o.reason ?? null,
  };
}

async function submit(program: Command, flags: SubmitFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { openTradingSession } = await import('../../execution/session.js');
  const { printJson, renderKeyValues } = await import('../output.js');
  const broker = await brokerFlag(flags.broker);
  const quantity = (await numberFlag('quantity', flags.quantity)) as number;
  const request = {
    symbol: flags.symbol.toUpperCase(),
    side: flags.side as 'buy' | 'sell',
    quantity,
    type: (flags.type ?? 'market') as 'market',
    limitPrice: await numberFlag('limit-price', flags.limitPrice),
    stopPrice: await numberFlag('stop-price', flags.stopPrice),
    trailPercent: await numberFlag('trail-percent', flags.trailPercent),
    trailPrice: await numberFlag('trail-price', flags.trailPrice),
    timeInForce: (flags.tif ?? 'day') as 'day',
    clientOrderId: flags.clientOrderId,
  };
  const session = await openTradingSession({ broker, config });
  try {
    const reference = await session.ensurePrice(request.symbol);
    const order = await session.manager.submitOrder(request);
    const priceNote = reference
      ? `${reference.symbol} ${reference.price} = ${reference.source}`
      : broker === 'paper'
        ? 'none'
        : 'market price at Alpaca';
    if (flags.json) {
      printJson({ order, referencePrice: reference ?? null });
    } else {
      process.stdout.write(
        renderKeyValues({ ...orderRow(order), paper_price: broker === 'paper' ? priceNote : undefined }),
      );
    }
    if (order.status === 'rejected') process.exitCode = 1;
  } finally {
    await session.close();
  }
}

async function cancel(
  program: Command,
  id: string,
  flags: { broker?: string; json?: boolean },
): Promise<void> {
  const config = await loadCliConfig(program);
  const { openTradingSession } = await import('../../execution/session.js');
  const { Journal } = await import('../../execution/journal.js');
  const { NeuralTraderError } = await import('../../core/errors.js');
  const { printJson, renderKeyValues } = await import('../output.js');
  let broker = flags.broker ? await brokerFlag(flags.broker) : undefined;
  if (!broker) {
    const journal = Journal.open(config.home);
    try {
      const found = journal.findOrder(id);
      if (!found) {
        throw new NeuralTraderError('NOT_FOUND', `no order ${id} in the journal (${journal.path})`, {
          field: 'id',
          hint: 'list orders with `npx neural-trader order list --status all`',
        });
      }
      broker = found.broker === 'alpaca' ? 'alpaca' : 'paper';
    } finally {
      journal.close();
    }
  }
  const session = await openTradingSession({ broker, config });
  try {
    const order = await session.manager.cancelOrder(id);
    if (flags.json) printJson(order);
    else process.stdout.write(renderKeyValues(orderRow(order)));
  } finally {
    await session.close();
  }
}

async function list(
  program: Command,
  flags: { status?: string; symbol?: string; broker?: string; json?: boolean },
): Promise<void> {
  const config = await loadCliConfig(program);
  const { ValidationError } = await import('../../core/errors.js');
  const { Journal } = await import('../../execution/journal.js');
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
  const journal = Journal.open(config.home);
  try {
    const orders = journal.listOrders({
      status: status as 'open',
      symbol: flags.symbol?.toUpperCase(),
      broker: flags.broker,
    });
    if (flags.json) printJson(orders);
    else if (orders.length === 0)
      process.stdout.write(`no ${status === 'all' ? '' : `${status} `}orders in ${journal.path}\n`);
    else
      printTable(orders.map(orderRow), [
        'id',
        'client_order_id',
        'broker',
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
      ]);
  } finally {
    journal.close();
  }
}

async function trade(program: Command, flags: TradeFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { runLiveStrategy } = await import('../../execution/live-runner.js');
  const { countFlag, numberFlag: strictNumberFlag, symbolsFlag } = await import('../flags.js');
  const { strategyParamsFromFlags } = await import('../../core/strategy-params.js');
  const broker = await brokerFlag(flags.broker);
  const checks = await riskChecks(flags);
  // The same readings as backtest: `KO PG` or `KO,PG`, any case; `--bars 0` or `-1` is an error.
  const symbols = symbolsFlag(flags.symbols);
  const params = strategyParamsFromFlags(flags.param, flags.paramsFile);
  const maxBars = countFlag('bars', flags.bars);
  const initialCapital = strictNumberFlag('capital', flags.capital, { min: 0, exclusiveMin: true });
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
      config,
      initialCapital,
      replaySpeed: await numberFlag('replay-speed', flags.replaySpeed),
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
    if (flags.json) printJson(summary);
    else
      process.stdout.write(
        renderKeyValues(
          {
            strategy: summary.strategy,
            broker: summary.broker,
            feed: summary.feed,
            bars: summary.bars,
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
          },
          // Money with its currency decimals.
          2,
        ),
      );
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

export function register(program: Command): void {
  const order = program.command('order').description('submit, cancel and list orders (paper by default)');
  order
    .command('submit')
    .description('submit an order (the paper broker fills against the latest bundled sample bar)')
    .requiredOption('--symbol <symbol>', 'ticker, e.g. AAPL')
    .requiredOption('--side <side>', 'buy or sell')
    .requiredOption('--quantity <n>', 'shares (may be fractional)')
    .option('--type <type>', 'market, limit, stop, stop_limit or trailing_stop', 'market')
    .option('--limit-price <price>', 'limit price (limit, stop_limit)')
    .option('--stop-price <price>', 'stop trigger price (stop, stop_limit)')
    .option('--trail-percent <pct>', 'trailing stop distance in percent')
    .option('--trail-price <amount>', 'trailing stop distance in price')
    .option('--tif <tif>', 'time in force: day, gtc, ioc or fok', 'day')
    .option('--client-order-id <id>', 'idempotency key (the same id twice places one order)')
    .option('--broker <broker>', 'paper or alpaca', 'paper')
    .option('--json', 'print JSON')
    .action(async (flags: SubmitFlags) => submit(program, flags));
  order
    .command('cancel <id>')
    .description('cancel an open order (by id, client order id or broker order id)')
    .option('--broker <broker>', 'paper or alpaca (default: the broker the order was sent to)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { broker?: string; json?: boolean }) => cancel(program, id, flags));
  order
    .command('list')
    .description('orders from the journal')
    .option('--status <status>', 'open, closed, all, or one status such as filled', 'open')
    .option('--symbol <symbol>', 'only this symbol')
    .option('--broker <broker>', 'only orders sent to paper or alpaca')
    .option('--json', 'print JSON')
    .action(async (flags: { status?: string; symbol?: string; broker?: string; json?: boolean }) =>
      list(program, flags),
    );

  program
    .command('trade')
    .description('run a strategy on streaming bars (paper with replayed sample data by default)')
    .requiredOption('--strategy <name>', 'registered strategy, e.g. momentum')
    .requiredOption('--symbols <symbols...>', 'tickers, e.g. AAPL, KO PG or KO,PG')
    .option('--broker <broker>', 'paper or alpaca', 'paper')
    .option('--param <k=v...>', 'strategy parameters, e.g. --param lookback=20 (lists/objects as JSON)')
    .option('--params-file <file>', 'strategy parameters from a JSON object file (--param overrides it)')
    .option('--capital <amount>', 'starting cash of a new journal', '100000')
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
    .action(async (flags: TradeFlags) => trade(program, flags));
}
