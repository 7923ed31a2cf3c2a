import { BarSeries } from './bars.js';
import { isIntraday, type MarketCalendar, tradingDay } from './calendar.js';
import { DataError } from './errors.js';
import { MS_PER_DAY } from './time.js';
import { isCoarserOrEqual, TIMEFRAME_MS, type Timeframe } from './timeframe.js';

/**
 * Align several series on the timestamps they all share (an inner join), as pairs trading and portfolio
 * analytics need: bar i of every returned series is the same moment. Returns copies (the common
 * timestamps are generally not contiguous in any parent).
 */
export function alignSeries(series: readonly BarSeries[]): BarSeries[] {
  if (series.length === 0) return [];
  if (series.length === 1) return [series[0]];
  const cursors = new Int32Array(series.length);
  const common: number[] = [];
  const picks: number[][] = series.map(() => []);
  // k-way merge walk: advance every cursor to the max current timestamp until all agree.
  outer: for (;;) {
    let target = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < series.length; s++) {
      if (cursors[s] >= series[s].length) break outer;
      const ts = series[s].timestamps[cursors[s]];
      if (ts > target) target = ts;
    }
    let allEqual = true;
    for (let s = 0; s < series.length; s++) {
      const ts = series[s].timestamps;
      while (cursors[s] < ts.length && ts[cursors[s]] < target) cursors[s]++;
      if (cursors[s] >= ts.length) break outer;
      if (ts[cursors[s]] !== target) allEqual = false;
    }
    if (allEqual) {
      common.push(target);
      for (let s = 0; s < series.length; s++) picks[s].push(cursors[s]++);
    }
  }
  if (common.length === 0) {
    const names = series.map((s) => s.symbol).join(', ');
    throw new DataError(`symbols ${names} have no overlapping dates`, {
      hint: 'pick symbols from the same dataset or a date range they all cover (see `npx neural-trader data list`)',
    });
  }
  return series.map((s, k) => {
    const out = BarSeries.allocate(s.symbol, s.timeframe, common.length, s.closeOnly);
    const idx = picks[k];
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i];
      out.timestamps[i] = s.timestamps[j];
      out.open[i] = s.open[j];
      out.high[i] = s.high[j];
      out.low[i] = s.low[j];
      out.close[i] = s.close[j];
      out.volume[i] = s.volume[j];
    }
    return out;
  });
}

/** Start of the calendar bucket containing `ts` for `timeframe` (UTC; weeks start on Monday). */
export function bucketStart(ts: number, timeframe: Timeframe): number {
  switch (timeframe) {
    case '1Month': {
      const d = new Date(ts);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    case '1Week': {
      const day = Math.floor(ts / 86_400_000);
      // 1970-01-01 was a Thursday; (day + 3) % 7 is days since Monday.
      const sinceMonday = (((day + 3) % 7) + 7) % 7;
      return (day - sinceMonday) * 86_400_000;
    }
    default: {
      const size = TIMEFRAME_MS[timeframe];
      return Math.floor(ts / size) * size;
    }
  }
}

/**
 * Resample to a coarser timeframe: open of the first bar, max high, min low, close of the last bar, summed
 * volume, stamped at the bucket start.
 */
export function resampleSeries(series: BarSeries, timeframe: Timeframe): BarSeries {
  if (!isCoarserOrEqual(timeframe, series.timeframe)) {
    throw new DataError(`cannot resample ${series.timeframe} bars to the finer timeframe ${timeframe}`, {
      hint: 'resampling only aggregates bars; fetch finer data from the provider instead',
    });
  }
  return aggregate(series, timeframe, (ts) => bucketStart(ts, timeframe));
}

/**
 * Intraday bars to one bar per trading day of a market calendar (src/core/calendar.ts): the FX day rolls
 * at 17:00 New York with the Sunday open in Monday, US equities use the New York date, crypto the UTC
 * date. Each daily bar is stamped at midnight UTC of its trading day, like every 1Day bar. Daily and
 * longer series are returned as they are.
 */
export function resampleToTradingDays(series: BarSeries, calendar: MarketCalendar): BarSeries {
  if (!isIntraday(series.timeframe)) return series;
  return aggregate(series, '1Day', (ts) => tradingDay(ts, calendar) * MS_PER_DAY);
}

/** Open of the first bar, max high, min low, close of the last bar and summed volume per key. */
function aggregate(series: BarSeries, timeframe: Timeframe, keyOf: (ts: number) => number): BarSeries {
  const n = series.length;
  if (n === 0) return BarSeries.allocate(series.symbol, timeframe, 0, series.closeOnly);
  let buckets = 0;
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = keyOf(series.timestamps[i]);
    if (b !== last) {
      buckets++;
      last = b;
    }
  }
  const out = BarSeries.allocate(series.symbol, timeframe, buckets, series.closeOnly);
  let k = -1;
  last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = keyOf(series.timestamps[i]);
    if (b !== last) {
      k++;
      last = b;
      out.timestamps[k] = b;
      out.open[k] = series.open[i];
      out.high[k] = series.high[i];
      out.low[k] = series.low[i];
      out.volume[k] = 0;
    } else {
      if (series.high[i] > out.high[k]) out.high[k] = series.high[i];
      if (series.low[i] < out.low[k]) out.low[k] = series.low[i];
    }
    out.close[k] = series.close[i];
    out.volume[k] += series.volume[i];
  }
  return out;
}
