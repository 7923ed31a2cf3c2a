import { type ErrorCode, ProviderError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { redact } from '../core/redact.js';

/**
 * A small JSON-over-HTTP client for market-data services, on Node's global fetch. It owns the failure
 * handling every remote provider needs: a per-request timeout, retries with exponential backoff and
 * jitter for the transient failures (429, 5xx, network errors, timeouts), `Retry-After`, and turning
 * everything else into a ProviderError whose message a user can act on. URLs are stripped of secrets
 * before they reach a message or a log line, and headers are never printed.
 */

const log = createLogger('data:http');

export type SleepFunction = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface HttpClientOptions {
  /** Service name used in messages: `alpaca`, `polygon`. */
  provider: string;
  /** Per-attempt timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx, network errors and timeouts (default 4). */
  maxRetries?: number;
  /** First backoff delay in ms; doubles each retry, with full jitter (default 500). */
  baseDelayMs?: number;
  /** Ceiling for any single wait, including one asked for by `Retry-After` (default 30 000). */
  maxDelayMs?: number;
  /** How to wait between retries; tests inject a recorder so retry tests take no real time. */
  sleep?: SleepFunction;
  /** Uniform [0, 1) source for jitter (default Math.random). */
  random?: () => number;
  /** Hint for 401/403 answers, e.g. which env vars hold the credentials. */
  authHint?: string;
}

export interface JsonRequestOptions {
  /** Request headers (credentials go here; they are never logged). */
  headers?: Record<string, string>;
  /** The caller's cancellation; combined with the per-attempt timeout. */
  signal?: AbortSignal;
  /** What was asked for, for 404 messages: e.g. the symbol. */
  symbol?: string;
  /** Sees every HTTP response (each attempt), e.g. to read quota headers such as x-requests-remaining. */
  onResponse?: (response: Response) => void;
  /**
   * Veto a retry of a response that is normally retried (429, 5xx): return false for a 429 that means
   * "quota used up" rather than "slow down", which no amount of waiting within a run fixes.
   */
  shouldRetry?: (response: Response) => boolean;
}

/** The default wait: a timer that an abort cuts short. */
export const defaultSleep: SleepFunction = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const SECRET_QUERY_PARAMS = /^(api[-_]?key|apikey|key|token|access[-_]?token|secret|password|signature)$/i;

/**
 * The URL with credentials removed: query parameters that carry keys (Polygon's `apiKey`), and any
 * user:password part. Used for every URL that is printed.
 */
export function stripSecretsFromUrl(input: string | URL): string {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    return redact(String(input));
  }
  url.username = '';
  url.password = '';
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_QUERY_PARAMS.test(name)) url.searchParams.delete(name);
  }
  return redact(url.toString());
}

/** Milliseconds to wait as asked by a Retry-After header (delta-seconds or an HTTP-date); undefined if absent/invalid. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Status codes worth another attempt: rate limiting and server-side failures. */
function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** The provider's own explanation from an error body: Alpaca `{message}`, Polygon `{error}` / `{message}`. */
function providerMessage(body: string): string | undefined {
  const trimmed = body.trim();
  if (trimmed === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      for (const field of ['message', 'error', 'msg']) {
        if (typeof record[field] === 'string' && record[field] !== '') return record[field] as string;
      }
    }
  } catch {
    // Not JSON: a proxy page or plain text; use the start of it.
  }
  const text = trimmed.replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

interface Attempt {
  /** Set when the service answered. */
  response?: Response;
  body?: string;
  /** Set when it did not (network failure or timeout). */
  failure?: ProviderError;
}

export class JsonHttpClient {
  readonly provider: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: SleepFunction;
  private readonly random: () => number;
  private readonly authHint?: string;

