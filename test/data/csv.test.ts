import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import {
  CsvProvider,
  formatCsvBars,
  importCsvFile,
  inferTimeframe,
  loadCsvBars,
  parseCsvBars,
} from '../../src/data/csv.js';

const OHLCV = [
  'Date,Open,High,Low,Close,Adj Close,Volume',
  '2024-01-02,10,11,9.5,10.5,5.25,1000',
  '2024-01-03,10.5,10.9,10.1,10.8,5.4,2000',
  '2024-01-04,10.8,11.2,10.7,11,5.5,1500',
].join('\n');

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError');
}

describe('parseCsvBars', () => {
  it('reads OHLCV with Yahoo headers', () => {
    const s = parseCsvBars(OHLCV, { symbol: 'X' });
    expect(s.length).toBe(3);
    expect(s.timeframe).toBe('1Day');
    expect(s.closeOnly).toBe(false);
    expect(s.toRecords()[0]).toEqual({
      date: '2024-01-02',
      open: 10,
      high: 11,
      low: 9.5,
      close: 10.5,
      volume: 1000,
    });
  });

  it('accepts header variants case-insensitively, CRLF, BOM, quotes and extra columns', () => {
    const text =
      '\uFEFF"timestamp";"OPEN";"high";"Low";"close";"adj_close";"VOLUME";"note"\r\n' +
      '2024-01-02T14:30:00Z;1.5;2;1;1.75;1.7;10;x\r\n' +
      '"2024-01-02T15:30:00Z";1.75;1.8;1.7;1.8;1.8;0;y\r\n';
    const s = parseCsvBars(text, { symbol: 'Y' });
    expect(s.length).toBe(2);
    expect(s.timeframe).toBe('1Hour');
    expect(s.timestamps[0]).toBe(Date.UTC(2024, 0, 2, 14, 30));
    expect(s.close[1]).toBe(1.8);
  });

  it.each([
    ['Date,Close', 'date'],
    ['datetime,price', 'datetime'],
    ['time,SPY', 'time'],
  ])('close-only file with header %s', (header) => {
    const s = parseCsvBars(`${header}\n2024-01-02,100\n2024-01-03,101.5\n`, { symbol: 'C' });
    expect(s.closeOnly).toBe(true);
    expect(Array.from(s.close)).toEqual([100, 101.5]);
    expect(Array.from(s.high)).toEqual([100, 101.5]);
    expect(Array.from(s.volume)).toEqual([0, 0]);
  });

  it('picks one column of a wide close-only file', () => {
    const s = parseCsvBars('date,AA,KO\n2024-01-02,5,9\n2024-01-03,6,10\n', { symbol: 'KO', column: 'ko' });
    expect(Array.from(s.close)).toEqual([9, 10]);
    expect(errorOf(() => parseCsvBars('date,AA,KO\n2024-01-02,5,9\n', { symbol: 'Z' })).message).toMatch(
      /several price columns \(AA, KO\)/,
    );
  });

  it('adjusted: scales OHLC by adj/close', () => {
    const s = parseCsvBars(OHLCV, { symbol: 'X', adjusted: true });
    expect(s.close[0]).toBe(5.25);
    expect(s.open[0]).toBeCloseTo(5, 12);
    expect(s.high[0]).toBeCloseTo(5.5, 12);
    expect(s.low[0]).toBeCloseTo(4.75, 12);
    expect(s.volume[0]).toBe(1000);
    expect(
      errorOf(() => parseCsvBars('Date,Close\n2024-01-02,1\n', { symbol: 'X', adjusted: true })).message,
    ).toMatch(/no Adj Close/);
  });

  const header = 'Date,Open,High,Low,Close,Volume';
  it.each([
    ['2024-01-02,10,10.2,9,10.5,1', 'prices.csv:3: high 10.2 is below close 10.5'],
    ['2024-01-02,10.5,10.4,9,10,1', 'prices.csv:3: high 10.4 is below open 10.5'],
    ['2024-01-02,10,11,10.2,10.5,1', 'prices.csv:3: low 10.2 is above open 10'],
    ['2024-01-02,10.5,11,10.2,10,1', 'prices.csv:3: low 10.2 is above close 10'],
    ['2024-01-02,10,11,9,10.5,-5', 'prices.csv:3: volume -5 is negative'],
    ['2024-01-02,0,11,9,10.5,1', 'prices.csv:3: open 0 is not a positive price'],
    ['2024-01-02,-1,11,9,10.5,1', 'prices.csv:3: open -1 is not a positive price'],
    ['2024-01-02,10,11,9,abc,1', 'prices.csv:3: close "abc" is not a number'],
    ['2024-01-02,10,11,9,,1', 'prices.csv:3: close is missing'],
    ['2024-01-02,10,11,9,Infinity,1', 'prices.csv:3: close Infinity is not a positive price'],
    ['2024-02-30,10,11,9,10.5,1', 'prices.csv:3: cannot parse date "2024-02-30"'],
    ['soon,10,11,9,10.5,1', 'prices.csv:3: cannot parse date "soon"'],
    ['2024-01-02,10,11,9', 'prices.csv:3: expected 6 columns, found 4'],
    ['2024-01-01,10,11,9,10.5,1', 'prices.csv:3: timestamp 2024-01-01 is before the previous row'],
    [
      '2023-12-29,10,11,9,10.5,1\n2023-12-29,10,11,9,10.5,1',
      'prices.csv:3: duplicate timestamp 2023-12-29 (also on line 2)',
    ],
  ])('rejects %s with a line-numbered message', (row, message) => {
    const first = row.startsWith('2023-12-29') ? '' : '2024-01-01,10,11,9,10.5,1\n';
    const text = row.startsWith('2024-01-01,')
      ? `${header}\n2024-01-02,10,11,9,10.5,1\n${row}\n`
      : `${header}\n${first}${row}\n`;
    const error = errorOf(() => parseCsvBars(text, { symbol: 'X', source: 'prices.csv' }));
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.hint).toBeTruthy();
  });

  it('counts blank lines in line numbers like an editor', () => {
    const text = `${header}\n\n2024-01-02,10,11,9,10.5,1\n\n2024-01-03,10,9,9,10.5,1\n`;
    expect(errorOf(() => parseCsvBars(text, { symbol: 'X', source: 'f.csv' })).message).toMatch(
      /^f\.csv:5: high 9/,
    );
  });

  it('header problems are reported on line 1', () => {
    expect(
      errorOf(() => parseCsvBars('Open,High,Low,Close\n1,1,1,1\n', { symbol: 'X', source: 'h.csv' })).message,
    ).toMatch(/^h\.csv:1: no date column/);
    expect(
      errorOf(() => parseCsvBars('Date,Open,High,Close\n', { symbol: 'X', source: 'h.csv' })).message,
    ).toMatch(/^h\.csv:1: header has open\/high but no low/);
    expect(errorOf(() => parseCsvBars('', { symbol: 'X', source: 'e.csv' })).message).toMatch(
      /e\.csv: file is empty/,
    );
    expect(errorOf(() => parseCsvBars('Date,Close\n', { symbol: 'X', source: 'e.csv' })).message).toMatch(
      /no data rows/,
    );
  });

  it('sort: true repairs an out-of-order file; dedupe keeps the last duplicate', () => {
    const text = `Date,Close\n2024-01-03,3\n2024-01-01,1\n2024-01-02,2\n2024-01-01,1.5\n`;
    expect(errorOf(() => parseCsvBars(text, { symbol: 'X', sort: true, source: 's.csv' })).message).toMatch(
      /^s\.csv:5: duplicate timestamp 2024-01-01 \(also on line 3\)/,
    );
    // The flags live on `data import` (market-data --file has none): the hint must say where.
    expect(errorOf(() => parseCsvBars(text, { symbol: 'X', source: 's.csv' })).hint).toContain(
      '`data import --sort`',
    );
    expect(errorOf(() => parseCsvBars(text, { symbol: 'X', sort: true, source: 's.csv' })).hint).toContain(
      '`data import --dedupe`',
    );
    const s = parseCsvBars(text, { symbol: 'X', sort: true, dedupe: true });
    expect(s.toRecords().map((r) => [r.date, r.close])).toEqual([
      ['2024-01-01', 1.5],
      ['2024-01-02', 2],
      ['2024-01-03', 3],
    ]);
    const adjacent = parseCsvBars('Date,Close\n2024-01-01,1\n2024-01-01,2\n2024-01-02,3\n', {
      symbol: 'X',
      dedupe: true,
    });
    expect(Array.from(adjacent.close)).toEqual([2, 3]);
  });

  it('parses numbers exactly like Number()', () => {
    const values = [
      '64.501427',
      '0.000001',
      '123456789012345',
      '1234567890.12345678',
      '1e3',
      '2.5E-2',
      '+7.25',
    ];
    const text = `Date,Close\n${values.map((v, i) => `2024-01-${String(i + 1).padStart(2, '0')},${v}`).join('\n')}`;
    expect(Array.from(parseCsvBars(text, { symbol: 'N' }).close)).toEqual(values.map(Number));
  });

  it('converts local wall-clock times with timeZone', () => {
    const text = 'datetime,price\n2024-01-15 09:00:00,1\n2024-07-15 09:00:00,2\n';
    const s = parseCsvBars(text, { symbol: 'Z', timeZone: 'Europe/Zurich' });
    expect(s.timestamps[0]).toBe(Date.UTC(2024, 0, 15, 8)); // CET, UTC+1
    expect(s.timestamps[1]).toBe(Date.UTC(2024, 6, 15, 7)); // CEST, UTC+2
    expect(() => parseCsvBars(text, { symbol: 'Z', timeZone: 'Mars/Olympus' })).toThrow(/unknown time zone/);
  });

  it('infers timeframes from spacing', () => {
    const ts = (step: number) => new Float64Array([0, step, 2 * step, 3 * step]);
    expect(inferTimeframe(ts(60_000))).toBe('1Min');
    expect(inferTimeframe(ts(1_800_000))).toBe('30Min');
    expect(inferTimeframe(ts(86_400_000))).toBe('1Day');
    expect(inferTimeframe(ts(7 * 86_400_000))).toBe('1Week');
    expect(inferTimeframe(ts(31 * 86_400_000))).toBe('1Month');
  });

  it('formatCsvBars round-trips exactly', () => {
    const s = parseCsvBars(OHLCV, { symbol: 'X' });
    const again = parseCsvBars(formatCsvBars(s), { symbol: 'X' });
    expect(again.toRecords()).toEqual(s.toRecords());
  });
});

