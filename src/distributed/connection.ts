import type { Redis, RedisOptions } from 'ioredis';
import { NeuralTraderError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { QueueTarget } from './queue-url.js';

/**
 * Redis connections for queue mode, with the failures a user can act on turned into one clear line:
 * unreachable, wrong credentials, TLS refused, no such database, Redis too old. Nothing here ever
 * prints a raw client error (ioredis errors can carry the AUTH command and its arguments).
 *
 * A connection first connects without retrying (so a wrong URL fails at once); once up, it reconnects
 * with exponential backoff and reports each outage through `onState`, and the owner decides how long an
 * outage may last.
 */
export const MIN_REDIS_VERSION = '5.0.0';
const CONNECT_TIMEOUT_MS = 5_000;
const MAX_BACKOFF_MS = 5_000;

export type ConnectionState =
  | { type: 'lost'; reason: string; attempt: number; retryInMs: number }
  | { type: 'restored'; downMs: number };

export interface ConnectionOptions {
  /** Called when an established connection drops and each time it is retried, and when it is back. */
  onState?: (state: ConnectionState) => void;
}

/** Backoff before reconnect attempt `attempt` (1-based): 100 ms doubling, at most 5 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt - 1, 16));
}

/** A short, secret-free reason for a client error: its code, or a fixed description of the reply. */
export function errorReason(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/^WRONGPASS/.test(message)) return 'WRONGPASS';
  if (/^NOAUTH/.test(message)) return 'NOAUTH';
  if (/^ERR AUTH|without any password configured/i.test(message)) return 'AUTH not configured';
  if (/DB index is out of range/i.test(message)) return 'DB index out of range';
  if (typeof e?.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(e.code)) return e.code;
  if (/connection is closed/i.test(message)) return 'connection closed';
  if (/timed? ?out/i.test(message)) return 'ETIMEDOUT';
  // Anything else: the first words of the message, redacted, never a command's arguments.
  return redact(message.split('\n')[0].slice(0, 80)) || 'unknown error';
}

const TLS_CODES =
  /^(ERR_SSL|ERR_TLS|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|EPROTO$|ERR_OSSL|HOSTNAME_MISMATCH|ERR_TLS_CERT)/;

/** The one line a user sees when a queue cannot be used at start. */
export function connectError(target: QueueTarget, reason: string, cause?: unknown): NeuralTraderError {
  const where = target.display;
  if (reason === 'WRONGPASS' || reason === 'NOAUTH' || reason === 'AUTH not configured') {
    const problem =
      reason === 'NOAUTH'
        ? 'needs a password and the queue URL has none'
        : reason === 'WRONGPASS'
          ? 'refused the user or password in the queue URL'
          : 'has no password set but the queue URL gives one';
    return new NeuralTraderError('AUTH', `Redis at ${where} ${problem} (${reason})`, {
      hint: 'put the right credentials in the URL: redis://:PASSWORD@host:6379 (user:PASSWORD@ for an ACL user)',
      cause,
    });
  }
  if (reason === 'DB index out of range') {
    return new NeuralTraderError('CONFIG', `Redis at ${where} has no database ${target.db}`, {
      hint: 'use a database number below its `databases` setting (16 by default), e.g. /0',
      cause,
    });
  }
  if (TLS_CODES.test(reason)) {
    return new NeuralTraderError('PROVIDER', `TLS with Redis at ${where} failed (${reason})`, {
      hint: 'for a server certificate from a private CA start with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; use redis:// for a server without TLS',
      cause,
    });
  }
  return new NeuralTraderError('PROVIDER', `cannot reach Redis at ${where} (${reason})`, {
    hint: target.tls
      ? 'start Redis there or check the host and port in the queue URL (rediss:// needs a TLS port)'
      : 'start Redis there or check the host and port in the queue URL',
    cause,
  });
}

function versionBelow(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/**
 * Open a connection to `target` and check it is usable (credentials, database, Redis version). Fails
 * with one clear NeuralTraderError; afterwards the connection reconnects by itself.
 */
export async function openConnection(target: QueueTarget, options: ConnectionOptions = {}): Promise<Redis> {
  let connected = false;
  let downSince = 0;
  let lastReason = 'connection closed';
  let firstError: unknown;
  // Loaded on first use: a library import that never touches a queue does not pay for the client.
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...target.redisOptions(),
    // The database is selected explicitly below: ioredis would fall back to database 0 on a bad number.
    db: 0,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Commands wait out a reconnect; the owner bounds how long an outage may last.
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => {
      if (!connected) return null;
      const retryInMs = reconnectDelayMs(attempt);
      if (downSince === 0) downSince = Date.now();
      options.onState?.({ type: 'lost', reason: lastReason, attempt, retryInMs });
      return retryInMs;
    },
  });
  client.on('error', (error: unknown) => {
    firstError ??= error;
    lastReason = errorReason(error);
  });
  client.on('ready', () => {
    if (connected && downSince > 0) options.onState?.({ type: 'restored', downMs: Date.now() - downSince });
    downSince = 0;
  });
  try {
    await client.connect();
    if (target.db !== 0) await client.select(target.db);
    // Every reconnection selects the database too.
    client.options.db = target.db;
    const info = await client.info('server');
    const version = /redis_version:([0-9.]+)/.exec(info)?.[1] ?? '0.0.0';
    if (versionBelow(version, MIN_REDIS_VERSION)) {
      throw new NeuralTraderError(
        'UNSUPPORTED',
        `Redis at ${target.display} is version ${version}; queue mode needs ${MIN_REDIS_VERSION} or later`,
        { hint: 'upgrade Redis (6.2 or later is recommended)' },
      );
    }
  } catch (error) {
    client.disconnect();
    if (error instanceof NeuralTraderError) throw error;
    // A reply error (a bad SELECT) or the first connection error says more than "connection closed".
    const closed = !(error instanceof Error) || /connection is closed/i.test(error.message);
    throw connectError(target, errorReason(closed ? (firstError ?? error) : error));
  }
  connected = true;
  return client;
}

/** Connection options for BullMQ's own connections (it creates and reconnects them itself). */
export function bullConnectionOptions(target: QueueTarget): RedisOptions {
  return {
    ...target.redisOptions(),
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => reconnectDelayMs(times),
  };
}
