import { beforeAll, describe, expect, it } from 'vitest';
import { BarSeries } from '../../src/core/bars.js';
import { Random } from '../../src/core/random.js';
import { initNeuralBackend } from '../../src/neural/backend.js';
import { NHiTS } from '../../src/neural/models.js';
import { evaluationRecord } from '../../src/neural/registry.js';

beforeAll(async () => {
  await initNeuralBackend();
});

function walk(symbol: string, length: number, seed: number, start: number, vol: number): BarSeries {
  const rng = new Random(seed);
  const closes = new Float64Array(length);
  let price = start;
  for (let i = 0; i < length; i++) {
    price *= Math.exp(vol * rng.normal());
    closes[i] = price;
  }
  const timestamps = Float64Array.from({ length }, (_, i) => Date.UTC(2020, 0, 1) + i * 86_400_000);
  return BarSeries.fromCloses(symbol, '1d', timestamps, closes);
}

/** One-step naive MAE, written out independently. */
function naiveMae(values: ArrayLike<number>, upTo: number): number {
  let sum = 0;
  for (let i = 1; i <= upTo; i++) sum += Math.abs(values[i] - values[i - 1]);
  return sum / upTo;
}

describe('evaluation scores say what they measured', () => {
  const index = walk('INDEX', 400, 1, 3000, 0.01);
  const stock = walk('STOCK', 400, 2, 40, 0.02);
  let model: NHiTS;
  let result: Awaited<ReturnType<NHiTS['train']>>;

  beforeAll(async () => {
    model = new NHiTS({ inputSize: 10, horizon: 2, hiddenSize: 16, seed: 1 });
    result = await model.train(index.slice(0, 300), { epochs: 12, patience: 3, learningRate: 3e-3 });
  });

  it('finalLoss is the training loss of the restored best epoch', () => {
    expect(model.trainingInfo?.bestEpoch).toBe(result.bestEpoch);
    expect(model.trainingInfo?.finalLoss).toBe(result.lossHistory[result.bestEpoch - 1]);
    if (result.bestEpoch < result.epochsRun)
      expect(model.trainingInfo?.finalLoss).not.toBe(result.lossHistory.at(-1));
  });

  it('the seasonal-naive season comes from the timestamps (7 for bars on every day) and is reported', () => {
    const measured = model.evaluate(index, { firstOrigin: 299 });
    expect(measured.season.bars).toBe(7);
    expect(measured.season.basis).toContain('one week of crypto daily bars');
    expect(measured.summary.some((line) => line.includes('seasonal-naive (season 7 bars'))).toBe(true);
    const given7 = model.evaluate(index, { firstOrigin: 299, season: 7 });
    expect(given7.baselines['seasonal-naive']).toEqual(measured.baselines['seasonal-naive']);
    const given5 = model.evaluate(index, { firstOrigin: 299, season: 5 });
    expect(given5.season).toEqual({ bars: 5, basis: '5 bars (given)' });
    expect(given5.baselines['seasonal-naive'].mae).not.toBe(measured.baselines['seasonal-naive'].mae);
    const raw = model.evaluate(index.close, { firstOrigin: 299 });
    expect(raw.season.bars).toBe(5);
  });

  it('on the training symbol: MASE scaled by the training series, no warning, stored as holdout', () => {
    const report = model.evaluate(index, { firstOrigin: 299 });
    expect(report.offSymbol).toBe(false);
    expect(report.warnings).toEqual([]);
    expect(report.scale.source).toBe('training-series');
    expect(report.scale.value).toBe(model.trainingInfo?.naiveScale);
    expect(report.symbol).toBe('INDEX');
    const record = evaluationRecord(report);
    expect(record.key).toBe('holdout');
    expect(record.value).toMatchObject({ symbol: 'INDEX', trainedOn: 'INDEX', period: report.period });
  });

  it("off-symbol: MASE scaled by the evaluated series' own moves, a warning, stored apart from holdout", () => {
    const report = model.evaluate(stock, { firstOrigin: 299 });
    expect(report.offSymbol).toBe(true);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/trained on INDEX and is evaluated on STOCK/);
    expect(report.scale.source).toBe('evaluated-series');
    expect(report.scale.value).toBeCloseTo(naiveMae(stock.close, 299), 12);
    expect(report.model.mase).toBeCloseTo(report.model.mae / naiveMae(stock.close, 299), 10);
    // The index's scale (moves of ~30 points) would have made the stock's MASE ~0.02: meaningless.
    expect(report.model.mase).toBeGreaterThan(0.5);
    const record = evaluationRecord(report);
    expect(record.key).toBe('offSymbol');
    expect(record.value).toMatchObject({ symbol: 'STOCK', trainedOn: 'INDEX' });
  });
});
