import { describe, expect, it } from 'vitest';
import { driftForecast, randomWalkForecast, seasonalNaiveForecast } from '../../src/neural/baselines.js';
import { scoreAgainstBaselines } from '../../src/neural/evaluate.js';
import {
  dieboldMariano,
  directionalAccuracy,
  forecastMetrics,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanAbsoluteScaledError,
  naiveScale,
  normalCdf,
  rootMeanSquaredError,
  symmetricMape,
} from '../../src/neural/metrics.js';
import { Scaler } from '../../src/neural/scaler.js';
import { fromTargetSpace, toTargetSpace } from '../../src/neural/target.js';
import { minimumTrainingLength, splitWindows } from '../../src/neural/windows.js';

const actual = [100, 102, 98, 105];
const forecast = [101, 100, 98, 110];

describe('forecast metrics on hand-computed values', () => {
  it('MAE, RMSE, MAPE, sMAPE, MASE', () => {
    // errors 1, 2, 0, 5
    expect(meanAbsoluteError(actual, forecast)).toBeCloseTo(2, 12);
    expect(rootMeanSquaredError(actual, forecast)).toBeCloseTo(Math.sqrt((1 + 4 + 0 + 25) / 4), 12);
    expect(meanAbsolutePercentageError(actual, forecast)).toBeCloseTo(
      (100 * (1 / 100 + 2 / 102 + 0 + 5 / 105)) / 4,
      10,
    );
    expect(symmetricMape(actual, forecast)).toBeCloseTo(
      (100 * (1 / 100.5 + 2 / 101 + 0 + 5 / 107.5)) / 4,
      10,
    );
    // naive one-step in-sample MAE of [100,102,98,105] = (2 + 4 + 7) / 3
    expect(naiveScale(actual)).toBeCloseTo(13 / 3, 12);
    expect(meanAbsoluteScaledError(actual, forecast, 13 / 3)).toBeCloseTo(2 / (13 / 3), 12);
    expect(naiveScale([1, 2, 3, 5, 8], 2)).toBeCloseTo((2 + 3 + 5) / 3, 12);
  });

  it('MAPE skips zero actuals; sMAPE counts 0/0 as 0', () => {
    expect(meanAbsolutePercentageError([0, 10], [1, 11])).toBeCloseTo(10, 12);
    expect(symmetricMape([0, 10], [0, 10])).toBe(0);
  });

  it('directional accuracy ignores flat moves and is null without predicted moves', () => {
    const origin = [10, 10, 10, 10];
    expect(directionalAccuracy(origin, [11, 9, 12, 10], [12, 11, 10.5, 11])).toBeCloseTo(2 / 3, 12);
    expect(directionalAccuracy(origin, [11, 9, 12, 10], origin)).toBeNull();
  });

  it('forecastMetrics scores multi-horizon paths and direction on the final step', () => {
    const m = forecastMetrics(
      Float64Array.of(1, 2, 3, 4),
      Float64Array.of(1, 3, 3, 3),
      Float64Array.of(0, 5),
      2,
      1,
    );
    expect(m.mae).toBeCloseTo(0.5, 12);
    expect(m.points).toBe(4);
    // origin 0 -> final actual 2, forecast 3 (both up); origin 5 -> final actual 4, forecast 3 (both down)
    expect(m.directionalAccuracy).toBe(1);
  });
});

describe('Diebold-Mariano test', () => {
  it('matches a hand computation (lag 0) and the normal CDF', () => {
    // d = [-1, 0, 1, 2], mean 0.5, variance 1.25 -> statistic 0.5 / sqrt(1.25 / 4)
    const dm = dieboldMariano([1, 2, 3, 4], [2, 2, 2, 2], 0);
    expect(dm.statistic).toBeCloseTo(0.5 / Math.sqrt(1.25 / 4), 12);
    expect(dm.pValue).toBeCloseTo(2 * (1 - normalCdf(dm.statistic)), 12);
    expect(dm.pValue).toBeCloseTo(0.3711, 3);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });

  it('uses Newey-West weights for lags', () => {
    const a = [3, 1, 4, 1, 5, 9, 2, 6];
    const b = [2, 7, 1, 8, 2, 8, 1, 8];
    const d = a.map((v, i) => v - b[i]);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const gamma = (k: number) => d.slice(k).reduce((s, v, i) => s + (v - mean) * (d[i] - mean), 0) / d.length;
    const variance = gamma(0) + 2 * (2 / 3) * gamma(1) + 2 * (1 / 3) * gamma(2);
    expect(dieboldMariano(a, b, 2).statistic).toBeCloseTo(mean / Math.sqrt(variance / d.length), 12);
  });
});

