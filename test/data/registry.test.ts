import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, ValidationError } from '../../src/core/errors.js';
import { CsvProvider } from '../../src/data/csv.js';
import { fetchMarketData, getProvider } from '../../src/data/registry.js';
import { SampleProvider } from '../../src/data/sample.js';
import { SyntheticProvider } from '../../src/data/synthetic.js';

describe('registry', () => {
  it('getProvider by name', () => {
    expect(getProvider('sample')).toBeInstanceOf(SampleProvider);
    expect(getProvider('file', { path: 'x.csv' })).toBeInstanceOf(CsvProvider);
    expect(getProvider('synthetic')).toBeInstanceOf(SyntheticProvider);
    expect(getProvider('alpaca').name).toBe('alpaca');
    expect(getProvider('polygon').name).toBe('polygon');
    expect(() => getProvider('yahoo')).toThrow(ValidationError);
  });

  it('fetchMarketData: the old one-call API, inclusive bounds', async () => {
    const bars = await fetchMarketData('AAPL', '2014-01-01', '2014-12-31');
    expect(bars.length).toBe(252);
    expect(bars.close[0]).toBe(79.01857);
    const dir = mkdtempSync(join(tmpdir(), 'nt-reg-'));
    const file = join(dir, 'x.csv');
    writeFileSync(file, 'date,close\n2024-01-02,1\n2024-01-03,2\n2024-01-04,3\n');
    const fromFile = await fetchMarketData('X', '2024-01-03', '2024-01-04', 'file', { path: file });
    expect(Array.from(fromFile.close)).toEqual([2, 3]);
    const syn = await fetchMarketData('SYN', '2024-01-01', '2024-01-31', 'synthetic', { seed: 1 });
    expect(syn.length).toBe(23);
  });

  it('validates dates and names the field', async () => {
    await expect(fetchMarketData('AAPL', '2014-02-01', '2014-01-01')).rejects.toThrow(
      /start .* is after end/,
    );
    const error = await fetchMarketData('AAPL', '2014-01-01', 'tomorrow').catch(
      (e: unknown) => e as ValidationError,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.field).toBe('end');
    await expect(fetchMarketData(' ', '2014-01-01', '2014-02-01')).rejects.toThrow(/symbol/);
  });

  it('an empty window is a DataError naming what is available', async () => {
    const error = await fetchMarketData('MSFT', '2010-01-01', '2010-12-31').catch(
      (e: unknown) => e as DataError,
    );
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(
      /no bars for MSFT between 2010-01-01 and .*; available: 2000-09-27 to 2001-09-27/,
    );
  });
});
