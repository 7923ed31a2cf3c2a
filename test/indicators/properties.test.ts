import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  Adx,
  Atr,
  adx,
  atr,
  BollingerBands,
  bollingerBands,
  DonchianChannel,
  donchian,
  Ema,
  ema,
  Macd,
  macd,
  Obv,
  obv,
  Roc,
  RollingOls,
  RollingStd,
  RollingVwap,
  Rsi,
  roc,
  rollingOls,
  rollingStd,
  rollingVwap,
  rsi,
  Sma,
  Stochastic,
  sma,
  stochastic,
  Vwap,
  vwap,
  Wma,
  wma,
  ZScore,
  zScore,
} from '../../src/indicators/index.js';
import { expectClose } from './aapl.js';

/** Bars with high >= max(open, close) >= min(open, close) >= low, prices in a realistic band. */
const barsArb = fc
  .array(
    fc.record({
      close: fc.double({ min: 10, max: 200, noNaN: true }),
      up: fc.double({ min: 0, max: 5, noNaN: true }),
      down: fc.double({ min: 0, max: 5, noNaN: true }),
      volume: fc.oneof(fc.constant(0), fc.double({ min: 1, max: 1e7, noNaN: true })),
    }),
    { minLength: 0, maxLength: 120 },
  )
  .map((rows) => ({
    close: Float64Array.from(rows, (r) => r.close),
    high: Float64Array.from(rows, (r) => r.close + r.up),
    low: Float64Array.from(rows, (r) => r.close - r.down),
    volume: Float64Array.from(rows, (r) => r.volume),
  }));
const periodArb = fc.integer({ min: 1, max: 30 });

function sameSeries(a: ArrayLike<number>, b: ArrayLike<number>, label: string): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
      if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) throw new Error(`${label}[${i}]: ${a[i]} vs ${b[i]}`);
    } else expectClose(a[i], b[i], `${label}[${i}]`, 1e-9);
  }
}

/** Run a streaming indicator twice (the second time after reset) and check it equals the batch form. */
function streamTwice(n: number, step: (i: number) => number, reset: () => void): Float64Array[] {
  const runs: Float64Array[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = step(i);
    runs.push(out);
    reset();
  }
  return runs;
}

