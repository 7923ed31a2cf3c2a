/**
 * Dense symmetric matrices for risk: row-major Float64Array of n*n values. Sizes here are the number of
 * assets in a portfolio (tens to a few hundred), so plain O(n^3) algorithms are the right tool.
 */
export interface SymmetricMatrix {
  readonly size: number;
  /** Row-major n*n values; element (i, j) is values[i * size + j]. */
  readonly values: Float64Array;
}

export function matrixFromRows(rows: readonly (readonly number[])[]): SymmetricMatrix {
  const n = rows.length;
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    if (rows[i].length !== n) throw new RangeError(`row ${i} has ${rows[i].length} values, expected ${n}`);
    for (let j = 0; j < n; j++) values[i * n + j] = rows[i][j];
  }
  return { size: n, values };
}

export function matrixToRows(matrix: SymmetricMatrix): number[][] {
  const n = matrix.size;
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(matrix.values.subarray(i * n, i * n + n)));
  return rows;
}

/** x' M y. */
export function bilinearForm(matrix: SymmetricMatrix, x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = matrix.size;
  const m = matrix.values;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += m[i * n + j] * y[j];
    total += x[i] * row;
  }
  return total;
}

/** M x. */
export function multiplyVector(matrix: SymmetricMatrix, x: ArrayLike<number>): Float64Array {
  const n = matrix.size;
  const m = matrix.values;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += m[i * n + j] * x[j];
    out[i] = s;
  }
  return out;
}

/**
 * Lower-triangular Cholesky factor L with L L' = M (row-major n*n, zeros above the diagonal), or null when
 * M is not (numerically) positive definite.
 */
export function cholesky(matrix: SymmetricMatrix): Float64Array | null {
  const n = matrix.size;
  const a = matrix.values;
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j];
    for (let k = 0; k < j; k++) diag -= l[j * n + k] * l[j * n + k];
    // Relative tolerance: a pivot that is tiny against the diagonal is rank deficiency, not a real variance.
    if (!(diag > 1e-14 * Math.max(a[j * n + j], Number.MIN_VALUE))) return null;
    const ljj = Math.sqrt(diag);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solve M x = b given the Cholesky factor L of M. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

export interface Eigendecomposition {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns of a row-major n*n matrix, in the order of `values`. */
  vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix by the cyclic Jacobi method: robust, accurate to
 * machine precision for symmetric input, and fast enough for portfolio-sized matrices.
 */
export function jacobiEigen(matrix: SymmetricMatrix, maxSweeps = 100): Eigendecomposition {
  const n = matrix.size;
  const a = Float64Array.from(matrix.values);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      scale += a[i * n + i] * a[i * n + i];
      for (let j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
    }
    if (off <= 1e-30 * Math.max(scale, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

export interface PositiveDefiniteResult {
  matrix: SymmetricMatrix;
  /** True when the input was not positive definite and had to be changed. */
  repaired: boolean;
  /** Smallest eigenvalue of the input. */
  minEigenvalue: number;
  /** Set when repaired: what was wrong and what was done (returned in the results' warnings). */
  warning?: string;
}

/**
 * The nearest positive definite matrix by eigenvalue clipping: eigenvalues below `floor` * the largest are
 * raised to it, the matrix is rebuilt, and it is rescaled so its diagonal (the variances) is unchanged.
 * A repaired matrix is never used silently: the warning is returned with the results that used it.
 */
export function nearestPositiveDefinite(
  matrix: SymmetricMatrix,
  label = 'covariance matrix',
  floor = 1e-8,
): PositiveDefiniteResult {
  const n = matrix.size;
  const { values, vectors } = jacobiEigen(matrix);
  const minEigenvalue = values[0];
  const maxEigenvalue = values[n - 1];
  const lowest = Math.max(maxEigenvalue, 0) * floor;
  if (minEigenvalue > lowest && cholesky(matrix) !== null) return { matrix, repaired: false, minEigenvalue };
  const clipped = new Float64Array(n);
  for (let i = 0; i < n; i++) clipped[i] = Math.max(values[i], lowest > 0 ? lowest : 1e-12);
  const rebuilt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * clipped[k] * vectors[j * n + k];
      rebuilt[i * n + j] = s;
      rebuilt[j * n + i] = s;
    }
  }
  // Restore the original variances: D^1/2 R D^1/2 with D = diag(original) / diag(rebuilt) stays PD.
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const original = matrix.values[i * n + i];
    scale[i] = original > 0 && rebuilt[i * n + i] > 0 ? Math.sqrt(original / rebuilt[i * n + i]) : 1;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rebuilt[i * n + j] *= scale[i] * scale[j];
  const warning =
    `${label} is not positive definite (smallest eigenvalue ${minEigenvalue.toPrecision(4)}, ` +
    `largest ${maxEigenvalue.toPrecision(4)}); repaired to the nearest positive definite matrix by ` +
    `eigenvalue clipping (floor ${floor} x largest). Check for duplicated or perfectly collinear assets or too little history.`;
  return { matrix: { size: n, values: rebuilt }, repaired: true, minEigenvalue, warning };
}
