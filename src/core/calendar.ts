import { ValidationError } from './errors.js';
import { MS_PER_DAY } from './time.js';
import { TIMEFRAME_MS, type Timeframe } from './timeframe.js';

/**
 * The time model behind every annualised figure (backtest metrics, walk-forward, optimiser scores, the
 * portfolio, the risk report, Kelly) and every "per day" risk horizon.
 *
 * Two questions, answered from the timestamps of the data rather than from a bar count:
 * 1. How many bars make a year? Measured: (bars - 1) / elapsed calendar years, when the data spans at
 *    least a year (weekends, holidays and forward-filled days then average out). Shorter data uses the
 *    nominal count of its market calendar (below), inferred from the timestamps or named by the caller.
 * 2. Which bars make a trading day? The calendar's day boundary (see `tradingDay`), used to resample
 *    intraday bars to daily closes.
 *
 * Market calendars (nominal periods per year = trading days x bars per trading day):
 * - us-equity: 252 sessions of 6.5 hours (9:30-16:00 New York); the trading day is the New York date.
 * - fx:        24 hours x 5 days = 260 days; the FX day rolls at 17:00 New York (taken as 22:00 UTC), and
 *              the Sunday-evening open belongs to Monday. Also what a series with a bar on every weekday
 *              (forward-filled index or commodity closes) looks like.
 * - crypto:    24 hours x 7 days = 365 days; the trading day is the UTC date.
 * Annual return always compounds over elapsed calendar time: years = (last - first) / 365.25 days.
 */
export const MS_PER_YEAR = 365.25 * MS_PER_DAY;

export const MARKET_CALENDARS = ['us-equity', 'fx', 'crypto'] as const;
export type MarketCalendar = (typeof MARKET_CALENDARS)[number];

interface CalendarSpec {
  tradingDaysPerYear: number;
  sessionHours: number;
  label: string;
}

const CALENDARS: Record<MarketCalendar, CalendarSpec> = {
  'us-equity': { tradingDaysPerYear: 252, sessionHours: 6.5, label: 'US equities, 252 sessions of 6.5 h' },
  fx: { tradingDaysPerYear: 260, sessionHours: 24, label: 'FX, 24 h x 5 days' },
  crypto: { tradingDaysPerYear: 365, sessionHours: 24, label: 'crypto, 24 h x 7 days' },
};

/** Data spanning at least this long has its periods per year measured rather than assumed. */
export const MIN_MEASURED_SPAN_MS = 365 * MS_PER_DAY;

const HOUR_MS = 3_600_000;
/** 1970-01-01 was a Thursday: (days since epoch + 4) mod 7 is the weekday, 0 = Sunday. */
const weekday = (day: number) => (((day + 4) % 7) + 7) % 7;
const SATURDAY = 6;
const SUNDAY = 0;

export function parseMarketCalendar(input: string, field = 'calendar'): MarketCalendar {
  const value = input.trim().toLowerCase();
  if ((MARKET_CALENDARS as readonly string[]).includes(value)) return value as MarketCalendar;
  throw new ValidationError(`${field}: unknown market calendar "${input}"`, {
    field,
    hint: `use one of ${MARKET_CALENDARS.join(', ')} (us-equity: 252 sessions; fx: 24x5; crypto: 24x7)`,
  });
}

/** Trading days a year of a calendar (252, 260, 365). */
export function tradingDaysPerYear(calendar: MarketCalendar): number {
  return CALENDARS[calendar].tradingDaysPerYear;
}

/** Nominal bars per year of a timeframe on a calendar: 252 for US daily bars, 12,480 for FX 30-minute bars. */
export function nominalPeriodsPerYear(calendar: MarketCalendar, timeframe: Timeframe): number {
  const spec = CALENDARS[calendar];
  if (timeframe === '1Week') return 52;
  if (timeframe === '1Month') return 12;
  if (timeframe === '1Day') return spec.tradingDaysPerYear;
  return (spec.tradingDaysPerYear * spec.sessionHours * HOUR_MS) / TIMEFRAME_MS[timeframe];
}

