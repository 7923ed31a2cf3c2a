import { BarSeries } from '../core/bars.js';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { parseSymbolList } from '../core/inputs.js';
import { type EpochMs, formatTimestamp } from '../core/time.js';
import type { ExogenousSeries, SeriesWithExogenous, TrainingData } from './training-types.js';

/**
 * Exogenous inputs of N-HiTS and the Transformer: named series aligned bar for bar with the target
 * series (same length, value i belongs to bar i), e.g. the bars' own volume or another symbol's returns.
 * The model sees only their past: each exogenous window ends at the forecast origin, like the target's,
 * so a forecast needs no future values. Each series gets its own scaler, fitted on the training split.
 *
 * This module holds what the model records about them (ExogenousSpec), the checks every entry point
 * runs on the series it is given, and the one place the faces (CLI, MCP) turn a request such as
 * `--exog volume --exog-symbol DJIA` into aligned series (`prepareExogenous`).
 */

/** How an exogenous series was made (recorded in the model file so forecasts can rebuild it). */
export type ExogenousSource =
  /** ln(1 + volume) of the target's own bars. */
  | { kind: 'volume' }
  /** Log returns of another symbol's closes, aligned to the target's bar times (last close at or before each bar). */
  | { kind: 'returns'; symbol: string }
  /** A series the library user passed; forecasts need the same series again. */
  | { kind: 'given' };

export interface ExogenousSpec {
  name: string;
  source: ExogenousSource;
}

/** Bar columns an exogenous input can be derived from (by name, e.g. `--exog volume`). */
export const EXOGENOUS_COLUMNS = ['volume'] as const;
export type ExogenousColumn = (typeof EXOGENOUS_COLUMNS)[number];

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/;

function describeSource(source: ExogenousSource): string {
  switch (source.kind) {
    case 'volume':
      return 'ln(1 + volume) of the bars';
    case 'returns':
      return `log returns of ${source.symbol}`;
    case 'given':
      return 'a series passed by the caller';
  }
}

/** One line per input, e.g. "returns:DJIA (log returns of DJIA)". */
export function describeExogenous(specs: readonly ExogenousSpec[]): string {
  return specs.map((s) => `${s.name} (${describeSource(s.source)})`).join(', ');
}

function checkSource(source: unknown, name: string): ExogenousSource {
  const s = source as { kind?: unknown; symbol?: unknown } | null;
  if (s && typeof s === 'object') {
    if (s.kind === 'volume' || s.kind === 'given') return { kind: s.kind };
    if (s.kind === 'returns' && typeof s.symbol === 'string' && s.symbol.length > 0)
      return { kind: 'returns', symbol: s.symbol };
  }
  throw new ValidationError(`exogenous input '${name}' has an unknown source ${JSON.stringify(source)}`, {
    field: 'exogenous',
  });
}

/**
 * The forecaster option `exogenous` checked and normalised: a plain name means a series the caller
 * passes ('given'); specs made by `prepareExogenous` carry how they were derived. Names are unique.
 */
export function resolveExogenousSpecs(input: unknown): ExogenousSpec[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) {
    throw new ValidationError('exogenous must be a list of input names', { field: 'exogenous' });
  }
  const specs: ExogenousSpec[] = [];
  const seen = new Set<string>();
  for (const item of input as unknown[]) {
    const spec: ExogenousSpec =
      typeof item === 'string'
        ? { name: item, source: { kind: 'given' } }
        : item && typeof item === 'object' && typeof (item as ExogenousSpec).name === 'string'
          ? {
              name: (item as ExogenousSpec).name,
              source: checkSource((item as ExogenousSpec).source, (item as ExogenousSpec).name),
            }
          : (() => {
              throw new ValidationError(`exogenous input ${JSON.stringify(item)} is not a name or a spec`, {
                field: 'exogenous',
              });
            })();
    if (!NAME.test(spec.name)) {
      throw new ValidationError(
        `exogenous input name "${spec.name.slice(0, 64)}" is not valid (letters, digits and . _ : / -, at most 64)`,
        { field: 'exogenous' },
      );
    }
    if (seen.has(spec.name)) {
      throw new ValidationError(`exogenous input '${spec.name}' is listed twice`, { field: 'exogenous' });
    }
    seen.add(spec.name);
    specs.push(spec);
  }
  return specs;
}