describe('loadCsvBars / CsvProvider / importCsvFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nt-csv-'));
  const file = join(dir, 'ACME.csv');
  writeFileSync(file, OHLCV);

  it('names the file in errors and reports a missing file', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'Date,Close\n2024-01-01,1\n2024-01-02,-1\n');
    expect(() => loadCsvBars(bad, { symbol: 'B' })).toThrow(`${bad}:3: close -1 is not a positive price`);
    expect(() => loadCsvBars(join(dir, 'nope.csv'), { symbol: 'B' })).toThrow(/file not found/);
  });

  it('serves one file, a directory of files, and imported symbols within [start, end]', async () => {
    const single = new CsvProvider({ path: file });
    const bars = await single.fetchBars('ANY', { start: '2024-01-03', end: '2024-01-04' });
    expect(bars.symbol).toBe('ANY');
    expect(bars.length).toBe(2);

    const home = mkdtempSync(join(tmpdir(), 'nt-home-'));
    const byDir = new CsvProvider({ directory: dir, home });
    expect((await byDir.fetchBars('acme')).length).toBe(3);
    await expect(byDir.fetchBars('ACME', { start: '2025-01-01' })).rejects.toThrow(
      /no bars for ACME between 2025-01-01 and the end; available: 2024-01-02 to 2024-01-04/,
    );
    await expect(byDir.fetchBars('MISSING')).rejects.toThrow(/no CSV file for symbol MISSING/);
    await expect(byDir.fetchBars('MISSING')).rejects.toMatchObject({
      hint: expect.stringMatching(/data import/),
    });

    const info = importCsvFile(file, { symbol: 'acme2', home });
    expect(info.symbol).toBe('ACME2');
    expect(info.bars).toBe(3);
    const fromImports = new CsvProvider({ home });
    expect((await fromImports.fetchBars('ACME2')).toRecords()).toEqual(
      (await single.fetchBars('ACME2')).toRecords(),
    );
    expect(fromImports.listSymbols()).toEqual(['ACME2']);
  });

  it('import writes nothing when any row is bad', () => {
    const home = mkdtempSync(join(tmpdir(), 'nt-home-'));
    const bad = join(dir, 'bad-late.csv');
    writeFileSync(bad, `${OHLCV}\n2024-01-05,10,9,8,9.5,9.5,1\n`);
    expect(() => importCsvFile(bad, { symbol: 'BAD', home })).toThrow(/:5: high 9 is below open 10/);
    expect(existsSync(join(home, 'data', 'BAD.csv'))).toBe(false);
    expect(() => importCsvFile(file, { symbol: '../evil', home })).toThrow(/not a valid ticker/);
  });

  it('import --sort stores a normalised, sorted file', () => {
    const home = mkdtempSync(join(tmpdir(), 'nt-home-'));
    const messy = join(dir, 'messy.csv');
    writeFileSync(messy, 'date,price\n2024-01-03,3\n2024-01-02,2\n');
    importCsvFile(messy, { symbol: 'M', home, sort: true });
    expect(readFileSync(join(home, 'data', 'M.csv'), 'utf8')).toBe(
      'date,close\n2024-01-02,2\n2024-01-03,3\n',
    );
  });
});
