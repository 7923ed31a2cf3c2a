import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resampleSeries } from '../core/bar-ops.js';
import type { BarSeries } from '../core/bars.js';
import { getConfig } from '../core/config.js';
import { DataError, ValidationError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { type EpochMs, formatTimestamp, MS_PER_DAY, parseDateRange } from '../core/time.js';
import { isCoarserOrEqual, type Timeframe } from '../core/timeframe.js';
import type { FetchBarsOptions } from './types.js';

/**
 * Local bar storage shared by the offline providers: the directory of symbols imported with
 * `neural-trader data import` (NEURAL_TRADER_HOME/data/SYMBOL.csv plus a small metadata file), atomic
 * file writes, and cutting a stored series down to what a request asked for.
 */
const log = createLogger('data');

const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** Upper-case a ticker and check it is safe to use as a file name. */
export function normaliseImportSymbol(symbol: string): string {
  const trimmed = symbol.trim();
  if (!SYMBOL_PATTERN.test(trimmed)) {
    throw new ValidationError(`symbol: "${symbol}" is not a valid ticker for import`, {
      field: 'symbol',
      hint: 'use 1-32 letters, digits, dots, dashes or underscores, e.g. BRK.B or MY_INDEX',
    });
  }
  return trimmed.toUpperCase();
}

/** Where imported symbols live: `<home>/data`. */
export function importsDirectory(home: string = getConfig().home): string {
  return join(home, 'data');
}

export function importedSymbolPath(symbol: string, home?: string): string {
  return join(importsDirectory(home), `${normaliseImportSymbol(symbol)}.csv`);
}

/** What `data import` records next to the CSV, so listing does not need to parse every file. */
export interface ImportedSymbolInfo {
  symbol: string;
  timeframe: Timeframe;
  bars: number;
  first: string;
  last: string;
  columns: 'ohlcv' | 'close-only';
  /** Whether the stored prices are Adj Close-adjusted (absent in files written before this was recorded). */
  adjusted?: boolean;
  /** The file the bars were imported from. */
  source: string;
  importedAt: string;
  path: string;
}

function metadataPath(csvPath: string): string {
  return csvPath.replace(/\.csv$/, '.meta.json');
}

export function readImportedInfo(csvPath: string): ImportedSymbolInfo | undefined {
  const metaPath = metadataPath(csvPath);
  if (!existsSync(metaPath)) return undefined;
  try {
    const info = JSON.parse(readFileSync(metaPath, 'utf8')) as ImportedSymbolInfo;
    return { ...info, path: csvPath };
  } catch {
    log.warn(`ignoring unreadable metadata file ${metaPath}`);
    return undefined;
  }
}

/** Imported symbols, sorted by symbol. */
export function listImportedSymbols(home?: string): ImportedSymbolInfo[] {
  const dir = importsDirectory(home);
  if (!existsSync(dir)) return [];
  const out: ImportedSymbolInfo[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.csv')) continue;
    const path = join(dir, file);
    const info = readImportedInfo(path);
    if (info) out.push(info);
  }
  return out;
}

export { writeFileAtomic } from '../core/files.js';

/**
 * Resolve a request's start/end (epoch ms, or dates as people write them: a bare end year, month or day
 * covers all of it; bare epoch-looking numbers in text are refused).
 */
export function requestRange(options: Pick<FetchBarsOptions, 'start' | 'end'>): {
  start: EpochMs;
  end: EpochMs;
} {
  return parseDateRange(options.start, options.end);
}

function describeRequest(start: EpochMs, end: EpochMs): string {
  const from = Number.isFinite(start) ? formatTimestamp(start) : 'the beginning';
  const to = Number.isFinite(end) ? formatTimestamp(end) : 'the end';
  return `between ${from} and ${to}`;
}

/** `2013-05-13 to 2018-05-11 (1260 1Day bars)`, for messages. */
export function describeAvailable(series: BarSeries): string {
  if (series.length === 0) return 'no bars';
  return `${formatTimestamp(series.firstTimestamp)} to ${formatTimestamp(series.lastTimestamp)} (${series.length} ${series.timeframe} bars)`;
}

/**
 * The part of a stored series a request asks for: bars within [start, end] (inclusive), resampled when
 * the requested timeframe is coarser than the data's. Zero copy when no resampling is needed.
 * Throws DataError when nothing is left, naming the range that is available.
 */
export function windowSeries(
  series: BarSeries,
  options: FetchBarsOptions = {},
  provider = 'data',
): BarSeries {
  const { start, end } = requestRange(options);
  const timeframe = options.timeframe ?? series.timeframe;
  if (timeframe !== series.timeframe && !isCoarserOrEqual(timeframe, series.timeframe)) {
    throw new DataError(
      `${series.symbol}: the ${provider} data has ${series.timeframe} bars; ${timeframe} bars cannot be made from it`,
      {
        field: 'timeframe',
        hint: `ask for ${series.timeframe} or a coarser timeframe (bars are aggregated, never interpolated)`,
      },
    );
  }
  const window = series.between(start, end);
  if (window.length === 0) {
    throw new DataError(
      `no bars for ${series.symbol} ${describeRequest(start, end)}; available: ${describeAvailable(series)}`,
      { field: 'start', hint: 'choose dates inside the available range' },
    );
  }
  // Tell the user (on stderr) when a request reaches well beyond the data; small gaps are holidays.
  const slack = 7 * MS_PER_DAY;
  if (
    (Number.isFinite(start) && series.firstTimestamp - start > slack) ||
    (Number.isFinite(end) && end - series.lastTimestamp > slack)
  ) {
    log.warn(
      `${series.symbol}: ${provider} data covers only ${describeAvailable(series)}; returning ${window.length} bars`,
    );
  }
  return timeframe === series.timeframe ? window : resampleSeries(window, timeframe);
}
