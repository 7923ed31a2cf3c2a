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

export function toolErrorResult(text: string): ToolErrorResult {
  return { content: [{ type: 'text', text: redact(text) }], isError: true };
}

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
    // Library fields are camelCase (limitPrice); tool arguments are snake_case (limit_price).
    const field = error.field?.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    const named =
      !field ||
      [error.field, field].some(
        (name) => name && (error.message.startsWith(name) || error.message.includes(`${name}:`)),
      );
    const prefix = named ? '' : `${field}: `;
    const hint = error.hint ? `\nhint: ${error.hint}` : '';
    return { text: `${prefix}${error.message}${hint}`, expected: true };
  }
  if (isZodLikeError(error)) {
    const text = error.issues
      .map((issue) => `${issue.path.map(String).join('.') || 'arguments'}: ${issue.message}`)
      .join('\n');
    return { text, expected: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { text: `internal error: ${message}`, expected: false };
}
