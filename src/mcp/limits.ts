import { ConfigError, ValidationError } from '../core/errors.js';
import { MS_PER_DAY, parseDate } from '../core/time.js';
import { TIMEFRAME_MS, type Timeframe } from '../core/timeframe.js';

/**
 * What one MCP call may ask for. Every size limit here is checked with arithmetic on the arguments,
 * before anything is fetched or allocated, so a hostile request (a 1e9-point grid, 90 years of minute
 * bars) is refused in microseconds instead of taking the server down. Time limits stop a call that
 * is within its size limit but still runs too long.
 */

/** Bars one call may load per symbol (about 48 MB of OHLCV columns). */
export const MAX_BARS_PER_SYMBOL = 1_000_000;
/** Grid points one optimisation may try (each finished trial keeps its metrics until ranking). */
export const MAX_GRID_COMBINATIONS = 20_000;
/**
 * Training work: epochs x training windows x input channels (each window is one forward and backward
 * pass; every exogenous input adds a channel as wide as the target's, and the window tensors with it).
 */
export const MAX_TRAINING_WORK = 2_000_000;
/** Monte Carlo draws: scenarios x assets (one float64 each). */
export const MAX_MONTE_CARLO_DRAWS = 10_000_000;

/** A missing start date counts from here when bounding a request (no provider has older bars). */
const EARLIEST_BAR = Date.UTC(1970, 0, 1);

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A whole number with thousands separators, e.g. 1,000,000 (by hand: toLocaleString would load ICU's
 * number formatting at start-up, where tool descriptions use it).
 */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return 'an unbounded number of';
  if (Math.abs(value) >= 1e21) return value.toExponential(2);
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const count = formatCount;

/**
 * An upper bound on the bars a request can return: its calendar span divided by the bar length. A
 * missing start counts from 1970, a missing end up to now (or the start, if that is later).
 */
export function barsRequested(
  start: string | undefined,
  end: string | undefined,
  timeframe: Timeframe,
): number {
  const from = start === undefined ? EARLIEST_BAR : parseDate(start, 'start_date');
  let to = end === undefined ? Math.max(Date.now(), from) : parseDate(end, 'end_date');
  if (end !== undefined && DATE_ONLY.test(end)) to += MS_PER_DAY - 1;
  if (!(to >= from)) return 0;
  return Math.floor((to - from) / TIMEFRAME_MS[timeframe]) + 1;
}

/** Refuse a request whose span holds more bars than MAX_BARS_PER_SYMBOL. */
export function checkBarsRequested(
  range: { start?: string; end?: string; timeframe?: Timeframe },
  field = 'start_date',
): void {
  const timeframe = range.timeframe ?? '1Day';
  const bars = barsRequested(range.start, range.end, timeframe);
  if (bars > MAX_BARS_PER_SYMBOL) {
    throw new ValidationError(
      `${field}: the date range spans up to ${count(bars)} ${timeframe} bars; the limit is ${count(MAX_BARS_PER_SYMBOL)} per symbol`,
      {
        field,
        hint:
          range.start === undefined
            ? 'give a start_date (a missing one counts from 1970) or use a longer timeframe'
            : 'narrow the date range or use a longer timeframe',
      },
    );
  }
}

/** A grid dimension as the optimisation tools accept it: a list of values or a numeric range. */
export type GridDimension =
  | readonly unknown[]
  | { min: number; max: number; step?: number; integer?: boolean };

/**
 * Grid points of a space, computed arithmetically (the product of each dimension's value count),
 * never by listing them. Ranges count as the optimiser steps them: `step` or, without one, 1 for
 * integer ranges and a tenth of the span otherwise.
 */
export function gridSize(space: Readonly<Record<string, GridDimension>>): number {
  let total = 1;
  for (const [name, dimension] of Object.entries(space)) {
    if (Array.isArray(dimension)) {
      total *= dimension.length;
      continue;
    }
    const { min, max, integer } = dimension as { min: number; max: number; integer?: boolean };
    const step = (dimension as { step?: number }).step ?? (integer ? 1 : (max - min) / 10);
    if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max && step > 0)) {
      throw new ValidationError(`param_space.${name}: invalid range ${min}:${max}:${step}`, {
        field: `param_space.${name}`,
        hint: 'give min <= max and step > 0, e.g. {"min": 10, "max": 60, "step": 5}',
      });
    }
    total *= Math.floor((max - min) / step + 1e-9) + 1;
  }
  return total;
}

