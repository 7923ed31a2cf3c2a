import { describe, expect, it } from 'vitest';
import { inverseNormalCdf, normalCdf } from '../../src/core/normal.js';

describe('standard normal', () => {
  it('inverse CDF matches known quantiles to ~1e-13', () => {
    const known: [number, number][] = [
      [0.95, 1.6448536269514722],
      [0.975, 1.959963984540054],
      [0.99, 2.3263478740408408],
      [0.999, 3.090232306167813],
      [0.5, 0],
      [0.05, -1.6448536269514729],
      [0.01, -2.3263478740408408],
      [1e-6, -4.753424308822899],
    ];
    for (const [p, z] of known) expect(inverseNormalCdf(p)).toBeCloseTo(z, 12);
  });

  it('CDF matches known values and inverts the quantile', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
    expect(normalCdf(-5) / 2.866515718791939e-7).toBeCloseTo(1, 10);
    for (const p of [1e-9, 0.001, 0.2, 0.6, 0.9999])
      expect(normalCdf(inverseNormalCdf(p)) / p).toBeCloseTo(1, 11);
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(inverseNormalCdf(1.5)).toBeNaN();
    expect(inverseNormalCdf(0)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('NormalSampler (Ziggurat)', () => {
  it('is seeded and reproduces N(0, 1): moments and tail probabilities within sampling error', async () => {
    const { NormalSampler } = await import('../../src/risk/normal-sampler.js');
    const n = 1_000_000;
    const draws = new NormalSampler(3).fill(new Float64Array(n));
    expect(new NormalSampler(3).fill(new Float64Array(10))).toEqual(draws.subarray(0, 10));
    expect(new NormalSampler(4).fill(new Float64Array(10))).not.toEqual(draws.subarray(0, 10));
    let mean = 0;
    for (const x of draws) mean += x;
    mean /= n;
    let variance = 0;
    for (const x of draws) variance += (x - mean) ** 2;
    variance /= n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    for (const q of [-3.5, -2.326, -1.645, -0.5, 0, 1, 2.5]) {
      let below = 0;
      for (const x of draws) if (x < q) below++;
      const p = normalCdf(q);
      // 5 standard errors of a binomial proportion.
      expect(Math.abs(below / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
  });
});
