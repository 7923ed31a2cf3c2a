import { join } from 'node:path';
import { getConfig } from '../core/config.js';
import { openDatabase, type SqliteDatabase, sqliteError } from '../core/sqlite.js';

/**
 * A SQLite cache of odds-feed responses, like the bar cache for market data: a response is stored under
 * its request (URL without the API key) with the time it was fetched, and served again while it is
 * younger than the caller's maximum age. Odds move by the minute, so their lifetimes are short; historical
 * snapshots never change and are kept for good (every request to the feed costs quota).
 */
export interface CachedResponse {
  body: string;
  fetchedAt: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS responses (
  request TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  fetched_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

export function defaultOddsCachePath(home = getConfig().home): string {
  return join(home, 'cache', 'odds.sqlite');
}

export class OddsCache {
  readonly path: string;
  private readonly db: SqliteDatabase;

  constructor(path: string = defaultOddsCachePath()) {
    this.path = path;
    this.db = openDatabase(path, { kind: 'odds cache' });
    try {
      this.db.exec(SCHEMA);
    } catch (error) {
      this.db.close();
      throw sqliteError(error, 'odds cache', path);
    }
  }

  /** The stored response to `request` if fetched within `maxAgeMs` of `now`. */
  get(request: string, maxAgeMs: number, now: number = Date.now()): CachedResponse | undefined {
    try {
      const row = this.db.prepare('SELECT body, fetched_at FROM responses WHERE request = ?').get(request) as
        | { body: string; fetched_at: number }
        | undefined;
      if (!row || now - row.fetched_at > maxAgeMs) return undefined;
      return { body: row.body, fetchedAt: row.fetched_at };
    } catch (error) {
      throw sqliteError(error, 'odds cache', this.path);
    }
  }

  put(request: string, body: string, fetchedAt: number = Date.now()): void {
    try {
      this.db
        .prepare(
          'INSERT INTO responses (request, body, fetched_at) VALUES (?, ?, ?) ON CONFLICT (request) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at',
        )
        .run(request, body, fetchedAt);
    } catch (error) {
      throw sqliteError(error, 'odds cache', this.path);
    }
  }

  close(): void {
    this.db.close();
  }
}
