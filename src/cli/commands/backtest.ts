import type { Command } from 'commander';
import type { BacktestResult } from '../../backtest/types.js';
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
  timeframe?: string;
  param?: string[];
  leverage?: string;
  closeAtEnd?: boolean;
  preset?: string;
  fractional?: boolean;
  short: boolean;
  json?: boolean;
  output?: string;
  report?: string;
  trades: string;
  calendar?: string;
}

/** Parse a flag that must be a finite number in a range; names the flag when it is not. */
async function numberFlag(
  name: string,
  text: string | undefined,
  min: number,
  max = Number.POSITIVE_INFINITY,
  minExclusive = false,
) {
  if (text === undefined) return undefined;
  const value = Number(text);
  const belowMin = minExclusive ? value <= min : value < min;
  if (text.trim() === '' || !Number.isFinite(value) || belowMin || value > max) {
    const { ValidationError } = await import('../../core/errors.js');
    const range = `${minExclusive ? '(' : '['}${min}, ${max}]`;
    throw new ValidationError(`--${name}: expected a number in ${range}, got "${text}"`, {
      field: name,
    });
  }
  return value;
}

const pct = (x: number) =>
  Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : Number.isNaN(x) ? 'n/a' : 'inf';
const num = (x: number) =>
  Number.isFinite(x) ? x.toFixed(2) : Number.isNaN(x) ? 'n/a' : x > 0 ? 'inf' : '-inf';

function paramsLine(params: Record<string, unknown>): string {
  const shown = Object.entries(params).filter(
    ([key, value]) => key !== 'symbols' && typeof value !== 'object',
  );
  return shown.length > 0
    ? `params ${shown.map(([key, value]) => `${key}=${String(value)}`).join(' ')}\n`
    : '';
}

/** The human summary: metrics (strategy vs buy-and-hold), trade count, the last few trades. */
export function renderBacktestSummary(
  result: BacktestResult,
  lastTrades: number,
  render: {
    renderTable: (rows: Record<string, string | number>[], columns?: string[]) => string;
    formatDate: (ts: number) => string;
  },
): string {
  const m = result.metrics;
  const b = m.benchmark;
  const header =
    `${result.strategy} on ${result.symbols.join(', ')}  ${render.formatDate(result.start)} to ` +
    `${render.formatDate(result.end)}  (${result.bars} bars, ${result.timeframe})\n` +
    `capital ${result.initialCapital.toFixed(2)} -> ${result.finalEquity.toFixed(2)}  commission ${result.options.commission}` +
    `  slippage ${result.options.slippageBps} bps\n` +
    paramsLine(result.params) +
    '\n';
  const rows = [
    { metric: 'Total return', strategy: pct(m.totalReturn), 'buy & hold': pct(b.totalReturn) },
    { metric: 'Annualised return', strategy: pct(m.annualizedReturn), 'buy & hold': pct(b.annualizedReturn) },
    { metric: 'Sharpe', strategy: num(m.sharpeRatio), 'buy & hold': num(b.sharpeRatio) },
    { metric: 'Max drawdown', strategy: pct(m.maxDrawdown), 'buy & hold': pct(b.maxDrawdown) },
    { metric: 'Annualised volatility', strategy: pct(m.annualizedVolatility), 'buy & hold': '' },
    { metric: 'Sortino', strategy: num(m.sortinoRatio), 'buy & hold': '' },
    { metric: 'Calmar', strategy: num(m.calmarRatio), 'buy & hold': '' },
    {
      metric: 'Max DD duration',
      strategy: `${m.maxDrawdownDurationBars} bars / ${Math.round(m.maxDrawdownDurationDays)} days`,
      'buy & hold': '',
    },
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
  ];
  let text = header + render.renderTable(rows, ['metric', 'strategy', 'buy & hold']);
  text += `annualisation: ${m.annualisation.description}\n`;
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
        entry: render.formatDate(t.entryTime),
        exit: render.formatDate(t.exitTime),
        quantity: t.quantity,
        'entry price': Number(t.entryPrice.toFixed(4)),
        'exit price': Number(t.exitPrice.toFixed(4)),
        pnl: Number(t.pnl.toFixed(2)),
        return: pct(t.returnPct),
        bars: t.barsHeld,
      })),
    );
  }
  return text;
}