/**
 * The trading day a timestamp belongs to, as days since the epoch (the UTC midnight that stamps that
 * day's daily bar). Daily and longer bars are stamped at midnight UTC of their day and map to it.
 */
export function tradingDay(ts: number, calendar: MarketCalendar): number {
  switch (calendar) {
    case 'crypto':
      return Math.floor(ts / MS_PER_DAY);
    case 'us-equity':
      // New York is UTC-5 (UTC-4 in summer, when nothing trades between 00:00 and 01:00 New York).
      return Math.floor((ts - 5 * HOUR_MS) / MS_PER_DAY);
    case 'fx': {
      // The FX day rolls at 17:00 New York (22:00 UTC in winter): shift by 2 h, then fold the weekend
      // (the Sunday-evening open into Monday, a late Friday print into Friday).
      const day = Math.floor((ts + 2 * HOUR_MS) / MS_PER_DAY);
      const w = weekday(day);
      return w === SATURDAY ? day - 1 : w === SUNDAY ? day + 1 : day;
    }
  }
}

/** True when a timeframe is shorter than a day (so a day holds several bars). */
export function isIntraday(timeframe: Timeframe): boolean {
  return TIMEFRAME_MS[timeframe] < MS_PER_DAY;
}

/**
 * The market calendar the timestamps look like: bars on Saturdays (UTC) mean crypto (7 days a week);
 * intraday bars through the night (18 or more distinct UTC hours) mean FX (24 x 5); daily bars on every
 * weekday (at least 256 a year over a year or more, e.g. forward-filled closes) are FX-like too; anything
 * else is a US equity session calendar.
 */
export function inferCalendar(timestamps: ArrayLike<number>, timeframe: Timeframe = '1Day'): MarketCalendar {
  const n = timestamps.length;
  if (n < 2) return 'us-equity';
  // Shares of weekdays and hours are read from at most ~20,000 evenly spaced bars: exact enough, and a
  // million-bar backtest does not pay a full pass for its footer.
  const stride = Math.max(1, Math.ceil(n / 20_000));
  let saturdays = 0;
  let sampled = 0;
  let hours = 0;
  for (let i = 0; i < n; i += stride) {
    const ts = timestamps[i];
    const day = Math.floor(ts / MS_PER_DAY);
    if (weekday(day) === SATURDAY) saturdays++;
    hours |= 1 << Math.floor((ts - day * MS_PER_DAY) / HOUR_MS);
    sampled++;
  }
  if (saturdays / sampled > 0.05) return 'crypto';
  if (isIntraday(timeframe)) {
    let distinct = 0;
    for (let h = 0; h < 24; h++) if (hours & (1 << h)) distinct++;
    return distinct >= 18 ? 'fx' : 'us-equity';
  }
  const span = timestamps[n - 1] - timestamps[0];
  if (timeframe === '1Day' && span >= MIN_MEASURED_SPAN_MS) {
    const perYear = (n - 1) / (span / MS_PER_YEAR);
    if (perYear >= 256) return 'fx';
  }
  return 'us-equity';
}

/** How bars were turned into years: the convention stated with every annualised figure. */
export interface Annualisation {
  /** Bars per year used for volatility, Sharpe and Sortino. */
  periodsPerYear: number;
  /** measured = from the timestamps; calendar = the nominal count of `calendar`; given = by the caller. */
  basis: 'measured' | 'calendar' | 'given';
  /** The market calendar (inferred from the timestamps unless given). */
  calendar: MarketCalendar;
  timeframe: Timeframe;
  /** Elapsed calendar years from the first to the last timestamp (365.25-day years); annual return compounds over these. */
  years: number;
  /** Bars per trading day (measured for intraday bars, 1 for daily bars, fractional for weekly/monthly). */
  barsPerDay: number;
  /** One line for table footers and notes. */
  description: string;
}

