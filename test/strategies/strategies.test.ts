import { describe, expect, it } from 'vitest';
import { BarSeries } from '../../src/core/bars.js';
import { Random } from '../../src/core/random.js';
import { sma } from '../../src/indicators/index.js';
import {
  EnhancedMomentumStrategy,
  EnsembleStrategy,
  MeanReversionStrategy,
  MirrorStrategy,
  MomentumStrategy,
  PairsStrategy,
  SmaCrossoverStrategy,
} from '../../src/strategies/index.js';
import { dayIndexDate, run, seriesFromCloses } from './harness.js';

/** Down 30 bars, up 40, down 40: the fast SMA crosses the slow one once upward, once downward. */
function vShape(): number[] {
  const closes: number[] = [];
  let price = 100;
  for (const [bars, step] of [
    [30, -1],
    [40, 1],
    [40, -1],
  ]) {
    for (let i = 0; i < bars; i++) {
      price += step;
      closes.push(price);
    }
  }
  return closes;
}

/** Bars at which the fast SMA crosses the slow one, computed independently with the batch SMAs. */
function crosses(closes: number[], fast: number, slow: number): { up: number[]; down: number[] } {
  const f = sma(Float64Array.from(closes), fast);
  const s = sma(Float64Array.from(closes), slow);
  const up: number[] = [];
  const down: number[] = [];
  let regime = 0;
  for (let i = 0; i < closes.length; i++) {
    if (Number.isNaN(s[i])) continue;
    const now = f[i] > s[i] ? 1 : f[i] < s[i] ? -1 : regime;
    if (regime !== 0 && now !== regime) (now > 0 ? up : down).push(i);
    regime = now;
  }
  return { up, down };
}

describe('sma-crossover', () => {
  const closes = vShape();
  const series = seriesFromCloses('AAPL', closes);
  const expected = crosses(closes, 5, 15);

  it('buys all-in on the up-cross and goes flat on the down-cross (long-only)', () => {
    expect(expected.up.length).toBe(1);
    expect(expected.down.length).toBe(1);
    const context = run(new SmaCrossoverStrategy('AAPL', { fast: 5, slow: 15 }), [series]);
    expect(context.orders.map((o) => [o.bar, o.side])).toEqual([
      [expected.up[0], 'buy'],
      [expected.down[0], 'sell'],
    ]);
    // 100% of equity (100,000) at the signal bar's close.
    expect(context.orders[0].quantity).toBeCloseTo(100_000 / closes[expected.up[0]], 9);
    // The sell closes the whole position.
    expect(context.orders[1].quantity).toBeCloseTo(context.orders[0].quantity, 9);
    expect(context.position('AAPL')).toBeCloseTo(0, 9);
  });

  it('goes short on the down-cross with allowShort and sizes by percent', () => {
    const context = run(
      new SmaCrossoverStrategy('AAPL', { fast: 5, slow: 15, allowShort: true, percent: 0.5 }),
      [series],
    );
    expect(context.orders.map((o) => [o.bar, o.side])).toEqual([
      [expected.up[0], 'buy'],
      [expected.down[0], 'sell'],
    ]);
    expect(context.orders[0].quantity).toBeCloseTo(50_000 / closes[expected.up[0]], 9);
    expect(context.position('AAPL')).toBeLessThan(0);
  });

  it('does not trade on the first bar both SMAs exist (a state, not a cross)', () => {
    const rising = seriesFromCloses(
      'AAPL',
      Array.from({ length: 60 }, (_, i) => 100 + i),
    );
    expect(run(new SmaCrossoverStrategy('AAPL', { fast: 5, slow: 15 }), [rising]).orders).toEqual([]);
  });

  it('generateSignal reports the cross on its bar and hold elsewhere, from closes, bars or a series', () => {
    const strategy = new SmaCrossoverStrategy('AAPL', { fast: 5, slow: 15 });
    const up = expected.up[0];
    expect(strategy.generateSignal(closes.slice(0, up + 1))).toBe('buy');
    expect(strategy.generateSignal(closes.slice(0, up))).toBe('hold');
    expect(strategy.generateSignal(closes.slice(0, up + 2).map((close) => ({ close })))).toBe('hold');
    expect(strategy.generateSignal(series.slice(0, expected.down[0] + 1))).toBe('sell');
    expect(strategy.targetExposure(closes.slice(0, up + 5))).toBe(1);
  });
});