/** Split training/evaluation data into the target series and its exogenous series (null when none). */
export function splitExogenousData(data: TrainingData): {
  series: BarSeries | Float64Array | readonly number[];
  exogenous: ExogenousSeries | null;
} {
  if (data instanceof BarSeries || data instanceof Float64Array || Array.isArray(data)) {
    return { series: data as BarSeries | Float64Array | readonly number[], exogenous: null };
  }
  const wrapped = data as SeriesWithExogenous;
  return { series: wrapped.series, exogenous: wrapped.exogenous ?? null };
}

/**
 * The exogenous series a model needs, in the model's order, checked against `length` (the target
 * series' length): each must be present (one line naming a missing one), no unknown names, same length.
 * `finite` also rejects NaN/Infinity anywhere (training); forecasts check only the windows they read.
 */
export function exogenousColumns(
  specs: readonly ExogenousSpec[],
  given: ExogenousSeries | null | undefined,
  length: number,
  what: string,
  finite = false,
): Float64Array[] {
  const names = specs.map((s) => s.name);
  const passed = given ? Object.keys(given) : [];
  if (specs.length === 0) {
    if (passed.length > 0) {
      throw new ValidationError(
        `this model has no exogenous inputs, but ${what} has ${passed.map((n) => `'${n}'`).join(', ')}`,
        { field: 'exogenous', hint: 'train with the exogenous option to use them' },
      );
    }
    return [];
  }
  for (const name of passed) {
    if (!names.includes(name)) {
      throw new ValidationError(
        `unknown exogenous input '${name}' in ${what}: this model takes ${names.join(', ')}`,
        { field: 'exogenous' },
      );
    }
  }
  return specs.map((spec) => {
    const series = given?.[spec.name];
    if (series === undefined || series === null) {
      throw new ValidationError(
        `missing exogenous input '${spec.name}' for ${what}: this model was trained with ${describeExogenous(specs)}`,
        { field: `exogenous.${spec.name}`, hint: 'pass every exogenous series the model was trained with' },
      );
    }
    if (series.length !== length) {
      throw new ValidationError(
        `exogenous input '${spec.name}' has ${series.length} values but ${what} has ${length}: they must be aligned bar for bar`,
        { field: `exogenous.${spec.name}` },
      );
    }
    const values = series instanceof Float64Array ? series : Float64Array.from(series);
    if (finite) {
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i])) {
          throw new ValidationError(
            `exogenous input '${spec.name}' has a non-finite value (${values[i]}) at index ${i}`,
            { field: `exogenous.${spec.name}[${i}]`, hint: 'drop or fill missing values first' },
          );
        }
      }
    }
    return values;
  });
}

// ------------------------------------------------------------------------------------- face requests

/** What a face asks for: bar columns by name and other symbols whose returns to use. */
export interface ExogenousRequest {
  /** Bar columns (see EXOGENOUS_COLUMNS): a list, or one string of names separated by commas or spaces. */
  exogenous?: string | readonly string[];
  /** Other symbols whose log returns are inputs (named `returns:<SYMBOL>`). */
  exogenousSymbols?: string | readonly string[];
}

/** How a face names the two request fields in its errors (CLI: `--exog`, MCP: `exogenous`). */
export interface ExogenousFields {
  exogenous: string;
  exogenousSymbols: string;
}

export const EXOGENOUS_LIBRARY_FIELDS: ExogenousFields = {
  exogenous: 'exogenous',
  exogenousSymbols: 'exogenousSymbols',
};

function listOf(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return (typeof value === 'string' ? [value] : value)
    .flatMap((item) => String(item).split(/[\s,]+/))
    .filter((item) => item.length > 0);
}

