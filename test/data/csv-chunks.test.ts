import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { BarSeries } from '../../src/core/bars.js';
import { parseCsvBars, readCsvBarsFile } from '../../src/data/csv.js';

// loadCsvBars reads a file a chunk at a time and parses the whole lines of each chunk, carrying the
// partial last line into the next read. Whatever the chunk size, it must give exactly what parsing the
// whole text at once gives: the same bars, the same error with the same line number.

const dir = mkdtempSync(join(tmpdir(), 'nt-csv-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Outcome = { ok: true; bars: unknown } | { ok: false; message: string };

function outcome(read: () => BarSeries): Outcome {
  try {
    const s = read();
    return {
      ok: true,
      bars: {
        symbol: s.symbol,
        timeframe: s.timeframe,
        closeOnly: s.closeOnly,
        columns: [s.timestamps, s.open, s.high, s.low, s.close, s.volume].map((c) => Array.from(c)),
      },
    };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

const DAY = 86_400_000;

/** A CSV text with the shapes real files have: BOM, CRLF, blank lines, quotes, a bad row, no final newline. */
const csvText = fc
  .record({
    rows: fc.integer({ min: 0, max: 40 }),
    bom: fc.boolean(),
    crlf: fc.boolean(),
    quoted: fc.boolean(),
    blankEvery: fc.integer({ min: 0, max: 7 }),
    badRow: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
    finalNewline: fc.boolean(),
    closeOnly: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map((c) => {
    const eol = c.crlf ? '\r\n' : '\n';
    const lines = [c.closeOnly ? 'Date,Close' : 'Date,Open,High,Low,Close,Volume'];
    let price = 100 + (c.seed % 50);
    for (let i = 0; i < c.rows; i++) {
      const date = new Date(Date.UTC(2020, 0, 1) + i * DAY).toISOString().slice(0, 10);
      price = Math.round(price * (1 + (((c.seed * (i + 7)) % 21) - 10) / 1000) * 100) / 100;
      const cell = (v: number) => (c.quoted ? `"${v}"` : String(v));
      const bad = c.badRow === i ? 'n/a' : cell(price);
      lines.push(
        c.closeOnly
          ? `${date},${bad}`
          : `${date},${cell(price)},${cell(price + 1)},${cell(price - 1)},${bad},${1000 + i}`,
      );
      if (c.blankEvery > 0 && i % c.blankEvery === 0) lines.push('');
    }
    return `${c.bom ? '\ufeff' : ''}${lines.join(eol)}${c.finalNewline ? eol : ''}`;
  });

describe('reading a CSV file in chunks', () => {
  it('gives the bars (or the error) of parsing the whole text, for any chunk size', () => {
    let n = 0;
    fc.assert(
      fc.property(csvText, fc.integer({ min: 1, max: 300 }), (text, chunk) => {
        const path = join(dir, `f${n++}.csv`);
        writeFileSync(path, text);
        const whole = outcome(() => parseCsvBars(text, { symbol: 'X', source: path }));
        const chunked = outcome(() => readCsvBarsFile(path, { symbol: 'X' }, chunk));
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });

  it('a line longer than the chunk is read whole', () => {
    const path = join(dir, 'long.csv');
    const text = `date,close,${'x'.repeat(5000)}\n2020-01-02,1.5,${'y'.repeat(5000)}\n2020-01-03,1.75,z\n`;
    writeFileSync(path, text);
    const s = readCsvBarsFile(path, { symbol: 'X' }, 16);
    expect(Array.from(s.close)).toEqual([1.5, 1.75]);
  });
});
