import { ValidationError } from '../core/errors.js';

/**
 * `--param name=value` flags as a strategy parameter object. Values are numbers, booleans, or
 * comma-separated lists when they look like one; anything else stays a string. The strategy's own schema
 * then checks names and ranges.
 */
export function parseParamFlags(flags: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      throw new ValidationError(`--param: cannot read "${flag}"`, {
        field: 'param',
        hint: 'write --param name=value, e.g. --param lookback=20',
      });
    }
    params[flag.slice(0, eq).trim()] = parseParamValue(flag.slice(eq + 1).trim());
  }
  return params;
}

export function parseParamValue(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (text.includes(',')) return text.split(',').map((part) => parseParamValue(part.trim()));
  return text;
}
