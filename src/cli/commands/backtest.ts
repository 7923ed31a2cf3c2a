import type { Command } from 'commander';
import type { BacktestResult } from '../../backtest/types.js';
import {
  DEFAULT_BORROW_FEE_RATE,
  DEFAULT_COMMISSION_RATE,
  DEFAULT_INITIAL_CAPITAL,
  DEFAULT_MARGIN_INTEREST_RATE,
  DEFAULT_SLIPPAGE_BPS,
} from '../../core/defaults.js';
import { loadCliConfig } from '../context.js';

interface BacktestFlags {
  strategy: string;
  symbols?: string[];
  start?: string;
  end?: string;
  capital?: string;
  commission?: string;
  slippage?: string;
  provider?: string;
  file?: string;
  timeframe?: string;
  param?: string[];
  paramsFile?: string;
  leverage?: string;
  marginRate?: string;
  borrowFee?: string;
  closeAtEnd?: boolean;
  preset?: string;
  fractional?: boolean;
  short: boolean;
  json?: boolean;
  output?: string;
  report?: string;
  trades: string;
  calendar?: string;
  memory?: boolean | string;
}

const pct = (x: number) =>
  Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : Number.isNaN(x) ? 'n/a' : 'inf';
const num = (x: number) =>
  Number.isFinite(x) ? x.toFixed(2) : Number.isNaN(x) ? 'n/a' : x > 0 ? 'inf' : '-inf';
const duration = (m: { maxDrawdownDurationBars: number; maxDrawdownDurationDays: number }) =>
  `${m.maxDrawdownDurationBars} bars / ${Math.round(m.maxDrawdownDurationDays)} days`;

function paramsLine(params: Record<string, unknown>): string {
  const shown = Object.entries(params).filter(
    ([key, value]) => key !== 'symbols' && typeof value !== 'object',
  );
  return shown.length > 0
    ? `params ${shown.map(([key, value]) => `${key}=${String(value)}`).join(' ')}\n`
    : '';
}

/** The human summary: metrics (strategy vs buy-and-hold), trade count, the last few trades, the assumptions. */
export function renderBacktestSummary(
  result: BacktestResult,
  lastTrades: number,
  render: {
    renderTable: (rows: Record<string, string | number>[], columns?: string[]) => string;
    timestampFormatter: (timestamps: Iterable<number>) => (ts: number) => string;
    describeAssumptions: (assumptions: BacktestResult['assumptions']) => string;
  },
): string {
  const m = result.metrics;
  const b = m.benchmark;
  // One date format for the whole run: dates for daily bars, full timestamps for intraday ones.
  const formatTime = render.timestampFormatter(result.timestamps);
  const header =
    `${result.strategy} on ${result.symbols.join(', ')}  ${formatTime(result.start)} to ` +
    `${formatTime(result.end)}  (${result.bars} bars, ${result.timeframe})\n` +
    `capital ${result.initialCapital.toFixed(2)} -> ${result.finalEquity.toFixed(2)}\n` +
    paramsLine(result.params) +
    '\n';
  const rows = [
    { metric: 'Total return', strategy: pct(m.totalReturn), 'buy & hold': pct(b.totalReturn) },
    { metric: 'Annualised return', strategy: pct(m.annualizedReturn), 'buy & hold': pct(b.annualizedReturn) },
    { metric: 'Sharpe', strategy: num(m.sharpeRatio), 'buy & hold': num(b.sharpeRatio) },
    { metric: 'Max drawdown', strategy: pct(m.maxDrawdown), 'buy & hold': pct(b.maxDrawdown) },
    {
      metric: 'Annualised volatility',
      strategy: pct(m.annualizedVolatility),
      'buy & hold': pct(b.annualizedVolatility),
    },
    { metric: 'Sortino', strategy: num(m.sortinoRatio), 'buy & hold': num(b.sortinoRatio) },
    { metric: 'Calmar', strategy: num(m.calmarRatio), 'buy & hold': num(b.calmarRatio) },
    { metric: 'Max DD duration', strategy: duration(m), 'buy & hold': duration(b) },
    { metric: 'Win rate', strategy: pct(m.winRate), 'buy & hold': '' },
    { metric: 'Profit factor', strategy: num(m.profitFactor), 'buy & hold': '' },
    {
      metric: 'Average win / loss',
      strategy: `${num(m.averageWin)} / ${num(m.averageLoss)}`,
      'buy & hold': '',
    },
    { metric: 'Exposure', strategy: pct(m.exposure), 'buy & hold': '100.00%' },
    { metric: 'Turnover', strategy: num(m.turnover), 'buy & hold': '' },
    { metric: 'Commission paid', strategy: num(m.totalCommission), 'buy & hold': '' },
    { metric: 'Financing paid', strategy: num(m.financingCost), 'buy & hold': '' },
    { metric: '  margin interest', strategy: num(m.marginInterest), 'buy & hold': '' },
    { metric: '  borrow fees', strategy: num(m.borrowFees), 'buy & hold': '' },
  ];
  let text = header + render.renderTable(rows, ['metric', 'strategy', 'buy & hold']);
  text += `\ntrades: ${m.tradeCount} closed, ${result.openTrades.length} open lots, ${m.fillCount} fills`;
  if (result.rejections.length > 0) {
    const byCheck = new Map<string, number>();
    for (const r of result.rejections) byCheck.set(r.check, (byCheck.get(r.check) ?? 0) + 1);
    text += `, ${result.rejections.length} rejected orders (${[...byCheck].map(([c, n]) => `${c}: ${n}`).join(', ')})`;
  }
  text += '\n';
  const recent = result.trades.slice(-lastTrades);
  if (recent.length > 0) {
    text += `\nlast ${recent.length} trades:\n`;
    text += render.renderTable(
      recent.map((t) => ({
        symbol: t.symbol,
        side: t.direction,
        entry: formatTime(t.entryTime),
        exit: formatTime(t.exitTime),
        quantity: t.quantity,
        'entry price': Number(t.entryPrice.toFixed(4)),
        'exit price': Number(t.exitPrice.toFixed(4)),
        pnl: Number(t.pnl.toFixed(2)),
        return: pct(t.returnFraction),
        bars: t.barsHeld,
      })),
    );
  }
  text += `\n${render.describeAssumptions(result.assumptions)}\n`;
  return text;
}