export function checkGridSize(space: Readonly<Record<string, GridDimension>>): void {
  const size = gridSize(space);
  if (size > MAX_GRID_COMBINATIONS) {
    throw new ValidationError(
      `param_space: the grid has ${count(size)} combinations; the limit is ${count(MAX_GRID_COMBINATIONS)}`,
      {
        field: 'param_space',
        hint: 'use coarser steps or fewer values, or method "random" with `samples`',
      },
    );
  }
}

/** Training windows a series of `bars` yields for a model (one per input+horizon slice). */
export function trainingWindows(bars: number, inputSize: number, horizon: number): number {
  return Math.max(0, bars - inputSize - horizon + 1);
}

/**
 * Refuse training whose epochs x windows x channels exceeds MAX_TRAINING_WORK (checked once the bar
 * count is known). `channels` is 1 for the target alone, plus one per exogenous input.
 */
export function checkTrainingWork(
  epochs: number,
  bars: number,
  inputSize: number,
  horizon: number,
  channels = 1,
): void {
  const windows = trainingWindows(bars, inputSize, horizon);
  const work = epochs * windows * channels;
  if (work > MAX_TRAINING_WORK) {
    const width =
      channels > 1 ? ` x ${channels} input channels (the target and ${channels - 1} exogenous)` : '';
    throw new ValidationError(
      `epochs: ${epochs} epochs x ${count(windows)} windows${width} = ${count(work)} training passes; the limit is ${count(MAX_TRAINING_WORK)}`,
      {
        field: 'epochs',
        hint: `train fewer epochs or on a shorter date range${channels > 1 ? ', or with fewer exogenous inputs' : ''}`,
      },
    );
  }
}

export function checkMonteCarloDraws(scenarios: number, assets: number): void {
  const draws = scenarios * assets;
  if (draws > MAX_MONTE_CARLO_DRAWS) {
    throw new ValidationError(
      `simulations: ${count(scenarios)} scenarios x ${assets} assets = ${count(draws)} draws; the limit is ${count(MAX_MONTE_CARLO_DRAWS)}`,
      { field: 'simulations', hint: 'use fewer simulations or fewer positions' },
    );
  }
}

/**
 * Per-tool time limits from NEURAL_TRADER_MCP_TIME_LIMITS: `tool=seconds` pairs separated by commas,
 * `*=seconds` for every tool without its own entry. Seconds may have decimals.
 */
export function parseTimeLimits(text: string | undefined): ReadonlyMap<string, number> {
  const limits = new Map<string, number>();
  if (text === undefined || text.trim() === '') return limits;
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const match = /^([a-z_*][a-z0-9_]*|\*)\s*=\s*(\d+(?:\.\d+)?)$/.exec(item);
    const seconds = match ? Number(match[2]) : Number.NaN;
    if (!match || !(seconds > 0) || seconds > 86_400) {
      throw new ConfigError(`NEURAL_TRADER_MCP_TIME_LIMITS: cannot read "${item.slice(0, 60)}"`, {
        field: 'NEURAL_TRADER_MCP_TIME_LIMITS',
        hint: 'write tool=seconds pairs, e.g. neural_train=1800,run_backtest=60,*=120 (0 < seconds <= 86400)',
      });
    }
    limits.set(match[1], seconds);
  }
  return limits;
}

/** Default time limits, seconds: on the event loop (quick tools) and in a worker (heavy tools). */
export const DEFAULT_TIME_LIMIT_SECONDS = { main: 30, worker: 120 } as const;

/** The time limit of one tool: its own entry, else the `*` entry, else the tool's default. */
export function timeLimitSeconds(
  limits: ReadonlyMap<string, number>,
  tool: string,
  toolDefault: number,
): number {
  return limits.get(tool) ?? limits.get('*') ?? toolDefault;
}