/** A face's request -> specs: known column names, normalised symbols, nothing twice. */
export function parseExogenousRequest(
  request: ExogenousRequest,
  fields: ExogenousFields = EXOGENOUS_LIBRARY_FIELDS,
): ExogenousSpec[] {
  const specs: ExogenousSpec[] = [];
  for (const raw of listOf(request.exogenous)) {
    const name = raw.toLowerCase();
    if (!(EXOGENOUS_COLUMNS as readonly string[]).includes(name)) {
      throw new ValidationError(
        `${fields.exogenous}: unknown exogenous input "${raw.slice(0, 40)}" (known: ${EXOGENOUS_COLUMNS.join(', ')}; another symbol's returns: ${fields.exogenousSymbols})`,
        { field: fields.exogenous },
      );
    }
    if (specs.some((s) => s.name === name)) {
      throw new ValidationError(`${fields.exogenous}: ${name} is listed twice`, { field: fields.exogenous });
    }
    specs.push({ name, source: { kind: name as ExogenousColumn } });
  }
  const symbols = listOf(request.exogenousSymbols);
  if (symbols.length > 0) {
    for (const symbol of parseSymbolList(symbols, fields.exogenousSymbols)) {
      specs.push({ name: `returns:${symbol}`, source: { kind: 'returns', symbol } });
    }
  }
  return specs;
}

/** Loads another symbol's bars covering [start, end] (the face's data provider). */
export type ExogenousLoader = (symbol: string, start: EpochMs, end: EpochMs) => Promise<BarSeries>;

const DAY_MS = 86_400_000;
/** Another symbol whose data ends more than this before the target's last bar is refused (stale). */
const STALE_MS = 7 * DAY_MS;

function volumeOf(series: BarSeries, name: string): Float64Array {
  let any = false;
  const out = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) {
    const v = series.volume[i];
    if (!Number.isFinite(v) || v < 0) {
      throw new ValidationError(
        `exogenous input '${name}': ${series.symbol} has an invalid volume (${v}) at ${formatTimestamp(series.timestamps[i])}`,
        { field: 'exogenous' },
      );
    }
    if (v > 0) any = true;
    out[i] = Math.log1p(v);
  }
  if (series.closeOnly || !any) {
    throw new ValidationError(`exogenous input '${name}': ${series.symbol} has no volume (close-only data)`, {
      field: 'exogenous',
      hint: 'use a series with volume, e.g. SPX, AAPL or MSFT from the bundled samples',
    });
  }
  return out;
}

/**
 * Log returns of `other` on the bar times of `series`: close(t) = other's last close at or before bar t
 * (gaps forward-filled, never a later close), return(t) = ln(close(t) / close(t - 1)). Bars before the
 * first defined return are NaN (the caller trims them).
 */
function alignedReturns(series: BarSeries, other: BarSeries, name: string): Float64Array {
  const n = series.length;
  const out = new Float64Array(n).fill(Number.NaN);
  if (other.length === 0 || other.lastTimestamp < series.lastTimestamp - STALE_MS) {
    throw new ValidationError(
      `exogenous input '${name}': ${other.symbol} data ${other.length ? `ends ${formatTimestamp(other.lastTimestamp).slice(0, 10)}` : 'is empty'}, before ${series.symbol}'s last bar ${formatTimestamp(series.lastTimestamp).slice(0, 10)}`,
      { field: 'exogenous', hint: 'pick a symbol whose data covers the same dates' },
    );
  }
  let j = -1;
  let previous = Number.NaN;
  for (let t = 0; t < n; t++) {
    while (j + 1 < other.length && other.timestamps[j + 1] <= series.timestamps[t]) j++;
    const close = j >= 0 ? other.close[j] : Number.NaN;
    if (j >= 0 && !(close > 0 && Number.isFinite(close))) {
      throw new ValidationError(
        `exogenous input '${name}': ${other.symbol} has a non-positive or missing close (${close}) at ${formatTimestamp(other.timestamps[j])}`,
        { field: 'exogenous' },
      );
    }
    out[t] = Math.log(close / previous);
    previous = close;
  }
  return out;
}