export function register(program: Command): void {
  program
    .command('backtest')
    .description('Backtest a registered strategy on historical bars (bundled sample data by default)')
    .requiredOption('-s, --strategy <name>', 'strategy name (see `npx neural-trader strategies list`)')
    .option('--symbols <symbols...>', 'symbols to trade, e.g. KO PG or KO,PG')
    .option('--start <date>', 'first date: YYYY, YYYY-MM, YYYY-MM-DD or YYYYMMDD (a year starts on Jan 1)')
    .option('--end <date>', 'last date, inclusive (a year ends on Dec 31)')
    .option('--capital <amount>', `starting cash (default ${DEFAULT_INITIAL_CAPITAL})`)
    .option(
      '--commission <rate>',
      `commission as a fraction of notional (default ${DEFAULT_COMMISSION_RATE} = ${DEFAULT_COMMISSION_RATE * 100}%)`,
    )
    .option(
      '--slippage <bps>',
      `slippage in basis points against each fill (default ${DEFAULT_SLIPPAGE_BPS})`,
    )
    .option('--provider <name>', 'data provider: sample, file, synthetic, alpaca, polygon (default sample)')
    .option('-f, --file <csv>', 'read the bars from this CSV file (implies --provider file; one symbol)')
    .option('--timeframe <tf>', 'bar timeframe (default 1Day)')
    .option(
      '-p, --param <key=value...>',
      "strategy parameters, e.g. --param lookback=20 entryThreshold=2; lists and objects as JSON: --param members='[...]'",
    )
    .option('--params-file <file>', 'strategy parameters from a JSON object file (--param flags override it)')
    .option('--preset <name>', 'backtest conventions preset: peer-parity')
    .option('--fractional', 'allow fractional quantities (default: whole units)')
    .option('--no-short', 'disallow short positions')
    .option('--leverage <x>', 'max gross exposure / equity (default 2, Reg T; 1 = cash account)')
    .option(
      '--margin-rate <rate>',
      `annual interest on negative cash, accrued between bars (default ${DEFAULT_MARGIN_INTEREST_RATE} = ${DEFAULT_MARGIN_INTEREST_RATE * 100}%; 0 = off)`,
    )
    .option(
      '--borrow-fee <rate>',
      `annual fee on short market value, accrued between bars (default ${DEFAULT_BORROW_FEE_RATE} = ${DEFAULT_BORROW_FEE_RATE * 100}%; 0 = off)`,
    )
    .option('--close-at-end', 'close open positions at the last close')
    .option(
      '--calendar <name>',
      'annualise with a market calendar (us-equity, fx, crypto) instead of measuring periods/year from the timestamps',
    )
    .option('--trades <n>', 'how many recent trades to list', '5')
    .option('--json', 'print the full result as JSON')
    .option('-o, --output <file>', 'also write the full result as JSON to this file')
    .option(
      '--report <file>',
      'write a self-contained HTML report (equity, drawdown, trades on price, metrics)',
    )
    .option(
      '--memory [db]',
      'record the run and its trades as episodes in the agent memory (NEURAL_TRADER_HOME/memory/memory.db or DB)',
    )
    .action(async (flags: BacktestFlags) => {
      // Honour --env (provider credentials for --provider alpaca/polygon).
      await loadCliConfig(program);
      const [
        { backtest },
        { parseTimeframe },
        time,
        output,
        flagsLib,
        { strategyParamsFromFlags },
        files,
        calendars,
      ] = await Promise.all([
        import('../../backtest/named.js'),
        import('../../core/timeframe.js'),
        import('../../core/time.js'),
        import('../output.js'),
        import('../flags.js'),
        import('../../core/strategy-params.js'),
        import('../../core/files.js'),
        import('../../core/calendar.js'),
      ]);
      const { numberFlag, countFlag, symbolsFlag, printWarnings } = flagsLib;
      const params = strategyParamsFromFlags(flags.param, flags.paramsFile);
      if (flags.symbols && flags.symbols.length > 0) params.symbols = symbolsFlag(flags.symbols);
      const provider = await providerFlag(flags.provider, flags.file, params.symbols);
      // Refuse an output path that can never be written before the run, not after it.
      for (const path of [flags.output, flags.report]) if (path) files.checkWritablePath(path);
      const lastTrades = countFlag('trades', flags.trades, 0) ?? 5;
      // Flags not given stay undefined: the library's defaults (src/core/defaults.ts) or the preset apply.
      const result = await backtest(flags.strategy, params, flags.start, flags.end, {
        preset: flags.preset,
        capital: numberFlag('capital', flags.capital, { min: 0, exclusiveMin: true }),
        commission: numberFlag('commission', flags.commission, { min: 0, max: 0.999999 }),
        slippageBps: numberFlag('slippage', flags.slippage, { min: 0, max: 10_000 }),
        provider,
        providerOptions: flags.file ? { path: flags.file } : undefined,
        timeframe: flags.timeframe ? parseTimeframe(flags.timeframe) : undefined,
        fractional: flags.fractional ? true : undefined,
        allowShort: flags.short === false ? false : undefined,
        maxLeverage: numberFlag('leverage', flags.leverage, { min: 0, exclusiveMin: true }),
        marginInterestRate: numberFlag('margin-rate', flags.marginRate, { min: 0, max: 1 }),
        borrowFeeRate: numberFlag('borrow-fee', flags.borrowFee, { min: 0, max: 1 }),
        closeAtEnd: flags.closeAtEnd ? true : undefined,
        calendar: flags.calendar ? calendars.parseMarketCalendar(flags.calendar, '--calendar') : undefined,
      });
      if (flags.output) output.writeJsonFile(flags.output, result);
      if (flags.report) {
        const { renderBacktestReport } = await import('../../report/html.js');
        files.writeFileAtomic(flags.report, renderBacktestReport(result));
        process.stderr.write(`report written to ${flags.report}\n`);
      }
      if (flags.json) output.printJson(result);
      else {
        const { describeAssumptions } = await import('../../backtest/assumptions.js');
        process.stdout.write(
          renderBacktestSummary(result, lastTrades, {
            renderTable: (rows, columns) => output.renderTable(rows, columns),
            timestampFormatter: time.timestampFormatter,
            describeAssumptions,
          }),
        );
      }
      printWarnings(result.warnings);
      if (flags.memory) {
        const { recordRunInMemory } = await import('../../memory/cli-input.js');
        printWarnings(
          await recordRunInMemory(result, flags.memory, (await loadCliConfig(program)).home, {
            provider,
            providerOptions: flags.file ? { path: flags.file } : undefined,
          }),
        );
      }
    });
}

/** `--provider`, or `file` when `--file` is given; `--file` serves one symbol only. */
async function providerFlag(
  provider: string | undefined,
  file: string | undefined,
  symbols: unknown,
): Promise<string | undefined> {
  if (file === undefined) return provider;
  const { ValidationError } = await import('../../core/errors.js');
  if (provider !== undefined && provider !== 'file') {
    throw new ValidationError(`--file is only read by --provider file (got --provider ${provider})`, {
      field: 'file',
      hint: 'drop --provider or use --provider file',
    });
  }
  if (Array.isArray(symbols) && symbols.length > 1) {
    throw new ValidationError('--file holds the bars of one symbol; this run trades several', {
      field: 'file',
      hint: 'import each file with `npx neural-trader data import FILE --symbol X`, then use --provider file',
    });
  }
  return 'file';
}
