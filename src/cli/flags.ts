import { parseStrictNumber, parseSymbolList, type StrictNumberOptions } from '../core/inputs.js';

/**
 * Flag readers every command shares, built on the core parsers so a flag means the same thing on every
 * command (and the same as the MCP argument of that name): `--symbols KO PG` and `--symbols KO,PG`,
 * numbers in plain decimals checked against their range, one `warning:` line per degenerate result.
 */

/** A numeric flag, or undefined when it was not given. Refusals name the flag: `--capital: must be ...`. */
export function numberFlag(
  name: string,
  text: string | undefined,
  options: StrictNumberOptions = {},
): number | undefined {
  return text === undefined ? undefined : parseStrictNumber(text, `--${name}`, options);
}

/** A whole-number count flag that must be at least `min` (default 1): `--bars 0` is refused, not "run one bar". */
export function countFlag(name: string, text: string | undefined, min = 1): number | undefined {
  return numberFlag(name, text, { integer: true, min, allowExponent: false });
}

/** `--symbols KO PG`, `--symbols KO,PG` or `--symbols ko pg`: normalised, order kept, duplicates refused. */
export function symbolsFlag(values: string | readonly string[], name = 'symbols'): string[] {
  return parseSymbolList(values, `--${name}`);
}

/** Print each warning of a result as one `warning:` line on stderr (stdout stays parseable). */
export function printWarnings(warnings: readonly string[] | undefined): void {
  for (const warning of warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
}
