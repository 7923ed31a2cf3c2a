import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../src/core/bars.js';
import { DataError } from '../../src/core/errors.js';
import {
  BarCache,
  type BarCacheKey,
  mergeRanges,
  settledBefore,
  subtractRanges,
} from '../../src/data/cache.js';

const home = mkdtempSync(join(tmpdir(), 'nt-cache-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

let counter = 0;
function freshPath(): string {
  counter++;
  return join(home, `c${counter}`, 'cache', 'bars.sqlite');
}

const DAY = 86_400_000;
const KEY: BarCacheKey = { provider: 'alpaca/iex/raw', symbol: 'AAPL', timeframe: '1Day' };

function dailyBars(firstDay: number, count: number, price = 100): Bar[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: firstDay + i * DAY,
    open: price + i,
    high: price + i + 2,
    low: price + i - 1,
    close: price + i + 1,
    volume: 1000 + i,
  }));
}

describe('range arithmetic', () => {
  it('merges overlapping and touching ranges', () => {
    expect(
      mergeRanges([
        { start: 10, end: 20 },
        { start: 0, end: 5 },
        { start: 21, end: 30 },
        { start: 6, end: 8 },
        { start: 40, end: 50 },
      ]),
    ).toEqual([
      { start: 0, end: 8 },
      { start: 10, end: 30 },
      { start: 40, end: 50 },
    ]);
  });

  it('subtracts covered ranges, leaving exact inclusive gaps', () => {
    const covered = [
      { start: 10, end: 20 },
      { start: 30, end: 40 },
    ];
    expect(subtractRanges(0, 50, covered)).toEqual([
      { start: 0, end: 9 },
      { start: 21, end: 29 },
      { start: 41, end: 50 },
    ]);
    expect(subtractRanges(12, 18, covered)).toEqual([]);
    expect(subtractRanges(15, 35, covered)).toEqual([{ start: 21, end: 29 }]);
    expect(subtractRanges(41, 45, covered)).toEqual([{ start: 41, end: 45 }]);
  });

  it('property: gaps and coverage partition the request exactly', () => {
    const range = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 30 }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 8 }), range, (coveredSpecs, [qs, qlen]) => {
        const covered = coveredSpecs.map(([s, len]) => ({ start: s, end: s + len }));
        const gaps = subtractRanges(qs, qs + qlen, covered);
        for (let t = qs; t <= qs + qlen; t++) {
          const inCovered = covered.some((r) => t >= r.start && t <= r.end);
          const inGap = gaps.some((g) => t >= g.start && t <= g.end);
          if (inCovered === inGap) return false;
        }
        return gaps.every((g, i) => g.start <= g.end && (i === 0 || g.start > gaps[i - 1].end + 1));
      }),
    );
  });
});

describe('settledBefore', () => {
  it('keeps forming bars, 31-day months and delayed feeds out of coverage', () => {
    const now = Date.UTC(2024, 0, 31, 12);
    // The January monthly bar (Jan 1) is still forming on Jan 31.
    expect(settledBefore('1Month', now)).toBeLessThan(Date.UTC(2024, 0, 1));
    expect(settledBefore('1Day', now)).toBeLessThan(Date.UTC(2024, 0, 30, 12));
    // Minute bars from the last 20 minutes may not be published yet on delayed plans.
    expect(settledBefore('1Min', now)).toBeLessThanOrEqual(now - 20 * 60_000);
  });
});

