import { z } from 'zod';
import { DataError } from '../../core/errors.js';
import { formatTimestamp } from '../../core/time.js';
import { dateArg, enumArg, integerArg, symbolArg, timeframeArg } from '../args.js';
import { checkBarsRequested, formatCount, MAX_BARS_PER_SYMBOL } from '../limits.js';
import { type AnyToolSpec, defineTool, READ_ONLY } from '../tool.js';

/**
 * Market data and indicator snapshots. Bars come from the data library's providers; the bundled
 * sample datasets (provider "sample") work offline and are the default.
 */
export const PROVIDERS = ['sample', 'file', 'synthetic', 'alpaca', 'polygon'] as const;

export const providerArg = enumArg(
  PROVIDERS,
  'Where bars come from: sample (bundled real datasets, offline, default), file (imported CSVs), ' +
    'synthetic (seeded random walk), alpaca or polygon (need API keys)',
);

const barRecord = z.object({
  date: z.string(),
  open: z.number().nullable(),
  high: z.number().nullable(),
  low: z.number().nullable(),
  close: z.number().nullable(),
  volume: z.number().nullable(),
});

const getMarketData = defineTool({
  name: 'get_market_data',
  title: 'Get market data',
  description:
    'OHLCV bars for a symbol between two dates (inclusive), newest last. The bundled sample datasets ' +
    'cover e.g. SPX 2000-2020, AAPL 2013-2018, MSFT 2000-2001, the Dow 30 1991-2000 (KO, PG, ...), GOLD, ' +
    'SILVER and USDCHF; read neural-trader://datasets for the full list and ranges.',
  toolset: 'data',
  worker: {},
  timeLimitSeconds: 60,
  sizeLimit: `a date range of at most ${formatCount(MAX_BARS_PER_SYMBOL)} bars of the timeframe (a missing start_date counts from 1970)`,
  input: {
    symbol: symbolArg(),
    start_date: dateArg('First date YYYY-MM-DD (default: earliest available)').optional(),
    end_date: dateArg('Last date YYYY-MM-DD, inclusive (default: latest available)').optional(),
    provider: providerArg.default('sample'),
    // Like `market-data` on the CLI and run_backtest: the data's own bars unless a timeframe is asked for.
    timeframe: timeframeArg
      .optional()
      .describe("Bar timeframe (Alpaca spelling); default: the data's own (30Min for USDCHF, 1Day for most)"),
    limit: integerArg('Return at most this many bars, the most recent ones (default 250)', 1, 10_000).default(
      250,
    ),
  },
  output: {
    symbol: z.string(),
    provider: z.string(),
    timeframe: z.string(),
    close_only: z.boolean().describe('True for close-only datasets (open=high=low=close, volume 0)'),
    total_bars: z.number().describe('Bars in the requested range'),
    returned_bars: z.number(),
    truncated: z.boolean().describe('True when only the most recent `limit` bars are returned'),
    first_date: z.string(),
    last_date: z.string(),
    bars: z.array(barRecord),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  checkSize(args) {
    checkBarsRequested({ start: args.start_date, end: args.end_date, timeframe: args.timeframe });
  },
  async run(args, { signal }) {
    const { fetchMarketData } = await import('../../data/index.js');
    const series = await fetchMarketData(args.symbol, args.start_date, args.end_date, args.provider, {
      timeframe: args.timeframe,
      signal,
    });
    const shown = series.length > args.limit ? series.slice(series.length - args.limit) : series;
    const bars = shown.toRecords();
    return {
      symbol: series.symbol,
      provider: args.provider,
      timeframe: series.timeframe,
      close_only: series.closeOnly,
      total_bars: series.length,
      returned_bars: bars.length,
      truncated: bars.length < series.length,
      first_date: bars[0]?.date ?? '',
      last_date: bars[bars.length - 1]?.date ?? '',
      bars,
    };
  },
});

/** The value of a batch indicator column at index i, or null while it is still warming up. */
function at(values: ArrayLike<number>, i: number): number | null {
  const value = values[i];
  return Number.isFinite(value) ? value : null;
}

function trendLabel(close: number, sma20: number | null, sma50: number | null): string {
  if (sma20 === null || sma50 === null) return 'insufficient history';
  if (close > sma50 && sma20 > sma50) return 'uptrend';
  if (close < sma50 && sma20 < sma50) return 'downtrend';
  return 'sideways';
}

function rsiLabel(rsi: number | null): string {
  if (rsi === null) return 'insufficient history';
  if (rsi >= 70) return 'overbought';
  if (rsi <= 30) return 'oversold';
  return 'neutral';
}

const quickAnalysis = defineTool({
  name: 'quick_analysis',
  title: 'Quick technical analysis',
  description:
    'Indicator snapshot for a symbol on a date (default: its latest bar): close, SMA20, SMA50, RSI14, ' +
    'MACD(12,26,9), Bollinger(20,2) position (%B), ATR14 and a trend label (uptrend when close and SMA20 ' +
    'are above SMA50, downtrend when both below, else sideways). Uses only bars up to that date.',
  toolset: 'data',
  worker: {},
  timeLimitSeconds: 60,
  input: {
    symbol: symbolArg(),
    date: dateArg('Analysis date YYYY-MM-DD (default: the latest bar)').optional(),
    provider: providerArg.default('sample'),
  },
  output: {
    symbol: z.string(),
    date: z.string(),
    close: z.number(),
    change_pct: z.number().nullable().describe('Close-to-close change on the analysed bar, in percent'),
    sma_20: z.number().nullable(),
    sma_50: z.number().nullable(),
    rsi_14: z.number().nullable(),
    rsi_signal: z.string(),
    macd: z.object({
      macd: z.number().nullable(),
      signal: z.number().nullable(),
      histogram: z.number().nullable(),
    }),
    bollinger: z.object({
      upper: z.number().nullable(),
      middle: z.number().nullable(),
      lower: z.number().nullable(),
      percent_b: z.number().nullable().describe('0 = lower band, 1 = upper band'),
      bandwidth: z.number().nullable(),
    }),
    atr_14: z.number().nullable(),
    atr_pct: z.number().nullable().describe('ATR as a percent of the close'),
    trend: z.string(),
    bars_used: z.number(),
    close_only: z.boolean(),
    warnings: z.array(z.string()),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  checkSize(args) {
    checkBarsRequested({ end: args.date }, 'date');
  },
  async run(args, { signal }) {
    const [{ fetchMarketData }, indicators] = await Promise.all([
      import('../../data/index.js'),
      import('../../indicators/index.js'),
    ]);
    const series = await fetchMarketData(args.symbol, undefined, args.date, args.provider, { signal });
    const i = series.length - 1;
    if (i < 0) throw new DataError(`no bars for ${args.symbol}`, { field: 'symbol' });
    const close = series.close;
    const sma20 = at(indicators.sma(close, 20), i);
    const sma50 = at(indicators.sma(close, 50), i);
    const rsi14 = at(indicators.rsi(close, 14), i);
    const macd = indicators.macd(close, 12, 26, 9);
    const bands = indicators.bollingerBands(close, 20, 2);
    const atr14 = at(indicators.atr(series.high, series.low, close, 14), i);
    const warnings: string[] = [];
    if (series.closeOnly) warnings.push('close-only dataset: ATR is computed from close-to-close moves');
    const date = formatTimestamp(series.lastTimestamp);
    if (args.date && date !== args.date)
      warnings.push(`no bar on ${args.date}; using the last bar before it`);
    if (sma50 === null) warnings.push(`only ${series.length} bars: SMA50 needs 50`);
    return {
      symbol: series.symbol,
      date,
      close: close[i],
      change_pct: i > 0 ? (close[i] / close[i - 1] - 1) * 100 : null,
      sma_20: sma20,
      sma_50: sma50,
      rsi_14: rsi14,
      rsi_signal: rsiLabel(rsi14),
      macd: { macd: at(macd.macd, i), signal: at(macd.signal, i), histogram: at(macd.histogram, i) },
      bollinger: {
        upper: at(bands.upper, i),
        middle: at(bands.middle, i),
        lower: at(bands.lower, i),
        percent_b: at(bands.percentB, i),
        bandwidth: at(bands.bandwidth, i),
      },
      atr_14: atr14,
      atr_pct: atr14 === null ? null : (atr14 / close[i]) * 100,
      trend: trendLabel(close[i], sma20, sma50),
      bars_used: series.length,
      close_only: series.closeOnly,
      warnings,
    };
  },
});

export const dataTools: readonly AnyToolSpec[] = [getMarketData, quickAnalysis];
