import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchMarketData } from '../../src/data/registry.js';
import { activeBackend, initNeuralBackend } from '../../src/neural/backend.js';
import { defaultInputSize, NEURAL_TRAIN_DEFAULTS } from '../../src/neural/defaults.js';
import { buildForecaster, loadModel } from '../../src/neural/models.js';
import { callError, callOk, runCliSync, stdioSuite } from '../mcp/helpers.js';

// Slow on a loaded machine (training); the default 20 s per test is too tight.
vi.setConfig({ testTimeout: 180_000 });

// Every model option on every face: the same request through the CLI and the MCP server trains the
// same model (same config, same loss to the digit, same forecasts). Uses dist/ (run `npm run build`).

const server = stdioSuite();
beforeAll(async () => {
  await initNeuralBackend();
});

const cli = (...args: string[]) => runCliSync(server.sandbox, args);

const cases: {
  name: string;
  cli: string[];
  mcp: Record<string, unknown>;
  check: (config: Record<string, unknown>) => void;
}[] = [
  {
    name: 'interpretable N-BEATS, MAE loss, dropout, price target, quantiles',
    cli: [
      '--model',
      'nbeats',
      '--interpretable',
      '--loss',
      'mae',
      '--dropout',
      '0.1',
      '--target',
      'price',
      '--quantiles',
      '--hidden-size',
      '16',
    ],
    mcp: {
      model_type: 'nbeats',
      interpretable: true,
      loss: 'mae',
      dropout: 0.1,
      target: 'price',
      quantiles: true,
      hidden_size: 16,
    },
    check: (config) => {
      expect(config.stackTypes).toEqual(['trend', 'seasonality']);
      expect(config.shareWeights).toBe(true);
      expect(config.loss).toBe('mae');
      expect(config.dropout).toBe(0.1);
      expect(config.target).toBe('price');
      expect(config.quantiles).toBe(true);
    },
  },
  {
    name: 'the neuralforecast preset (N-HiTS)',
    cli: ['--model', 'nhits', '--preset', 'neuralforecast', '--hidden-size', '32'],
    mcp: { model_type: 'nhits', preset: 'neuralforecast', hidden_size: 32 },
    check: (config) => {
      expect(config.poolKernelSizes).toEqual([2, 2, 1]);
      expect(config.lastValueLevel).toBe(true);
      expect(config.loss).toBe('mae');
      expect(config.hiddenSize).toBe(32);
    },
  },
];

describe('neural train: the same options through the CLI and the MCP server', () => {
  it.each(cases)('$name', async ({ cli: flags, mcp, check }) => {
    const file = join(server.sandbox.cwd, `cli-${flags[1]}.bin`);
    const common = [
      '--symbol',
      'SPX',
      '--start',
      '2018-01-01',
      '--end',
      '2019-06-30',
      '--horizon',
      '3',
      '--input-size',
      '12',
      '--epochs',
      '3',
      '--seed',
      '5',
    ];
    const run = cli('neural', 'train', ...common, ...flags, '--output', file, '--json');
    expect(run.code, run.stderr).toBe(0);
    const fromCli = JSON.parse(run.stdout) as {
      finalLoss: number;
      bestValLoss: number;
      parameters: number;
      loss: string;
    };
    const fromMcp = await callOk(server.session.client, 'neural_train', {
      symbol: 'SPX',
      start_date: '2018-01-01',
      end_date: '2019-06-30',
      horizon: 3,
      input_size: 12,
      epochs: 3,
      seed: 5,
      ...mcp,
    });
    const training = fromMcp.training as { final_loss: number; best_val_loss: number; loss: string };
    expect(training.final_loss).toBe(fromCli.finalLoss);
    expect(training.best_val_loss).toBe(fromCli.bestValLoss);
    const a = loadModel(file);
    const b = loadModel((fromMcp.model as { path: string }).path);
    check(a.config as unknown as Record<string, unknown>);
    // The loss named is the one training minimised (the loss values are in it): pinball for quantile models.
    expect(fromCli.loss).toBe(mcp.quantiles ? 'pinball' : a.config.loss);
    expect(training.loss).toBe(fromCli.loss);
    expect(b.config).toEqual(a.config);
    expect(a.parameterCount).toBe(fromCli.parameters);
    const window = Float64Array.from({ length: 40 }, (_, i) => 2700 + 20 * Math.sin(i / 3));
    expect([...b.predict(window)]).toEqual([...a.predict(window)]);
  });

  it('rejects --interpretable on a model other than N-BEATS, an unknown preset and a bad loss in one line', async () => {
    const common = ['neural', 'train', '--symbol', 'SPX', '--horizon', '3', '--epochs', '1'];
    for (const [flags, message] of [
      [['--model', 'nhits', '--interpretable'], /interpretable applies to N-BEATS only/],
      [['--model', 'nhits', '--preset', 'huge'], /--preset must be one of small, neuralforecast/],
      [['--model', 'nhits', '--loss', 'huber'], /--loss must be mse or mae/],
      [['--model', 'nhits', '--dropout', '1'], /--dropout must be in \[0, 1\)/],
    ] as const) {
      const run = cli(...common, ...flags);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      // One error line (plus at most a hint line), no stack.
      const lines = run.stderr.trim().split('\n');
      expect(lines[0]).toMatch(message);
      expect(lines.length).toBeLessThanOrEqual(2);
      expect(run.stderr).not.toMatch(/\s+at /);
    }
    const error = await callError(server.session.client, 'neural_train', {
      symbol: 'SPX',
      model_type: 'lstm',
      interpretable: true,
      horizon: 3,
      epochs: 1,
    });
    expect(JSON.stringify(error)).toMatch(/interpretable applies to N-BEATS only/);
  });
});