describe('BarCache', () => {
  it('creates its directory, uses WAL, and round-trips bars into Float64Arrays', () => {
    const path = freshPath();
    const cache = new BarCache({ path });
    expect(existsSync(path)).toBe(true);
    const day0 = Date.UTC(2024, 0, 2);
    cache.write(KEY, { bars: dailyBars(day0, 10), covered: [{ start: day0, end: day0 + 10 * DAY - 1 }] });
    const series = cache.read(KEY, day0 + 2 * DAY, day0 + 5 * DAY);
    expect(series.timestamps).toBeInstanceOf(Float64Array);
    expect(series.length).toBe(4);
    expect(Array.from(series.close)).toEqual([103, 104, 105, 106]);
    expect(series.symbol).toBe('AAPL');
    expect(cache.missingRanges(KEY, day0, day0 + 5 * DAY)).toEqual([]);
    expect(cache.missingRanges(KEY, day0 - DAY, day0 + 12 * DAY)).toEqual([
      { start: day0 - DAY, end: day0 - 1 },
      { start: day0 + 10 * DAY, end: day0 + 12 * DAY },
    ]);
    // Other keys are separate.
    expect(cache.read({ ...KEY, provider: 'alpaca/sip/raw' }, day0, day0 + 10 * DAY).length).toBe(0);
    cache.close();
    // Persisted: a new instance on the same file sees it, in WAL mode.
    const reopened = new BarCache({ path });
    expect(reopened.read(KEY, day0, day0 + 20 * DAY).length).toBe(10);
    reopened.close();
    expect(existsSync(`${path}-wal`) || existsSync(path)).toBe(true);
  });

  it('merges coverage rows and upserts bars', () => {
    const cache = new BarCache({ path: freshPath() });
    const day0 = Date.UTC(2024, 0, 1);
    cache.write(KEY, { bars: dailyBars(day0, 5), covered: [{ start: day0, end: day0 + 5 * DAY - 1 }] });
    cache.write(KEY, {
      bars: dailyBars(day0 + 10 * DAY, 5),
      covered: [{ start: day0 + 10 * DAY, end: day0 + 15 * DAY - 1 }],
    });
    expect(cache.coveredRanges(KEY, day0, day0 + 30 * DAY).length).toBe(2);
    // Filling the hole joins everything into one range.
    cache.write(KEY, {
      bars: dailyBars(day0 + 5 * DAY, 5, 500),
      covered: [{ start: day0 + 5 * DAY, end: day0 + 10 * DAY - 1 }],
    });
    expect(cache.coveredRanges(KEY, day0, day0 + 30 * DAY)).toEqual([
      { start: day0, end: day0 + 15 * DAY - 1 },
    ]);
    // Upsert replaces a bar with the same timestamp.
    cache.write(KEY, { bars: [{ ...dailyBars(day0, 1)[0], close: 42 }], covered: [] });
    const all = cache.read(KEY, day0, day0 + 30 * DAY);
    expect(all.length).toBe(15);
    expect(all.close[0]).toBe(42);
    cache.close();
  });

  it('replace ranges delete stale bars before writing (refresh)', () => {
    const cache = new BarCache({ path: freshPath() });
    const day0 = Date.UTC(2024, 0, 1);
    cache.write(KEY, { bars: dailyBars(day0, 5), covered: [{ start: day0, end: day0 + 5 * DAY - 1 }] });
    const fresh = dailyBars(day0, 5, 200).filter((_, i) => i !== 2);
    cache.write(KEY, {
      bars: fresh,
      covered: [{ start: day0, end: day0 + 5 * DAY - 1 }],
      replace: [{ start: day0, end: day0 + 5 * DAY - 1 }],
    });
    const series = cache.read(KEY, day0, day0 + 5 * DAY);
    expect(series.length).toBe(4);
    expect(series.close[0]).toBe(201);
    cache.close();
  });

  it('a failure in the middle of a write leaves bars and coverage exactly as before', () => {
    const cache = new BarCache({ path: freshPath() });
    const day0 = Date.UTC(2024, 0, 1);
    cache.write(KEY, { bars: dailyBars(day0, 3), covered: [{ start: day0, end: day0 + 3 * DAY - 1 }] });
    const bad = dailyBars(day0 + 3 * DAY, 100);
    // SQLite stores NaN as NULL, which the NOT NULL column refuses: row 50 fails after 49 were inserted.
    bad[50] = { ...bad[50], close: Number.NaN };
    const error = (() => {
      try {
        cache.write(KEY, { bars: bad, covered: [{ start: day0 + 3 * DAY, end: day0 + 103 * DAY - 1 }] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataError);
    expect(cache.read(KEY, day0, day0 + 200 * DAY).length).toBe(3);
    expect(cache.coveredRanges(KEY, day0, day0 + 200 * DAY)).toEqual([
      { start: day0, end: day0 + 3 * DAY - 1 },
    ]);
    cache.close();
  });

  it('a process killed mid-write leaves the cache as before (reopened afterwards)', () => {
    const path = freshPath();
    const day0 = Date.UTC(2024, 0, 1);
    const before = new BarCache({ path });
    before.write(KEY, { bars: dailyBars(day0, 3), covered: [{ start: day0, end: day0 + 3 * DAY - 1 }] });
    before.close();
    const distCache = resolve(import.meta.dirname, '../../dist/data/cache.js');
    // The child writes 5,000 bars in one transaction and SIGKILLs itself while reading bar 2,500.
    const script = `
      const { BarCache } = await import(${JSON.stringify(distCache)});
      const cache = new BarCache({ path: ${JSON.stringify(path)} });
      const day0 = ${day0 + 3 * DAY};
      const bars = Array.from({ length: 5000 }, (_, i) => ({ timestamp: day0 + i * 60000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 }));
      Object.defineProperty(bars, 2500, { get() { process.kill(process.pid, 'SIGKILL'); return bars[0]; } });
      cache.write(${JSON.stringify(KEY)}, { bars, covered: [{ start: day0, end: day0 + 5000 * 60000 }] });
      process.stdout.write('not killed');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('not killed');
    const after = new BarCache({ path });
    expect(after.read(KEY, day0, day0 + 100 * DAY).length).toBe(3);
    expect(after.coveredRanges(KEY, day0, day0 + 100 * DAY)).toEqual([
      { start: day0, end: day0 + 3 * DAY - 1 },
    ]);
    after.close();
  });

  it('reports an unusable cache location as a DataError with a hint', () => {
    const blocker = join(home, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const error = (() => {
      try {
        return new BarCache({ path: join(blocker, 'cache', 'bars.sqlite') });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain('cannot open');
    expect((error as DataError).hint).toContain('NEURAL_TRADER_HOME');
  });
});
