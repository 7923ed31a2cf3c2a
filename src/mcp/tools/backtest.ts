import { z } from 'zod';
import { MARKET_CALENDARS } from '../../core/calendar.js';
import {
  DEFAULT_BORROW_FEE_RATE,
  DEFAULT_COMMISSION_RATE,
  DEFAULT_INITIAL_CAPITAL,
  DEFAULT_MARGIN_INTEREST_RATE,
  DEFAULT_SLIPPAGE_BPS,
} from '../../core/defaults.js';
import { NeuralTraderError, ValidationError } from '../../core/errors.js';
import { timestampFormatter } from '../../core/time.js';
import {
  dateArg,
  enumArg,
  integerArg,
  nameArg,
  nonNegativeNumberArg,
  paramsArg,
  positiveNumberArg,
  symbolArg,
} from '../args.js';
import {
  checkBarsRequested,
  checkGridSize,
  formatCount,
  MAX_BARS_PER_SYMBOL,
  MAX_GRID_COMBINATIONS,
} from '../limits.js';
import { type AnyToolSpec, defineTool } from '../tool.js';
import { providerArg } from './data.js';

/**
 * Backtests of registered strategies over history, through the backtest library (the same engine,
 * fill and commission models the CLI uses).
 */
const MAX_TRADES_SHOWN = 50;
const CURVE_POINTS = 60;

/** At most `points` evenly spaced samples of a curve, always including the last bar. */
function sampleCurve(timestamps: Float64Array, values: Float64Array, points: number) {
  const n = timestamps.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.ceil(n / points));
  const out: { date: string; equity: number }[] = [];
  const format = timestampFormatter(timestamps);
  for (let i = 0; i < n; i += step) out.push({ date: format(timestamps[i]), equity: values[i] });
  if ((n - 1) % step !== 0) out.push({ date: format(timestamps[n - 1]), equity: values[n - 1] });
  return out;
}

const metricsShape = z.record(z.string(), z.unknown());

/** Symbols one backtest or optimisation may trade. */
const MAX_SYMBOLS = 50;
const BARS_LIMIT = `at most ${formatCount(MAX_BARS_PER_SYMBOL)} bars per symbol and ${MAX_SYMBOLS} symbols`;

/** Financing inputs shared by run_backtest and optimize_strategy (defaults from src/core/defaults.ts). */
const financingArgs = {
  margin_interest_rate: nonNegativeNumberArg(
    `Annual interest on negative cash, accrued between bars (default ${DEFAULT_MARGIN_INTEREST_RATE}; 0 = off)`,
  )
    .max(1)
    .default(DEFAULT_MARGIN_INTEREST_RATE),
  borrow_fee_rate: nonNegativeNumberArg(
    `Annual fee on short market value, accrued between bars (default ${DEFAULT_BORROW_FEE_RATE}; 0 = off)`,
  )
    .max(1)
    .default(DEFAULT_BORROW_FEE_RATE),
};

