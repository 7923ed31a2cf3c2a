import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Bar, BarSeries } from '../core/bars.js';
import { getConfig } from '../core/config.js';
import { DataError, ValidationError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { isCorruptionError, openDatabase, sqliteHeaderProblem } from '../core/sqlite.js';
import { type EpochMs, formatTimestamp, MS_PER_DAY, parseDateRange } from '../core/time.js';
import { TIMEFRAME_MS, type Timeframe } from '../core/timeframe.js';
import type { FetchBarsOptions } from './types.js';

/**
 * A local SQLite cache of downloaded bars, so a backtest that runs a hundred times downloads its data
 * once. Alongside the bars it records which time ranges have been fetched (`coverage`): a range with
 * no bars in it (a weekend, a holiday, a halted stock) is still known, so it is not asked for again.
 * Bars and their coverage are written in one transaction: a crash mid-write leaves the cache as it was.
 *
 * Being a cache, a damaged file (empty, not SQLite, a corrupt page met by a query) is not an error: it
 * is deleted and rebuilt empty with one warning, and the operation that met it is retried, so the data
 * is simply downloaded again. (Order journals, which are not caches, are refused instead.)
 */

const log = createLogger('data:cache');

/** Identifies one cached series. `provider` includes anything that changes the data (feed, adjustment). */
export interface BarCacheKey {
  provider: string;
  symbol: string;
  timeframe: Timeframe;
}

/** An inclusive [start, end] range of epoch ms. */
export interface TimeRange {
  start: EpochMs;
  end: EpochMs;
}

export interface BarCacheOptions {
  /** Database file; default `{config.home}/cache/bars.sqlite`. `:memory:` for a throwaway cache. */
  path?: string;
}

export interface BarCacheWrite {
  /** Bars to upsert; existing bars with the same timestamp are replaced. */
  bars: readonly Bar[];
  /** Ranges now known to be complete (added to coverage). */
  covered: readonly TimeRange[];
  /** Ranges whose existing bars are deleted first (a refresh replaces, it does not merge). */
  replace?: readonly TimeRange[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bars (
  provider  TEXT    NOT NULL,
  symbol    TEXT    NOT NULL,
  timeframe TEXT    NOT NULL,
  ts        INTEGER NOT NULL,
  open      REAL    NOT NULL,
  high      REAL    NOT NULL,
  low       REAL    NOT NULL,
  close     REAL    NOT NULL,
  volume    REAL    NOT NULL,
  PRIMARY KEY (provider, symbol, timeframe, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage (
  provider   TEXT    NOT NULL,
  symbol     TEXT    NOT NULL,
  timeframe  TEXT    NOT NULL,
  start_ts   INTEGER NOT NULL,
  end_ts     INTEGER NOT NULL,
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (provider, symbol, timeframe, start_ts)
) WITHOUT ROWID;
`;

/** Merge inclusive integer ranges that overlap or touch; result sorted by start. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => r.end >= r.start).sort((a, b) => a.start - b.start);
  const merged: TimeRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ start: range.start, end: range.end });
  }
  return merged;
}

/** The parts of [start, end] not inside any of `covered` (inclusive integer ranges). */
export function subtractRanges(start: EpochMs, end: EpochMs, covered: readonly TimeRange[]): TimeRange[] {
  const gaps: TimeRange[] = [];
  let cursor = start;
  for (const range of mergeRanges(covered)) {
    if (range.end < cursor) continue;
    if (range.start > end) break;
    if (range.start > cursor) gaps.push({ start: cursor, end: Math.min(end, range.start - 1) });
    cursor = Math.max(cursor, range.end + 1);
    if (cursor > end) break;
  }
  if (cursor <= end) gaps.push({ start: cursor, end });
  return gaps;
}

type CacheStatements = ReturnType<typeof prepareCacheStatements>;

function prepareCacheStatements(db: Database.Database) {
  const where = 'provider = ? AND symbol = ? AND timeframe = ?';
  return {
    coverage: db.prepare<[string, string, string, number, number]>(
      `SELECT start_ts AS start, end_ts AS end FROM coverage WHERE ${where} AND end_ts >= ? AND start_ts <= ? ORDER BY start_ts`,
    ),
    count: db.prepare<[string, string, string, number, number]>(
      `SELECT COUNT(*) FROM bars WHERE ${where} AND ts >= ? AND ts <= ?`,
    ),
    read: db.prepare<[string, string, string, number, number]>(
      `SELECT ts, open, high, low, close, volume FROM bars WHERE ${where} AND ts >= ? AND ts <= ? ORDER BY ts`,
    ),
    upsert: db.prepare<[string, string, string, number, number, number, number, number, number]>(
      `INSERT INTO bars (provider, symbol, timeframe, ts, open, high, low, close, volume)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider, symbol, timeframe, ts) DO UPDATE SET
         open = excluded.open, high = excluded.high, low = excluded.low,
         close = excluded.close, volume = excluded.volume`,
    ),
    deleteBars: db.prepare<[string, string, string, number, number]>(
      `DELETE FROM bars WHERE ${where} AND ts >= ? AND ts <= ?`,
    ),
    deleteCoverage: db.prepare<[string, string, string, number, number]>(
      `DELETE FROM coverage WHERE ${where} AND end_ts >= ? AND start_ts <= ?`,
    ),
    insertCoverage: db.prepare<[string, string, string, number, number, number]>(
      'INSERT INTO coverage (provider, symbol, timeframe, start_ts, end_ts, fetched_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };
}

export class BarCache {
  readonly path: string;
  private db!: Database.Database;
  private statements!: CacheStatements;
  /** Times this cache was found damaged and rebuilt (tests and diagnostics). */
  rebuilds = 0;

  constructor(options: BarCacheOptions = {}) {
    this.path = options.path ?? defaultBarCachePath();
    try {
      this.open();
    } catch (error) {
      if (!this.isDamage(error)) throw this.openError(error);
      this.rebuild(error);
    }
  }

  private open(): void {
    if (this.path === ':memory:') {
      this.db = new Database(':memory:');
    } else {
      const problem = sqliteHeaderProblem(this.path);
      if (problem) throw new DataError(`bar cache ${this.path} ${problem}`, { code: 'IO', field: this.path });
      this.db = openDatabase(this.path, { kind: 'bar cache', busyTimeoutMs: 2_000 });
    }
    try {
      this.db.exec(SCHEMA);
      this.statements = prepareCacheStatements(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  private openError(error: unknown): DataError {
    return new DataError(`bar cache: cannot open ${this.path}: ${(error as Error).message}`, {
      cause: error,
      hint: 'check NEURAL_TRADER_HOME points at a writable directory, or delete the cache file to rebuild it',
    });
  }

  private isDamage(error: unknown): boolean {
    const cause = (error as { cause?: unknown })?.cause;
    return (
      isCorruptionError(error) ||
      isCorruptionError(cause) ||
      (error instanceof DataError && /is empty|is truncated|not a SQLite database/.test(error.message))
    );
  }

  /** Delete the damaged file and start an empty cache in its place, with one warning. */
  private rebuild(error: unknown): void {
    const reason = ((error as Error)?.message ?? String(error)).replace(`bar cache ${this.path} `, '');
    log.warn(
      `bar cache ${this.path} was damaged (${reason.slice(0, 160)}); rebuilt it empty, bars are downloaded again`,
    );
    try {
      if (this.db?.open) this.db.close();
    } catch {
      // a damaged handle may refuse to close cleanly
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.path}${suffix}`, { force: true });
    this.rebuilds++;
    try {
      this.open();
    } catch (reopenError) {
      throw this.openError(reopenError);
    }
  }

  /** Run a cache operation; on a damaged file rebuild the cache and run it once more (on the empty cache). */
  private guarded<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      if (!this.isDamage(error) || this.path === ':memory:') throw error;
      this.rebuild(error);
      return operation();
    }
  }

  /** Fetched ranges overlapping [start, end], merged and sorted. */
  coveredRanges(key: BarCacheKey, start: EpochMs, end: EpochMs): TimeRange[] {
    const rows = this.guarded(
      () =>
        this.statements.coverage.all(
          key.provider,
          key.symbol,
          key.timeframe,
          clampTs(start),
          clampTs(end),
        ) as TimeRange[],
    );
    return mergeRanges(rows);
  }

  /** The parts of [start, end] that have not been fetched yet, in order. Empty means a full cache hit. */
  missingRanges(key: BarCacheKey, start: EpochMs, end: EpochMs): TimeRange[] {
    if (end < start) return [];
    return subtractRanges(start, end, this.coveredRanges(key, start, end));
  }

  /**
   * Upsert bars and record coverage in ONE transaction: either all of it lands or none of it does, so
   * coverage never claims bars that are not there.
   */
  write(key: BarCacheKey, change: BarCacheWrite): void {
    try {
      this.guarded(() => this.writeOnce(key, change));
    } catch (error) {
      throw new DataError(
        `bar cache: writing ${key.symbol} ${key.timeframe} failed: ${(error as Error).message}`,
        {
          cause: error,
          hint: 'the cache was left unchanged; retry, or delete the cache file if the problem persists',
        },
      );
    }
    log.debug(`cached ${change.bars.length} bars`, {
      provider: key.provider,
      symbol: key.symbol,
      timeframe: key.timeframe,
    });
  }

  private writeOnce(key: BarCacheKey, change: BarCacheWrite): void {
    const { provider, symbol, timeframe } = key;
    const s = this.statements;
    const apply = this.db.transaction(() => {
      for (const range of change.replace ?? []) {
        s.deleteBars.run(provider, symbol, timeframe, clampTs(range.start), clampTs(range.end));
      }
      for (let i = 0; i < change.bars.length; i++) {
        const bar = change.bars[i];
        s.upsert.run(
          provider,
          symbol,
          timeframe,
          bar.timestamp,
          bar.open,
          bar.high,
          bar.low,
          bar.close,
          bar.volume,
        );
      }
      const fresh = mergeRanges(change.covered);
      if (fresh.length === 0) return;
      // Merge the new ranges with the stored ones they overlap or touch, then store the unions.
      const lo = fresh[0].start - 1;
      const hi = fresh[fresh.length - 1].end + 1;
      const existing = s.coverage.all(provider, symbol, timeframe, lo, hi) as TimeRange[];
      const touching = existing.filter((r) =>
        fresh.some((f) => r.end >= f.start - 1 && r.start <= f.end + 1),
      );
      const merged = mergeRanges([...touching, ...fresh]);
      for (const r of touching) s.deleteCoverage.run(provider, symbol, timeframe, r.start, r.start);
      const now = Date.now();
      for (const r of merged) s.insertCoverage.run(provider, symbol, timeframe, r.start, r.end, now);
    });
    apply();
  }

  /** Cached bars with start <= ts <= end, read straight into Float64Arrays. */
  read(key: BarCacheKey, start: EpochMs, end: EpochMs): BarSeries {
    return this.guarded(() => this.readOnce(key, start, end));
  }

  private readOnce(key: BarCacheKey, start: EpochMs, end: EpochMs): BarSeries {
    const args = [key.provider, key.symbol, key.timeframe, clampTs(start), clampTs(end)] as const;
    const count = this.statements.count.pluck().get(...args) as number;
    const series = BarSeries.allocate(key.symbol, key.timeframe, count);
    const { timestamps, open, high, low, close, volume } = series;
    let i = 0;
    for (const row of this.statements.read.raw().iterate(...args) as IterableIterator<number[]>) {
      if (i >= count) break;
      timestamps[i] = row[0];
      open[i] = row[1];
      high[i] = row[2];
      low[i] = row[3];
      close[i] = row[4];
      volume[i] = row[5];
      i++;
    }
    return i === count ? series : series.slice(0, i);
  }

  /** Forget one series (bars and coverage), or everything for a provider when symbol is omitted. */
  clear(provider: string, symbol?: string): void {
    this.guarded(() => this.clearOnce(provider, symbol));
  }

  private clearOnce(provider: string, symbol?: string): void {
    const tx = this.db.transaction(() => {
      if (symbol === undefined) {
        this.db.prepare('DELETE FROM bars WHERE provider = ?').run(provider);
        this.db.prepare('DELETE FROM coverage WHERE provider = ?').run(provider);
      } else {
        this.db.prepare('DELETE FROM bars WHERE provider = ? AND symbol = ?').run(provider, symbol);
        this.db.prepare('DELETE FROM coverage WHERE provider = ? AND symbol = ?').run(provider, symbol);
      }
    });
    tx();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** SQLite integers cannot hold +-Infinity; open-ended ranges become the widest safe integers. */
function clampTs(ts: number): number {
  if (ts === Number.POSITIVE_INFINITY) return Number.MAX_SAFE_INTEGER;
  if (ts === Number.NEGATIVE_INFINITY) return Number.MIN_SAFE_INTEGER;
  return Math.trunc(ts);
}

const sharedCaches = new Map<string, BarCache>();

/** `{home}/cache/bars.sqlite`, home defaulting to config.home (NEURAL_TRADER_HOME). */
export function defaultBarCachePath(home: string = getConfig().home): string {
  return join(home, 'cache', 'bars.sqlite');
}

/** One cache per database file per process (providers share it instead of opening the file repeatedly). */
export function sharedBarCache(path?: string): BarCache {
  const resolved = path ?? defaultBarCachePath();
  let cache = sharedCaches.get(resolved);
  if (!cache) {
    cache = new BarCache({ path: resolved });
    sharedCaches.set(resolved, cache);
  }
  return cache;
}

/** How far back a remote fetch reaches when no start is given: a year of daily bars, less for intraday. */
export function defaultLookbackMs(timeframe: Timeframe): number {
  const step = TIMEFRAME_MS[timeframe];
  if (step >= TIMEFRAME_MS['1Day']) return 365 * MS_PER_DAY;
  if (step >= TIMEFRAME_MS['1Hour']) return 60 * MS_PER_DAY;
  return 7 * MS_PER_DAY;
}

/**
 * The concrete [start, end] of a remote request: missing ends filled in (end = now, start = a default
 * lookback), the end clipped to now (there are no bars from the future), a bare end date covering that day.
 */
export function resolveRemoteRange(
  options: Pick<FetchBarsOptions, 'start' | 'end'>,
  timeframe: Timeframe,
  now: EpochMs,
): TimeRange {
  const range = parseDateRange(options.start, options.end);
  const end = Math.min(Number.isFinite(range.end) ? range.end : now, now);
  const start = Number.isFinite(range.start) ? range.start : end - defaultLookbackMs(timeframe);
  if (start > end) {
    throw new ValidationError(`start ${formatTimestamp(start)} is in the future`, {
      field: 'start',
      hint: 'pick a start date in the past',
    });
  }
  return { start, end };
}

/**
 * Bars starting after this instant may still change: the current bar is still forming, a month can be
 * 31 days, and delayed plans (Polygon free, Alpaca SIP on free accounts) publish the last ~15 minutes
 * late. Time after it is never marked covered, so it is fetched again next time.
 */
export function settledBefore(timeframe: Timeframe, now: EpochMs): EpochMs {
  const bar = TIMEFRAME_MS[timeframe];
  return now - Math.max(Math.ceil(bar * 1.1), bar + 20 * 60_000);
}

export interface ReadThroughOptions {
  /** undefined = no caching (every call goes to the service). */
  cache: BarCache | undefined;
  key: BarCacheKey;
  range: TimeRange;
  /** Fetch again even if cached, replacing the cached bars in the range. */
  refresh: boolean;
  now: EpochMs;
  /** Download the bars of one range (inclusive) from the service. */
  download: (range: TimeRange) => Promise<Bar[]>;
}

/**
 * Serve a range from the cache, downloading only the gaps. A bar that may still be forming (see
 * `settledBefore`, e.g. today's daily bar) is stored but its time is not marked covered, so the next
 * request fetches it again instead of serving a stale partial bar forever.
 */
export async function readThroughCache(options: ReadThroughOptions): Promise<BarSeries> {
  const { cache, key, range, refresh } = options;
  const rebuildsBefore = cache?.rebuilds ?? 0;
  const gaps = gapsToDownload(cache, key, range, refresh);
  const downloads: DownloadedRange[] = [];
  for (const gap of gaps) downloads.push({ range: gap, bars: await options.download(gap) });
  const series = storeDownloads(options, downloads);
  // The cache was found damaged and rebuilt empty while serving this request: what it returned may
  // be missing bars that were cached before. Serve the request once more (it downloads them again).
  if (cache && cache.rebuilds !== rebuildsBefore && gaps.length === 0) return readThroughCache(options);
  return series;
}

/** What a remote provider (Alpaca, Polygon) hands `fetchRemoteSeries` for one request. */
export interface RemoteFetch {
  /** Provider name for messages, e.g. "alpaca". */
  provider: string;
  ticker: string;
  timeframe: Timeframe;
  cache: BarCache | undefined;
  key: BarCacheKey;
  range: TimeRange;
  refresh: boolean;
  now: EpochMs;
  log: Logger;
  onProgress?: (barsSoFar: number) => void;
  /** Download one uncached range; call `onBars` with each page's bar count (for progress). */
  downloadGap(gap: TimeRange, onBars: (count: number) => void): Promise<Bar[]>;
  /** How to fix an empty result (provider-specific: symbol spelling, plan limits). */
  emptyHint: string;
}

/**
 * The remote providers' shared fetch: read through the cache, download only the gaps (reporting
 * progress and logging each download), and refuse an empty result with the provider's hint.
 */
export async function fetchRemoteSeries(request: RemoteFetch): Promise<BarSeries> {
  const { provider, ticker, timeframe, range } = request;
  let received = 0;
  const series = await readThroughCache({
    cache: request.cache,
    key: request.key,
    range,
    refresh: request.refresh,
    now: request.now,
    download: async (gap) => {
      const bars = await request.downloadGap(gap, (count) => {
        received += count;
        request.onProgress?.(received);
      });
      request.log.info(`downloaded ${bars.length} ${timeframe} bars for ${ticker}`, {
        start: formatTimestamp(gap.start),
        end: formatTimestamp(gap.end),
      });
      return bars;
    },
  });
  if (series.length === 0) {
    throw new DataError(
      `${provider}: no ${timeframe} bars for ${ticker} between ${formatTimestamp(range.start)} and ${formatTimestamp(range.end)}`,
      { field: 'symbol', hint: request.emptyHint },
    );
  }
  return series;
}

/** The ranges a request must download: the uncached gaps, or everything when refreshing or uncached. */
export function gapsToDownload(
  cache: BarCache | undefined,
  key: BarCacheKey,
  range: TimeRange,
  refresh: boolean,
): TimeRange[] {
  return cache && !refresh ? cache.missingRanges(key, range.start, range.end) : [range];
}

/** Bars downloaded for one requested range. */
export interface DownloadedRange {
  range: TimeRange;
  bars: readonly Bar[];
}

/**
 * Store downloaded ranges (bars + settled coverage, one transaction) and return the requested series:
 * from the cache when there is one, else straight from the downloaded bars.
 */
export function storeDownloads(
  options: Pick<ReadThroughOptions, 'cache' | 'key' | 'range' | 'refresh' | 'now'>,
  downloads: readonly DownloadedRange[],
): BarSeries {
  const { cache, key, range, refresh, now } = options;
  const settledUntil = settledBefore(key.timeframe, now);
  const bars: Bar[] = [];
  const covered: TimeRange[] = [];
  for (const download of downloads) {
    const gap = download.range;
    for (const bar of download.bars) {
      if (bar.timestamp >= gap.start && bar.timestamp <= gap.end) bars.push(bar);
    }
    const coveredEnd = Math.min(gap.end, settledUntil);
    if (coveredEnd >= gap.start) covered.push({ start: gap.start, end: coveredEnd });
  }
  if (!cache) return seriesFromBars(key, bars).between(range.start, range.end);
  if (downloads.length > 0) {
    cache.write(key, { bars, covered, replace: refresh ? downloads.map((d) => d.range) : undefined });
  } else log.debug('cache hit', { provider: key.provider, symbol: key.symbol, timeframe: key.timeframe });
  return cache.read(key, range.start, range.end);
}

/** Sorted, de-duplicated series from downloaded bars (the last copy of a timestamp wins). */
export function seriesFromBars(key: BarCacheKey, bars: readonly Bar[]): BarSeries {
  const sorted = [...bars].sort((a, b) => a.timestamp - b.timestamp);
  const unique: Bar[] = [];
  for (const bar of sorted) {
    if (unique.length > 0 && unique[unique.length - 1].timestamp === bar.timestamp) {
      unique[unique.length - 1] = bar;
    } else unique.push(bar);
  }
  return BarSeries.fromBars(key.symbol, key.timeframe, unique);
}
