import type { Config } from '../core/config.js';
import { ValidationError } from '../core/errors.js';
import type { EpochMs } from '../core/time.js';
import { type BarCache, defaultBarCachePath, sharedBarCache } from './cache.js';
import { JsonHttpClient, type SleepFunction } from './http.js';

/**
 * What every remote bar provider (Alpaca, Polygon) is configured with besides its credentials and
 * endpoint: paging, caching, the HTTP retry policy, and the clock and config used for defaults.
 */
export interface RemoteProviderOptions {
  /** Bars per page (each provider states its range and default). */
  pageLimit?: number;
  /** The bar cache to use, or false to always download (default: the shared cache under config.home). */
  cache?: BarCache | false;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries for 429/5xx/network errors (default 4). */
  maxRetries?: number;
  /** First retry delay in ms (default 500). */
  retryBaseDelayMs?: number;
  /** Injectable wait between retries (tests). */
  sleep?: SleepFunction;
  /** Clock, for deciding which bars may still be forming (tests). */
  now?: () => EpochMs;
  /** Configuration to read defaults from (default getConfig()). */
  config?: Config;
}

/** The page size to request: the option within 1..max, or max. */
export function resolvePageLimit(pageLimit: number | undefined, max: number): number {
  const value = pageLimit ?? max;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(`pageLimit: ${value} is outside 1..${max}`, { field: 'pageLimit' });
  }
  return value;
}

/** The provider's HTTP client with the retry policy from its options and its own authentication hint. */
export function remoteHttpClient(
  provider: string,
  options: RemoteProviderOptions,
  authHint: string,
): JsonHttpClient {
  return new JsonHttpClient({
    provider,
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
    baseDelayMs: options.retryBaseDelayMs,
    sleep: options.sleep,
    authHint,
  });
}

/** The cache a provider reads through: none when disabled, the given one, or the shared one under home. */
export function remoteBarCache(option: BarCache | false | undefined, config: Config): BarCache | undefined {
  if (option === false) return undefined;
  return option ?? sharedBarCache(defaultBarCachePath(config.home));
}
