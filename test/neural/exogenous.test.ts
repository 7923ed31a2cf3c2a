import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BarSeries } from '../../src/core/bars.js';
import { Random } from '../../src/core/random.js';
import { initNeuralBackend } from '../../src/neural/backend.js';
import { evaluateForecaster } from '../../src/neural/evaluate.js';
import { deriveExogenous, parseExogenousRequest, prepareExogenous } from '../../src/neural/exogenous.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';
import { dieboldMariano } from '../../src/neural/metrics.js';
import { decodeModelFile, encodeModelFile } from '../../src/neural/model-file.js';
import {
  LSTMForecaster,
  loadModel,
  NBEATS,
  NHiTS,
  readModelMetadata,
  TransformerForecaster,
} from '../../src/neural/models.js';
import { callError, callOk, runCliSync, stdioSuite } from '../mcp/helpers.js';

// Training several small models; slow on a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000 });

/**
 * A target whose future is a lagged copy of an exogenous series: z_t i.i.d. N(0, 1) and the target's
 * log return r_t = 0.01 z_{t-LAG} + 0.001 e_t. With LAG = 4 > HORIZON = 3, every return of a 3-step
 * forecast is 0.01 x a z already inside the 12-bar exogenous window ending at the origin. Without z
 * the returns are i.i.d.: nothing beats the random walk.
 */
const LAG = 4;
const HORIZON = 3;
const INPUT = 12;
const LENGTH = 1600;
const TRAIN = Math.round(LENGTH * 0.7);

function laggedSeries(seed: number, length = LENGTH) {
  const rng = new Random(seed);
  const z = new Float64Array(length);
  for (let i = 0; i < length; i++) z[i] = rng.normal();
  const prices = new Float64Array(length);
  prices[0] = 100;
  for (let t = 1; t < length; t++) {
    prices[t] = prices[t - 1] * Math.exp(0.01 * (t >= LAG ? z[t - LAG] : 0) + 0.001 * rng.normal());
  }
  return { z, prices };
}

const origins = Int32Array.from({ length: LENGTH - HORIZON - (TRAIN - 1) }, (_, k) => TRAIN - 1 + k);

