import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Bar } from '../../src/core/bars.js';
import { setLogSink } from '../../src/core/log.js';
import { BarCache, type BarCacheKey, readThroughCache } from '../../src/data/cache.js';

/**
 * The bar cache is a cache: a damaged file must never block data. Each kind of damage below is met by
 * a real read-through request, which must return the right bars (downloaded again), log one warning
 * naming the file, and leave a working cache behind.
 */

const home = mkdtempSync(join(tmpdir(), 'nt-cache-corrupt-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.UTC(2020, 0, 1);
const warnings: string[] = [];
const previousSink = setLogSink((line) => warnings.push(line));
afterAll(() => setLogSink(previousSink));
afterEach(() => {
  warnings.length = 0;
});

function bars(symbol: string, count: number): Bar[] {
  const base = symbol.charCodeAt(0);
  return Array.from({ length: count }, (_, i) => ({
    timestamp: T0 + i * DAY,
    open: base + i,
    high: base + i + 2,
    low: base + i - 1,
    close: base + i + 1,
    volume: 1000 + i,
  }));
}

const SYMBOLS = Array.from({ length: 30 }, (_, i) => `SYM${i}`);
const COUNT = 400;
const key = (symbol: string): BarCacheKey => ({ provider: 'fake', symbol, timeframe: '1Day' });

/** A request for one symbol's 400 days, counting how many ranges had to be downloaded. */
async function request(cache: BarCache, symbol: string, downloads: { count: number }) {
  return readThroughCache({
    cache,
    key: key(symbol),
    range: { start: T0, end: T0 + (COUNT - 1) * DAY },
    refresh: false,
    now: T0 + 10_000 * DAY,
    download: async (range) => {
      downloads.count++;
      return bars(symbol, COUNT).filter((b) => b.timestamp >= range.start && b.timestamp <= range.end);
    },
  });
}

/** A populated cache file (every symbol cached), closed. */
async function populated(name: string): Promise<string> {
  const path = join(home, name, 'bars.sqlite');
  mkdirSync(dirname(path), { recursive: true });
  const cache = new BarCache({ path });
  const downloads = { count: 0 };
  for (const symbol of SYMBOLS) await request(cache, symbol, downloads);
  expect(downloads.count).toBe(SYMBOLS.length);
  cache.close();
  return path;
}

function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

const damages: [string, (path: string) => void][] = [
  ['an empty (0-byte) file', (path) => writeFileSync(path, '')],
  ['a bad header', (path) => overwrite(path, 0, Buffer.from('definitely not sqlite'))],
  [
    'corrupt pages in the middle',
    (path) => {
      const size = statSync(path).size;
      // Garbage over every page after the first two (schema pages stay readable, data pages do not).
      for (let offset = 2 * 4096; offset < size; offset += 4096)
        overwrite(path, offset + 8, Buffer.alloc(512, 0xa5));
    },
  ],
  ['a truncated file', (path) => writeFileSync(path, Buffer.from('SQLite format 3\u0000'))],
];

describe('a damaged bar cache rebuilds itself', () => {
  it.each(
    damages,
  )('%s: the request still returns the right bars, with one warning naming the file', async (_name, damage) => {
    const path = await populated(_name.replace(/\W+/g, '-'));
    damage(path);
    const cache = new BarCache({ path });
    const downloads = { count: 0 };
    const series = await request(cache, 'SYM7', downloads);
    expect(series.length).toBe(COUNT);
    expect(Array.from(series.close)).toEqual(bars('SYM7', COUNT).map((b) => b.close));
    expect(downloads.count).toBe(1);
    expect(cache.rebuilds).toBe(1);
    const cacheWarnings = warnings.filter((line) => line.includes('bar cache'));
    expect(cacheWarnings).toHaveLength(1);
    expect(cacheWarnings[0]).toContain(path);
    expect(cacheWarnings[0]).toMatch(/damaged .*rebuilt it empty/);
    // The rebuilt cache works: the same request is now a cache hit.
    const again = { count: 0 };
    expect((await request(cache, 'SYM7', again)).length).toBe(COUNT);
    expect(again.count).toBe(0);
    cache.close();
  });
});
