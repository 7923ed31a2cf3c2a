import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { getTf, initNeuralBackend } from '../../src/neural/backend.js';

/**
 * backend.ts re-registers three wasm kernels for speed (BatchMatMul: explicit transposes and one XNNPACK
 * product per batch entry on aliased memory; Slice and Unpack: copy only the slice). Each must return
 * exactly what plain loops compute.
 */

beforeAll(async () => {
  expect(await initNeuralBackend()).toBe('wasm');
});

function values(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Plain batched product; a [n, M, K] (or [n, K, M] when ta), b [n, K, N] (or [n, N, K] when tb). */
function reference(
  a: Float32Array,
  b: Float32Array,
  n: number,
  M: number,
  K: number,
  N: number,
  ta: boolean,
  tb: boolean,
) {
  const out = new Float64Array(n * M * N);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const av = ta ? a[s * K * M + k * M + i] : a[s * M * K + i * K + k];
          const bv = tb ? b[s * N * K + j * K + k] : b[s * K * N + k * N + j];
          sum += av * bv;
        }
        out[s * M * N + i * N + j] = sum;
      }
  return out;
}

describe('re-registered wasm kernels', () => {
  it.each([
    { outer: [6], M: 5, K: 3, N: 7, ta: false, tb: false },
    { outer: [2, 3], M: 4, K: 8, N: 5, ta: false, tb: true },
    { outer: [3], M: 4, K: 6, N: 2, ta: true, tb: false },
    { outer: [1], M: 9, K: 4, N: 3, ta: true, tb: true },
    { outer: [], M: 9, K: 4, N: 3, ta: false, tb: true },
  ])('BatchMatMul batch $outer, [$M x $K] x [$K x $N], transposes $ta $tb', ({ outer, M, K, N, ta, tb }) => {
    const tf = getTf();
    const n = outer.reduce((p, d) => p * d, 1);
    const av = values(n * M * K, 1);
    const bv = values(n * K * N, 2);
    const got = tf.tidy(() =>
      tf
        .matMul(
          tf.tensor(av, [...outer, ...(ta ? [K, M] : [M, K])]),
          tf.tensor(bv, [...outer, ...(tb ? [N, K] : [K, N])]),
          ta,
          tb,
        )
        .dataSync(),
    );
    const want = reference(av, bv, n, M, K, N, ta, tb);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++)
      expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5 * (1 + Math.abs(want[i])));
  });

  it('Slice (contiguous and strided) and Unpack (axis 0 and 1) return the selected elements', () => {
    const tf = getTf();
    const v = values(4 * 3 * 5, 3);
    const x = tf.tensor3d(v, [4, 3, 5]);
    const at = (i: number, j: number, k: number) => v[i * 15 + j * 5 + k];
    const rows = tf.slice(x, [1, 0, 0], [2, 3, 5]).dataSync();
    expect(Array.from(rows)).toEqual(Array.from(v.subarray(15, 45)));
    const strided = tf.slice(x, [1, 1, 2], [2, 2, 2]).arraySync() as number[][][];
    expect(strided).toEqual([1, 2].map((i) => [1, 2].map((j) => [2, 3].map((k) => at(i, j, k)))));
    const parts = tf.unstack(x);
    for (const [i, part] of parts.entries())
      expect(Array.from(part.dataSync())).toEqual(Array.from(v.subarray(i * 15, (i + 1) * 15)));
    const columns = tf.unstack(x, 1);
    for (const [j, part] of columns.entries())
      expect(part.arraySync()).toEqual([0, 1, 2, 3].map((i) => [0, 1, 2, 3, 4].map((k) => at(i, j, k))));
    tf.dispose([x, ...parts, ...columns]);
  });
});