/** Per-origin MAE over the horizon of forecasts (origin-major) against the actual path. */
function originLosses(prices: Float64Array, forecasts: Float64Array): Float64Array {
  return Float64Array.from(origins, (t, k) => {
    let sum = 0;
    for (let j = 0; j < HORIZON; j++) sum += Math.abs(prices[t + 1 + j] - forecasts[k * HORIZON + j]);
    return sum / HORIZON;
  });
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

function learningCase(make: (exogenous: string[]) => NeuralForecaster, learningRate: number, epochs: number) {
  return async () => {
    const { z, prices } = laggedSeries(3);
    const train = { epochs, learningRate, patience: 0 };
    const withExog = make(['z']);
    await withExog.train(
      { series: prices.subarray(0, TRAIN), exogenous: { z: z.subarray(0, TRAIN) } },
      train,
    );
    const without = make([]);
    await without.train(prices.subarray(0, TRAIN), train);

    const model = originLosses(prices, withExog.forecastAt(prices, origins, { z }).point);
    const blind = originLosses(prices, without.forecastAt(prices, origins).point);
    const walk = originLosses(
      prices,
      Float64Array.from(
        { length: origins.length * HORIZON },
        (_, i) => prices[origins[Math.floor(i / HORIZON)]],
      ),
    );
    // The oracle knows z (not the noise): the most any forecaster can learn.
    const oracleForecast = new Float64Array(origins.length * HORIZON);
    origins.forEach((t, k) => {
      let level = prices[t];
      for (let j = 0; j < HORIZON; j++) {
        level *= Math.exp(0.01 * z[t + 1 + j - LAG]);
        oracleForecast[k * HORIZON + j] = level;
      }
    });
    const oracle = originLosses(prices, oracleForecast);
    const gain = (loss: Float64Array) => (mean(walk) - mean(loss)) / (mean(walk) - mean(oracle));
    const report = evaluateForecaster(
      withExog,
      { series: prices, exogenous: { z } },
      { firstOrigin: TRAIN - 1 },
    );
    expect(report.model.mae).toBeCloseTo(mean(model), 9);
    expect(report.baselines['random-walk'].mae).toBeCloseTo(mean(walk), 9);
    const versusWalk = dieboldMariano(model, walk, HORIZON - 1);
    const versusBlind = dieboldMariano(model, blind, HORIZON - 1);
    console.log(
      `${withExog.modelType}: MAE with exog ${mean(model).toFixed(4)}, without ${mean(blind).toFixed(4)}, random walk ${mean(walk).toFixed(4)}, oracle ${mean(oracle).toFixed(4)}; gain ${gain(model).toFixed(3)} vs ${gain(blind).toFixed(3)}; DM vs walk ${versusWalk.statistic.toFixed(1)} (p ${versusWalk.pValue.toExponential(2)}), vs no-exog ${versusBlind.statistic.toFixed(1)} (p ${versusBlind.pValue.toExponential(2)})`,
    );
    // With the exogenous input: most of the learnable gain, far below the random walk and the blind model.
    expect(gain(model)).toBeGreaterThan(0.7);
    expect(mean(model)).toBeLessThan(0.4 * mean(walk));
    expect(mean(model)).toBeLessThan(0.4 * mean(blind));
    expect(versusWalk.statistic).toBeLessThan(0);
    expect(versusWalk.pValue).toBeLessThan(0.01);
    expect(versusBlind.statistic).toBeLessThan(0);
    expect(versusBlind.pValue).toBeLessThan(0.01);
    // Without it: no gain over the random walk to speak of.
    expect(gain(blind)).toBeLessThan(0.1);
  };
}

beforeAll(async () => {
  await initNeuralBackend();
});

describe('exogenous inputs: a model uses an informative exogenous series', () => {
  it(
    'N-HiTS with the lagged series captures most of the learnable gain; without it, none',
    learningCase(
      (exogenous) => new NHiTS({ inputSize: INPUT, horizon: HORIZON, hiddenSize: 32, seed: 1, exogenous }),
      0.005,
      40,
    ),
  );

  it(
    'the Transformer with the lagged series captures most of the learnable gain; without it, none',
    learningCase(
      (exogenous) =>
        new TransformerForecaster({
          inputSize: INPUT,
          horizon: HORIZON,
          modelSize: 16,
          heads: 2,
          layers: 1,
          seed: 1,
          exogenous,
        }),
      0.005,
      15,
    ),
  );

  it('an uninformative exogenous series does not break training', async () => {
    const { prices } = laggedSeries(5, 900);
    const rng = new Random(99);
    const noise = Float64Array.from({ length: prices.length }, () => 1e6 + 1e5 * rng.normal());
    const model = new NHiTS({
      inputSize: INPUT,
      horizon: HORIZON,
      hiddenSize: 16,
      seed: 2,
      exogenous: ['noise'],
    });
    const result = await model.train(
      { series: prices.subarray(0, 600), exogenous: { noise: noise.subarray(0, 600) } },
      { epochs: 8, learningRate: 0.005 },
    );
    for (const loss of result.lossHistory) expect(Number.isFinite(loss)).toBe(true);
    // Scaled on its own: a series around 1e6 enters the network at unit scale.
    expect(Math.abs(model.exogenousScalers.noise.center - 1e6)).toBeLessThan(2e4);
    const report = evaluateForecaster(model, { series: prices, exogenous: { noise } }, { firstOrigin: 599 });
    expect(report.model.mae).toBeLessThan(1.25 * report.baselines['random-walk'].mae);
  });
});

describe('exogenous inputs: checks', () => {
  const { z, prices } = laggedSeries(7, 300);
  let model: NHiTS;
  beforeAll(async () => {
    model = new NHiTS({ inputSize: INPUT, horizon: HORIZON, hiddenSize: 8, seed: 3, exogenous: ['z'] });
    await model.train(
      { series: prices.subarray(0, 200), exogenous: { z: z.subarray(0, 200) } },
      { epochs: 2 },
    );
  });

  it('fits each exogenous scaler on the training split only', () => {
    // Log-return target: step i is bar i + 1; the training split is the first round(199 * 0.8) = 159 steps.
    const scaler = model.exogenousScalers.z;
    expect(scaler.count).toBe(159);
    expect(scaler.center).toBeCloseTo(mean(z.subarray(1, 160)), 12);
  });

  it('forecasts need every exogenous series, aligned, and say which one is missing in one line', () => {
    expect(() => model.forecastAt(prices, [250])).toThrow(
      /^missing exogenous input 'z' for the series: this model was trained with z \(a series passed by the caller\)$/,
    );
    expect(() => model.predict(prices)).toThrow(/missing exogenous input 'z'/);
    expect(() => model.forecastAt(prices, [250], { z: z.subarray(0, 299) })).toThrow(
      /exogenous input 'z' has 299 values but the series has 300: they must be aligned bar for bar/,
    );
    expect(() => model.forecastAt(prices, [250], { z, w: z })).toThrow(/unknown exogenous input 'w'/);
    const holed = z.slice();
    holed[245] = Number.NaN;
    expect(() => model.forecastAt(prices, [250], { z: holed })).toThrow(
      /'z' has a non-finite value \(NaN\) at index 245/,
    );
    // Index 245 is outside the window of origin 230 (bars 219..230): that forecast still works.
    expect(model.forecastAt(prices, [230], { z: holed }).point).toHaveLength(HORIZON);
    const plain = new NHiTS({ inputSize: INPUT, horizon: HORIZON, hiddenSize: 8 });
    expect(() => plain.forecastAt(prices, [250], { z })).toThrow(/this model has no exogenous inputs/);
    expect(() => evaluateForecaster(model, prices, { firstOrigin: 200 })).toThrow(
      /missing exogenous input 'z'/,
    );
  });

  it('predict, predictBatch and forecastAt agree; only the past of the exogenous series is read', () => {
    const batched = model.forecastAt(prices, [150, 250], { z }).point;
    expect([...model.predict(prices.subarray(0, 251), { z: z.subarray(0, 251) })]).toEqual([
      ...batched.subarray(3, 6),
    ]);
    const windows = model.predictBatch(
      [prices.subarray(100, 151), prices.subarray(0, 251)],
      [{ z: z.subarray(100, 151) }, { z: z.subarray(0, 251) }],
    );
    expect([...windows[0]]).toEqual([...batched.subarray(0, 3)]);
    expect([...windows[1]]).toEqual([...batched.subarray(3, 6)]);
    // Changing z after the origin changes nothing.
    const future = z.slice();
    for (let i = 251; i < future.length; i++) future[i] = 50;
    expect([...model.forecastAt(prices, [250], { z: future }).point]).toEqual([...batched.subarray(3, 6)]);
  });

  it('N-BEATS and the LSTM refuse exogenous inputs in one line; names must be unique and valid', () => {
    expect(() => new NBEATS({ inputSize: 8, horizon: 2, exogenous: ['z'] })).toThrow(
      /^exogenous inputs are supported by N-HiTS and the Transformer only \(model nbeats\)$/,
    );
    expect(() => new LSTMForecaster({ inputSize: 8, horizon: 2, exogenous: ['z'] })).toThrow(
      /\(model lstm\)$/,
    );
    expect(() => new NHiTS({ inputSize: 8, horizon: 2, exogenous: ['z', 'z'] })).toThrow(
      /'z' is listed twice/,
    );
    expect(() => new NHiTS({ inputSize: 8, horizon: 2, exogenous: ['bad name'] })).toThrow(/is not valid/);
  });

  it('round-trips through its model file; damaged or mismatched specs are refused; old files load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-exog-'));
    try {
      const file = join(dir, 'exog.bin');
      model.save(file);
      const loaded = loadModel(file);
      expect(loaded.config.exogenous).toEqual([{ name: 'z', source: { kind: 'given' } }]);
      expect(loaded.exogenousScalers.z.toJSON()).toEqual(model.exogenousScalers.z.toJSON());
      expect([...loaded.forecastAt(prices, [250], { z }).point]).toEqual([
        ...model.forecastAt(prices, [250], { z }).point,
      ]);
      expect(readModelMetadata(file).exogenousScalers?.z.count).toBe(159);

      const { metadata, weights } = decodeModelFile<Record<string, unknown>>(model.serialize());
      const damage = (change: (m: Record<string, unknown>) => void) => {
        const copy = JSON.parse(JSON.stringify(metadata));
        change(copy);
        const path = join(dir, 'damaged.bin');
        writeFileSync(path, encodeModelFile(copy, weights));
        return () => loadModel(path);
      };
      expect(damage((m) => delete (m.exogenousScalers as Record<string, unknown>).z)).toThrow(
        /has a damaged exogenous spec: input 'z' has no scaler/,
      );
      expect(damage((m) => ((m.exogenousScalers as Record<string, { scale: number }>).z.scale = -1))).toThrow(
        /input 'z' has an invalid scaler/,
      );
      expect(
        damage(
          (m) =>
            ((m.config as { exogenous: unknown[] }).exogenous = [{ name: 'z', source: { kind: 'future' } }]),
        ),
      ).toThrow(/damaged exogenous spec: exogenous input 'z' has an unknown source/);
      expect(damage((m) => ((m.config as { exogenous: unknown[] }).exogenous = ['z', 'z']))).toThrow(
        /damaged exogenous spec: exogenous input 'z' is listed twice/,
      );
      expect(
        damage(
          (m) =>
            ((m.exogenousScalers as Record<string, unknown>).w = {
              kind: 'standard',
              center: 0,
              scale: 1,
              count: 1,
            }),
        ),
      ).toThrow(/scalers for undeclared inputs w/);
      expect(damage((m) => (m.modelType = 'lstm'))).toThrow(/a LSTM model cannot have exogenous inputs/);
      // A file written before exogenous inputs existed: no `exogenous` in its config, no scalers.
      const plain = new NHiTS({ inputSize: INPUT, horizon: HORIZON, hiddenSize: 8, seed: 3 });
      plain.trainSync(prices.subarray(0, 200), { epochs: 1 });
      const old = decodeModelFile<Record<string, unknown>>(plain.serialize());
      delete (old.metadata.config as Record<string, unknown>).exogenous;
      const oldPath = join(dir, 'old.bin');
      writeFileSync(oldPath, encodeModelFile(old.metadata, old.weights));
      const reloaded = loadModel(oldPath);
      expect(reloaded.config.exogenous).toEqual([]);
      expect([...reloaded.predict(prices)]).toEqual([...plain.predict(prices)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exogenous inputs: derivation (prepareExogenous)', () => {
  const day = 86_400_000;
  const t0 = Date.UTC(2020, 0, 6);
  const bars = (symbol: string, days: number[], closes: number[], volume?: number[]) => {
    const series = BarSeries.allocate(symbol, '1Day', days.length, volume === undefined);
    days.forEach((d, i) => {
      series.timestamps[i] = t0 + d * day;
      for (const column of [series.open, series.high, series.low, series.close]) column[i] = closes[i];
      series.volume[i] = volume?.[i] ?? 0;
    });
    return series;
  };
  const target = bars('T', [0, 1, 2, 3, 4], [10, 11, 12, 13, 14], [0, 9, 99, 999, 9999]);
  // The other symbol has no bar on day 2 (forward-filled) and an extra one on day 3.5 (not seen by day 3).
  const other = bars('O', [-3, 0, 1, 3, 3.5, 4], [50, 100, 110, 121, 500, 242]);

  it("builds ln(1 + volume) and another symbol's returns on the target's bar times, past values only", async () => {
    const { series, exogenous } = await deriveExogenous(
      target,
      parseExogenousRequest({ exogenous: 'volume', exogenousSymbols: ['o'] }),
      async (symbol, start, end) => {
        expect(symbol).toBe('O');
        expect(start).toBeLessThanOrEqual(target.firstTimestamp - 7 * day);
        expect(end).toBe(target.lastTimestamp);
        return other;
      },
    );
    // Day 0 has no previous target bar to take a return from: trimmed.
    expect([...series.close]).toEqual([11, 12, 13, 14]);
    expect([...exogenous.volume]).toEqual([9, 99, 999, 9999].map((v) => Math.log1p(v)));
    const r = exogenous['returns:O'];
    expect(r[0]).toBeCloseTo(Math.log(110 / 100), 12);
    expect(r[1]).toBe(0); // no bar on day 2: last close carried
    expect(r[2]).toBeCloseTo(Math.log(121 / 110), 12);
    expect(r[3]).toBeCloseTo(Math.log(242 / 121), 12);
  });

  it('refuses close-only volume, stale symbols and requests that do not match the model, in one line', async () => {
    const load = async () => other;
    await expect(
      deriveExogenous(other, parseExogenousRequest({ exogenous: ['volume'] }), load),
    ).rejects.toThrow(/^exogenous input 'volume': O has no volume \(close-only data\)$/);
    const stale = bars('S', [-30, -20, -10], [1, 2, 3]);
    await expect(
      deriveExogenous(target, parseExogenousRequest({ exogenousSymbols: 'S' }), async () => stale),
    ).rejects.toThrow(
      /^exogenous input 'returns:S': S data ends 2019-12-27, before T's last bar 2020-01-10$/,
    );
    expect(() => parseExogenousRequest({ exogenous: 'volume, range' })).toThrow(
      /unknown exogenous input "range" \(known: volume/,
    );
    expect(() =>
      parseExogenousRequest(
        { exogenous: ['volume', 'VOLUME'] },
        { exogenous: '--exog', exogenousSymbols: '--exog-symbol' },
      ),
    ).toThrow(/^--exog: volume is listed twice$/);
    expect(() => parseExogenousRequest({ exogenousSymbols: 'KO,ko' })).toThrow(/KO is listed twice/);
    await expect(
      prepareExogenous(target, { request: { exogenous: 'volume' }, model: [] }, load),
    ).rejects.toThrow(/this model takes no exogenous inputs, not volume/);
    await expect(
      prepareExogenous(target, { model: [{ name: 'z', source: { kind: 'given' } }] }, load),
    ).rejects.toThrow(/'z' was a series passed to the library when the model was trained/);
    const plain = await prepareExogenous(target, {}, load);
    expect(plain.data).toBe(target);
  });
});

describe('exogenous inputs through the CLI and the MCP server', () => {
  const mcp = stdioSuite();
  const cli = (...args: string[]) => runCliSync(mcp.sandbox, args);

  it('the same exogenous request trains the same model on both faces; predict and evaluate rebuild the inputs', async () => {
    const file = join(mcp.sandbox.cwd, 'spx-exog.bin');
    const train = cli(
      'neural',
      'train',
      '--model',
      'transformer',
      '--symbol',
      'SPX',
      '--start',
      '2006-01-01',
      '--end',
      '2007-12-31',
      '--horizon',
      '3',
      '--input-size',
      '10',
      '--hidden-size',
      '8',
      '--epochs',
      '2',
      '--seed',
      '4',
      '--exog',
      'volume',
      '--exog-symbol',
      'DJIA',
      '--output',
      file,
      '--json',
    );
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(train.stdout);
    expect(summary.exogenous).toBe('volume,returns:DJIA');
    const fromMcp = await callOk(mcp.session.client, 'neural_train', {
      symbol: 'SPX',
      model_type: 'transformer',
      start_date: '2006-01-01',
      end_date: '2007-12-31',
      horizon: 3,
      input_size: 10,
      hidden_size: 8,
      epochs: 2,
      seed: 4,
      exogenous: ['volume'],
      exogenous_symbols: ['DJIA'],
    });
    const mcpModel = fromMcp.model as { path: string; name: string; exogenous: string[] };
    expect(mcpModel.exogenous).toEqual(['volume', 'returns:DJIA']);
    expect((fromMcp.training as { final_loss: number }).final_loss).toBe(summary.finalLoss);
    const a = loadModel(file);
    const b = loadModel(mcpModel.path);
    expect(b.config).toEqual(a.config);
    expect(a.config.exogenous).toEqual([
      { name: 'volume', source: { kind: 'volume' } },
      { name: 'returns:DJIA', source: { kind: 'returns', symbol: 'DJIA' } },
    ]);

    const predict = cli('neural', 'predict', '--model-file', file, '--end', '2008-03-31', '--json');
    expect(predict.code, predict.stderr).toBe(0);
    const forecast = JSON.parse(predict.stdout);
    expect(forecast.forecast).toHaveLength(3);
    const mcpForecast = await callOk(mcp.session.client, 'neural_forecast', {
      model: mcpModel.name,
      date: '2008-03-31',
    });
    expect((mcpForecast.forecast as { value: number }[]).map((f) => f.value)).toEqual(forecast.forecast);

    const evaluate = cli('neural', 'evaluate', '--model-file', file, '--end', '2008-06-30', '--json');
    expect(evaluate.code, evaluate.stderr).toBe(0);
    const report = JSON.parse(evaluate.stdout);
    const mcpReport = await callOk(mcp.session.client, 'neural_evaluate', {
      model: mcpModel.name,
      end_date: '2008-06-30',
      exogenous: ['volume'],
      exogenous_symbols: ['DJIA'],
    });
    expect(mcpReport.origins).toBe(report.origins);
    expect((mcpReport.metrics as { mae: number }).mae).toBeCloseTo(report.model.mae, 9);

    const listed = JSON.parse(cli('neural', 'models', '--json').stdout) as {
      path: string;
      exogenous: string[];
    }[];
    expect(listed.find((m) => m.path === file)?.exogenous).toEqual(['volume', 'returns:DJIA']);

    // One-line refusals: a mismatched request, stale data for the other symbol, a model that cannot take them.
    for (const [args, message] of [
      [
        ['neural', 'predict', '--model-file', file, '--end', '2008-03-31', '--exog', 'volume'],
        /^error: --exog\/--exog-symbol: this model takes volume, returns:DJIA, not volume$/m,
      ],
      [
        ['neural', 'predict', '--model-file', file],
        /^error: exogenous input 'returns:DJIA': DJIA data ends 2012-12-31, before SPX's last bar 2020-04-17$/m,
      ],
      [
        ['neural', 'train', '--model', 'lstm', '--symbol', 'SPX', '--horizon', '3', '--exog', 'volume'],
        /^error: exogenous inputs are supported by N-HiTS and the Transformer only \(model lstm\)$/m,
      ],
    ] as const) {
      const run = cli(...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\s+at /);
    }
    const error = await callError(mcp.session.client, 'neural_forecast', { model: mcpModel.name });
    expect(JSON.stringify(error)).toMatch(/DJIA data ends 2012-12-31/);
  });
});