export function register(program: Command): void {
  program
    .command('backtest')
    .description('Backtest a registered strategy on historical bars (bundled sample data by default)')
    .requiredOption('-s, --strategy <name>', 'strategy name (see `neural-trader strategies list`)')
    .option('--symbols <symbols...>', 'symbols to trade, e.g. KO PG')
    .option('--start <date>', 'first date (YYYY-MM-DD)')
    .option('--end <date>', 'last date, inclusive (YYYY-MM-DD)')
    .option('--capital <amount>', 'starting cash (default 100000)')
    .option('--commission <rate>', 'commission as a fraction of notional (default 0.001 = 0.1%)')
    .option('--slippage <bps>', 'slippage in basis points against each fill (default 0)')
    .option('--provider <name>', 'data provider: sample, file, synthetic, alpaca, polygon (default sample)')
    .option('--timeframe <tf>', 'bar timeframe (default 1Day)')
    .option('-p, --param <key=value...>', 'strategy parameters, e.g. --param lookback=20 entryThreshold=2')
    .option('--preset <name>', 'backtest conventions preset: peer-parity')
    .option('--fractional', 'allow fractional quantities (default: whole units)')
    .option('--no-short', 'disallow short positions')
    .option('--leverage <x>', 'max gross exposure / equity (default 2, Reg T; 1 = cash account)')
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
    .action(async (flags: BacktestFlags) => {
      // Honour --env (provider credentials for --provider alpaca/polygon).
      await loadCliConfig(program);
      const [{ backtest }, { parseTimeframe }, { formatDate }, output, { parseParamFlags }, calendars] =
        await Promise.all([
          import('../../backtest/named.js'),
          import('../../core/timeframe.js'),
          import('../../core/time.js'),
          import('../output.js'),
          import('../params.js'),
          import('../../core/calendar.js'),
        ]);
      const params = parseParamFlags(flags.param ?? []);
      if (flags.symbols && flags.symbols.length > 0) params.symbols = flags.symbols;
      const preset = flags.preset;
      // Without a preset the CLI's documented defaults apply; with one, only explicit flags override it.
      const capital =
        (await numberFlag('capital', flags.capital, 0, Number.POSITIVE_INFINITY, true)) ??
        (preset ? undefined : 100_000);
      const commission =
        (await numberFlag('commission', flags.commission, 0, 0.999999)) ?? (preset ? undefined : 0.001);
      const slippageBps =
        (await numberFlag('slippage', flags.slippage, 0, 10_000)) ?? (preset ? undefined : 0);
      const maxLeverage = await numberFlag('leverage', flags.leverage, 0, Number.POSITIVE_INFINITY, true);
      const lastTrades = (await numberFlag('trades', flags.trades, 0)) ?? 5;
      const result = await backtest(flags.strategy, params, flags.start, flags.end, {
        preset,
        capital,
        commission,
        slippageBps,
        provider: flags.provider,
        timeframe: flags.timeframe ? parseTimeframe(flags.timeframe) : undefined,
        fractional: flags.fractional ? true : undefined,
        allowShort: flags.short === false ? false : undefined,
        maxLeverage,
        closeAtEnd: flags.closeAtEnd ? true : undefined,
        calendar: flags.calendar ? calendars.parseMarketCalendar(flags.calendar, '--calendar') : undefined,
      });
      if (flags.output) output.writeJsonFile(flags.output, result);
      if (flags.report) {
        const [{ renderBacktestReport }, { writeFileAtomic }] = await Promise.all([
          import('../../report/html.js'),
          import('../../core/files.js'),
        ]);
        writeFileAtomic(flags.report, renderBacktestReport(result));
        process.stderr.write(`report written to ${flags.report}\n`);
      }
      if (flags.json) output.printJson(result);
      else
        process.stdout.write(
          renderBacktestSummary(result, lastTrades, {
            renderTable: (rows, columns) => output.renderTable(rows, columns),
            formatDate,
          }),
        );
    });
}
