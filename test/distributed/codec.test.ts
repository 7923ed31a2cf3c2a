import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarSeries } from '../../src/core/bars.js';
import {
  decodeSeries,
  decodeTrial,
  encodeSeries,
  encodeTrial,
  sha256Hex,
} from '../../src/distributed/codec.js';
import { jobId, splitJobId, taskKey } from '../../src/distributed/sweep.js';
import { exactText } from './helpers.js';

function series(symbol: string, closes: number[], start = Date.UTC(2020, 0, 1)): BarSeries {
  const n = closes.length;
  const timestamps = Float64Array.from({ length: n }, (_, i) => start + i * 86_400_000);
  const close = Float64Array.from(closes);
  return new BarSeries(symbol, '1Day', {
    timestamps,
    open: close.map((c) => c * 0.99),
    high: close.map((c) => c * 1.01),
    low: close.map((c) => c * 0.98),
    close,
    volume: close.map((_, i) => i * 10),
  });
}

describe('bar data blob', () => {
  it('round-trips every column bit for bit, named by its SHA-256', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.boolean(),
        (closes, two) => {
          const input = two
            ? [
                series('AAA', closes),
                series(
                  'BBB',
                  closes.map((c) => c * 2),
                ),
              ]
            : [series('AAA', closes)];
          const { blob, sha256 } = encodeSeries(input);
          const decoded = decodeSeries(blob, sha256);
          expect(decoded.map((s) => s.symbol)).toEqual(input.map((s) => s.symbol));
          for (let i = 0; i < input.length; i++) {
            for (const name of ['timestamps', 'open', 'high', 'low', 'close', 'volume'] as const) {
              expect(
                Buffer.from(
                  decoded[i].columns[name].buffer,
                  decoded[i].columns[name].byteOffset,
                  decoded[i].columns[name].byteLength,
                ),
              ).toEqual(
                Buffer.from(input[i][name].buffer, input[i][name].byteOffset, input[i][name].byteLength),
              );
              expect(decoded[i].columns[name].buffer).toBeInstanceOf(SharedArrayBuffer);
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses a blob whose bytes do not match its name, or that is not a bar blob', () => {
    const { blob, sha256 } = encodeSeries([series('AAA', [1, 2, 3])]);
    const damaged = Buffer.from(blob);
    damaged[damaged.length - 1] ^= 1;
    expect(() => decodeSeries(damaged, sha256)).toThrow(/SHA-256 does not match/);
    const other = Buffer.from('not bars');
    const otherSha = sha256Hex(other);
    expect(() => decodeSeries(other, otherSha)).toThrow(/not a neural-trader bar blob/);
  });
});

describe('trial results', () => {
  it('keep NaN, infinities, -0, property order and equity curves exactly', () => {
    const trial = {
      params: { fast: 5, mode: 'x', short: true },
      metrics: {
        sharpeRatio: Number.NaN,
        profitFactor: Number.POSITIVE_INFINITY,
        totalReturn: -0,
        nested: { a: 1 },
      },
      finalEquity: 100_000.123456789,
      equity: Float64Array.from([1, Number.NaN, -0, 1.5]),
      timestamps: Float64Array.from([1, 2, 3, 4]),
    };
    const back = decodeTrial(encodeTrial(trial as never), 'k');
    expect(exactText(back)).toBe(exactText(trial));
    expect(Object.keys(back.metrics ?? {})).toEqual(Object.keys(trial.metrics));
  });

  it('refuses bytes that are not a trial, naming the task', () => {
    expect(() => decodeTrial(Buffer.from('garbage'), 'abc')).toThrow(/trial abc is not a trial result/);
    expect(() => decodeTrial(encodeTrial({ params: { a: {} } } as never), 'abc')).toThrow(/trial abc/);
  });
});

describe('trial names', () => {
  it('depend on the parameters and the window, not on the order parameters were written in', () => {
    const a = taskKey({ params: { fast: 5, slow: 50 }, from: 0, to: 100 });
    expect(taskKey({ params: { slow: 50, fast: 5 }, from: 0, to: 100 })).toBe(a);
    expect(taskKey({ params: { fast: 5, slow: 50 }, from: 0, to: 101 })).not.toBe(a);
    expect(taskKey({ params: { fast: 5, slow: 50 }, from: 0, to: 100, keepEquity: true })).not.toBe(a);
    expect(taskKey({ params: { fast: '5', slow: 50 }, from: 0, to: 100 })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });

  it('make job ids of sweep id + parameter hash that split back', () => {
    const key = taskKey({ params: { fast: 5 }, from: 0, to: 10 });
    const id = jobId('sw-0123456789ab', key);
    expect(id).not.toContain(':');
    expect(splitJobId(id)).toEqual({ sweepId: 'sw-0123456789ab', key });
    expect(splitJobId('other-job')).toBeUndefined();
  });
});