  constructor(options: HttpClientOptions) {
    this.provider = options.provider;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = Math.max(0, options.maxRetries ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.authHint = options.authHint;
  }

  /** GET a URL and return its parsed JSON body, retrying transient failures. */
  async getJson(url: string | URL, options: JsonRequestOptions = {}): Promise<unknown> {
    const safeUrl = stripSecretsFromUrl(url);
    for (let attempt = 0; ; attempt++) {
      this.throwIfCancelled(options.signal, safeUrl);
      const started = Date.now();
      log.debug(`GET ${safeUrl}`, { attempt: attempt + 1 });
      const result = await this.attempt(url, safeUrl, options);
      if (result.response) options.onResponse?.(result.response);
      const status = result.response?.status;
      if (result.response?.ok) {
        log.trace(`GET ${safeUrl} -> ${status}`, { ms: Date.now() - started });
        return this.parseBody(result.body ?? '', safeUrl);
      }
      const retryable =
        result.failure !== undefined ||
        (status !== undefined &&
          isRetryableStatus(status) &&
          (options.shouldRetry?.(result.response as Response) ?? true));
      if (!retryable || attempt >= this.maxRetries) {
        throw (
          result.failure ?? this.statusError(result.response!, result.body ?? '', safeUrl, options, attempt)
        );
      }
      const delay = this.retryDelay(attempt, result.response?.headers.get('retry-after') ?? null);
      const reason =
        status !== undefined
          ? `HTTP ${status}`
          : result.failure?.code === 'TIMEOUT'
            ? 'timeout'
            : 'network error';
      log.warn(`GET ${safeUrl} failed (${reason}); retrying in ${delay} ms`, {
        attempt: attempt + 1,
        maxRetries: this.maxRetries,
      });
      try {
        await this.sleep(delay, options.signal);
      } catch {
        this.throwIfCancelled(options.signal, safeUrl);
      }
    }
  }

  /** Backoff for retry number `attempt` (0-based): Retry-After when given (capped), else jittered exponential. */
  retryDelay(attempt: number, retryAfter: string | null): number {
    const asked = parseRetryAfter(retryAfter);
    if (asked !== undefined) return Math.min(asked, this.maxDelayMs);
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    // "Full jitter": spread retries of many clients over [ceiling/2, ceiling) so they do not stampede.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private async attempt(url: string | URL, safeUrl: string, options: JsonRequestOptions): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const response = await fetch(url, {
        method: 'GET',
        headers: { accept: 'application/json', ...options.headers },
        signal,
      });
      // Reading the body is part of the attempt: a stalled body must time out as well.
      const body = await response.text();
      return { response, body };
    } catch (error) {
      this.throwIfCancelled(options.signal, safeUrl);
      if (timeout.aborted) {
        return {
          failure: new ProviderError(
            this.provider,
            `${this.provider}: request timed out after ${this.timeoutMs} ms (GET ${safeUrl})`,
            { code: 'TIMEOUT', hint: 'the service is slow or unreachable; try again, or raise the timeout' },
          ),
        };
      }
      const reason = error instanceof Error ? describeNetworkError(error) : String(error);
      return {
        failure: new ProviderError(
          this.provider,
          `${this.provider}: could not reach ${safeUrl}: ${redact(reason)}`,
          { hint: 'check your network connection and the configured URL' },
        ),
      };
    }
  }

  private throwIfCancelled(signal: AbortSignal | undefined, safeUrl: string): void {
    if (signal?.aborted) {
      throw new ProviderError(this.provider, `${this.provider}: request cancelled (GET ${safeUrl})`, {
        code: 'CANCELLED',
      });
    }
  }

  private parseBody(body: string, safeUrl: string): unknown {
    try {
      return JSON.parse(body);
    } catch {
      throw new ProviderError(this.provider, `${this.provider}: response from ${safeUrl} is not valid JSON`, {
        hint: 'the service or a proxy returned something unexpected; check the configured URL',
      });
    }
  }

  private statusError(
    response: Response,
    body: string,
    safeUrl: string,
    options: JsonRequestOptions,
    retries: number,
  ): ProviderError {
    const status = response.status;
    const said = providerMessage(body);
    const detail = said ? `: ${redact(said)}` : '';
    const p = this.provider;
    let code: ErrorCode = 'PROVIDER';
    let message: string;
    let hint: string | undefined;
    if (status === 401 || status === 403) {
      code = 'AUTH';
      message = `${p}: authentication failed (HTTP ${status})${detail}`;
      hint = this.authHint;
    } else if (status === 404) {
      code = 'NOT_FOUND';
      message = options.symbol
        ? `${p}: symbol "${options.symbol}" not found (HTTP 404)${detail}`
        : `${p}: not found (HTTP 404) GET ${safeUrl}${detail}`;
      hint = 'check the ticker spelling (e.g. AAPL, or BTC/USD for crypto)';
    } else if (status === 429) {
      code = 'RATE_LIMIT';
      message = `${p}: rate limit exceeded (HTTP 429) after ${retries + 1} attempts${detail}`;
      hint = 'wait a minute and try again, or request fewer symbols / a shorter range';
    } else if (status >= 500) {
      message = `${p}: server error (HTTP ${status}) after ${retries + 1} attempts GET ${safeUrl}${detail}`;
      hint = 'the service is having problems; try again later';
    } else {
      message = `${p}: request rejected (HTTP ${status})${detail}`;
      hint = 'check the symbol, dates and timeframe';
    }
    return new ProviderError(p, message, { status, code, hint });
  }
}

/** Node's fetch reports "fetch failed" with the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
function describeNetworkError(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? error.message;
}