describe('naive baselines', () => {
  const values = [10, 11, 12, 14, 13, 15, 16];
  it('random walk repeats the last value', () => {
    const out = new Float64Array(3);
    randomWalkForecast(values, 4, 3, out);
    expect([...out]).toEqual([13, 13, 13]);
  });
  it('drift extends the average change since the start', () => {
    const out = new Float64Array(2);
    driftForecast(values, 4, 2, out);
    expect([...out]).toEqual([13 + 0.75, 13 + 1.5]);
  });
  it('seasonal naive repeats the last season', () => {
    const out = new Float64Array(4);
    seasonalNaiveForecast(values, 6, 4, out, 3);
    expect([...out]).toEqual([13, 15, 16, 13]);
  });
  it('a perfect forecaster beats every baseline and the report says so', () => {
    const series = Float64Array.from({ length: 40 }, (_, i) => 100 + i * i * 0.1);
    const origins = Int32Array.from({ length: 30 }, (_, k) => 5 + k);
    const perfect = new Float64Array(origins.length * 2);
    origins.forEach((t, k) => {
      perfect[k * 2] = series[t + 1];
      perfect[k * 2 + 1] = series[t + 2];
    });
    const report = scoreAgainstBaselines(series, origins, 2, perfect, 1);
    expect(report.model.mae).toBe(0);
    expect(report.verdicts.every((v) => v.beatOnMae)).toBe(true);
    expect(report.summary[0]).toMatch(/^beat random-walk: YES \(MAE 0\.000 vs .*, significant, DM p<0\.001/);
    expect(report.verdicts[0].significant).toBe(true);
    // And the random walk forecast itself cannot beat the random walk.
    const rw = new Float64Array(origins.length * 2);
    origins.forEach((t, k) => {
      rw.fill(series[t], k * 2, k * 2 + 2);
    });
    const self = scoreAgainstBaselines(series, origins, 2, rw, 1);
    expect(self.verdicts[0].beatOnMae).toBe(false);
    expect(self.summary[0]).toMatch(/^beat random-walk: NO/);
  });
});

describe('scaler, targets and windows', () => {
  it('standard and min-max scalers invert exactly', () => {
    const s = Scaler.fit([1, 2, 3, 4], 'standard');
    expect(s.center).toBe(2.5);
    expect(s.scale).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(s.inverse(s.transform(7))).toBeCloseTo(7, 12);
    const m = Scaler.fit([5, 1, 3], 'minmax');
    expect([m.center, m.scale]).toEqual([1, 4]);
  });

  it('log-return targets round-trip to prices', () => {
    const prices = Float64Array.of(100, 101, 99, 102);
    const z = toTargetSpace(prices, 'log-return');
    expect(z.length).toBe(3);
    const path = fromTargetSpace(z, 100, 'log-return');
    expect(path[2]).toBeCloseTo(102, 10);
    expect(fromTargetSpace(toTargetSpace(prices, 'return'), 100, 'return')[2]).toBeCloseTo(102, 10);
  });

  it('splits by time: training horizons end before the split, validation horizons start at it', () => {
    const split = splitWindows(100, 10, 5, 0.2);
    expect(split.splitIndex).toBe(80);
    const lastTrain = split.trainStarts[split.trainStarts.length - 1];
    expect(lastTrain + 10 + 5).toBe(80);
    expect(split.validationStarts[0] + 10).toBe(80);
    expect(split.validationStarts[split.validationStarts.length - 1] + 15).toBe(100);
    expect(minimumTrainingLength(10, 5, 0.2)).toBeGreaterThan(15);
  });
});
