import { Random } from '../core/random.js';

/**
 * Bulk standard normals for Monte Carlo risk: the Ziggurat method (Marsaglia & Tsang 2000, 128 layers)
 * driven by xoshiro128** with its state held in local variables inside `fill`, so a block of normals costs
 * about one 32-bit draw each. The generator is seeded from the project's seeded `Random` (core/random.ts),
 * so a seed reproduces every scenario.
 *
 * Each 32-bit draw is split into disjoint bits: the low 7 pick the layer, bit 7 the sign and the upper 24
 * the position within the layer, avoiding the layer/value correlation Doornik (2005) found in the original
 * RNOR. Tail and wedge samples use exact rejection with 53-bit uniforms.
 */
const LAYERS = 128;
const R = 3.442619855899;
const AREA = 9.91256303526217e-3;
const SCALE = 16_777_216; // 2^24

const kn = new Uint32Array(LAYERS);
const wn = new Float64Array(LAYERS);
const fn = new Float64Array(LAYERS);
{
  let dn = R;
  let tn = dn;
  const q = AREA / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * SCALE);
  kn[1] = 0;
  wn[0] = q / SCALE;
  wn[LAYERS - 1] = dn / SCALE;
  fn[0] = 1;
  fn[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(AREA / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * SCALE);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / SCALE;
  }
}

export class NormalSampler {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    const seeder = new Random(seed);
    this.s0 = seeder.nextUint32();
    this.s1 = seeder.nextUint32();
    this.s2 = seeder.nextUint32();
    this.s3 = seeder.nextUint32();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** One xoshiro128** output (uint32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  normal(): number {
    const u = this.nextUint32();
    const layer = u & 127;
    const j = u >>> 8;
    if (j < kn[layer]) return u & 128 ? -j * wn[layer] : j * wn[layer];
    return this.slowPath(u);
  }

  /** Fill `out` with standard normals. The fast path runs on local copies of the generator state. */
  fill(out: Float64Array): Float64Array {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const n = out.length;
    for (let i = 0; i < n; i++) {
      const u = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const layer = u & 127;
      const j = u >>> 8;
      if (j < kn[layer]) {
        out[i] = u & 128 ? -j * wn[layer] : j * wn[layer];
        continue;
      }
      // Rare (about 1.2%): hand the state back for the exact rejection step.
      this.s0 = s0;
      this.s1 = s1;
      this.s2 = s2;
      this.s3 = s3;
      out[i] = this.slowPath(u);
      s0 = this.s0;
      s1 = this.s1;
      s2 = this.s2;
      s3 = this.s3;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  private slowPath(first: number): number {
    let u = first;
    for (;;) {
      const layer = u & 127;
      const negative = (u & 128) !== 0;
      const j = u >>> 8;
      if (j < kn[layer]) return negative ? -j * wn[layer] : j * wn[layer];
      if (layer === 0) {
        // The tail beyond R (Marsaglia 1964).
        let x: number;
        let y: number;
        do {
          x = -Math.log(1 - this.next()) / R;
          y = -Math.log(1 - this.next());
        } while (y + y < x * x);
        return negative ? -(R + x) : R + x;
      }
      const x = j * wn[layer];
      if (fn[layer] + this.next() * (fn[layer - 1] - fn[layer]) < Math.exp(-0.5 * x * x))
        return negative ? -x : x;
      u = this.nextUint32();
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
