import { ValidationError } from '../core/errors.js';
import { Random } from '../core/random.js';

/**
 * Parameter spaces for optimisation. A dimension is either an explicit list of values or a numeric range
 * (`min:max:step` on the command line). Grid search takes the cartesian product; random search samples
 * uniformly (integers stay integers, steps are respected).
 */
export type ParamValue = number | string | boolean;

export interface NumericRange {
  min: number;
  max: number;
  /** Grid step; random search snaps to it when given. */
  step?: number;
  /** Sample whole numbers only. */
  integer?: boolean;
}

export type ParamDimension = readonly ParamValue[] | NumericRange;
export type ParamSpace = Readonly<Record<string, ParamDimension>>;
export type ParamSet = Record<string, ParamValue>;

function isRange(dimension: ParamDimension): dimension is NumericRange {
  return !Array.isArray(dimension);
}

/** The values a dimension takes in a grid. */
export function dimensionValues(name: string, dimension: ParamDimension): ParamValue[] {
  if (!isRange(dimension)) {
    if (dimension.length === 0) throw new ValidationError(`${name}: no values to try`, { field: name });
    return [...dimension];
  }
  const { min, max } = dimension;
  const step = dimension.step ?? (dimension.integer ? 1 : (max - min) / 10);
  if (!(step > 0) || !Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new ValidationError(`${name}: invalid range ${min}:${max}:${step}`, {
      field: name,
      hint: 'write ranges as min:max:step with min <= max and step > 0, e.g. lookback=10:60:5',
    });
  }
  const values: number[] = [];
  // Count steps with an integer index so floating-point drift cannot skip or duplicate the end point.
  const count = Math.floor((max - min) / step + 1e-9);
  for (let i = 0; i <= count; i++) values.push(Number((min + i * step).toPrecision(12)));
  return values;
}

/** Every combination of the space (cartesian product), in a stable order. */
export function gridCombinations(space: ParamSpace): ParamSet[] {
  const names = Object.keys(space);
  const axes = names.map((n) => dimensionValues(n, space[n]));
  const total = axes.reduce((product, axis) => product * axis.length, 1);
  if (total > 1_000_000) {
    throw new ValidationError(`the grid has ${total} combinations; the limit is 1,000,000`, {
      hint: 'use coarser steps or --method random --samples N',
    });
  }
  const out: ParamSet[] = [];
  const index = new Array<number>(names.length).fill(0);
  for (let k = 0; k < total; k++) {
    const set: ParamSet = {};
    for (let d = 0; d < names.length; d++) set[names[d]] = axes[d][index[d]];
    out.push(set);
    for (let d = names.length - 1; d >= 0; d--) {
      index[d]++;
      if (index[d] < axes[d].length) break;
      index[d] = 0;
    }
  }
  return out;
}

/** `samples` random points of the space, reproducible from `seed`; duplicates are dropped. */
export function randomCombinations(space: ParamSpace, samples: number, seed = 42): ParamSet[] {
  const rng = new Random(seed);
  const names = Object.keys(space);
  const seen = new Set<string>();
  const out: ParamSet[] = [];
  const maxAttempts = samples * 20;
  for (let attempt = 0; attempt < maxAttempts && out.length < samples; attempt++) {
    const set: ParamSet = {};
    for (const name of names) {
      const dimension = space[name];
      if (!isRange(dimension)) {
        set[name] = dimension[rng.int(dimension.length)];
        continue;
      }
      let value = dimension.min + rng.next() * (dimension.max - dimension.min);
      if (dimension.step)
        value = dimension.min + Math.round((value - dimension.min) / dimension.step) * dimension.step;
      if (dimension.integer) value = Math.round(value);
      set[name] = Number(Math.min(dimension.max, value).toPrecision(12));
    }
    const key = JSON.stringify(set);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(set);
  }
  return out;
}

/**
 * Parse `name=min:max[:step]` or `name=a,b,c` (numbers, true/false, or words) as given on the command
 * line.
 */
export function parseDimension(spec: string): [string, ParamDimension] {
  const eq = spec.indexOf('=');
  if (eq <= 0) {
    throw new ValidationError(`cannot read parameter range "${spec}"`, {
      hint: 'write name=min:max:step (e.g. lookback=10:60:5) or name=v1,v2,v3 (e.g. entryThreshold=1.5,2,2.5)',
    });
  }
  const name = spec.slice(0, eq).trim();
  const body = spec.slice(eq + 1).trim();
  if (body.includes(':')) {
    const parts = body.split(':').map(Number);
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => !Number.isFinite(p))) {
      throw new ValidationError(`${name}: cannot read range "${body}"`, {
        field: name,
        hint: 'write min:max or min:max:step with numbers, e.g. 10:60:5',
      });
    }
    const [min, max, step] = parts;
    const integer =
      Number.isInteger(min) && Number.isInteger(max) && (step === undefined || Number.isInteger(step));
    return [name, { min, max, step: step ?? (integer ? 1 : undefined), integer }];
  }
  const values = body.split(',').map((raw) => {
    const v = raw.trim();
    if (v === 'true' || v === 'false') return v === 'true';
    const n = Number(v);
    return v !== '' && Number.isFinite(n) ? n : v;
  });
  return [name, values];
}

/** Build a space from several CLI specs. */
export function parseSpace(specs: readonly string[]): Record<string, ParamDimension> {
  const space: Record<string, ParamDimension> = {};
  for (const spec of specs) {
    const [name, dimension] = parseDimension(spec);
    space[name] = dimension;
  }
  return space;
}
