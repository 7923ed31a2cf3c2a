/**
 * One-dimensional root finding for the margin-removal methods (Shin's z, the power exponent, the odds
 * ratio): each solves "the de-margined probabilities sum to 1" for one parameter, a smooth monotone
 * function on a known bracket. Newton steps converge in a handful of iterations; a step that leaves the
 * bracket falls back to bisection, so the solver cannot diverge.
 */
export interface RootResult {
  root: number;
  iterations: number;
  converged: boolean;
}

/**
 * A root of `f` in [lo, hi] where f(lo) and f(hi) have opposite signs. `f` returns [value, derivative].
 * Stops when |f| <= tolerance or the bracket is narrower than 1e-15 (relative).
 */
export function solveBracketed(
  f: (x: number) => readonly [number, number],
  lo: number,
  hi: number,
  tolerance = 1e-14,
  maxIterations = 200,
): RootResult | undefined {
  let [flo] = f(lo);
  const [fhi] = f(hi);
  // An end that already solves the equation to the tolerance (e.g. a book with no margin: z = 0).
  if (Math.abs(flo) <= tolerance) return { root: lo, iterations: 0, converged: true };
  if (Math.abs(fhi) <= tolerance) return { root: hi, iterations: 0, converged: true };
  if (Math.sign(flo) === Math.sign(fhi)) return undefined;
  let x = 0.5 * (lo + hi);
  for (let i = 1; i <= maxIterations; i++) {
    const [fx, dfx] = f(x);
    if (Math.abs(fx) <= tolerance) return { root: x, iterations: i, converged: true };
    // Keep the bracket: the root lies between x and whichever end has the other sign.
    if (Math.sign(fx) === Math.sign(flo)) {
      lo = x;
      flo = fx;
    } else {
      hi = x;
    }
    if (hi - lo <= 1e-15 * Math.max(1, Math.abs(x))) return { root: x, iterations: i, converged: true };
    const newton = dfx !== 0 && Number.isFinite(dfx) ? x - fx / dfx : Number.NaN;
    x = newton > lo && newton < hi ? newton : 0.5 * (lo + hi);
  }
  return { root: x, iterations: maxIterations, converged: false };
}