describe('momentum', () => {
  it('goes long above the threshold, flat below its negative, and holds in the dead band', () => {
    // Rising 1% a bar for 30 bars, flat for 10, then falling 1% a bar.
    const closes = [100];
    for (let i = 0; i < 30; i++) closes.push(closes[closes.length - 1] * 1.01);
    for (let i = 0; i < 10; i++) closes.push(closes[closes.length - 1]);
    for (let i = 0; i < 30; i++) closes.push(closes[closes.length - 1] * 0.99);
    const context = run(new MomentumStrategy('SPY', { lookback: 10, threshold: 0.05 }), [
      seriesFromCloses('SPY', closes),
    ]);
    // First ROC(10) on bar 10: 1.01^10 - 1 = 10.5% > 5%: buy there.
    expect(context.orders[0]).toMatchObject({ bar: 10, side: 'buy' });
    // Falling: the 10-bar return first drops below -5% at bar 46 (5 flat-then-falling... computed below).
    const roc = (i: number) => closes[i] / closes[i - 10] - 1;
    const exitBar = closes.findIndex((_, i) => i >= 10 && roc(i) < -0.05);
    expect(context.orders[1]).toMatchObject({ bar: exitBar, side: 'sell' });
    expect(context.orders.length).toBe(2);
    // Between +-5% (e.g. the flat stretch) the position was held, not closed.
    expect(roc(40)).toBeLessThan(0.05);
    expect(exitBar).toBeGreaterThan(40);
  });
});

describe('enhanced-momentum', () => {
  const rising = (n: number, step = 0.01) => {
    const closes = [100];
    // Alternate slightly so realised volatility is not zero.
    for (let i = 1; i < n; i++) closes.push(closes[i - 1] * (1 + step + (i % 2 === 0 ? 0.002 : -0.002)));
    return closes;
  };

  it('waits for volume above its average before entering', () => {
    const closes = rising(60);
    const volumes = closes.map((_, i) => (i === 45 ? 5_000_000 : 1_000_000));
    const strategy = new EnhancedMomentumStrategy('X', {
      lookback: 10,
      volatilityLookback: 10,
      volumeLookback: 10,
      maxVolatility: 0,
      targetVolatility: 0,
    });
    const context = run(strategy, [seriesFromCloses('X', closes, volumes)]);
    expect(context.orders.map((o) => [o.bar, o.side])).toEqual([[45, 'buy']]);
  });

  it('enters without the volume filter and scales to the target volatility', () => {
    const closes = rising(60);
    const strategy = new EnhancedMomentumStrategy('X', {
      lookback: 10,
      volatilityLookback: 10,
      volumeFilter: false,
      maxVolatility: 0,
      targetVolatility: 0.02,
      maxExposure: 1,
    });
    const context = run(strategy, [seriesFromCloses('X', closes)]);
    expect(context.orders[0].bar).toBe(10); // ROC(10) and 10 log returns both exist from bar 10 on
    // Realised volatility of the alternating 0.8%/1.2% returns is ~0.2% a bar. The test bars fall on every
    // calendar day (a 24x7 calendar, under a year of data): 365 periods a year, measured from the
    // timestamps; the position is 0.02 / annual vol of equity.
    const logReturns = closes.slice(1, 11).map((c, i) => Math.log(c / closes[i]));
    const m = logReturns.reduce((a, b) => a + b, 0) / 10;
    const sd = Math.sqrt(logReturns.reduce((a, b) => a + (b - m) ** 2, 0) / 9);
    expect(sd * Math.sqrt(365)).toBeGreaterThan(0.02);
    expect(context.orders[0].quantity * closes[10]).toBeCloseTo(100_000 * (0.02 / (sd * Math.sqrt(365))), 3);
    // periodsPerYear, when given, is used as given.
    const given = new EnhancedMomentumStrategy('X', { ...strategy.params, periodsPerYear: 252 });
    const fixed = run(given, [seriesFromCloses('X', closes)]);
    expect(fixed.orders[0].quantity * closes[10]).toBeCloseTo(100_000 * (0.02 / (sd * Math.sqrt(252))), 3);
  });

  /** 30-minute bars around the clock on weekdays (FX hours): 0.2% noise a bar, a trend that turns every 250 bars. */
  const halfHourFx = (bars: number) => {
    const timestamps: number[] = [];
    const closes: number[] = [];
    const halfHour = 1_800_000;
    // Monday 2024-01-01 00:00 UTC; Saturdays and Sundays are skipped.
    for (let t = Date.UTC(2024, 0, 1); timestamps.length < bars; t += halfHour) {
      const weekday = new Date(t).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      const i = timestamps.length;
      timestamps.push(t);
      const trend = Math.floor(i / 250) % 2 === 0 ? 0.0005 : -0.0005;
      closes.push(i === 0 ? 100 : closes[i - 1] * (1 + trend + (i % 2 === 0 ? 0.002 : -0.002)));
    }
    return BarSeries.fromCloses('EURUSD', '30Min', Float64Array.from(timestamps), Float64Array.from(closes));
  };

  it('annualises intraday volatility by the bars a year of its own calendar, not 252', () => {
    const series = halfHourFx(3_000);
    const params = { lookback: 10, threshold: 0, volatilityLookback: 10, volumeFilter: false };
    // 0.2% a half hour is 0.2% x sqrt(12,480) = 22% a year on the FX calendar (0.2% x sqrt(252) = 3.2%
    // if the bars were days): above a 10% cap, so the strategy stands aside ...
    const capped = run(new EnhancedMomentumStrategy('EURUSD', { ...params, maxVolatility: 0.1 }), [series]);
    expect(capped.orders).toEqual([]);
    // ... while the old daily assumption, given explicitly, would trade.
    const asDays = new EnhancedMomentumStrategy('EURUSD', {
      ...params,
      maxVolatility: 0.1,
      periodsPerYear: 252,
    });
    expect(run(asDays, [series]).orders.length).toBeGreaterThan(0);
    // Sizing to a target volatility (15%): once a day of bars shows the FX calendar, the measured count
    // is its nominal 12,480 half-hours a year (under a year of data), the same as giving it. Positions
    // opened after the first day are the same fraction of equity: 0.15 / 22% = 0.68 (as days: capped at 1).
    const sized = { ...params, maxVolatility: 0, allowShort: true };
    const measured = new EnhancedMomentumStrategy('EURUSD', sized);
    const nominal = new EnhancedMomentumStrategy('EURUSD', { ...sized, periodsPerYear: 12_480 });
    const daily = new EnhancedMomentumStrategy('EURUSD', { ...sized, periodsPerYear: 252 });
    for (const bar of [600, 900, 1600, 2900]) {
      const history = series.slice(0, bar);
      const exposure = measured.targetExposure(history);
      expect(Math.abs(exposure), `bar ${bar}`).toBeGreaterThan(0.6);
      expect(Math.abs(exposure), `bar ${bar}`).toBeLessThan(0.75);
      expect(exposure, `bar ${bar}`).toBe(nominal.targetExposure(history));
      expect(Math.abs(daily.targetExposure(history)), `bar ${bar}`).toBe(1);
    }
  });

  it('stands aside when volatility is above the cap', () => {
    const closes = [100];
    for (let i = 1; i < 60; i++) closes.push(closes[i - 1] * (i % 2 === 0 ? 1.09 : 0.95));
    const strategy = new EnhancedMomentumStrategy('X', {
      lookback: 10,
      volatilityLookback: 10,
      volumeFilter: false,
      maxVolatility: 0.5,
      threshold: 0,
    });
    expect(run(strategy, [seriesFromCloses('X', closes)]).orders).toEqual([]);
  });

  it('generateSignal needs volume when the volume filter is on', () => {
    const strategy = new EnhancedMomentumStrategy('X');
    expect(() => strategy.generateSignal(rising(40))).toThrow(/needs volume/);
    expect(new EnhancedMomentumStrategy('X', { volumeFilter: false }).generateSignal(rising(40))).toMatch(
      /buy|hold/,
    );
  });
});

