/** Any seeded source of uniforms and standard normals (core Random or the bulk NormalSampler). */
export interface VariateSource {
  next(): number;
  normal(): number;
}

/**
 * Gamma(shape, 1) variates by Marsaglia and Tsang (2000); shape < 1 via the boost Gamma(shape + 1) * U^(1/shape).
 * Chi-square(df) = 2 * Gamma(df / 2).
 */
export function sampleGamma(rng: VariateSource, shape: number): number {
  if (shape < 1) return sampleGamma(rng, shape + 1) * rng.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = rng.next();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleChiSquare(rng: VariateSource, degreesOfFreedom: number): number {
  return 2 * sampleGamma(rng, degreesOfFreedom / 2);
}