describe('neural train defaults: one request with no options gives one model on every face', () => {
  it('the CLI, the MCP server and the library train the same default model to the same numbers', async () => {
    const file = join(server.sandbox.cwd, 'cli-defaults.bin');
    const range = ['--symbol', 'SPX', '--start', '2019-01-01', '--end', '2019-12-31'];
    const run = cli('neural', 'train', ...range, '--output', file, '--json');
    expect(run.code, run.stderr).toBe(0);
    const fromCli = JSON.parse(run.stdout) as {
      model: string;
      finalLoss: number;
      bestValLoss: number;
      epochs: number;
      loss: string;
    };
    const fromMcp = await callOk(server.session.client, 'neural_train', {
      symbol: 'SPX',
      start_date: '2019-01-01',
      end_date: '2019-12-31',
    });
    const training = fromMcp.training as { final_loss: number; best_val_loss: number; epochs_run: number };
    const series = await fetchMarketData('SPX', '2019-01-01', '2019-12-31', 'sample');
    const library = buildForecaster(NEURAL_TRAIN_DEFAULTS.model, { horizon: NEURAL_TRAIN_DEFAULTS.horizon });
    const result = await library.train(series);
    expect(fromCli.model).toBe(NEURAL_TRAIN_DEFAULTS.model);
    expect(fromCli.loss).toBe('mse');
    // Same training run on every face: same epochs, same losses to the last digit.
    expect(training.epochs_run).toBe(fromCli.epochs);
    expect(result.epochsRun).toBe(fromCli.epochs);
    expect(training.final_loss).toBe(fromCli.finalLoss);
    expect(library.trainingInfo?.finalLoss).toBe(fromCli.finalLoss);
    expect(training.best_val_loss).toBe(fromCli.bestValLoss);
    expect(result.bestValLoss).toBe(fromCli.bestValLoss);
    // Same model: same configuration (input 4 x horizon) and the same forecasts.
    const a = loadModel(file);
    const b = loadModel((fromMcp.model as { path: string }).path);
    expect(a.config.inputSize).toBe(defaultInputSize(NEURAL_TRAIN_DEFAULTS.horizon));
    expect(b.config).toEqual(a.config);
    expect(library.config).toEqual(a.config);
    const window = Float64Array.from({ length: 40 }, (_, i) => 2900 + 20 * Math.sin(i / 3));
    expect([...b.predict(window)]).toEqual([...a.predict(window)]);
    expect([...library.predict(window)]).toEqual([...a.predict(window)]);
    expect(activeBackend()).toBe('wasm');
  });
});