describe('mean-reversion', () => {
  const closes = [
    ...Array.from({ length: 25 }, (_, i) => 100 + (i % 2 === 0 ? 0.5 : -0.5)),
    90,
    92,
    95,
    98,
    100.4,
    101,
    100,
    100.5,
    99.5,
  ];

  it('bollinger: buys below the lower band and exits at the middle band', () => {
    const context = run(new MeanReversionStrategy('X', { period: 20, k: 2 }), [
      seriesFromCloses('X', closes),
    ]);
    expect(context.orders.map((o) => [o.bar, o.side])).toEqual([
      [25, 'buy'],
      [29, 'sell'],
    ]);
  });

  it('zscore with exitZ > 0 exits earlier; allowShort sells above the upper band', () => {
    const z = run(new MeanReversionStrategy('X', { mode: 'zscore', period: 20, k: 2, exitZ: 0.5 }), [
      seriesFromCloses('X', closes),
    ]);
    expect(z.orders.map((o) => o.side)).toEqual(['buy', 'sell']);
    expect(z.orders[1].bar).toBeLessThanOrEqual(29);
    const spikes = closes.map((c, i) => (i === 25 ? 110 : i > 25 ? 100 : c));
    const short = run(new MeanReversionStrategy('X', { period: 20, k: 2, allowShort: true }), [
      seriesFromCloses('X', spikes),
    ]);
    expect(short.orders[0]).toMatchObject({ bar: 25, side: 'sell' });
    expect(short.orders[1]).toMatchObject({ side: 'buy' });
  });
});

