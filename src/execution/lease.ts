import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { NeuralTraderError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { redact } from '../core/redact.js';
import { isBusyError, type SqliteDatabase, sqliteError } from '../core/sqlite.js';
import { type EpochMs, formatTimestamp } from '../core/time.js';

/**
 * Account ownership. One process at a time owns an account's order flow: only the owner sends orders,
 * reconciles open orders with the broker (a paper broker re-places them) and writes the journal.
 * Without it, two processes on one account each re-send the other's open orders on start-up and fill
 * them twice.
 *
 * The lease is one row in the account's journal: owner id (random per lease holder), pid, host, the
 * command line, when it was taken and a heartbeat the owner refreshes every second. Another process
 * that finds a live owner is refused with one line naming it (or hands its order over, see
 * handoff.ts). An owner is dead when its pid no longer exists on this host (same boot), or when its
 * heartbeat is older than `staleAfterMs` (another host, a frozen process); a dead owner's lease is
 * taken over.
 *
 * Fencing: taking over and writing are both done inside SQLite write transactions, which are
 * serialised, and every commit group of the OrderManager first checks that the lease row still names
 * it (`assertHeld`). An owner that was frozen, presumed dead and taken over therefore cannot write
 * again: its next commit fails with LeaseLostError and it stops trading.
 */

const log = createLogger('execution:lease');

/** How often the owner refreshes its heartbeat. */
export const LEASE_HEARTBEAT_MS = 1_000;
/** A heartbeat older than this marks the owner dead even if its pid cannot be checked. */
export const LEASE_STALE_AFTER_MS = 15_000;

export const LEASE_SCHEMA = `
CREATE TABLE IF NOT EXISTS lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  owner_id TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  boot_id TEXT NOT NULL,
  command TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  released_at INTEGER,
  serves_handoffs INTEGER NOT NULL DEFAULT 0
);
`;

/** Who owns (or last owned) an account. */
export interface LeaseHolder {
  ownerId: string;
  pid: number;
  host: string;
  bootId: string;
  command: string;
  acquiredAt: EpochMs;
  heartbeatAt: EpochMs;
  releasedAt?: EpochMs;
  /** The owner takes orders handed to it by other processes (see handoff.ts). */
  servesHandoffs: boolean;
}

interface LeaseRow {
  owner_id: string;
  pid: number;
  host: string;
  boot_id: string;
  command: string;
  acquired_at: number;
  heartbeat_at: number;
  released_at: number | null;
  serves_handoffs: number;
}

const THIS_HOST = hostname();
const THIS_BOOT = readBootId();

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** The command this process runs, as a user would recognise it (`neural-trader trade --strategy x`). */
function commandLine(): string {
  const [script, ...args] = process.argv.slice(1);
  const name = script ? basename(script).replace(/\.(m?js|ts)$/, '') : 'node';
  return redact([name, ...args].join(' '))
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 160);
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fromRow(row: LeaseRow): LeaseHolder {
  return {
    ownerId: row.owner_id,
    pid: row.pid,
    host: row.host,
    bootId: row.boot_id,
    command: row.command,
    acquiredAt: row.acquired_at,
    heartbeatAt: row.heartbeat_at,
    releasedAt: row.released_at ?? undefined,
    servesHandoffs: row.serves_handoffs === 1,
  };
}

/** Whether a holder still owns its account at `now`: released, dead pid or silent heartbeat mean no. */
export function isLeaseLive(
  holder: LeaseHolder,
  now: EpochMs = Date.now(),
  staleAfterMs = LEASE_STALE_AFTER_MS,
): boolean {
  if (holder.releasedAt !== undefined) return false;
  const sameMachine = holder.host === THIS_HOST && holder.bootId === THIS_BOOT;
  if (sameMachine && !isPidAlive(holder.pid)) return false;
  return now - holder.heartbeatAt <= staleAfterMs;
}

/** One line naming an owner: pid, host, command, since when, last heartbeat. */
export function describeHolder(holder: LeaseHolder, now: EpochMs = Date.now()): string {
  const where = holder.host === THIS_HOST ? 'on this host' : `on host ${holder.host}`;
  const ago = Math.max(0, (now - holder.heartbeatAt) / 1000).toFixed(1);
  return `pid ${holder.pid} ${where} (${holder.command}) since ${formatTimestamp(holder.acquiredAt)}, last heartbeat ${ago} s ago`;
}

/** Another live process owns the account. */
export class AccountInUseError extends NeuralTraderError {
  readonly account: string;
  readonly holder: LeaseHolder;
  constructor(account: string, holder: LeaseHolder) {
    super('CONFLICT', `account ${account} is in use by ${describeHolder(holder)}`, {
      field: 'account',
      hint: `wait for it to finish or stop it, or trade another account with --account NAME (npx neural-trader account list)`,
    });
    this.name = 'AccountInUseError';
    this.account = account;
    this.holder = holder;
  }
}

/** Another connection held the journal's write lock while the lease was being taken: try again. */
export class LeaseBusyError extends NeuralTraderError {
  readonly busy = true;
  constructor(path: string, cause: unknown) {
    super('IO', `order journal ${path} is locked by another process`, {
      field: path,
      hint: 'retry in a moment; another process is opening or writing the account',
      cause,
    });
    this.name = 'LeaseBusyError';
  }
}

/** This process owned the account, was presumed dead and was taken over: it must stop trading. */
export class LeaseLostError extends NeuralTraderError {
  constructor(account: string, path: string, holder: LeaseHolder | undefined) {
    super(
      'CONFLICT',
      `lost ownership of account ${account} (${path})${holder ? ` to ${describeHolder(holder)}` : ''}; trading stopped`,
      {
        field: 'account',
        hint: 'this process stalled longer than the lease allows and another took the account over; restart it once the other has finished',
      },
    );
    this.name = 'LeaseLostError';
  }
}

export interface AccountLeaseOptions {
  staleAfterMs?: number;
  heartbeatMs?: number;
}

/** The lease of one account's journal, as seen from one journal connection. */
export class AccountLease {
  /** This holder's id (random): the fencing token compared on every commit. */
  readonly ownerId = randomUUID();
  private heldBy: object | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly staleAfterMs: number;
  private readonly heartbeatMs: number;
  private lost = false;
  private servesHandoffsFlag = false;
  private lastBeat = 0;
  private readonly fenceStatement: Statement<[]>;
  private readonly beatStatement: Statement<[number, string]>;

  constructor(
    private readonly db: SqliteDatabase,
    readonly account: string,
    readonly path: string,
    options: AccountLeaseOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? LEASE_STALE_AFTER_MS;
    this.heartbeatMs = options.heartbeatMs ?? LEASE_HEARTBEAT_MS;
    // Prepared once: the fence runs on every commit group of the owner.
    this.fenceStatement = db.prepare<[]>('SELECT owner_id, released_at FROM lease WHERE id = 1');
    this.beatStatement = db.prepare<[number, string]>(
      'UPDATE lease SET heartbeat_at = ? WHERE id = 1 AND owner_id = ? AND released_at IS NULL',
    );
  }

  /** The current (or last) holder as recorded in the journal. A plain read: never waits for a lock. */
  holder(): LeaseHolder | undefined {
    const row = this.db.prepare('SELECT * FROM lease WHERE id = 1').get() as LeaseRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** True while this connection owns the account. */
  get held(): boolean {
    return this.heldBy !== undefined && !this.lost;
  }

  /**
   * Take the lease for `by` (an OrderManager), inside the caller's write transaction or its own.
   * Throws AccountInUseError when another live owner holds it. Taking it twice for the same `by` is a
   * no-op; another `by` on this same connection is refused too (two managers on one account in one
   * process would re-send each other's orders as well).
   */
  acquire(by: object, options: { servesHandoffs?: boolean } = {}): void {
    if (this.heldBy === by && !this.lost) return;
    if (this.heldBy !== undefined && !this.lost) {
      throw new NeuralTraderError(
        'CONFLICT',
        `account ${this.account} is already traded by another OrderManager in this process`,
        {
          field: 'account',
          hint: 'share one OrderManager per account (close the first before opening another)',
        },
      );
    }
    const take = this.db.transaction(() => {
      const current = this.holder();
      const now = Date.now();
      if (current && current.ownerId !== this.ownerId && isLeaseLive(current, now, this.staleAfterMs)) {
        throw new AccountInUseError(this.account, current);
      }
      if (current && current.ownerId !== this.ownerId && current.releasedAt === undefined) {
        log.warn(`taking over account ${this.account} from a dead owner`, {
          previous: describeHolder(current, now),
        });
      }
      this.db
        .prepare(
          `INSERT INTO lease (id, owner_id, pid, host, boot_id, command, acquired_at, heartbeat_at, released_at, serves_handoffs)
           VALUES (1, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
           ON CONFLICT(id) DO UPDATE SET owner_id = excluded.owner_id, pid = excluded.pid, host = excluded.host,
             boot_id = excluded.boot_id, command = excluded.command, acquired_at = excluded.acquired_at,
             heartbeat_at = excluded.heartbeat_at, released_at = NULL, serves_handoffs = excluded.serves_handoffs`,
        )
        .run(
          this.ownerId,
          process.pid,
          THIS_HOST,
          THIS_BOOT,
          commandLine(),
          now,
          now,
          options.servesHandoffs ? 1 : 0,
        );
    });
    // IMMEDIATE: the read and the write happen under the write lock, so two processes cannot both
    // see the lease free and both take it.
    try {
      if (this.db.inTransaction) take();
      else take.immediate();
    } catch (error) {
      if (isBusyError(error)) throw new LeaseBusyError(this.path, error);
      throw error instanceof NeuralTraderError ? error : sqliteError(error, 'order journal', this.path);
    }
    this.heldBy = by;
    this.lost = false;
    this.servesHandoffsFlag = options.servesHandoffs === true;
    this.startHeartbeat();
  }

  /** Announce (or stop announcing) that this owner takes handed-off orders. */
  setServesHandoffs(serves: boolean): void {
    this.servesHandoffsFlag = serves;
    if (!this.held) return;
    this.db
      .prepare('UPDATE lease SET serves_handoffs = ? WHERE id = 1 AND owner_id = ?')
      .run(serves ? 1 : 0, this.ownerId);
  }

  get servesHandoffs(): boolean {
    return this.servesHandoffsFlag;
  }

  /**
   * Fencing check, called inside a write transaction before anything is written: throws LeaseLostError
   * when another process has taken the account over (this holder is then marked lost for good).
   */
  assertHeld(): void {
    if (this.heldBy === undefined) return;
    if (this.lost) throw new LeaseLostError(this.account, this.path, this.holder());
    const row = this.fenceStatement.get() as { owner_id: string; released_at: number | null } | undefined;
    if (!row || row.owner_id !== this.ownerId || row.released_at !== null) {
      this.lost = true;
      this.stopHeartbeat();
      throw new LeaseLostError(this.account, this.path, this.holder());
    }
    // A busy owner (a tight loop of orders never lets the heartbeat timer run) beats with its writes.
    const now = Date.now();
    if (now - this.lastBeat >= this.heartbeatMs) this.heartbeat(now);
  }

  /** Refresh the heartbeat now (skipped, not waited for, when another connection holds the write lock). */
  heartbeat(now: EpochMs = Date.now()): void {
    if (!this.held) return;
    try {
      const result = this.beatStatement.run(now, this.ownerId);
      this.lastBeat = now;
      if (result.changes === 0) {
        this.lost = true;
        this.stopHeartbeat();
        log.error(`lost ownership of account ${this.account}; the next order will be refused`, {
          journal: this.path,
        });
      }
    } catch (error) {
      log.debug('heartbeat skipped', { account: this.account, error });
    }
  }

  /** Give the account up (the row stays, marked released, so `account show` says who had it last). */
  release(by: object): void {
    if (this.heldBy !== by) return;
    this.stopHeartbeat();
    this.heldBy = undefined;
    if (this.lost) return;
    try {
      this.db
        .prepare('UPDATE lease SET released_at = ? WHERE id = 1 AND owner_id = ?')
        .run(Date.now(), this.ownerId);
    } catch (error) {
      // A release that cannot be written is harmless: the pid check frees the lease when we exit.
      log.warn(`could not record the release of account ${this.account}`, { error });
    }
  }

  /** Give the account up whoever holds it through this connection (the journal is closing). */
  releaseAll(): void {
    if (this.heldBy !== undefined) this.release(this.heldBy);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  private stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