/**
 * Build the exogenous series of `specs` for `series`. Returns the series trimmed at the start to the
 * first bar where every input is defined (another symbol's returns need its close at the previous bar),
 * and the aligned inputs.
 */
export async function deriveExogenous(
  series: BarSeries,
  specs: readonly ExogenousSpec[],
  load: ExogenousLoader,
): Promise<{ series: BarSeries; exogenous: Record<string, Float64Array> }> {
  const columns: Record<string, Float64Array> = {};
  let first = 0;
  for (const spec of specs) {
    switch (spec.source.kind) {
      case 'volume':
        columns[spec.name] = volumeOf(series, spec.name);
        break;
      case 'returns': {
        if (series.length === 0) break;
        // A couple of weeks earlier, so the bar before the target's first bar has a close too.
        const other = await load(
          spec.source.symbol,
          series.firstTimestamp - 14 * DAY_MS,
          series.lastTimestamp,
        ).catch((error: unknown) => {
          // The loader's own message ("unknown sample symbol ...") does not say which request needed it.
          if (error instanceof NeuralTraderError)
            error.message = `exogenous input '${spec.name}': ${error.message}`;
          throw error;
        });
        const values = alignedReturns(series, other, spec.name);
        let k = 0;
        while (k < values.length && Number.isNaN(values[k])) k++;
        first = Math.max(first, k);
        columns[spec.name] = values;
        break;
      }
      case 'given':
        throw new ValidationError(
          `exogenous input '${spec.name}' was a series passed to the library when the model was trained; it cannot be rebuilt here`,
          {
            field: 'exogenous',
            hint: `pass it yourself: model.forecastAt(values, origins, { '${spec.name}': series })`,
          },
        );
    }
  }
  if (first >= series.length && specs.length > 0) {
    throw new ValidationError(
      `exogenous inputs ${specs.map((s) => s.name).join(', ')} have no values over ${series.symbol}'s bars`,
      { field: 'exogenous', hint: 'pick symbols whose data covers the same dates' },
    );
  }
  const trimmed = first > 0 ? series.slice(first) : series;
  const exogenous: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(columns)) exogenous[name] = values.subarray(first);
  return { series: trimmed, exogenous };
}

/**
 * The one call the faces make for exogenous inputs, in training (`request` only: parsed into specs) and
 * in forecasting/evaluation (`model`: the specs the model file records; a request given beside it must
 * name the same inputs). Returns the specs, the (possibly start-trimmed) series, and the data to pass to
 * train/evaluate: the series itself when there are no exogenous inputs.
 */
export async function prepareExogenous(
  series: BarSeries,
  options: {
    request?: ExogenousRequest;
    fields?: ExogenousFields;
    model?: readonly ExogenousSpec[];
  },
  load: ExogenousLoader,
): Promise<{ specs: ExogenousSpec[]; series: BarSeries; data: BarSeries | SeriesWithExogenous }> {
  const fields = options.fields ?? EXOGENOUS_LIBRARY_FIELDS;
  const requested = parseExogenousRequest(options.request ?? {}, fields);
  let specs = requested;
  if (options.model) {
    specs = [...options.model];
    const given = (options.request?.exogenous ?? options.request?.exogenousSymbols) !== undefined;
    const same =
      requested.length === specs.length && requested.every((r) => specs.some((s) => s.name === r.name));
    if (given && requested.length > 0 && !same) {
      throw new ValidationError(
        `${fields.exogenous}/${fields.exogenousSymbols}: this model takes ${specs.length ? specs.map((s) => s.name).join(', ') : 'no exogenous inputs'}, not ${requested.map((s) => s.name).join(', ')}`,
        {
          field: fields.exogenous,
          hint: 'leave them out: the model file records its inputs and they are rebuilt from it',
        },
      );
    }
  }
  if (specs.length === 0) return { specs, series, data: series };
  const derived = await deriveExogenous(series, specs, load);
  return {
    specs,
    series: derived.series,
    data: { series: derived.series, exogenous: derived.exogenous },
  };
}