describe('pairs', () => {
  function pair(shockBar: number, shock: number) {
    const random = new Random(11);
    const x: number[] = [];
    const y: number[] = [];
    let level = 50;
    for (let i = 0; i < 120; i++) {
      level += random.normal() * 0.5;
      x.push(level);
      y.push(2 * level + 10 + random.normal() * 0.2 + (i >= shockBar && i < shockBar + 3 ? shock : 0));
    }
    return { x, y };
  }

  it('constructor form (symbols, lookback, entryThreshold) and parameter checks', () => {
    const strategy = new PairsStrategy(['AAPL', 'MSFT'], 20, 2.0);
    expect(strategy.symbols).toEqual(['AAPL', 'MSFT']);
    expect(strategy.params).toMatchObject({
      lookback: 20,
      entryThreshold: 2,
      exitThreshold: 0.5,
      stopThreshold: 4,
    });
    expect(() => new PairsStrategy(['AAPL'], 20, 2)).toThrow(/exactly 2 symbols/);
    expect(() => new PairsStrategy(['KO', 'PG'], 20, 2, { exitThreshold: 3 })).toThrow(
      /exitThreshold: 3 must be less than entryThreshold \(2\)/,
    );
    expect(() => new PairsStrategy(['KO', 'PG'], 1, 2)).toThrow(
      /lookback: 1 is below the minimum 2 \(allowed 2..500\)/,
    );
  });

  it('shorts the rich leg and buys the cheap one dollar-neutrally, then exits when the spread reverts', () => {
    const { x, y } = pair(60, 6);
    const strategy = new PairsStrategy(['KO', 'PG'], 30, 2.0, { stopThreshold: 10 });
    const context = run(strategy, [seriesFromCloses('KO', y), seriesFromCloses('PG', x)]);
    const entry = context.orders.filter((o) => o.bar === 60);
    expect(entry.map((o) => [o.symbol, o.side])).toEqual([
      ['KO', 'sell'],
      ['PG', 'buy'],
    ]);
    // Dollar neutral: both legs have the same value, 50% of equity each, at the signal bar's close.
    expect(entry[0].quantity * y[60]).toBeCloseTo(entry[1].quantity * x[60], 6);
    expect(entry[0].quantity * y[60]).toBeGreaterThan(40_000);
    // The next orders close both legs exactly once the spread has reverted.
    const exit = context.orders.filter((o) => o.bar > 60).slice(0, 2);
    expect(exit.map((o) => [o.symbol, o.side])).toEqual([
      ['KO', 'buy'],
      ['PG', 'sell'],
    ]);
    expect(exit[0].quantity).toBeCloseTo(entry[0].quantity, 9);
    expect(exit[1].quantity).toBeCloseTo(entry[1].quantity, 9);
    expect(exit[0].bar).toBeGreaterThan(62);
    expect(context.position('PG')).toBeCloseTo(0, 9);
  });

  it('stops out beyond stopThreshold and waits for |z| < entry before re-entering', () => {
    const { x, y } = pair(60, 6);
    const strategy = new PairsStrategy(['KO', 'PG'], 30, 1.5, { stopThreshold: 2.5 });
    const context = run(strategy, [seriesFromCloses('KO', y), seriesFromCloses('PG', x)]);
    // The shock pushes |z| straight past 2.5: no entry at bar 60 (beyond the stop).
    expect(context.orders.some((o) => o.bar === 60)).toBe(false);
  });

  it('hedge-ratio sizing trades beta shares of the second leg per share of the first', () => {
    const { x, y } = pair(60, 6);
    const strategy = new PairsStrategy(['KO', 'PG'], 30, 2.0, { stopThreshold: 10, sizing: 'hedge-ratio' });
    const context = run(strategy, [seriesFromCloses('KO', y), seriesFromCloses('PG', x)]);
    const [first, second] = context.orders.filter((o) => o.bar === 60);
    expect(second.quantity / first.quantity).toBeGreaterThan(1.5);
    expect(second.quantity / first.quantity).toBeLessThan(2.5);
  });

  it('generateSignal(first, second) reports the spread trade; one series is a clear error', () => {
    const { x, y } = pair(60, 6);
    const strategy = new PairsStrategy(['KO', 'PG'], 30, 2.0, { stopThreshold: 10 });
    expect(strategy.generateSignal(y.slice(0, 61), x.slice(0, 61))).toBe('sell');
    expect(strategy.generateSignal(y.slice(0, 60), x.slice(0, 60))).toBe('hold');
    expect(() => strategy.generateSignal(y)).toThrow(/needs both series/);
  });
});