describe('streaming == batch (fast-check), and reset() starts over', () => {
  it('single-input indicators', () => {
    fc.assert(
      fc.property(barsArb, periodArb, ({ close }, period) => {
        const n = close.length;
        const cases: [string, { update(x: number): number; reset(): void }, Float64Array][] = [
          ['sma', new Sma(period), sma(close, period)],
          ['ema', new Ema(period), ema(close, period)],
          ['wma', new Wma(period), wma(close, period)],
          ['rsi', new Rsi(period), rsi(close, period)],
          ['roc', new Roc(period), roc(close, period)],
          ['std', new RollingStd(period), rollingStd(close, period)],
          ['z', new ZScore(period), zScore(close, period)],
        ];
        for (const [label, indicator, batch] of cases) {
          const [first, second] = streamTwice(
            n,
            (i) => indicator.update(close[i]),
            () => indicator.reset(),
          );
          sameSeries(first, batch, label);
          sameSeries(second, batch, `${label} after reset`);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('multi-output and OHLCV indicators', () => {
    fc.assert(
      fc.property(barsArb, periodArb, ({ close, high, low, volume }, period) => {
        const n = close.length;
        const m = new Macd(Math.max(1, period - 1) === period ? 1 : period - 1, period + 1, 3);
        const mb = macd(close, m.fastPeriod, m.slowPeriod, 3);
        const bb = new BollingerBands(period, 2);
        const bbb = bollingerBands(close, period, 2);
        const st = new Stochastic(period, 3);
        const stb = stochastic(high, low, close, period, 3);
        const ax = new Adx(period);
        const axb = adx(high, low, close, period);
        const at = new Atr(period);
        const dc = new DonchianChannel(period);
        const dcb = donchian(high, low, period);
        const ob = new Obv();
        const vw = new Vwap();
        const rv = new RollingVwap(period);
        const cols = Array.from({ length: 16 }, () => new Float64Array(n));
        for (let i = 0; i < n; i++) {
          cols[0][i] = m.update(close[i]);
          cols[1][i] = m.signal;
          cols[2][i] = bb.update(close[i]);
          cols[3][i] = bb.percentB;
          cols[4][i] = st.update(high[i], low[i], close[i]);
          cols[5][i] = st.d;
          cols[6][i] = ax.update(high[i], low[i], close[i]);
          cols[7][i] = ax.minusDI;
          cols[8][i] = at.update(high[i], low[i], close[i]);
          cols[9][i] = dc.update(high[i], low[i]);
          cols[10][i] = dc.upper;
          cols[11][i] = ob.update(close[i], volume[i]);
          cols[12][i] = vw.update(high[i], low[i], close[i], volume[i]);
          cols[13][i] = rv.update(high[i], low[i], close[i], volume[i]);
        }
        sameSeries(cols[0], mb.macd, 'macd');
        sameSeries(cols[1], mb.signal, 'macd signal');
        sameSeries(cols[2], bbb.middle, 'bb middle');
        sameSeries(cols[3], bbb.percentB, 'bb %b');
        sameSeries(cols[4], stb.k, '%K');
        sameSeries(cols[5], stb.d, '%D');
        sameSeries(cols[6], axb.adx, 'adx');
        sameSeries(cols[7], axb.minusDI, '-DI');
        sameSeries(cols[8], atr(high, low, close, period), 'atr');
        sameSeries(cols[9], dcb.middle, 'donchian middle');
        sameSeries(cols[10], dcb.upper, 'donchian upper');
        sameSeries(cols[11], obv(close, volume), 'obv');
        sameSeries(cols[12], vwap(high, low, close, volume), 'vwap');
        sameSeries(cols[13], rollingVwap(high, low, close, volume, period), 'rolling vwap');
      }),
      { numRuns: 60 },
    );
  });
});

describe('against direct (non-incremental) definitions', () => {
  it('rolling std (population and sample), z-score, Donchian, WMA and rolling VWAP', () => {
    fc.assert(
      fc.property(barsArb, periodArb, ({ close, high, low, volume }, period) => {
        const std0 = rollingStd(close, period);
        const z = zScore(close, period);
        const w = wma(close, period);
        const dc = donchian(high, low, period);
        const rv = rollingVwap(high, low, close, volume, period);
        for (let t = period - 1; t < close.length; t++) {
          const window = Array.from(close.subarray(t - period + 1, t + 1));
          const mean = window.reduce((a, b) => a + b, 0) / period;
          const ss = window.reduce((a, b) => a + (b - mean) ** 2, 0);
          const sd = Math.sqrt(ss / period);
          // Rounding in an incremental variance is relative to the squared price level, so compare
          // variances at that scale (the std itself is then exact wherever it is not ~0).
          expect(Math.abs(std0[t] ** 2 - ss / period)).toBeLessThan(
            1e-12 * period * Math.max(1, mean * mean),
          );
          if (sd > 1e-3) expect(Math.abs(z[t] - (close[t] - mean) / sd)).toBeLessThan(1e-6);
          const weighted = window.reduce((a, b, i) => a + b * (i + 1), 0) / ((period * (period + 1)) / 2);
          expectClose(w[t], weighted, `wma[${t}]`, 1e-10);
          expect(dc.upper[t]).toBe(Math.max(...high.subarray(t - period + 1, t + 1)));
          expect(dc.lower[t]).toBe(Math.min(...low.subarray(t - period + 1, t + 1)));
          let pv = 0;
          let v = 0;
          for (let i = t - period + 1; i <= t; i++) {
            pv += ((high[i] + low[i] + close[i]) / 3) * volume[i];
            v += volume[i];
          }
          if (v > 0) expectClose(rv[t], pv / v, `rolling vwap[${t}]`, 1e-8);
          else expect(Number.isNaN(rv[t])).toBe(true);
        }
        if (period >= 2) {
          const sample = rollingStd(close, period, 1);
          for (let t = period - 1; t < close.length; t++) {
            expectClose(sample[t], std0[t] * Math.sqrt(period / (period - 1)), 'sample', 1e-9);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('rolling OLS matches a two-pass regression on each window', () => {
    const pairArb = fc.array(
      fc.tuple(fc.double({ min: 20, max: 80, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true })),
      { minLength: 2, maxLength: 150 },
    );
    fc.assert(
      fc.property(pairArb, fc.integer({ min: 2, max: 40 }), (rows, period) => {
        const x = Float64Array.from(rows, (r) => r[0]);
        const y = Float64Array.from(rows, (r) => 1.5 * r[0] + 3 + r[1]);
        const result = rollingOls(y, x, period);
        const streaming = new RollingOls(period);
        for (let t = 0; t < x.length; t++) {
          const beta = streaming.update(y[t], x[t]);
          if (t < period - 1) {
            expect(Number.isNaN(beta)).toBe(true);
            continue;
          }
          let mx = 0;
          let my = 0;
          for (let i = t - period + 1; i <= t; i++) {
            mx += x[i] / period;
            my += y[i] / period;
          }
          let sxx = 0;
          let sxy = 0;
          let syy = 0;
          for (let i = t - period + 1; i <= t; i++) {
            sxx += (x[i] - mx) ** 2;
            sxy += (x[i] - mx) * (y[i] - my);
            syy += (y[i] - my) ** 2;
          }
          if (sxx < 1e-6) continue;
          const b = sxy / sxx;
          const a = my - b * mx;
          expect(Math.abs(beta - b)).toBeLessThan(1e-7 * Math.max(1, Math.abs(b)));
          expect(Math.abs(result.alpha[t] - a)).toBeLessThan(1e-5 * Math.max(1, Math.abs(a)));
          const residual = y[t] - a - b * x[t];
          const residualStd = Math.sqrt(Math.max(0, syy - b * sxy) / period);
          expect(Math.abs(result.residual[t] - residual)).toBeLessThan(1e-6);
          if (residualStd > 1e-3)
            expect(Math.abs(result.zScore[t] - residual / residualStd)).toBeLessThan(1e-5);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('rolling std stays exact over a long stream (drift is resynchronised)', () => {
    const indicator = new RollingStd(10);
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 200_000; i++) indicator.update(10_000 + next() * 100);
    // A flat stretch: the true std is 0 and must come out as (almost) exactly 0.
    for (let i = 0; i < 10; i++) indicator.update(10_000.5);
    expect(indicator.value).toBeLessThan(1e-6);
    expect(indicator.mean).toBeCloseTo(10_000.5, 9);
  });
});

describe('hand-computed values and edge conventions', () => {
  it('SMA/EMA/WMA on 1..5', () => {
    const values = Float64Array.of(1, 2, 3, 4, 5);
    expect(Array.from(sma(values, 3))).toEqual([Number.NaN, Number.NaN, 2, 3, 4]);
    // EMA(3): seed SMA(1,2,3) = 2, alpha 0.5: 3, 4.
    expect(Array.from(ema(values, 3))).toEqual([Number.NaN, Number.NaN, 2, 3, 4]);
    // WMA(3) at 3: (1*1 + 2*2 + 3*3)/6 = 14/6.
    expect(wma(values, 3)[2]).toBeCloseTo(14 / 6, 12);
  });

  it('RSI is 100 with no losses and 50 when nothing moved', () => {
    expect(rsi(Float64Array.of(1, 2, 3, 4), 3)[3]).toBe(100);
    expect(rsi(Float64Array.of(5, 5, 5, 5), 3)[3]).toBe(50);
    expect(rsi(Float64Array.of(4, 3, 2, 1), 3)[3]).toBe(0);
  });

  it('Stochastic %K is 50 on a flat window; %b is 0.5 when the bands collapse', () => {
    const flat = Float64Array.of(7, 7, 7);
    expect(stochastic(flat, flat, flat, 3, 1).k[2]).toBe(50);
    expect(bollingerBands(flat, 3, 2).percentB[2]).toBe(0.5);
  });

  it('OBV and VWAP by hand', () => {
    const close = Float64Array.of(10, 11, 11, 9);
    const volume = Float64Array.of(100, 200, 300, 400);
    expect(Array.from(obv(close, volume))).toEqual([0, 200, 200, -200]);
    // Cumulative VWAP with high = low = close: (10*100 + 11*200) / 300.
    expect(vwap(close, close, close, volume)[1]).toBeCloseTo(3200 / 300, 12);
    expect(Number.isNaN(vwap(close, close, close, new Float64Array(4))[3])).toBe(true);
  });

  it('ATR by hand: first value is the mean of the true ranges of bars 1..period', () => {
    const high = Float64Array.of(10, 12, 11, 13);
    const low = Float64Array.of(9, 10, 9, 11);
    const close = Float64Array.of(9.5, 11, 10, 12);
    // TR1 = max(2, 2.5, 0.5) = 2.5; TR2 = max(2, 0, 2) = 2; TR3 = max(2, 3, 1) = 3.
    const out = atr(high, low, close, 2);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(out[2]).toBeCloseTo(2.25, 12);
    expect(out[3]).toBeCloseTo((2.25 * 1 + 3) / 2, 12);
  });

  it('ROC and Donchian by hand', () => {
    expect(roc(Float64Array.of(100, 110, 121), 2)[2]).toBeCloseTo(0.21, 12);
    const d = donchian(Float64Array.of(5, 9, 4, 6), Float64Array.of(1, 3, 2, 4), 2);
    expect(Array.from(d.upper)).toEqual([Number.NaN, 9, 9, 6]);
    expect(Array.from(d.lower)).toEqual([Number.NaN, 1, 2, 2]);
  });

  it('rolling OLS recovers an exact line and its z-score is 0 there', () => {
    const x = Float64Array.of(1, 2, 3, 4, 5, 6);
    const y = x.map((v) => 2 * v + 1);
    const r = rollingOls(y, x, 4);
    expect(r.beta[5]).toBeCloseTo(2, 12);
    expect(r.alpha[5]).toBeCloseTo(1, 12);
    expect(r.zScore[5]).toBe(0);
  });

  it('rejects bad periods with a ValidationError naming the parameter', () => {
    expect(() => new Sma(0)).toThrow(ValidationError);
    expect(() => new Sma(2.5)).toThrow(/period must be a whole number >= 1, got 2.5/);
    expect(() => new RollingOls(1)).toThrow(/period must be a whole number >= 2/);
    expect(() => new Macd(26, 12, 9)).toThrow(/fastPeriod \(26\) must be less than slowPeriod \(12\)/);
    expect(() => rollingStd(new Float64Array(3), 1, 1)).toThrow(
      /sample standard deviation needs period >= 2/,
    );
    expect(() => donchian(new Float64Array(3), new Float64Array(2), 2)).toThrow(/different lengths/);
  });
});
