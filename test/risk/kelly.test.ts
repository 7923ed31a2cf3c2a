import { describe, expect, it } from 'vitest';
import {
  calculatePositionSize,
  kellyCriterion,
  kellyCriterionBinary,
  kellyCriterionContinuous,
  kellyCriterionMultiAsset,
} from '../../src/risk/index.js';

describe('Kelly', () => {
  it('binary bet: f* = p - q/b', () => {
    // p = 0.55 at even money (decimal 2.0): f* = 0.55 - 0.45 = 0.10.
    const r = kellyCriterionBinary({ winProbability: 0.55, decimalOdds: 2 });
    expect(r.fullKelly).toBeCloseTo(0.1, 14);
    expect(r.edge).toBeCloseTo(0.1, 14);
    expect(r.growthRate).toBeCloseTo(0.55 * Math.log(1.1) + 0.45 * Math.log(0.9), 14);
    // p = 0.4, b = 2 (decimal 3): 0.4 - 0.6 / 2 = 0.1; half Kelly 0.05.
    expect(kellyCriterionBinary({ winProbability: 0.4, netOdds: 2, fraction: 0.5 }).stake).toBeCloseTo(
      0.05,
      14,
    );
    expect(kellyCriterion(0.4, 3)).toBeCloseTo(0.1, 14);
    // No edge: never a negative stake.
    expect(kellyCriterionBinary({ winProbability: 0.3, decimalOdds: 2 }).stake).toBe(0);
  });

  it('full Kelly maximises expected log growth', () => {
    const f = kellyCriterionBinary({ winProbability: 0.6, decimalOdds: 2.2 }).fullKelly;
    const g = (x: number) => 0.6 * Math.log(1 + 1.2 * x) + 0.4 * Math.log(1 - x);
    expect(g(f)).toBeGreaterThan(g(f + 0.01));
    expect(g(f)).toBeGreaterThan(g(f - 0.01));
  });

  it('continuous: (mu - r) / sigma^2', () => {
    expect(kellyCriterionContinuous(0.08, 0.2)).toBeCloseTo(2, 14);
    expect(kellyCriterionContinuous(0.08, 0.2, 0.03, 0.5)).toBeCloseTo(0.625, 14);
  });

  it('multi-asset: Sigma^-1 (mu - r), then per-asset and gross caps', () => {
    const cov = [
      [0.04, 0.01],
      [0.01, 0.09],
    ];
    const r = kellyCriterionMultiAsset([0.06, 0.05], cov, { riskFreeRate: 0.01 });
    // Inverse of [[0.04,0.01],[0.01,0.09]] = [[0.09,-0.01],[-0.01,0.04]] / 0.0035.
    expect(r.unconstrained[0]).toBeCloseTo((0.09 * 0.05 - 0.01 * 0.04) / 0.0035, 10);
    expect(r.unconstrained[1]).toBeCloseTo((-0.01 * 0.05 + 0.04 * 0.04) / 0.0035, 10);
    const capped = kellyCriterionMultiAsset([0.06, 0.05], cov, {
      riskFreeRate: 0.01,
      maxWeight: 0.5,
      maxGrossLeverage: 0.8,
    });
    // Unconstrained (1.1714, 0.3143): w0 capped to 0.5, then gross 0.8143 scaled to 0.8.
    const w1 = 0.0011 / 0.0035;
    expect(capped.weights[0]).toBeCloseTo((0.5 * 0.8) / (0.5 + w1), 12);
    expect(capped.weights[1]).toBeCloseTo((w1 * 0.8) / (0.5 + w1), 12);
    expect(capped.grossLeverage).toBeCloseTo(0.8, 12);
    expect(capped.binding).toEqual(['maxWeight', 'maxGrossLeverage']);
  });

  it('rejects impossible inputs by name', () => {
    expect(() => kellyCriterionBinary({ winProbability: 1.2, decimalOdds: 2 })).toThrow(/winProbability/);
    expect(() => kellyCriterionBinary({ winProbability: 0.5, decimalOdds: 1 })).toThrow(
      /decimal odds must be > 1/,
    );
    expect(() => kellyCriterionBinary({ winProbability: 0.5, decimalOdds: 2, fraction: 2 })).toThrow(
      /fraction/,
    );
    expect(() =>
      kellyCriterionMultiAsset(
        [0.1, 0.1],
        [
          [1, 1],
          [1, 1],
        ],
      ),
    ).toThrow(/not positive definite/);
  });
});

describe('calculatePositionSize', () => {
  it('risk amount / per-share risk', () => {
    // Risk 2% of 100,000 = 2,000 with a $2.50 stop distance: 800 shares.
    expect(calculatePositionSize(100_000, 0.02, 2.5)).toBe(800);
    // Entry 50, stop price 47: 3 per share -> floor(2000 / 3) = 666.
    expect(calculatePositionSize(100_000, 0.02, 47, 50)).toBe(666);
    expect(calculatePositionSize(100_000, 0.02, 47, 50, false)).toBeCloseTo(666.6667, 4);
    // A short: stop above entry.
    expect(calculatePositionSize(50_000, 0.01, 105, 100)).toBe(100);
  });

  it('names bad inputs', () => {
    expect(() => calculatePositionSize(100_000, 2, 2.5)).toThrow(/riskPercent must be a fraction/);
    expect(() => calculatePositionSize(100_000, 0.02, 0)).toThrow(/stopLoss/);
    expect(() => calculatePositionSize(100_000, 0.02, 50, 50)).toThrow(/must differ/);
    expect(() => calculatePositionSize(-1, 0.02, 1)).toThrow(/accountValue/);
  });
});
