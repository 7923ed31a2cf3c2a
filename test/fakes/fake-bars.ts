/**
 * Deterministic market data for fake servers: the bar at a given timestamp is a pure function of
 * (symbol, timestamp), so any two requests that overlap agree on the bars they share, exactly like a
 * real archive. Stocks trade Monday-Friday (no holidays); crypto trades every day, around the clock.
 */

export type FakeTimeframe =
  | '1Min'
  | '5Min'
  | '15Min'
  | '30Min'
  | '1Hour'
  | '4Hour'
  | '1Day'
  | '1Week'
  | '1Month';

export interface FakeBar {
  /** Bar time as the provider stamps it (ms since epoch UTC). */
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number;
  vw: number;
}

const DAY = 86_400_000;
const STEP_MS: Record<FakeTimeframe, number> = {
  '1Min': 60_000,
  '5Min': 300_000,
  '15Min': 900_000,
  '30Min': 1_800_000,
  '1Hour': 3_600_000,
  '4Hour': 14_400_000,
  '1Day': DAY,
  '1Week': 7 * DAY,
  '1Month': 30 * DAY,
};

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** Offset of New York from UTC at a UTC instant, in ms (-5 h in winter, -4 h in summer). */
const NEW_YORK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
});

function newYorkOffsetMs(utcMs: number): number {
  const parts = NEW_YORK.formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return asUtc - Math.floor(utcMs / 60_000) * 60_000;
}

/** Midnight in New York of the calendar day whose UTC midnight is `utcMidnight` (how providers stamp daily bars). */
export function newYorkMidnight(utcMidnight: number): number {
  return utcMidnight - newYorkOffsetMs(utcMidnight + 12 * 3_600_000);
}

/** The price path: smooth, positive, different per symbol, identical for every request. */
export function fakeClose(symbol: string, ts: number): number {
  const seed = hash(symbol);
  const base = 20 + (seed % 500);
  const phase = (seed % 1000) / 1000;
  const wave = 0.2 * Math.sin(ts / (40 * DAY) + phase * 6.28) + 0.05 * Math.sin(ts / (3 * DAY) + phase);
  return Math.round(base * Math.exp(wave) * 100) / 100;
}

function makeBar(symbol: string, stamp: number, priceTime: number, step: number): FakeBar {
  const c = fakeClose(symbol, priceTime);
  const o = fakeClose(symbol, priceTime - step);
  const h = Math.round(Math.max(o, c) * 1.01 * 100) / 100;
  const l = Math.round(Math.min(o, c) * 0.99 * 100) / 100;
  const v = 100_000 + (hash(`${symbol}:${priceTime}`) % 900_000);
  return { t: stamp, o, h, l, c, v, n: Math.floor(v / 100), vw: Math.round(((h + l + c) / 3) * 1e4) / 1e4 };
}

export interface FakeBarQuery {
  symbol: string;
  timeframe: FakeTimeframe;
  /** Inclusive bounds on the provider's timestamps (ms). */
  start: number;
  end: number;
  /** Crypto trades 24/7 and stamps daily bars at midnight UTC. */
  crypto?: boolean;
}

/** All bars of a symbol with start <= t <= end, ascending. */
export function generateFakeBars(query: FakeBarQuery): FakeBar[] {
  const { symbol, timeframe, start, end, crypto = false } = query;
  const step = STEP_MS[timeframe];
  const bars: FakeBar[] = [];
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return bars;
  const firstDay = Math.floor(start / DAY) * DAY - DAY;
  const lastDay = Math.floor(end / DAY) * DAY + DAY;
  for (let day = firstDay; day <= lastDay; day += DAY) {
    const weekday = new Date(day).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    if (timeframe === '1Month') {
      if (new Date(day).getUTCDate() !== 1) continue;
    } else if (!crypto && weekend) continue;
    if (step >= DAY) {
      if (timeframe === '1Week' && weekday !== (crypto ? 0 : 1)) continue;
      const stamp = crypto ? day : newYorkMidnight(day);
      if (stamp >= start && stamp <= end) bars.push(makeBar(symbol, stamp, day, step));
      continue;
    }
    // Intraday: the regular session 14:30-21:00 UTC for stocks, the whole day for crypto.
    const open = crypto ? day : day + 14.5 * 3_600_000;
    const close = crypto ? day + DAY : day + 21 * 3_600_000;
    for (let t = open; t < close; t += step) {
      if (t >= start && t <= end) bars.push(makeBar(symbol, t, t, step));
    }
  }
  return bars;
}