export interface AnnualisationOptions {
  /** Use this many periods a year (basis "given"). */
  periodsPerYear?: number;
  /** Use this calendar's nominal count (basis "calendar") instead of measuring. */
  calendar?: MarketCalendar;
  /** The calendar to assume instead of inferring it from the timestamps (still measured when long enough). */
  knownCalendar?: MarketCalendar;
}

/**
 * Index of the first timestamp after `from` that falls on a later trading day than timestamps[from]
 * (timestamps.length if none). Trading days never decrease along sorted timestamps, so a galloping search
 * costs O(log bars per day) per day instead of one step per bar.
 */
function nextDayStart(timestamps: ArrayLike<number>, from: number, calendar: MarketCalendar): number {
  const n = timestamps.length;
  const day = tradingDay(timestamps[from], calendar);
  let lo = from;
  let step = 1;
  let hi = from + 1;
  while (hi < n && tradingDay(timestamps[hi], calendar) === day) {
    lo = hi;
    step *= 2;
    hi = from + step;
  }
  if (hi > n) hi = n;
  // Invariant: timestamps[lo] is on `day`; timestamps[hi] (if any) is later.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (tradingDay(timestamps[mid], calendar) === day) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Distinct trading days among sorted timestamps. */
export function countTradingDays(timestamps: ArrayLike<number>, calendar: MarketCalendar): number {
  let days = 0;
  for (let i = 0; i < timestamps.length; i = nextDayStart(timestamps, i, calendar)) days++;
  return days;
}

const grouped = (x: number, digits: number) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * The annualisation of a series of bars with these (sorted) timestamps. Periods per year are measured
 * when the data spans at least a year, otherwise taken from the calendar; `options` can name either.
 */
export function annualisationOf(
  timestamps: ArrayLike<number>,
  timeframe: Timeframe,
  options: AnnualisationOptions = {},
): Annualisation {
  const n = timestamps.length;
  const span = n > 1 ? timestamps[n - 1] - timestamps[0] : 0;
  const years = span / MS_PER_YEAR;
  const calendar = options.calendar ?? options.knownCalendar ?? inferCalendar(timestamps, timeframe);
  const returns = Math.max(0, n - 1);
  let periodsPerYear: number;
  let basis: Annualisation['basis'];
  if (options.periodsPerYear !== undefined) {
    if (!(Number.isFinite(options.periodsPerYear) && options.periodsPerYear > 0)) {
      throw new ValidationError(`periodsPerYear must be a finite number > 0, got ${options.periodsPerYear}`, {
        field: 'periodsPerYear',
        hint: 'leave it out to measure it from the timestamps',
      });
    }
    periodsPerYear = options.periodsPerYear;
    basis = 'given';
  } else if (options.calendar === undefined && span >= MIN_MEASURED_SPAN_MS && returns >= 2) {
    periodsPerYear = returns / years;
    basis = 'measured';
  } else {
    periodsPerYear = nominalPeriodsPerYear(calendar, timeframe);
    basis = 'calendar';
  }
  let barsPerDay: number;
  if (isIntraday(timeframe)) {
    const days = countTradingDays(timestamps, calendar);
    barsPerDay =
      days > 0 ? n / days : nominalPeriodsPerYear(calendar, timeframe) / tradingDaysPerYear(calendar);
  } else {
    barsPerDay =
      timeframe === '1Day' ? 1 : nominalPeriodsPerYear(calendar, timeframe) / tradingDaysPerYear(calendar);
  }
  const digits = periodsPerYear >= 1000 ? 0 : 1;
  let source: string;
  if (basis === 'measured') {
    source = `measured from the timestamps (${grouped(returns, 0)} returns over ${years.toFixed(2)} years, ${calendar} calendar)`;
  } else if (basis === 'given') {
    source = 'as given';
  } else {
    const why = options.calendar === undefined ? 'under a year of data, so nominal' : 'as asked';
    source = `for ${timeframe} bars on the ${calendar} calendar (${CALENDARS[calendar].label}; ${why})`;
  }
  const description =
    `${grouped(periodsPerYear, digits)} periods/year ${source}; annual return compounds over ` +
    `${years.toFixed(2)} calendar years`;
  return { periodsPerYear, basis, calendar, timeframe, years, barsPerDay, description };
}

/**
 * Indices of the last bar of each trading day (ascending) among sorted timestamps: the daily closes of
 * intraday data.
 */
export function lastBarOfEachDay(timestamps: ArrayLike<number>, calendar: MarketCalendar): Int32Array {
  const out = new Int32Array(countTradingDays(timestamps, calendar));
  let k = 0;
  for (let i = 0; i < timestamps.length; ) {
    const next = nextDayStart(timestamps, i, calendar);
    out[k++] = next - 1;
    i = next;
  }
  return out;
}
/**
 * Index of the first bar of the last `days` trading days among sorted timestamps (0 when the data has no
 * more): the last `days` bars of daily data, every bar of the last `days` trading days of intraday data.
 * How risk figures pick their recent history (`DEFAULT_RISK_LOOKBACK_DAYS`) on every face.
 */
export function startOfLastTradingDays(
  timestamps: ArrayLike<number>,
  timeframe: Timeframe,
  days: number,
  calendar: MarketCalendar = inferCalendar(timestamps, timeframe),
): number {
  if (!(Number.isInteger(days) && days >= 1)) {
    throw new ValidationError(`days must be a whole number >= 1, got ${days}`, { field: 'days' });
  }
  if (!isIntraday(timeframe)) return Math.max(0, timestamps.length - days);
  const dayEnds = lastBarOfEachDay(timestamps, calendar);
  return dayEnds.length > days ? dayEnds[dayEnds.length - days - 1] + 1 : 0;
}

/**
 * The bar size of timestamps that carry no timeframe (an account's equity marks): the largest timeframe
 * not longer than the median spacing (1Day with fewer than two points).
 */
export function timeframeOfSpacing(timestamps: ArrayLike<number>): Timeframe {
  const n = timestamps.length;
  if (n < 2) return '1Day';
  const gaps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = timestamps[i] - timestamps[i - 1];
  gaps.sort();
  const median = gaps[(gaps.length - 1) >> 1];
  let best: Timeframe = '1Min';
  for (const [timeframe, ms] of Object.entries(TIMEFRAME_MS) as [Timeframe, number][])
    if (ms <= median && ms >= TIMEFRAME_MS[best]) best = timeframe;
  return best;
}

/** The season of a series' seasonal-naive baseline, and what it is in calendar terms. */
export interface Season {
  /** Bars per season. */
  bars: number;
  /** e.g. "5 bars = one week of us-equity daily bars (measured from the timestamps)". */
  basis: string;
}

/**
 * The natural season of bars with these timestamps: one week of daily bars (5 on a weekday calendar, 7 for
 * crypto), one trading day of intraday bars (13 US half-hours, 48 FX or crypto half-hours), a year of
 * weekly (52) or monthly (12) bars. Read from the timestamps, so a crypto series is not given a stock week.
 */
export function seasonOf(timestamps: ArrayLike<number>): Season {
  const timeframe = timeframeOfSpacing(timestamps);
  const calendar = inferCalendar(timestamps, timeframe);
  const measured = '(measured from the timestamps)';
  if (timeframe === '1Week') return { bars: 52, basis: `52 bars = one year of weekly bars ${measured}` };
  if (timeframe === '1Month') return { bars: 12, basis: `12 bars = one year of monthly bars ${measured}` };
  if (timeframe === '1Day') {
    const bars = Math.round(tradingDaysPerYear(calendar) / (365.25 / 7));
    return { bars, basis: `${bars} bars = one week of ${calendar} daily bars ${measured}` };
  }
  const bars = Math.max(
    1,
    Math.round(nominalPeriodsPerYear(calendar, timeframe) / tradingDaysPerYear(calendar)),
  );
  return { bars, basis: `${bars} bars = one ${calendar} trading day of ${timeframe} bars ${measured}` };
}

/**
 * The offset from UTC (ms) of an IANA time zone at a UTC instant, read from the tz database through
 * Intl (about 20 us a call: callers cache). Throws RangeError for a zone Intl does not know.
 */
export function zoneOffsetReader(timeZone: string): (utcMs: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return (utcMs: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(utcMs)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    return asUtc - (utcMs - (((utcMs % 1000) + 1000) % 1000));
  };
}

/**
 * New York's offset reader, made on first use: creating it loads ICU's time-zone data (about 9 MB of
 * memory), which a process that never asks for New York time (a daily backtest) does not need.
 */
let newYorkOffsetAt: ((utcMs: number) => number) | undefined;

/**
 * New York's UTC offset at `ts`. Formatting a date through Intl costs ~20 us, and every day order asks
 * for its session close, so offsets are kept per UTC hour: New York's offset is a whole number of hours
 * and its DST switches happen on a UTC hour boundary (02:00 local), so it is constant within one.
 */
const offsetByHour = new Map<number, number>();

function newYorkOffsetMs(ts: number): number {
  const hourKey = Math.floor(ts / HOUR_MS);
  const known = offsetByHour.get(hourKey);
  if (known !== undefined) return known;
  const offset = newYorkOffsetFromIntl(hourKey * HOUR_MS);
  if (offsetByHour.size >= 4096) offsetByHour.clear();
  offsetByHour.set(hourKey, offset);
  return offset;
}

function newYorkOffsetFromIntl(ts: number): number {
  newYorkOffsetAt ??= zoneOffsetReader('America/New_York');
  return newYorkOffsetAt(ts);
}

/** The UTC instant of `hour`:00 New York time on the New York calendar date `day` (days since epoch). */
function newYorkTimeOn(day: number, hour: number): number {
  const guess = day * MS_PER_DAY + hour * HOUR_MS + 5 * HOUR_MS;
  // The offset at the guess is right except within an hour of a DST switch; a second pass settles it.
  const first = day * MS_PER_DAY + hour * HOUR_MS - newYorkOffsetMs(guess);
  return day * MS_PER_DAY + hour * HOUR_MS - newYorkOffsetMs(first);
}

/**
 * When the trading session that `ts` belongs to closes, as epoch ms (the moment a day order placed at
 * `ts` expires). A time at or after a session's close belongs to the next session.
 * - us-equity: 16:00 America/New_York on a weekday (daylight saving from the tz database; exchange
 *   holidays are not modelled, so an order placed on a holiday expires at that day's 16:00);
 * - fx: 17:00 America/New_York, Monday to Friday (the FX day roll; the weekend belongs to Monday);
 * - crypto: 00:00 UTC (the UTC date, as `tradingDay`).
 */
export function sessionCloseAfter(ts: number, calendar: MarketCalendar): number {
  if (calendar === 'crypto') return (Math.floor(ts / MS_PER_DAY) + 1) * MS_PER_DAY;
  const hour = calendar === 'us-equity' ? 16 : 17;
  // The New York date of ts, then the first weekday close strictly after ts.
  let day = Math.floor((ts + newYorkOffsetMs(ts)) / MS_PER_DAY);
  for (let i = 0; i < 8; i++, day++) {
    const w = weekday(day);
    if (w === SATURDAY || w === SUNDAY) continue;
    const close = newYorkTimeOn(day, hour);
    if (close > ts) return close;
  }
  throw new Error('unreachable: a weekday close within 8 days');
}
