import { readFileSync } from 'node:fs';
import { NeuralTraderError, ValidationError } from './errors.js';

/**
 * Strategy parameters as people type them on a command line, read the same way by every command
 * (backtest, optimize, trade): `--param name=value` flags and a `--params-file` of JSON. Values become
 * numbers, booleans, lists or, for anything that starts like JSON (`[`, `{`, `"`), the parsed JSON, so list
 * and object parameters (ensemble `members`, mirror `trades`) can be given from a shell:
 *
 *   --param members='[{"name":"momentum","params":{"lookback":30}}]'
 *
 * Names and ranges are checked afterwards by the strategy's own schema.
 */

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** One `--param` value: JSON when it starts like JSON, else true/false, a decimal, a comma list or text. */
export function parseParamValue(text: string, name = 'param'): unknown {
  const value = text.trim();
  if (/^[[{"]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch (error) {
      throw new ValidationError(`--param ${name}: not valid JSON (${(error as Error).message})`, {
        field: name,
        hint: `quote the whole value for the shell, e.g. --param ${name}='[{"name":"momentum"}]', or use --params-file`,
      });
    }
  }
  if (value === 'true' || value === 'false') return value === 'true';
  if (DECIMAL.test(value)) return Number(value);
  if (value.includes(',')) {
    return value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => parseParamValue(part, name));
  }
  return value;
}

/** `name=value` assignments (repeated `--param` flags) as one parameter object; a name given twice is an error. */
export function parseParamAssignments(items: readonly string[], flag = '--param'): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq).trim() : '';
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      throw new ValidationError(`${flag}: cannot read "${item.slice(0, 60)}"`, {
        field: 'param',
        hint: `write ${flag} name=value, e.g. ${flag} lookback=20`,
      });
    }
    if (Object.hasOwn(params, name)) {
      throw new ValidationError(`${flag}: ${name} is given twice`, { field: name });
    }
    params[name] = parseParamValue(item.slice(eq + 1), name);
  }
  return params;
}

/** A JSON file holding one object of strategy parameters (`--params-file params.json`). */
export function readParamsFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new NeuralTraderError(
      'IO',
      `--params-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        field: 'params-file',
        hint: 'give the path of a JSON file such as {"lookback": 20, "entryThreshold": 2}',
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`--params-file: ${path} is not valid JSON (${(error as Error).message})`, {
      field: 'params-file',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`--params-file: ${path} must hold one JSON object of parameters`, {
      field: 'params-file',
      hint: 'e.g. {"members": [{"name": "momentum"}], "threshold": 0.5}',
    });
  }
  return value as Record<string, unknown>;
}

/**
 * The parameters of a command: the file first, then `--param` flags on top (a flag overrides the file,
 * so one value can be varied without editing it).
 */
export function strategyParamsFromFlags(
  flags: readonly string[] | undefined,
  file: string | undefined,
): Record<string, unknown> {
  return { ...(file === undefined ? {} : readParamsFile(file)), ...parseParamAssignments(flags ?? []) };
}
