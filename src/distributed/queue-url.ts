import type { RedisOptions } from 'ioredis';
import { ValidationError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';

/**
 * Where a sweep's queue lives: `redis://[user:password@]host[:port][/db][?prefix=name]`, or `rediss://`
 * for TLS. Every key a sweep writes (BullMQ's and ours) starts with the prefix (default
 * `neural-trader`), so several teams or test runs can share one Redis without seeing each other.
 *
 * The password is registered with the redactor the moment it is read and kept out of everything that
 * can be printed: `display` never holds it, errors never echo the URL, and the object itself does not
 * show it when logged or serialised.
 */
export const DEFAULT_QUEUE_PREFIX = 'neural-trader';
export const DEFAULT_REDIS_PORT = 6379;

const URL_SHAPE = 'redis://[user:password@]host[:port][/db][?prefix=name] (rediss:// for TLS)';
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class QueueTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly prefix: string;
  /** The URL as it may be printed: credentials replaced by `***`. */
  readonly display: string;
  readonly #password: string | undefined;

  constructor(fields: {
    host: string;
    port: number;
    db: number;
    tls: boolean;
    username?: string;
    password?: string;
    prefix: string;
  }) {
    this.host = fields.host;
    this.port = fields.port;
    this.db = fields.db;
    this.tls = fields.tls;
    this.username = fields.username;
    this.prefix = fields.prefix;
    this.#password = fields.password;
    const auth = fields.username || fields.password ? '***@' : '';
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.display = `${fields.tls ? 'rediss' : 'redis'}://${auth}${host}:${this.port}/${this.db}`;
  }

  get hasPassword(): boolean {
    return this.#password !== undefined;
  }

  /** Options for an ioredis connection (the only place the password leaves this object). */
  redisOptions(): RedisOptions {
    return {
      host: this.host,
      port: this.port,
      db: this.db,
      ...(this.username ? { username: this.username } : {}),
      ...(this.#password !== undefined ? { password: this.#password } : {}),
      ...(this.tls ? { tls: { servername: this.host } } : {}),
    };
  }

  toJSON(): Record<string, unknown> {
    return { url: this.display, prefix: this.prefix };
  }
}

function refuse(field: string, problem: string): never {
  throw new ValidationError(`${field}: ${problem}`, { field, hint: `write ${URL_SHAPE}` });
}

/** Parse a queue URL; errors name the field and the problem but never repeat the URL (it may hold a password). */
export function parseQueueUrl(text: string, field = 'queue'): QueueTarget {
  const raw = String(text).trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') {
    refuse(field, scheme ? `unsupported scheme "${scheme.slice(0, 16)}://"` : 'not a Redis URL');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    refuse(field, 'not a valid Redis URL');
  }
  let password: string | undefined;
  let username: string | undefined;
  try {
    password = url.password ? decodeURIComponent(url.password) : undefined;
    username = url.username ? decodeURIComponent(url.username) : undefined;
  } catch {
    refuse(field, 'the credentials are not valid percent-encoding');
  }
  // Registered before anything else can fail, so no later message can carry it.
  registerSecret(password);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') refuse(field, 'no host');
  const port = url.port === '' ? DEFAULT_REDIS_PORT : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) refuse(field, 'the port must be 1..65535');
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,4}$/.test(path)) {
    refuse(field, 'the path must be a database number, e.g. /0');
  }
  const db = path === '' ? 0 : Number(path);
  let prefix = DEFAULT_QUEUE_PREFIX;
  for (const [key, value] of url.searchParams) {
    if (key !== 'prefix') refuse(field, `unknown setting "${key.slice(0, 32)}" (only prefix= is read)`);
    if (!PREFIX.test(value)) {
      refuse(field, 'prefix must be 1-64 letters, digits, _ . - (starting with a letter or digit)');
    }
    prefix = value;
  }
  if (url.hash !== '') refuse(field, 'a Redis URL has no #fragment');
  return new QueueTarget({ host, port, db, tls: scheme === 'rediss', username, password, prefix });
}
