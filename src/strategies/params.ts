import { z } from 'zod';
import { ValidationError } from '../core/errors.js';

/**
 * Strategy parameters are described once, as data (`ParamSpec`), and that description drives
 * validation (a zod schema with messages that name the parameter, the value and the allowed range),
 * `strategies list/info` output and the optimiser's default search grid.
 */
export type ParamType = 'integer' | 'number' | 'boolean' | 'choice' | 'list';

export interface ParamGrid {
  min: number;
  max: number;
  step: number;
}

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Used when the parameter is not given. */
  default: unknown;
  /** Inclusive bounds for integer/number parameters. */
  min?: number;
  max?: number;
  /** Allowed values of a choice parameter. */
  choices?: readonly string[];
  description: string;
  /** Default optimisation grid for numeric parameters (narrower than min..max). */
  grid?: ParamGrid;
  /** Schema of one element of a list parameter (e.g. a trade or an ensemble member). */
  item?: z.ZodType;
}

function range(spec: ParamSpec): string {
  return `allowed ${spec.min ?? '-inf'}..${spec.max ?? 'inf'}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

/** CLI and MCP callers pass strings; accept "20", "2.5", "true" where a number or boolean is meant. */
function coerceNumber(value: unknown): unknown {
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return value;
}

function coerceBoolean(value: unknown): unknown {
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  return value;
}

function fieldSchema(spec: ParamSpec): z.ZodType {
  switch (spec.type) {
    case 'integer':
    case 'number': {
      let schema = z.number({ error: (issue) => `expected a number, got ${show(issue.input)}` });
      if (spec.type === 'integer') {
        schema = schema.int({
          error: (issue) => `${show(issue.input)} must be a whole number (${range(spec)})`,
        });
      }
      if (spec.min !== undefined) {
        const min = spec.min;
        schema = schema.min(min, {
          error: (issue) => `${show(issue.input)} is below the minimum ${min} (${range(spec)})`,
        });
      }
      if (spec.max !== undefined) {
        const max = spec.max;
        schema = schema.max(max, {
          error: (issue) => `${show(issue.input)} is above the maximum ${max} (${range(spec)})`,
        });
      }
      return z
        .preprocess(coerceNumber, schema)
        .optional()
        .default(spec.default as number);
    }
    case 'boolean':
      return z
        .preprocess(
          coerceBoolean,
          z.boolean({ error: (issue) => `expected true or false, got ${show(issue.input)}` }),
        )
        .optional()
        .default(spec.default as boolean);
    case 'choice': {
      const choices = (spec.choices ?? []) as [string, ...string[]];
      return z
        .enum(choices, { error: (issue) => `${show(issue.input)} is not one of ${choices.join(', ')}` })
        .optional()
        .default(spec.default as string);
    }
    case 'list': {
      const list = z.array(spec.item ?? z.unknown(), {
        error: (issue) => `expected a list, got ${show(issue.input)}`,
      });
      return (
        spec.default === undefined ? list : list.optional().default(spec.default as unknown[])
      ) as z.ZodType;
    }
  }
}

/** A zod object schema for a strategy's parameters (defaults filled in, strings coerced). */
export function paramsSchema(specs: readonly ParamSpec[]): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const spec of specs) shape[spec.name] = fieldSchema(spec);
  return z.object(shape) as unknown as z.ZodType<Record<string, unknown>>;
}

const schemaCache = new WeakMap<readonly ParamSpec[], z.ZodType<Record<string, unknown>>>();

function cachedSchema(specs: readonly ParamSpec[]): z.ZodType<Record<string, unknown>> {
  let schema = schemaCache.get(specs);
  if (!schema) {
    schema = paramsSchema(specs);
    schemaCache.set(specs, schema);
  }
  return schema;
}

/**
 * Validate `input` against `specs` and fill in defaults. Unknown names and bad values become a
 * ValidationError naming the parameter, the value and what is allowed.
 */
export function parseParams<T>(
  strategy: string,
  specs: readonly ParamSpec[],
  input: Readonly<Record<string, unknown>>,
  schema: z.ZodType<Record<string, unknown>> = cachedSchema(specs),
): T {
  const known = new Set(specs.map((s) => s.name));
  for (const key of Object.keys(input)) {
    if (key === 'symbols' || input[key] === undefined) continue;
    if (!known.has(key)) {
      throw new ValidationError(`${strategy}: unknown parameter "${key}"`, {
        field: key,
        hint: specs.length
          ? `valid parameters of ${strategy}: ${specs.map((s) => s.name).join(', ')}`
          : `${strategy} takes no parameters`,
      });
    }
  }
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(input))
    if (key !== 'symbols' && input[key] !== undefined) values[key] = input[key];
  const result = schema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.map(String).join('.');
    const spec = specs.find((s) => s.name === String(issue.path[0]));
    throw new ValidationError(`${field}: ${issue.message}`, {
      field,
      hint: spec ? `${strategy} ${spec.name}: ${spec.description}` : undefined,
    });
  }
  return result.data as T;
}

/** Throw the ValidationError a failed cross-parameter rule (e.g. fast < slow) deserves. */
export function paramError(field: string, message: string, hint?: string): never {
  throw new ValidationError(`${field}: ${message}`, { field, hint });
}

/** Explicit grid values of a numeric parameter: min, min + step, ..., max (rounded to the step's decimals). */
export function gridValues(grid: ParamGrid, integer: boolean): number[] {
  const decimals = Math.max(0, -Math.floor(Math.log10(grid.step) + 1e-9));
  const values: number[] = [];
  const count = Math.floor((grid.max - grid.min) / grid.step + 1e-9);
  for (let i = 0; i <= count; i++) {
    const value = grid.min + i * grid.step;
    values.push(integer ? Math.round(value) : Number(value.toFixed(decimals + 2)));
  }
  return values;
}
