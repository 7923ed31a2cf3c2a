import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// A fresh Node process per case (the backend is chosen once per process). Uses dist/ (run `npm run build`).
const library = pathToFileURL(resolve(import.meta.dirname, '../../dist/index.js')).href;

function fresh(script: string): Record<string, unknown> {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
}

const series = 'Float64Array.from({ length: 200 }, (_, i) => 100 + 5 * Math.sin(i / 4) + i / 10)';

describe('the wasm backend starts on first use, without initNeuralBackend()', () => {
  it('synchronous training and prediction in a fresh process run on wasm', () => {
    const out = fresh(`
      const { NHiTS, activeBackend } = await import(${JSON.stringify(library)});
      const before = activeBackend() ?? null;
      const model = new NHiTS({ inputSize: 12, horizon: 3, hiddenSize: 8, seed: 1 });
      const result = model.trainSync(${series}, { epochs: 3 });
      const forecast = Array.from(model.predict(${series}));
      console.log(JSON.stringify({ before, backend: activeBackend(), loss: result.lossHistory.at(-1), forecast }));
    `);
    expect(out.before).toBeNull();
    expect(out.backend).toBe('wasm');
    // The same training through the asynchronous API (which always ran on wasm) gives the same numbers.
    const reference = fresh(`
      const { NHiTS, activeBackend } = await import(${JSON.stringify(library)});
      const model = new NHiTS({ inputSize: 12, horizon: 3, hiddenSize: 8, seed: 1 });
      const result = await model.train(${series}, { epochs: 3 });
      const forecast = Array.from(model.predict(${series}));
      console.log(JSON.stringify({ backend: activeBackend(), loss: result.lossHistory.at(-1), forecast }));
    `);
    expect(reference.backend).toBe('wasm');
    expect(out.loss).toBe(reference.loss);
    expect(out.forecast).toEqual(reference.forecast);
  });

  it('a model loaded from a file predicts on wasm in a fresh process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-backend-'));
    const file = join(dir, 'model.bin');
    fresh(`
      const { NHiTS } = await import(${JSON.stringify(library)});
      const model = new NHiTS({ inputSize: 12, horizon: 3, hiddenSize: 8, seed: 1 });
      await model.train(${series}, { epochs: 1 });
      model.save(${JSON.stringify(file)});
      console.log('{}');
    `);
    const out = fresh(`
      const { loadModel, activeBackend } = await import(${JSON.stringify(library)});
      const forecast = Array.from(loadModel(${JSON.stringify(file)}).predict(${series}));
      console.log(JSON.stringify({ backend: activeBackend(), forecast }));
    `);
    expect(out.backend).toBe('wasm');
    expect((out.forecast as number[]).length).toBe(3);
    rmSync(dir, { recursive: true, force: true });
  });
});
