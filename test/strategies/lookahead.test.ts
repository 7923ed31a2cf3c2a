import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../../src/core/bars.js';
import { createStrategy, type SignalGenerator } from '../../src/strategies/index.js';
import { dayIndexDate, run, seriesFromCloses } from './harness.js';

/** A positive price path from log-returns, with volumes. */
const pathArb = fc
  .array(fc.tuple(fc.double({ min: -0.05, max: 0.05, noNaN: true }), fc.integer({ min: 1e5, max: 5e6 })), {
    minLength: 40,
    maxLength: 90,
  })
  .map((steps) => {
    const closes: number[] = [];
    let price = 100;
    for (const [r] of steps) {
      price *= Math.exp(r);
      closes.push(price);
    }
    return { closes, volumes: steps.map(([, v]) => v) };
  });

const SINGLE: [string, Record<string, unknown>][] = [
  ['sma-crossover', { fast: 3, slow: 8, allowShort: true }],
  ['momentum', { lookback: 5, threshold: 0.01, allowShort: true }],
  [
    'enhanced-momentum',
    { lookback: 5, threshold: 0.01, volatilityLookback: 5, volumeLookback: 5, maxVolatility: 3 },
  ],
  ['mean-reversion', { period: 8, k: 1, allowShort: true }],
  ['mean-reversion', { mode: 'zscore', period: 8, k: 1.2, exitZ: 0.3 }],
  [
    'ensemble',
    {
      members: [
        { name: 'sma-crossover', params: { fast: 3, slow: 8 } },
        { name: 'momentum', params: { lookback: 4, threshold: 0 }, weight: 2 },
      ],
      threshold: 0.2,
      allowShort: true,
    },
  ],
];

function alterAfter(closes: number[], t: number, factors: number[]): number[] {
  return closes.map((c, i) => (i > t ? c * factors[i % factors.length] : c));
}

describe('no look-ahead: decisions up to bar t do not change when later bars change', () => {
  it.each(SINGLE)('%s %j', (name, params) => {
    fc.assert(
      fc.property(
        pathArb,
        fc.nat(),
        fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 1, maxLength: 7 }),
        ({ closes, volumes }, tSeed, factors) => {
          const t = tSeed % closes.length;
          const original = run(createStrategy(name, { ...params, symbols: ['X'] }), [
            seriesFromCloses('X', closes, volumes),
          ]);
          const altered = run(createStrategy(name, { ...params, symbols: ['X'] }), [
            seriesFromCloses(
              'X',
              alterAfter(closes, t, factors),
              volumes.map((v, i) => (i > t ? v * 3 : v)),
            ),
          ]);
          expect(altered.orders.filter((o) => o.bar <= t)).toEqual(original.orders.filter((o) => o.bar <= t));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('pairs', () => {
    fc.assert(
      fc.property(pathArb, pathArb, fc.nat(), ({ closes: a }, { closes: b }, tSeed) => {
        const n = Math.min(a.length, b.length);
        const y = a.slice(0, n).map((v, i) => v + 0.5 * b[i]);
        const x = b.slice(0, n);
        const t = tSeed % n;
        const make = () =>
          createStrategy('pairs', {
            symbols: ['Y', 'X'],
            lookback: 10,
            entryThreshold: 1,
            exitThreshold: 0.2,
          });
        const original = run(make(), [seriesFromCloses('Y', y), seriesFromCloses('X', x)]);
        const altered = run(make(), [
          seriesFromCloses(
            'Y',
            y.map((v, i) => (i > t ? v * 1.7 : v)),
          ),
          seriesFromCloses(
            'X',
            x.map((v, i) => (i > t ? v * 0.6 : v)),
          ),
        ]);
        expect(altered.orders.filter((o) => o.bar <= t)).toEqual(original.orders.filter((o) => o.bar <= t));
      }),
      { numRuns: 40 },
    );
  });

  it('mirror', () => {
    const closes = Array.from({ length: 30 }, (_, i) => 100 + i);
    const make = () =>
      createStrategy('mirror', {
        trades: [
          { date: dayIndexDate(5), symbol: 'X', side: 'buy', quantity: 10 },
          { date: dayIndexDate(20), symbol: 'X', side: 'sell', quantity: 10 },
        ],
        delayBars: 1,
      });
    const original = run(make(), [seriesFromCloses('X', closes)]);
    const altered = run(make(), [seriesFromCloses('X', alterAfter(closes, 10, [3]))]);
    expect(altered.orders.filter((o) => o.bar <= 10)).toEqual(original.orders.filter((o) => o.bar <= 10));
    expect(original.orders.map((o) => o.bar)).toEqual([6, 21]);
  });
});

describe('generateSignal agrees with what onBar orders', () => {
  it.each(SINGLE.filter(([name]) => name !== 'enhanced-momentum'))('%s %j', (name, params) => {
    fc.assert(
      fc.property(pathArb, ({ closes, volumes }) => {
        const series: BarSeries = seriesFromCloses('X', closes, volumes);
        const strategy = createStrategy(name, { ...params, symbols: ['X'] });
        const context = run(strategy, [series]);
        const signals = strategy as unknown as SignalGenerator;
        for (let t = 0; t < closes.length; t++) {
          const ordered = context.orders.find((o) => o.bar === t)?.side ?? 'hold';
          expect(signals.generateSignal(series.slice(0, t + 1))).toBe(ordered);
        }
      }),
      { numRuns: 15 },
    );
  });
});
