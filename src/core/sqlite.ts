import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { NeuralTraderError } from './errors.js';
import { walProblem } from './sqlite-wal.js';

/**
 * Opening the project's SQLite files (order journal, bar cache, bet ledger, syndicate ledger, agent
 * memory) with one set of conventions:
 *  - WAL, so readers never block the writer and a commit survives the process being killed;
 *  - a short busy timeout, because better-sqlite3 waits for a lock synchronously on the event loop
 *    (callers that must wait longer retry asynchronously);
 *  - a file that exists but is empty or is not SQLite is refused with an error naming the file, never
 *    silently replaced by a fresh database (an empty journal would otherwise start a new account);
 *  - every SQLite error that escapes is a NeuralTraderError naming the file and what it is.
 */

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** What the file is, for messages: "order journal", "bar cache", "bet ledger". */
  kind: string;
  /** NORMAL (default) survives SIGKILL; FULL also survives a power cut, at ~10x commit latency. */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Pages the WAL may grow to before SQLite copies it into the database file (SQLite's default 1,000).
   * Each such checkpoint syncs the file; a store that commits many small transactions sets it higher.
   */
  walAutocheckpointPages?: number;
  /** How long one statement may wait for another connection's lock, on the event loop (default 200 ms). */
  busyTimeoutMs?: number;
  /** Open read-only (no schema changes, no WAL switch). */
  readonly?: boolean;
  /**
   * Check an existing file before anything is written to it (default false): its write-ahead log
   * (a damaged WAL would silently drop committed transactions), `PRAGMA quick_check`, then `verify`,
   * all on a read-only connection, so a damaged file is refused exactly as it was found.
   */
  check?: boolean;
  /**
   * The file's own consistency rules (schema, cross-checks), run on the read-only connection when
   * `check` is set and the file already exists. Throw a NeuralTraderError naming the file to refuse it.
   */
  verify?: (db: SqliteDatabase) => void;
  /**
   * Run `PRAGMA quick_check` as part of `check` (default true). A caller that has proved the file is
   * byte-identical to one that passed it (journal-seal.ts) may skip it.
   */
  quickCheck?: boolean;
}

const RESTORE_HINT =
  'restore the file from a backup, or move it aside to start a new one (nothing was written)';

/** The refusal for a damaged file: one line naming the file and what is wrong with it. */
export function damagedFileError(
  kind: string,
  path: string,
  problem: string,
  cause?: unknown,
): NeuralTraderError {
  return new NeuralTraderError('IO', `${kind} ${path} ${problem}`, {
    field: path,
    hint: RESTORE_HINT,
    cause,
  });
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** Why an existing file cannot be a SQLite database, or undefined when its header looks right. */
export function sqliteHeaderProblem(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const size = statSync(path).size;
  if (size === 0) return 'is empty (0 bytes)';
  if (size < 100) return `is truncated (${size} bytes, shorter than a SQLite header)`;
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_MAGIC) return 'is not a SQLite database (bad header)';
  return undefined;
}

/** Open (creating if missing) a project database with the conventions above. */
export function openDatabase(path: string, options: OpenDatabaseOptions): SqliteDatabase {
  const problem = sqliteHeaderProblem(path) ?? (options.check ? walProblem(path) : undefined);
  if (problem) throw damagedFileError(options.kind, path, problem);
  if (options.check && existsSync(path) && statSync(path).size > 0) checkReadOnly(path, options);
  let db: SqliteDatabase | undefined;
  try {
    if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 200))}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      if (options.walAutocheckpointPages !== undefined)
        db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.floor(options.walAutocheckpointPages))}`);
    }
    return db;
  } catch (error) {
    db?.close();
    throw sqliteError(error, options.kind, path);
  }
}

/** quick_check and the caller's own checks on a read-only connection: nothing is written to a bad file. */
function checkReadOnly(path: string, options: OpenDatabaseOptions): void {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 200))}`);
    // One read transaction: every check sees the same snapshot, even while another process writes.
    db.exec('BEGIN');
    if (options.quickCheck !== false) {
      const rows = db.pragma('quick_check') as { quick_check: string }[];
      const verdict = rows.map((r) => r.quick_check).join('; ');
      if (verdict !== 'ok') {
        throw damagedFileError(options.kind, path, `failed its integrity check: ${verdict.slice(0, 200)}`);
      }
    }
    options.verify?.(db);
    db.exec('COMMIT');
  } catch (error) {
    throw sqliteError(error, options.kind, path);
  } finally {
    db?.close();
  }
}

/** True for SQLite's "another connection holds the lock" errors. */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/** True for SQLite's "the file is damaged" errors (a corrupt page, not a database, malformed image). */
export function isCorruptionError(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = (error as Error)?.message ?? '';
  return (
    code.startsWith('SQLITE_CORRUPT') ||
    code === 'SQLITE_NOTADB' ||
    /malformed|not a database|file is not a database/i.test(message)
  );
}

/**
 * Turn an error from better-sqlite3 into a NeuralTraderError that names the file; errors that already
 * are NeuralTraderErrors pass through unchanged.
 */
export function sqliteError(error: unknown, kind: string, path: string): NeuralTraderError {
  if (error instanceof NeuralTraderError) return error;
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = (error as Error)?.message ?? String(error);
  if (isBusyError(error)) {
    return new NeuralTraderError('IO', `${kind} ${path} is locked by another process (${code})`, {
      field: path,
      hint: 'retry in a moment, or stop the other process that is writing to it',
      cause: error,
    });
  }
  if (isCorruptionError(error)) return damagedFileError(kind, path, `is damaged (${message})`, error);
  return new NeuralTraderError('IO', `${kind} ${path}: ${message}${code ? ` (${code})` : ''}`, {
    field: path,
    cause: error,
  });
}
