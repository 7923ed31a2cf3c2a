import { ValidationError } from './errors.js';

/**
 * Bar timeframes, spelled as Alpaca spells them (the old system's convention). `1Day` bars are
 * stamped at midnight UTC of the trading day.
 */
export const TIMEFRAMES = [
  '1Min',
  '5Min',
  '15Min',
  '30Min',
  '1Hour',
  '4Hour',
  '1Day',
  '1Week',
  '1Month',
] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

/** Nominal length of a bar in ms (months and weeks are nominal; resampling uses calendar buckets). */
export const TIMEFRAME_MS: Record<Timeframe, number> = {
  '1Min': 60_000,
  '5Min': 300_000,
  '15Min': 900_000,
  '30Min': 1_800_000,
  '1Hour': 3_600_000,
  '4Hour': 14_400_000,
  '1Day': 86_400_000,
  '1Week': 7 * 86_400_000,
  '1Month': 30 * 86_400_000,
};

const ALIASES: Record<string, Timeframe> = {
  '1m': '1Min',
  '1min': '1Min',
  minute: '1Min',
  '5m': '5Min',
  '5min': '5Min',
  '15m': '15Min',
  '15min': '15Min',
  '30m': '30Min',
  '30min': '30Min',
  '1h': '1Hour',
  '1hour': '1Hour',
  hour: '1Hour',
  '60min': '1Hour',
  '4h': '4Hour',
  '4hour': '4Hour',
  '1d': '1Day',
  '1day': '1Day',
  day: '1Day',
  daily: '1Day',
  d: '1Day',
  '1w': '1Week',
  '1week': '1Week',
  week: '1Week',
  weekly: '1Week',
  w: '1Week',
  '1mo': '1Month',
  '1month': '1Month',
  month: '1Month',
  monthly: '1Month',
};

export function parseTimeframe(input: string): Timeframe {
  if ((TIMEFRAMES as readonly string[]).includes(input)) return input as Timeframe;
  const alias = ALIASES[input.trim().toLowerCase()];
  if (alias) return alias;
  throw new ValidationError(`timeframe: unknown value "${input}"`, {
    field: 'timeframe',
    hint: `use one of ${TIMEFRAMES.join(', ')}`,
  });
}

/** Is `coarse` a coarser (or equal) timeframe than `fine`? */
export function isCoarserOrEqual(coarse: Timeframe, fine: Timeframe): boolean {
  return TIMEFRAME_MS[coarse] >= TIMEFRAME_MS[fine];
}
