import { NeuralTraderError } from '../core/errors.js';
import { getLogLevel } from '../core/log.js';
import { redact } from '../core/redact.js';

/**
 * Print an error the way a user needs it: one clear line (plus a hint) for mistakes they can fix, a stack
 * trace only for bugs or when LOG_LEVEL is debug/trace. Returns the exit code.
 */
export async function reportError(error: unknown): Promise<number> {
  if (error instanceof NeuralTraderError) {
    process.stderr.write(`${redact(`error: ${error.toUserString()}`)}\n`);
    return 1;
  }
  // zod errors from a schema at an edge that was not wrapped: still a user mistake; name the field.
  if (
    error &&
    typeof error === 'object' &&
    'issues' in error &&
    Array.isArray((error as { issues: unknown }).issues)
  ) {
    const issue = (error as { issues: { path: (string | number)[]; message: string }[] }).issues[0];
    process.stderr.write(`${redact(`error: ${issue.path.join('.') || 'input'}: ${issue.message}`)}\n`);
    return 1;
  }
  const verbose = getLogLevel() === 'debug' || getLogLevel() === 'trace';
  const text =
    error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
  process.stderr.write(`${redact(`error: unexpected failure: ${text}`)}\n`);
  if (!verbose)
    process.stderr.write('  (set LOG_LEVEL=debug for a stack trace; please report this as a bug)\n');
  return 1;
}
