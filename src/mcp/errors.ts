import { NeuralTraderError } from '../core/errors.js';
import { redact } from '../core/redact.js';

/**
 * How failures reach the assistant. A tool never crashes the server: every failure becomes a tool
 * result with `isError: true` whose text says what was wrong and how to fix it, so the model can
 * correct its call and try again.
 */
export interface ToolErrorResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  isError: true;
}

/**
 * Longest error text sent to a client. Messages quote the caller's input (a bad date, an unknown name);
 * however large that input was, the answer stays small.
 */
export const MAX_ERROR_TEXT = 2000;

/** `text` cut to `max` characters, saying how much was left out. */
export function boundText(text: string, max = MAX_ERROR_TEXT): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/** A caller's value quoted in a message: JSON, at most `max` characters, control characters escaped. */
export function quoteInput(value: unknown, max = 40): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length <= max ? text : `${text.slice(0, max)}...(${text.length} characters)`;
}

/** A heavy call that failed inside its worker thread, with the text its tool error shows. */
export class JobFailedError extends Error {
  constructor(
    readonly text: string,
    readonly expected: boolean,
    readonly workerStack?: string,
  ) {
    super(text);
    this.name = 'JobFailedError';
  }
}

export function toolErrorResult(text: string): ToolErrorResult {
  // Redact before cutting, so a secret straddling the cut cannot survive as a fragment.
  return { content: [{ type: 'text', text: boundText(redact(text)) }], isError: true };
}

/** Library fields are camelCase (limitPrice) and tool arguments snake_case (limit_price); others stay. */
function toolFieldName(field: string): string {
  return /^[a-z][a-zA-Z0-9]*$/.test(field)
    ? field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
    : field;
}

const MAX_ISSUES_SHOWN = 5;

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

function isZodLikeError(error: unknown): error is { issues: ZodLikeIssue[] } {
  return (
    typeof error === 'object' &&
    error !== null &&
    'issues' in error &&
    Array.isArray((error as { issues: unknown }).issues)
  );
}

/** The text of a failure: `field: message` + hint for library errors, the first issue for zod errors. */
export function describeToolError(error: unknown): { text: string; expected: boolean } {
  if (error instanceof NeuralTraderError) {
    const field = error.field === undefined ? undefined : toolFieldName(error.field);
    // No prefix when the message already names the field: "strategy: ...", or a setting such as
    // ALPACA_API_KEY anywhere in it ("alpaca: ALPACA_API_KEY is not set").
    const named =
      !field ||
      [error.field, field].some(
        (name) => name && (error.message.startsWith(name) || error.message.includes(`${name}:`)),
      ) ||
      (field === error.field && !/^[a-z]/.test(field) && error.message.includes(field));
    const prefix = named ? '' : `${field}: `;
    const hint = error.hint ? `\nhint: ${error.hint}` : '';
    return { text: `${prefix}${error.message}${hint}`, expected: true };
  }
  if (isZodLikeError(error)) {
    const shown = error.issues.slice(0, MAX_ISSUES_SHOWN);
    const more = error.issues.length - shown.length;
    const text =
      shown
        .map((issue) => `${issue.path.map(String).join('.') || 'arguments'}: ${issue.message}`)
        .join('\n') + (more > 0 ? `\n(${more} more problems)` : '');
    return { text, expected: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { text: `internal error: ${message}`, expected: false };
}
