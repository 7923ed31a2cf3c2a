import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { formatTimestamp } from '../../src/core/time.js';
import {
  DOW30_TICKERS,
  listSampleDatasets,
  loadSampleSeries,
  SampleProvider,
  sampleSymbols,
} from '../../src/data/sample.js';

describe('SampleProvider', () => {
  const provider = new SampleProvider();

  it('every bundled symbol loads, sorted and valid', () => {
    const list = listSampleDatasets();
    expect(list.length).toBe(sampleSymbols().length);
    for (const info of list) {
      const s = loadSampleSeries(info.symbol);
      expect(s.length).toBe(info.bars);
      expect(s.length).toBeGreaterThan(200);
      let unsorted = 0;
      for (let i = 1; i < s.length; i++) if (!(s.timestamps[i] > s.timestamps[i - 1])) unsorted++;
      expect(unsorted).toBe(0);
      expect(formatTimestamp(s.firstTimestamp)).toBe(info.first);
    }
  });

  it.each([
    ['SPX', '2000-01-03', '2020-04-17', 5105, 'ohlcv'],
    ['AAPL', '2013-05-13', '2018-05-11', 1260, 'ohlcv'],
    ['MSFT', '2000-09-27', '2001-09-27', 249, 'ohlcv'],
    ['KO', '1990-12-31', '2001-01-02', 2529, 'close-only'],
    ['DJ30:MSFT', '1990-12-31', '2001-01-02', 2529, 'close-only'],
    ['GOLD', '1977-12-30', '2012-12-31', 9132, 'close-only'],
    ['SILVER', '1977-12-30', '2012-12-31', 9132, 'close-only'],
    ['DJIA', '1980-01-01', '2012-12-31', 8610, 'close-only'],
    ['SPI', '2000-01-03', '2007-05-08', 1917, 'close-only'],
    ['LP60', '2000-01-03', '2007-05-08', 1917, 'close-only'],
  ])('%s covers %s..%s (%i bars, %s)', (symbol, first, last, bars, columns) => {
    const info = listSampleDatasets().find((d) => d.symbol === symbol)!;
    expect(info).toMatchObject({ first, last, bars, columns, timeframe: '1Day' });
  });

  it('USDCHF is 30-minute bars converted from Zurich time to UTC', () => {
    const s = loadSampleSeries('USDCHF');
    expect(s.timeframe).toBe('30Min');
    expect(s.length).toBe(62_496);
    // 1996-04-01 00:00 Zurich (CEST, UTC+2) and 1996-12-02 00:00 Zurich (CET, UTC+1).
    expect(s.timestamps[0]).toBe(Date.UTC(1996, 2, 31, 22));
    expect(s.indexOf(Date.UTC(1996, 11, 1, 23))).toBeGreaterThan(0);
    expect(s.close[0]).toBe(1.193);
  });

  it('MSFT means the OHLCV file; the Dow close is DJ30:MSFT; every Dow ticker resolves', () => {
    expect(loadSampleSeries('MSFT').closeOnly).toBe(false);
    expect(loadSampleSeries('DJ30:MSFT').closeOnly).toBe(true);
    for (const ticker of DOW30_TICKERS) expect(loadSampleSeries(`DJ30:${ticker}`).length).toBe(2529);
    expect(Array.from(loadSampleSeries('ko').close)).toEqual(Array.from(loadSampleSeries('DJ30:KO').close));
  });

  it('returns real AAPL bars within [start, end] inclusive', async () => {
    const bars = await provider.fetchBars('AAPL', { start: '2014-01-02', end: '2014-12-31' });
    expect(bars.length).toBe(252);
    expect(bars.toRecords()[0]).toEqual({
      date: '2014-01-02',
      open: 79.382858,
      high: 79.575714,
      low: 78.860001,
      close: 79.01857,
      volume: 58671200,
    });
    expect(formatTimestamp(bars.lastTimestamp)).toBe('2014-12-31');
  });

  it('caches parsed files: the same request shares memory', async () => {
    const a = await provider.fetchBars('SPX', { start: '2010-01-01', end: '2010-12-31' });
    const b = await provider.fetchBars('SPX', { start: '2010-01-01', end: '2010-12-31' });
    expect(a.close.buffer).toBe(b.close.buffer);
  });

  it('resamples to a coarser timeframe, refuses a finer one', async () => {
    const weekly = await provider.fetchBars('AAPL', {
      start: '2014-01-06',
      end: '2014-01-31',
      timeframe: '1Week',
    });
    expect(weekly.length).toBe(4);
    expect(weekly.timeframe).toBe('1Week');
    await expect(provider.fetchBars('AAPL', { timeframe: '1Hour' })).rejects.toThrow(/cannot be made/);
  });

  it('adjusted AAPL uses Adj Close', async () => {
    const adjusted = await new SampleProvider({ adjusted: true }).fetchBars('AAPL', {
      start: '2013-05-13',
      end: '2013-05-13',
    });
    expect(adjusted.close[0]).toBe(50.961628);
  });

  it('unknown symbol: DataError with close matches and a pointer to data list', async () => {
    const error = await provider.fetchBars('APPL').catch((e: unknown) => e as DataError);
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/unknown sample symbol "APPL"; did you mean .*AAPL/);
    expect(error.hint).toMatch(/neural-trader data list/);
  });

  it('a ticker that is simply not bundled gets no unrelated suggestion (TSLA is not AA or BA)', async () => {
    const error = await provider.fetchBars('TSLA').catch((e: unknown) => e as DataError);
    expect(error.message).toBe('unknown sample symbol "TSLA"');
    expect(error.hint).toMatch(/data import.*alpaca or polygon/);
    const typo = await provider.fetchBars('SPY').catch((e: unknown) => e as DataError);
    expect(typo.message).toBe('unknown sample symbol "SPY"; did you mean SPI, SPX?');
    const qualified = await provider.fetchBars('DJ30:MSFX').catch((e: unknown) => e as DataError);
    expect(qualified.message).toMatch(/did you mean DJ30:MSFT/);
  });

  it('a range outside the data says what is available', async () => {
    await expect(provider.fetchBars('AAPL', { start: '2020-01-01', end: '2020-12-31' })).rejects.toThrow(
      'no bars for AAPL between 2020-01-01 and 2020-12-31T23:59:59.999Z; available: 2013-05-13 to 2018-05-11 (1260 1Day bars)',
    );
  });
});
