import { describe, expect, it } from 'vitest';
import { fetchMarketData } from '../../src/data/index.js';
import { bollingerBands, rsi, sma } from '../../src/indicators/index.js';
import { callError, callOk, stdioSuite } from './helpers.js';

describe('data tools over stdio', () => {
  const mcp = stdioSuite();

  it('get_market_data returns the bundled bars of a range', async () => {
    const data = await callOk(mcp.session.client, 'get_market_data', {
      symbol: 'aapl',
      start_date: '2015-01-02',
      end_date: '2015-01-30',
    });
    const expected = await fetchMarketData('AAPL', '2015-01-02', '2015-01-30');
    expect(data.symbol).toBe('AAPL');
    expect(data.provider).toBe('sample');
    expect(data.timeframe).toBe('1Day');
    expect(data.total_bars).toBe(expected.length);
    expect(data.truncated).toBe(false);
    const bars = data.bars as { date: string; close: number }[];
    expect(bars[0].date).toBe('2015-01-02');
    expect(bars.at(-1)?.date).toBe('2015-01-30');
    expect(bars.map((b) => b.close)).toEqual(Array.from(expected.close));
  });

  it("get_market_data gives the data's own bars by default, like market-data on the CLI", async () => {
    const data = await callOk(mcp.session.client, 'get_market_data', {
      symbol: 'USDCHF',
      start_date: '2001-03-01',
      end_date: '2001-03-01',
    });
    const expected = await fetchMarketData('USDCHF', '2001-03-01', '2001-03-01');
    expect(expected.timeframe).toBe('30Min');
    expect(data.timeframe).toBe('30Min');
    expect(data.total_bars).toBe(expected.length);
    expect((data.bars as { close: number }[]).map((b) => b.close)).toEqual(Array.from(expected.close));
    expect(data.first_date).toBe('2001-03-01T00:00:00Z');
  });

  it('get_market_data keeps the most recent `limit` bars and can resample', async () => {
    const data = await callOk(mcp.session.client, 'get_market_data', {
      symbol: 'SPX',
      start_date: '2019-01-01',
      end_date: '2019-12-31',
      timeframe: '1Week',
      limit: 5,
    });
    expect(data.timeframe).toBe('1Week');
    expect(data.returned_bars).toBe(5);
    expect(data.truncated).toBe(true);
    expect(data.total_bars as number).toBeGreaterThan(50);
    expect((data.last_date as string) <= '2019-12-31').toBe(true);
  });

  it('get_market_data names the field of invalid arguments', async () => {
    expect(
      await callError(mcp.session.client, 'get_market_data', { symbol: 'AAPL', timeframe: '2Day' }),
    ).toMatch(/timeframe[\s\S]*1Min.*1Day|unknown timeframe "2Day"; valid: 1Min/);
    expect(
      await callError(mcp.session.client, 'get_market_data', { symbol: 'AAPL', start_date: '01/02/2015' }),
    ).toMatch(/start_date/);
    expect(
      await callError(mcp.session.client, 'get_market_data', { symbol: 'AAPL', provider: 'yahoo' }),
    ).toMatch(/unknown "yahoo"; valid: sample, file, synthetic, alpaca, polygon[\s\S]*provider/);
    expect(await callError(mcp.session.client, 'get_market_data', { symbol: 'AAPL', limit: 0 })).toMatch(
      /limit/,
    );
    expect(await callError(mcp.session.client, 'get_market_data', {})).toMatch(/symbol/);
  });

  it('get_market_data turns library errors into tool errors with a hint', async () => {
    const unknown = await callError(mcp.session.client, 'get_market_data', { symbol: 'APPL' });
    expect(unknown).toMatch(/unknown sample symbol "APPL"; did you mean .*AAPL/);
    expect(unknown).toMatch(/hint:/);
    const outside = await callError(mcp.session.client, 'get_market_data', {
      symbol: 'MSFT',
      start_date: '2010-01-01',
      end_date: '2010-12-31',
    });
    expect(outside).toMatch(/no bars for MSFT/);
  });

  it('quick_analysis matches the indicators library on the bars up to the date', async () => {
    const data = await callOk(mcp.session.client, 'quick_analysis', { symbol: 'SPX', date: '2008-10-15' });
    const history = await fetchMarketData('SPX', undefined, '2008-10-15');
    const i = history.length - 1;
    expect(data.date).toBe('2008-10-15');
    expect(data.close).toBeCloseTo(history.close[i], 10);
    expect(data.sma_20).toBeCloseTo(sma(history.close, 20)[i], 8);
    expect(data.sma_50).toBeCloseTo(sma(history.close, 50)[i], 8);
    expect(data.rsi_14).toBeCloseTo(rsi(history.close, 14)[i], 8);
    expect((data.bollinger as { percent_b: number }).percent_b).toBeCloseTo(
      bollingerBands(history.close, 20, 2).percentB[i],
      8,
    );
    // The autumn 2008 crash: price and SMA20 under SMA50, RSI low.
    expect(data.trend).toBe('downtrend');
    expect(data.rsi_14 as number).toBeLessThan(40);
    expect(data.atr_14 as number).toBeGreaterThan(0);
  });

  it('quick_analysis on a non-trading day uses the bar before and says so', async () => {
    const data = await callOk(mcp.session.client, 'quick_analysis', { symbol: 'AAPL', date: '2016-07-04' });
    expect(data.date).toBe('2016-07-01');
    expect((data.warnings as string[]).join(' ')).toMatch(/no bar on 2016-07-04/);
  });

  it('quick_analysis rejects a bad date', async () => {
    expect(
      await callError(mcp.session.client, 'quick_analysis', { symbol: 'AAPL', date: 'yesterday' }),
    ).toMatch(/date/);
  });

  it('serves the bundled datasets as a resource', async () => {
    const { resources } = await mcp.session.client.listResources();
    expect(resources.map((r) => r.uri)).toContain('neural-trader://datasets');
    const read = await mcp.session.client.readResource({ uri: 'neural-trader://datasets' });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as {
      datasets: { symbol: string; bars: number }[];
    };
    const aapl = body.datasets.find((d) => d.symbol === 'AAPL');
    expect(aapl?.bars).toBeGreaterThan(1000);
    expect(body.datasets.map((d) => d.symbol)).toEqual(expect.arrayContaining(['SPX', 'MSFT', 'GOLD']));
  });
});
