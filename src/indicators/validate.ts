import { ValidationError } from '../core/errors.js';

/** Window lengths are whole numbers of bars; anything else is a caller mistake worth a clear message. */
export function checkPeriod(indicator: string, name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new ValidationError(`${indicator}: ${name} must be a whole number >= ${min}, got ${value}`, {
      field: name,
      hint: `pass an integer ${name} of at least ${min}`,
    });
  }
  return value;
}

export function checkPositive(indicator: string, name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`${indicator}: ${name} must be a positive number, got ${value}`, {
      field: name,
    });
  }
  return value;
}

/** Batch inputs for multi-column indicators must line up bar for bar. */
export function checkSameLength(indicator: string, ...columns: ArrayLike<number>[]): number {
  const n = columns[0].length;
  for (const column of columns) {
    if (column.length !== n) {
      throw new ValidationError(
        `${indicator}: input columns have different lengths (${columns.map((c) => c.length).join(', ')})`,
        { hint: 'pass columns of one aligned series (e.g. series.high, series.low, series.close)' },
      );
    }
  }
  return n;
}

/** A Float64Array of `length` NaNs: what the batch form returns during warm-up. */
export function nanArray(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}
