import { Random } from '../../src/core/random.js';

/** Geometric random-walk closes from correlated normal daily returns (for tests; not market data). */
export function correlatedCloses(
  count: number,
  vols: readonly number[],
  correlation: number,
  seed = 7,
  start = 100,
): Float64Array[] {
  const rng = new Random(seed);
  const n = vols.length;
  const out = vols.map(() => new Float64Array(count));
  for (let i = 0; i < n; i++) out[i][0] = start;
  for (let t = 1; t < count; t++) {
    const common = rng.normal();
    for (let i = 0; i < n; i++) {
      const z = Math.sqrt(correlation) * common + Math.sqrt(1 - correlation) * rng.normal();
      out[i][t] = out[i][t - 1] * (1 + vols[i] * z);
    }
  }
  return out;
}

/** Closes whose simple returns are exactly `returns` (start 100). */
export function closesFromReturns(returns: readonly number[], start = 100): Float64Array {
  const out = new Float64Array(returns.length + 1);
  out[0] = start;
  for (let i = 0; i < returns.length; i++) out[i + 1] = out[i] * (1 + returns[i]);
  return out;
}
