/**
 * Naive forecasts every model is judged against. Each writes the `horizon` values after origin index `t`
 * of `values` into `out`, using values[0..t] only.
 */
export type BaselineName = 'random-walk' | 'drift' | 'seasonal-naive';
export const BASELINES: readonly BaselineName[] = ['random-walk', 'drift', 'seasonal-naive'];

/** Random walk / last value: every step equals the last known value. */
export function randomWalkForecast(
  values: ArrayLike<number>,
  t: number,
  horizon: number,
  out: Float64Array,
): void {
  for (let j = 0; j < horizon; j++) out[j] = values[t];
}

/** Drift: the last value plus the average change per step over the history before the origin. */
export function driftForecast(
  values: ArrayLike<number>,
  t: number,
  horizon: number,
  out: Float64Array,
  lookback = t,
): void {
  const span = Math.min(lookback, t);
  const slope = span > 0 ? (values[t] - values[t - span]) / span : 0;
  for (let j = 0; j < horizon; j++) out[j] = values[t] + slope * (j + 1);
}

/** Seasonal naive: step j repeats the value one season earlier (season 5 = one trading week for daily bars). */
export function seasonalNaiveForecast(
  values: ArrayLike<number>,
  t: number,
  horizon: number,
  out: Float64Array,
  season = 5,
): void {
  for (let j = 0; j < horizon; j++) {
    const back = t - season + 1 + (j % season);
    out[j] = values[Math.max(0, back)];
  }
}

export function baselineForecast(
  name: BaselineName,
  values: ArrayLike<number>,
  t: number,
  horizon: number,
  out: Float64Array,
  season = 5,
): void {
  if (name === 'random-walk') randomWalkForecast(values, t, horizon, out);
  else if (name === 'drift') driftForecast(values, t, horizon, out);
  else seasonalNaiveForecast(values, t, horizon, out, season);
}
