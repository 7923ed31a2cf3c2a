/**
 * Errors a user can act on. Every error that crosses a public boundary (CLI, MCP, library call with
 * bad input) is a NeuralTraderError: its message says what was wrong, `hint` says how to fix it.
 * The CLI prints `error: <message>` (and the hint) without a stack trace and exits non-zero.
 * Anything that is not a NeuralTraderError is a bug and is reported with its stack.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'CONFIG'
  | 'DATA'
  | 'NOT_FOUND'
  | 'PROVIDER'
  | 'AUTH'
  | 'RATE_LIMIT'
  | 'TIMEOUT'
  | 'ORDER_REJECTED'
  | 'RISK_LIMIT'
  | 'MODEL'
  | 'CANCELLED'
  | 'IO'
  /** Someone else holds what was asked for: an account owned by another process, a reused id. */
  | 'CONFLICT'
  | 'UNSUPPORTED';

export interface NeuralTraderErrorOptions {
  /** How the user can fix it, e.g. "set ALPACA_API_KEY in .env". */
  hint?: string;
  /** The offending field, row, parameter or value, when there is one. */
  field?: string;
  cause?: unknown;
}

export class NeuralTraderError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, options: NeuralTraderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NeuralTraderError';
    this.code = code;
    this.hint = options.hint;
    this.field = options.field;
  }

  /** One or two lines for a human: the message, then the hint. */
  toUserString(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** Bad input from a user or a file: a flag, a parameter, a CSV row, an order field. */
export class ValidationError extends NeuralTraderError {
  constructor(message: string, options: NeuralTraderErrorOptions = {}) {
    super('VALIDATION', message, options);
    this.name = 'ValidationError';
  }
}

export class ConfigError extends NeuralTraderError {
  constructor(message: string, options: NeuralTraderErrorOptions = {}) {
    super('CONFIG', message, options);
    this.name = 'ConfigError';
  }
}

/** Market data problems: no bars in a range, unknown symbol, malformed file. */
export class DataError extends NeuralTraderError {
  constructor(message: string, options: NeuralTraderErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? 'DATA', message, options);
    this.name = 'DataError';
  }
}

/** An external service (Alpaca, Polygon, odds feed) answered with an error or not at all. */
export class ProviderError extends NeuralTraderError {
  /** HTTP status, when the service answered. */
  readonly status?: number;
  readonly provider: string;

  constructor(
    provider: string,
    message: string,
    options: NeuralTraderErrorOptions & { status?: number; code?: ErrorCode } = {},
  ) {
    super(options.code ?? 'PROVIDER', message, options);
    this.name = 'ProviderError';
    this.provider = provider;
    this.status = options.status;
  }
}

export function isNeuralTraderError(error: unknown): error is NeuralTraderError {
  return error instanceof NeuralTraderError;
}