const runBacktestTool = defineTool({
  name: 'run_backtest',
  title: 'Run a backtest',
  description:
    'Backtest a registered strategy on historical bars (default: the bundled sample data) and return its ' +
    'metrics (total/annualised return, Sharpe, Sortino, max drawdown, win rate, profit factor, exposure), ' +
    'the buy-and-hold benchmark, round-trip trades and a sampled equity curve. Market orders fill at the ' +
    "next bar's open; commission is a fraction of notional.",
  toolset: 'backtest',
  worker: {},
  timeLimitSeconds: 120,
  sizeLimit: BARS_LIMIT,
  input: {
    strategy: nameArg('Strategy name from list_strategies, e.g. sma-crossover or pairs'),
    symbols: z
      .array(symbolArg())
      .min(1, { error: 'give at least one symbol' })
      .max(MAX_SYMBOLS, { error: `at most ${MAX_SYMBOLS} symbols` })
      .describe('Symbols the strategy trades, e.g. ["AAPL"] or ["KO", "PG"] for pairs'),
    start_date: dateArg('First date YYYY-MM-DD (default: earliest available)').optional(),
    end_date: dateArg('Last date YYYY-MM-DD, inclusive (default: latest available)').optional(),
    initial_capital: positiveNumberArg(`Starting cash (default ${DEFAULT_INITIAL_CAPITAL})`).default(
      DEFAULT_INITIAL_CAPITAL,
    ),
    commission: nonNegativeNumberArg(
      `Commission as a fraction of notional, e.g. 0.001 = 10 bps (default ${DEFAULT_COMMISSION_RATE})`,
    ).default(DEFAULT_COMMISSION_RATE),
    slippage_bps: nonNegativeNumberArg(
      `Slippage against each fill in basis points (default ${DEFAULT_SLIPPAGE_BPS})`,
    ).default(DEFAULT_SLIPPAGE_BPS),
    ...financingArgs,
    params: paramsArg.default({}),
    provider: providerArg.default('sample'),
    calendar: enumArg(
      MARKET_CALENDARS,
      'Annualise with this market calendar (us-equity 252 sessions, fx 24x5, crypto 24x7); default: periods/year measured from the timestamps',
    ).optional(),
  },
  output: {
    strategy: z.string(),
    symbols: z.array(z.string()),
    start: z.string(),
    end: z.string(),
    bars: z.number(),
    initial_capital: z.number(),
    final_equity: z.number(),
    total_return_pct: z.number().nullable(),
    metrics: metricsShape,
    benchmark: metricsShape.describe('Equal-weight buy-and-hold of the same symbols'),
    positions: z.record(z.string(), z.number()),
    trade_count: z.number(),
    trades: z.array(z.record(z.string(), z.unknown())).describe(`The last ${MAX_TRADES_SHOWN} round trips`),
    rejections: z.number(),
    equity_curve: z.array(z.object({ date: z.string(), equity: z.number().nullable() })),
    options: z.record(z.string(), z.unknown()),
    annualisation: z
      .string()
      .describe('How returns were annualised: periods per year (measured or nominal) and elapsed years'),
    assumptions: z
      .record(z.string(), z.unknown())
      .describe(
        'Commission, slippage, financing, annualisation, fill rules and data source the figures rest on',
      ),
    warnings: z
      .array(z.string())
      .describe('One line per degenerate result, e.g. no trades because capital is too small'),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  checkSize(args) {
    checkBarsRequested({ start: args.start_date, end: args.end_date });
  },
  async run(args, context) {
    const { backtest } = await import('../../backtest/index.js');
    if ('symbols' in args.params) {
      throw new ValidationError('params.symbols: pass symbols in the `symbols` argument', {
        field: 'params',
      });
    }
    await context.progress(0, 1, `backtesting ${args.strategy} on ${args.symbols.join(', ')}`);
    const result = await backtest(
      args.strategy,
      { ...args.params, symbols: args.symbols },
      args.start_date,
      args.end_date,
      {
        initialCapital: args.initial_capital,
        commission: args.commission,
        slippageBps: args.slippage_bps,
        marginInterestRate: args.margin_interest_rate,
        borrowFeeRate: args.borrow_fee_rate,
        provider: args.provider,
        calendar: args.calendar,
      },
    );
    const { benchmark, ...metrics } = result.metrics;
    // One date format for the whole result (dates for daily bars, instants for intraday ones).
    const formatTime = timestampFormatter(result.timestamps);
    const trades = result.trades.slice(-MAX_TRADES_SHOWN).map((trade) => ({
      symbol: trade.symbol,
      direction: trade.direction,
      entry: formatTime(trade.entryTime),
      exit: formatTime(trade.exitTime),
      entry_price: trade.entryPrice,
      exit_price: trade.exitPrice,
      quantity: trade.quantity,
      pnl: trade.pnl,
      return_pct: trade.returnFraction * 100,
      bars_held: trade.barsHeld,
    }));
    return {
      strategy: result.strategy,
      symbols: result.symbols,
      start: formatTime(result.start),
      end: formatTime(result.end),
      bars: result.bars,
      initial_capital: result.initialCapital,
      final_equity: result.finalEquity,
      total_return_pct: metrics.totalReturn * 100,
      metrics,
      benchmark,
      positions: result.positions,
      trade_count: result.trades.length,
      trades,
      rejections: result.rejections.length,
      equity_curve: sampleCurve(result.timestamps, result.equity, CURVE_POINTS),
      options: result.options,
      annualisation: result.metrics.annualisation.description,
      assumptions: result.assumptions,
      warnings: result.warnings,
    };
  },
});

const METRICS = [
  'sharpeRatio',
  'sortinoRatio',
  'calmarRatio',
  'totalReturn',
  'annualizedReturn',
  'profitFactor',
  'winRate',
  'maxDrawdown',
] as const;

const dimension = z.union([
  z
    .array(z.union([z.number(), z.string().max(64), z.boolean()]))
    .min(1)
    .max(1000),
  z.object({
    min: z.number(),
    max: z.number(),
    step: z.number().positive().optional(),
    integer: z.boolean().optional(),
  }),
]);

const optimizeStrategyTool = defineTool({
  name: 'optimize_strategy',
  title: 'Optimise strategy parameters',
  description:
    "Grid or random search over a strategy's parameters on historical bars, ranked by a metric " +
    "(default sharpeRatio), run in parallel worker threads. Default search space: the strategy's " +
    'optimisation grid (get_strategy_info). Sends progress per trial and stops when cancelled. In-sample ' +
    'ranking only: confirm the winner out of sample with run_backtest on a later period.',
  toolset: 'backtest',
  worker: { long: true },
  timeLimitSeconds: 600,
  sizeLimit: `at most ${formatCount(MAX_GRID_COMBINATIONS)} grid combinations, ${BARS_LIMIT}`,
  input: {
    strategy: nameArg('Strategy name from list_strategies'),
    symbols: z
      .array(symbolArg())
      .min(1)
      .max(MAX_SYMBOLS, { error: `at most ${MAX_SYMBOLS} symbols` })
      .describe('Symbols the strategy trades'),
    start_date: dateArg('First date YYYY-MM-DD (default: earliest available)').optional(),
    end_date: dateArg('Last date YYYY-MM-DD (default: latest available)').optional(),
    param_space: z
      .record(z.string().max(64), dimension)
      .optional()
      .describe('Per parameter: a list of values, or {"min", "max", "step"}; default: the strategy grid'),
    fixed_params: paramsArg.default({}),
    method: enumArg(['grid', 'random'], 'grid = every combination; random = `samples` random points').default(
      'grid',
    ),
    samples: integerArg('Random search: parameter sets to try (default 50)', 1, 10_000).default(50),
    seed: integerArg('Random search seed (default 42)', 0, 2 ** 31 - 1).default(42),
    metric: enumArg(METRICS, 'What to rank by (maxDrawdown: lower is better)').default('sharpeRatio'),
    initial_capital: positiveNumberArg(`Starting cash (default ${DEFAULT_INITIAL_CAPITAL})`).default(
      DEFAULT_INITIAL_CAPITAL,
    ),
    commission: nonNegativeNumberArg(
      `Commission as a fraction of notional (default ${DEFAULT_COMMISSION_RATE})`,
    ).default(DEFAULT_COMMISSION_RATE),
    slippage_bps: nonNegativeNumberArg(
      `Slippage against each fill in basis points (default ${DEFAULT_SLIPPAGE_BPS})`,
    ).default(DEFAULT_SLIPPAGE_BPS),
    ...financingArgs,
    top: integerArg('How many of the best trials to return (default 10)', 1, 100).default(10),
    provider: providerArg.default('sample'),
    queue: z
      .string()
      .max(2048)
      .optional()
      .describe(
        'Run the trials on `npx neural-trader worker` processes through Redis instead of this server: ' +
          'redis://host:6379[/db][?prefix=name] (rediss:// for TLS), or "default" for the server\'s ' +
          'NEURAL_TRADER_QUEUE_URL (keeps a password out of the conversation). Same ranking as without it.',
      ),
  },
  output: {
    strategy: z.string(),
    symbols: z.array(z.string()),
    metric: z.string(),
    method: z.string(),
    start: z.string(),
    end: z.string(),
    bars: z.number(),
    trials_run: z.number(),
    failed_trials: z.number(),
    best: z.record(z.string(), z.unknown()).nullable(),
    top: z.array(z.record(z.string(), z.unknown())),
    workers: z.number(),
    elapsed_ms: z.number(),
    assumptions: z
      .record(z.string(), z.unknown())
      .describe('Commission, slippage, financing, annualisation and fill rules every trial used'),
    sweep_id: z.string().nullable(),
  },
  hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  checkSize(args) {
    // Counted from min/max/step, never by listing values: a 1e9-point grid is refused at once.
    if (args.param_space && args.method === 'grid') checkGridSize(args.param_space);
    checkBarsRequested({ start: args.start_date, end: args.end_date });
  },
  async run(args, context) {
    const [{ fetchMarketData }, optimize, { strategyParamSpace }] = await Promise.all([
      import('../../data/index.js'),
      import('../../optimize/index.js'),
      import('../../strategies/index.js'),
    ]);
    const space =
      args.param_space ??
      Object.fromEntries(
        strategyParamSpace(args.strategy).map((range) => [
          range.name,
          { min: range.min, max: range.max, step: range.step, integer: range.type === 'integer' },
        ]),
      );
    if (Object.keys(space).length === 0) {
      throw new ValidationError(`${args.strategy} has no numeric parameters with an optimisation grid`, {
        field: 'param_space',
        hint: 'pass param_space, e.g. {"lookback": {"min": 10, "max": 60, "step": 5}}',
      });
    }
    const series = await Promise.all(
      args.symbols.map((symbol) =>
        fetchMarketData(symbol, args.start_date, args.end_date, args.provider, { signal: context.signal }),
      ),
    );
    // Queue mode: the URL is parsed before any data is fetched; a wrong one is one error line.
    const queue =
      args.queue === undefined
        ? undefined
        : (await import('../../distributed/index.js')).redisQueue(
            args.queue === 'default' ? defaultQueueUrl(context.runtime.config.queueUrl) : args.queue,
          );
    let reported = 0;
    // Notifications are sent asynchronously; the result must not overtake them (clients drop progress
    // that arrives after the response), so they are awaited before returning.
    const notifications: Promise<void>[] = [];
    const result = await optimize.optimizeStrategy({
      strategy: args.strategy,
      series,
      fixedParams: args.fixed_params,
      space,
      method: args.method,
      samples: args.samples,
      seed: args.seed,
      metric: args.metric,
      backtestOptions: {
        initialCapital: args.initial_capital,
        commission: args.commission,
        slippageBps: args.slippage_bps,
        marginInterestRate: args.margin_interest_rate,
        borrowFeeRate: args.borrow_fee_rate,
      },
      dataSource: args.provider,
      queue,
      signal: context.signal,
      onProgress: (done, total, best) => {
        // One notification per percent at most: a 10,000-trial grid should not send 10,000 messages.
        if (done - reported < total / 100 && done !== total) return;
        reported = done;
        const note = best ? `best ${args.metric} ${best.score.toFixed(4)}` : 'no valid trial yet';
        notifications.push(context.progress(done, total, note).catch(() => {}));
      },
    });
    await Promise.all(notifications);
    if (context.signal.aborted) {
      throw new NeuralTraderError('CANCELLED', 'optimisation was cancelled');
    }
    const describe = (trial: (typeof result.trials)[number]) => ({
      rank: trial.rank,
      params: trial.params,
      score: trial.score,
      total_return_pct: trial.metrics ? trial.metrics.totalReturn * 100 : null,
      sharpe_ratio: trial.metrics?.sharpeRatio ?? null,
      max_drawdown: trial.metrics?.maxDrawdown ?? null,
      trade_count: trial.metrics?.tradeCount ?? null,
      final_equity: trial.finalEquity ?? null,
    });
    return {
      strategy: result.strategy,
      symbols: result.symbols,
      metric: result.metric,
      method: result.method,
      start: timestampFormatter([result.start, result.end])(result.start),
      end: timestampFormatter([result.start, result.end])(result.end),
      bars: result.bars,
      trials_run: result.trials.length,
      failed_trials: result.trials.filter((trial) => trial.error !== undefined).length,
      best: result.best ? describe(result.best) : null,
      top: result.trials.slice(0, args.top).map(describe),
      workers: result.workers,
      elapsed_ms: Math.round(result.elapsedMs),
      assumptions: result.assumptions,
      sweep_id: queue?.sweepId ?? null,
    };
  },
});

function defaultQueueUrl(configured: string | undefined): string {
  if (!configured) {
    throw new ValidationError('queue: "default" needs NEURAL_TRADER_QUEUE_URL in the server\'s environment', {
      field: 'queue',
      hint: 'set NEURAL_TRADER_QUEUE_URL=redis://... where the MCP server starts, or pass the URL',
    });
  }
  return configured;
}

export const backtestTools: readonly AnyToolSpec[] = [runBacktestTool, optimizeStrategyTool];
