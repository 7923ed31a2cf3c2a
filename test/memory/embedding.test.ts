import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSampleSeries } from '../../src/data/sample.js';
import {
  EMBEDDING_DIMENSION,
  EMBEDDING_FEATURES,
  EMBEDDING_WARMUP,
  embedMarketState,
  normaliseState,
  rawStateFeatures,
} from '../../src/memory/embedding.js';
import { fitDefaultNormalisation } from '../../src/memory/fit-defaults.js';
import { DEFAULT_NORMALISATION } from '../../src/memory/normalisation-defaults.js';

const hash = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer)).digest('hex');

describe('market-state embeddings', () => {
  const spx = loadSampleSeries('SPX');

  it('documents 32 features and is byte-identical across runs and across processes', () => {
    expect(EMBEDDING_FEATURES.length).toBe(EMBEDDING_DIMENSION);
    const a = embedMarketState(spx, 2000);
    const b = embedMarketState(spx, 2000);
    expect(hash(a)).toBe(hash(b));
    // Another Node process, through the built package (dist), gives the same bytes.
    const script = `
      import { loadSampleSeries } from './dist/data/sample.js';
      import { embedMarketState } from './dist/memory/embedding.js';
      import { createHash } from 'node:crypto';
      const v = embedMarketState(loadSampleSeries('SPX'), 2000);
      process.stdout.write(createHash('sha256').update(new Uint8Array(v.buffer)).digest('hex'));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '../..'),
      encoding: 'utf8',
    });
    expect(out).toBe(hash(a));
  });

  it('is causal: bars after the state do not change it', () => {
    const n = 400;
    const close = Float64Array.from(spx.close.subarray(0, n));
    const changed = Float64Array.from(close);
    for (let i = 300; i < n; i++) changed[i] *= 1.5;
    const a = rawStateFeatures({ close, closeOnly: true });
    const b = rawStateFeatures({ close: changed, closeOnly: true });
    expect(Buffer.from(a.buffer, 0, 300 * 32 * 8).equals(Buffer.from(b.buffer, 0, 300 * 32 * 8))).toBe(true);
    expect(a[300 * 32]).not.toBe(b[300 * 32]);
  });

  it('computes features against independent formulas', () => {
    const t = 1500;
    const raw = rawStateFeatures(spx).subarray(t * 32, (t + 1) * 32);
    const c = spx.close;
    expect(raw[0]).toBeCloseTo(Math.log(c[t] / c[t - 1]), 14);
    expect(raw[2]).toBeCloseTo(Math.log(c[t] / c[t - 20]), 14);
    expect(raw[4]).toBeCloseTo(Math.log(c[t] / c[t - 120]), 14);
    const rets = Array.from({ length: 20 }, (_, i) => Math.log(c[t - i] / c[t - i - 1]));
    const m = rets.reduce((a, b) => a + b, 0) / 20;
    expect(raw[6]).toBeCloseTo(Math.sqrt(rets.reduce((a, r) => a + (r - m) ** 2, 0) / 20), 12);
    let sma20 = 0;
    for (let i = 0; i < 20; i++) sma20 += c[t - i];
    sma20 /= 20;
    expect(raw[9]).toBeCloseTo(c[t] / sma20 - 1, 12);
    let max60 = 0;
    for (let i = 0; i < 60; i++) max60 = Math.max(max60, c[t - i]);
    expect(raw[21]).toBeCloseTo(c[t] / max60 - 1, 14);
    expect(raw[27]).toBeCloseTo(rets.filter((r) => r > 0).length / 20 - 0.5, 14);
    // No benchmark: benchmark features are unavailable and normalise to 0.
    expect(Number.isNaN(raw[30])).toBe(true);
    expect(normaliseState(raw)[30]).toBe(0);
    // Volume and range are used: SPX has both.
    expect(Number.isFinite(raw[24]) && Number.isFinite(raw[28])).toBe(true);
  });

  it('refuses a state without enough history', () => {
    expect(() => embedMarketState(spx, EMBEDDING_WARMUP - 2)).toThrow(/needs 121 bars of history/);
    expect(() => embedMarketState(spx, spx.length)).toThrow(/outside the series/);
  });

  it('ships default normalisation statistics that re-derive from the bundled data', () => {
    expect(fitDefaultNormalisation()).toEqual(DEFAULT_NORMALISATION);
  });
});
