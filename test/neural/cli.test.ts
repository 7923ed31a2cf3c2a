import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/neural-trader.js');
let dir: string;
let csv: string;

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', NEURAL_TRADER_HOME: join(dir, 'home') },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeCsv(name: string, closes: (number | string)[]): string {
  const start = Date.UTC(2020, 0, 1);
  const lines = closes.map((c, i) => `${new Date(start + i * 86_400_000).toISOString().slice(0, 10)},${c}`);
  const path = join(dir, name);
  writeFileSync(path, `date,close\n${lines.join('\n')}\n`);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nt-neural-cli-'));
  csv = writeCsv(
    'prices.csv',
    Array.from({ length: 240 }, (_, i) => (100 + 10 * Math.sin(i / 6) + i * 0.05).toFixed(4)),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('neural CLI', () => {
  it('trains, predicts, evaluates against baselines and lists the model', () => {
    const model = join(dir, 'models/tiny.bin');
    const train = cli(
      'neural',
      'train',
      '--model',
      'nhits',
      '--data',
      csv,
      '--symbol',
      'TINY',
      '--end',
      '2020-06-30',
      '--horizon',
      '3',
      '--input-size',
      '12',
      '--hidden-size',
      '16',
      '--epochs',
      '4',
      '--target',
      'price',
      '--seed',
      '7',
      '--output',
      model,
      '--json',
    );
    expect(train.stderr).toMatch(/training N-HiTS/);
    expect(train.code).toBe(0);
    const summary = JSON.parse(train.stdout);
    expect(summary).toMatchObject({
      model: 'nhits',
      symbol: 'TINY',
      epochs: 4,
      cancelled: false,
      backend: 'wasm',
    });
    expect(readFileSync(model).toString('latin1', 0, 7)).toBe('NTMODEL');

    const predict = cli(
      'neural',
      'predict',
      '--model-file',
      model,
      '--data',
      csv,
      '--symbol',
      'TINY',
      '--json',
    );
    expect(predict.code).toBe(0);
    const forecast = JSON.parse(predict.stdout);
    expect(forecast.forecast).toHaveLength(3);
    expect(forecast.asOf).toMatch(/^2020-08-27/);
    for (const value of forecast.forecast) expect(Math.abs(value - forecast.lastClose)).toBeLessThan(30);

    const table = cli('neural', 'predict', '--model-file', model, '--data', csv, '--symbol', 'TINY');
    expect(table.stdout).toMatch(/N-HiTS forecast for TINY after 2020-08-27/);

    const evaluate = cli('neural', 'evaluate', '--model-file', model, '--data', csv, '--symbol', 'TINY');
    expect(evaluate.code).toBe(0);
    expect(evaluate.stdout).toMatch(/held-out evaluation on 2020-06-30/);
    expect(evaluate.stdout).toMatch(/random-walk/);
    expect(evaluate.stdout).toMatch(/beat random-walk: (YES|NO)/);
    expect(evaluate.stdout).toMatch(/^seasonal-naive season: 7 bars = one week of crypto daily bars/m);
    expect(evaluate.stdout).toMatch(/^verdict: N-HiTS beat \d of 3 naive baselines on MAE/m);

    const json = cli(
      'neural',
      'evaluate',
      '--model-file',
      model,
      '--data',
      csv,
      '--symbol',
      'TINY',
      '--json',
    );
    const report = JSON.parse(json.stdout);
    expect(report.origins).toBe(56); // origins 2020-06-30 (index 181) .. index 236 (3 bars after it)
    expect(Object.keys(report.baselines).sort()).toEqual(['drift', 'random-walk', 'seasonal-naive']);
    // The CSV has a bar on every calendar day: a crypto-like week of 7 bars, measured from the dates.
    expect(report.season.bars).toBe(7);

    const walk = cli(
      'neural',
      'evaluate',
      '--model-file',
      model,
      '--data',
      csv,
      '--symbol',
      'TINY',
      '--walk-forward',
      '--folds',
      '2',
      '--test-size',
      '20',
      '--epochs',
      '2',
      '--json',
    );
    expect(walk.code).toBe(0);
    const wf = JSON.parse(walk.stdout);
    expect(wf.folds.map((f: { trainBars: number }) => f.trainBars)).toEqual([198, 218]);
    expect(wf.origins).toBe(40);

    const list = cli('neural', 'models', '--json');
    const models = JSON.parse(list.stdout);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ modelType: 'nhits', symbol: 'TINY', horizon: 3, exists: true });
    expect(models[0].metrics.holdout.mae).toBeCloseTo(report.model.mae, 10);
    expect(cli('neural', 'models').stdout).toMatch(/nhits\s+TINY/);
  }, 60_000);

  it('reports bad input in one clear line with exit code 1', () => {
    const short = writeCsv(
      'short.csv',
      Array.from({ length: 12 }, (_, i) => 100 + i),
    );
    const tooFew = cli(
      'neural',
      'train',
      '--model',
      'lstm',
      '--data',
      short,
      '--horizon',
      '2',
      '--input-size',
      '8',
      '--epochs',
      '1',
    );
    expect(tooFew.code).toBe(1);
    expect(tooFew.stderr).toMatch(
      /^error: too few bars to train: 12 given, at least \d+ needed for input size 8, horizon 2/m,
    );

    const horizon = cli(
      'neural',
      'train',
      '--model',
      'nbeats',
      '--data',
      csv,
      '--horizon',
      '500',
      '--input-size',
      '8',
      '--epochs',
      '1',
    );
    expect(horizon.code).toBe(1);
    expect(horizon.stderr).toMatch(/too few bars to train: 240 given/);

    const withNaN = writeCsv(
      'nan.csv',
      Array.from({ length: 80 }, (_, i) => (i === 40 ? 'NaN' : String(100 + i))),
    );
    const nan = cli(
      'neural',
      'train',
      '--model',
      'nhits',
      '--data',
      withNaN,
      '--horizon',
      '2',
      '--epochs',
      '1',
    );
    expect(nan.code).toBe(1);
    expect(nan.stderr).toMatch(/^error: .*(NaN|nan|not a number|number)/im);
    expect(nan.stderr).not.toMatch(/ at .*\.js:\d+/);

    const model = join(dir, 'lstm.bin');
    expect(
      cli(
        'neural',
        'train',
        '--model',
        'lstm',
        '--data',
        csv,
        '--horizon',
        '2',
        '--input-size',
        '8',
        '--hidden-size',
        '4',
        '--epochs',
        '1',
        '--output',
        model,
      ).code,
    ).toBe(0);
    const wrongType = cli('neural', 'predict', '--model-file', model, '--model', 'nhits', '--data', csv);
    expect(wrongType.code).toBe(1);
    expect(wrongType.stderr).toMatch(/^error: model file .* holds a LSTM model \(type 'lstm'\), not N-HiTS/m);

    const bytes = readFileSync(model);
    bytes.writeUInt32LE(9, 8);
    writeFileSync(join(dir, 'v9.bin'), bytes);
    const newer = cli('neural', 'evaluate', '--model-file', join(dir, 'v9.bin'), '--data', csv);
    expect(newer.code).toBe(1);
    expect(newer.stderr).toMatch(/format version 9, but this neural-trader supports version 1 only/);

    const six = writeCsv('six.csv', [100, 101, 102, 103, 104, 105]);
    const fewForPredict = cli('neural', 'predict', '--model-file', model, '--data', six);
    expect(fewForPredict.code).toBe(1);
    expect(fewForPredict.stderr).toMatch(/too few bars to forecast: 6 given, 9 needed/);

    const badModel = cli('neural', 'train', '--model', 'arima', '--data', csv, '--horizon', '2');
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(/--model must be one of nhits, nbeats, lstm, transformer/);
  }, 60_000);
});