describe('ensemble', () => {
  it('holds a position only while the weighted vote exceeds the threshold', () => {
    const closes = vShape();
    const series = seriesFromCloses('AAPL', closes);
    const members = [
      { signal: new SmaCrossoverStrategy('AAPL', { fast: 5, slow: 15 }), weight: 2 },
      { signal: new MomentumStrategy('AAPL', { lookback: 5, threshold: 0.01 }), weight: 1 },
    ];
    // Threshold 0.5: the crossover alone (2/3) is enough; momentum alone (1/3) is not.
    const ensemble = new EnsembleStrategy('AAPL', members, { threshold: 0.5 });
    const context = run(ensemble, [series]);
    const expected = crosses(closes, 5, 15);
    expect(context.orders[0]).toMatchObject({ bar: expected.up[0], side: 'buy' });
    expect(context.orders[1]).toMatchObject({ bar: expected.down[0], side: 'sell' });
    expect(context.orders.length).toBe(2);
    expect(ensemble.warmup).toBe(15);
  });
});

describe('mirror', () => {
  it('copies trades scaled and delayed by N bars', () => {
    const series = seriesFromCloses(
      'AAPL',
      Array.from({ length: 20 }, () => 100),
    );
    const strategy = new MirrorStrategy({
      trades: [
        { date: dayIndexDate(3), symbol: 'AAPL', side: 'buy', quantity: 100 },
        { date: dayIndexDate(8), symbol: 'AAPL', side: 'sell', quantity: 40 },
      ],
      scale: 0.5,
      delayBars: 2,
    });
    expect(strategy.symbols).toEqual(['AAPL']);
    const context = run(strategy, [series]);
    expect(context.orders).toEqual([
      { bar: 5, symbol: 'AAPL', side: 'buy', quantity: 50, tag: 'mirror' },
      { bar: 10, symbol: 'AAPL', side: 'sell', quantity: 20, tag: 'mirror' },
    ]);
    expect(strategy.generateSignal(series.slice(0, 6))).toBe('buy');
    expect(strategy.generateSignal(series.slice(0, 7))).toBe('hold');
    expect(strategy.generateSignal(series.slice(0, 11))).toBe('sell');
    expect(() => strategy.generateSignal([100, 101])).toThrow(/needs timestamps/);
  });

  it('copies target positions across symbols', () => {
    const a = seriesFromCloses(
      'KO',
      Array.from({ length: 10 }, () => 50),
    );
    const b = seriesFromCloses(
      'PG',
      Array.from({ length: 10 }, () => 80),
    );
    const strategy = new MirrorStrategy({
      targets: [
        { date: dayIndexDate(2), symbol: 'KO', targetQuantity: 10 },
        { date: dayIndexDate(2), symbol: 'PG', targetQuantity: -5 },
        { date: dayIndexDate(6), symbol: 'KO', targetQuantity: 4 },
      ],
    });
    expect(strategy.symbols).toEqual(['KO', 'PG']);
    const context = run(strategy, [a, b]);
    expect(context.orders.map((o) => [o.bar, o.symbol, o.side, o.quantity])).toEqual([
      [2, 'KO', 'buy', 10],
      [2, 'PG', 'sell', 5],
      [6, 'KO', 'sell', 6],
    ]);
  });
});

describe('on real AAPL daily bars (2013-2018)', () => {
  it('sma-crossover orders exactly at the crosses of the batch SMAs, alternating buy/sell', async () => {
    const { loadAapl } = await import('../indicators/aapl.js');
    const data = loadAapl();
    const closes = Array.from(data.close);
    const series = seriesFromCloses('AAPL', closes);
    const context = run(new SmaCrossoverStrategy('AAPL', { fast: 20, slow: 50 }), [series]);
    const expected = crosses(closes, 20, 50);
    const expectedOrders = [
      ...expected.up.map((bar) => [bar, 'buy']),
      ...expected.down.map((bar) => [bar, 'sell']),
    ]
      .sort((a, b) => (a[0] as number) - (b[0] as number))
      // Long-only: a down-cross before any up-cross has nothing to sell.
      .filter((order, i, all) => !(i === 0 && order[1] === 'sell' && all.length > 0));
    expect(expectedOrders.length).toBeGreaterThan(10);
    expect(context.orders.map((o) => [o.bar, o.side])).toEqual(expectedOrders);
  });
});
