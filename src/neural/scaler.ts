import { ModelError } from './errors.js';

export type ScalerKind = 'standard' | 'minmax' | 'none';

/** A fitted affine scaler, saved with the model: scaled = (value - center) / scale. */
export interface ScalerState {
  kind: ScalerKind;
  center: number;
  scale: number;
  /** How many values it was fitted on (the training split only). */
  count: number;
}

/**
 * Scales model inputs and targets. It is fitted once, on the training split only, so nothing about the
 * validation or test period leaks into training; the fitted state is stored in the model file.
 */
export class Scaler {
  readonly kind: ScalerKind;
  readonly center: number;
  readonly scale: number;
  readonly count: number;

  constructor(state: ScalerState) {
    if (!Number.isFinite(state.center) || !Number.isFinite(state.scale) || state.scale <= 0) {
      throw new ModelError(`invalid scaler state: center ${state.center}, scale ${state.scale}`);
    }
    this.kind = state.kind;
    this.center = state.center;
    this.scale = state.scale;
    this.count = state.count;
  }

  static fit(values: ArrayLike<number>, kind: ScalerKind): Scaler {
    const n = values.length;
    if (kind === 'none' || n === 0) return new Scaler({ kind, center: 0, scale: 1, count: n });
    if (kind === 'minmax') {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        if (values[i] < min) min = values[i];
        if (values[i] > max) max = values[i];
      }
      const range = max - min;
      return new Scaler({ kind, center: min, scale: range > 0 ? range : 1, count: n });
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[i];
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2;
    const std = Math.sqrt(squares / n);
    return new Scaler({ kind, center: mean, scale: std > 0 ? std : 1, count: n });
  }

  transform(value: number): number {
    return (value - this.center) / this.scale;
  }

  inverse(scaled: number): number {
    return scaled * this.scale + this.center;
  }

  toJSON(): ScalerState {
    return { kind: this.kind, center: this.center, scale: this.scale, count: this.count };
  }
}
