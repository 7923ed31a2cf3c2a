import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import {
  DEFAULT_ACCOUNT,
  DEFAULT_COMMISSION_RATE,
  DEFAULT_INITIAL_CAPITAL,
  DEFAULT_SLIPPAGE_BPS,
} from '../core/defaults.js';
import { NeuralTraderError } from '../core/errors.js';
import type { Fill, OrderStatus } from '../core/orders.js';
import { redact } from '../core/redact.js';
import { isBusyError, openDatabase, type SqliteDatabase, sqliteError } from '../core/sqlite.js';
import type { EpochMs } from '../core/time.js';
import { accountJournalPath, defaultAccountFor, parseAccountName } from './account-names.js';
import {
  checksumOf,
  FILL_CHECKED_COLUMNS,
  JOURNAL_SCHEMA_VERSION,
  type JournalCheckCounts,
  journalFormat,
  ORDER_CHECKED_COLUMNS,
  verifyJournal,
} from './journal-check.js';
import { type JournalSeal, matchingSeal, writeSeal } from './journal-seal.js';
import { AccountLease, type AccountLeaseOptions, LEASE_SCHEMA, type LeaseHolder } from './lease.js';
import type { OrderRole, OrderSnapshot } from './order.js';

/** Commits after which a WAL checkpoint is scheduled for the next idle moment of the event loop. */
const CHECKPOINT_SOFT_COMMITS = 256;
/** Commits after which the checkpoint is taken inline even without an idle moment (bounds the WAL). */
const CHECKPOINT_HARD_COMMITS = 4096;
/**
 * How long one statement may wait for another connection's write lock, ON the event loop
 * (better-sqlite3 waits synchronously). Longer waits are asynchronous retries (OrderManager).
 */
const DEFAULT_BUSY_TIMEOUT_MS = 20;

/**
 * The journal of one account: every order, every state change and every fill, in SQLite, written in a
 * transaction before the caller hears about it. It is the source of truth after a crash: positions are
 * rebuilt from its fills, and its open orders are reconciled with the broker. One file per account
 * (`{home}/accounts/<name>.sqlite`), holding the account's settings (starting cash, commission,
 * slippage, kind), its ownership lease (lease.ts) and orders handed over by other processes.
 *
 * Durability: WAL with synchronous=NORMAL by default. In WAL mode a commit is in the OS's hands when
 * the commit call returns, so an acknowledged order survives the process being killed (SIGKILL, crash,
 * OOM) - the failure that matters for a trading process. What NORMAL gives up is the last few commits
 * on a power cut or kernel panic (the WAL is fsynced at checkpoints, not on every commit); that costs
 * ~10x in latency on most disks. Pass `synchronous: 'FULL'` to fsync every commit when the host itself
 * is not trusted.
 *
 * Integrity: an existing file is checked before anything is written to it (journal-check.ts: SQLite's
 * quick_check, the WAL, row checksums, fills against each order's filled quantity and the booked
 * positions); a file that fails is refused with an error naming it, never replaced.
 *
 * Time: created/updated times, events and `recordedAt` are the wall clock, made monotonic per journal
 * (a clock stepped back never makes a later row look older). A fill's `timestamp` is the account's
 * market time (the bar time in a replay, the wall clock otherwise) and `priceTime` the bar that priced it.
 *
 * Fills are keyed by the broker's execution id (UNIQUE fill_id + INSERT OR IGNORE): recording the
 * same execution twice is a no-op, and `recordFill` tells the caller whether the row was new.
 */

/** paper: the paper broker priced at the latest known close; replay: a strategy replayed on history; alpaca: Alpaca. */
export type AccountKind = 'paper' | 'replay' | 'alpaca';

/** An account's settings, fixed when it is created (reset may change the starting cash). */
export interface AccountSettings {
  account: string;
  /** The broker its orders go to ("paper" or "alpaca"). */
  broker: string;
  kind: AccountKind;
  initialCapital: number;
  /** Paper commission as a fraction of notional. */
  commissionRate: number;
  /** Paper slippage in basis points. */
  slippageBps: number;
  createdAt: EpochMs;
  resetAt?: EpochMs;
  resets: number;
  /** Latest market time the account has reached (bar time of a replay); undefined before any. */
  marketClock?: EpochMs;
}

export interface JournalOptions {
  synchronous?: 'NORMAL' | 'FULL';
  /** Account name (default DEFAULT_ACCOUNT): stored when the file is created, checked afterwards. */
  account?: string;
  /** Broker of a new account (default paper). Opening an existing account for another broker is refused. */
  broker?: string;
  /** Kind of a new account (default: alpaca for the alpaca broker, else paper). */
  kind?: AccountKind;
  /** Starting cash of a new account (default DEFAULT_INITIAL_CAPITAL). */
  initialCapital?: number;
  /** Paper commission rate of a new account (default DEFAULT_COMMISSION_RATE). */
  commissionRate?: number;
  /** Paper slippage of a new account in bps (default DEFAULT_SLIPPAGE_BPS). */
  slippageBps?: number;
  /** false: refuse to create a missing journal (a NOT_FOUND error naming it). Default true. */
  create?: boolean;
  /** Open read-only (listing, reports): no schema, no lease, no writes. */
  readonly?: boolean;
  /** Synchronous lock wait of one statement (default 20 ms). */
  busyTimeoutMs?: number;
  lease?: AccountLeaseOptions;
  /**
   * A journal of an earlier version (one file for every account, `{home}/journal.sqlite`) whose
   * orders of this account's broker are copied into a NEW account journal. The old file is only read.
   */
  importFrom?: string;
}

export interface JournalFill extends Fill {
  fillId: string;
  /** Bar time of the price the fill was priced at (paper), when known. */
  priceTime?: EpochMs;
  /** Wall-clock time the fill was journaled. */
  recordedAt?: EpochMs;
}

export interface JournalEvent {
  seq: number;
  orderId: string;
  fromStatus: OrderStatus | null;
  toStatus: OrderStatus;
  timestamp: EpochMs;
  reason?: string;
}

export interface OrderQuery {
  /** open: new/accepted/partially_filled; closed: the rest. */
  status?: 'open' | 'closed' | 'all' | OrderStatus;
  symbol?: string;
  /** Only orders sent through this broker ("paper", "alpaca"). */
  broker?: string;
  limit?: number;
}

/** A price a position was last marked at (saved when a session closes, read by `portfolio show`). */
export interface JournalMark {
  symbol: string;
  price: number;
  timestamp: EpochMs;
}

/** An order another process handed to the account's owner (see handoff.ts). */
export interface HandoffRow {
  seq: number;
  clientOrderId: string;
  request: string;
  requestedAt: EpochMs;
  requester: string;
  state: 'pending' | 'taken' | 'done' | 'failed' | 'withdrawn';
  result?: string;
}

interface OrderRow {
  id: string;
  client_order_id: string;
  broker_order_id: string | null;
  broker: string;
  symbol: string;
  side: string;
  type: string;
  quantity: number;
  limit_price: number | null;
  stop_price: number | null;
  trail_percent: number | null;
  trail_price: number | null;
  time_in_force: string;
  status: string;
  filled_quantity: number;
  average_fill_price: number | null;
  role: string;
  parent_id: string | null;
  oco_group: string | null;
  held: number;
  tag: string | null;
  reason: string | null;
  market_time: number;
  created_at: number;
  updated_at: number;
}

interface FillRow {
  fill_id: string;
  order_id: string;
  client_order_id: string | null;
  symbol: string;
  side: string;
  quantity: number;
  price: number;
  commission: number;
  timestamp: number;
  price_time: number | null;
  recorded_at: number;
}

/**
 * order_events and fills number their rows with a plain INTEGER PRIMARY KEY (max + 1), not
 * AUTOINCREMENT: AUTOINCREMENT rewrites the sqlite_sequence page on every insert, one more 4 KiB WAL
 * frame in every order's commit (13.4 -> 12.4 frames per paper order). Their seq only orders rows; rows
 * are deleted only all at once (account reset). Journals created before keep AUTOINCREMENT; both read
 * the same. handoffs keeps it: requesters follow their handoff by seq across a reset.
 *
 * orders_open indexes open orders only: an order is stored in its final state at commit, so one that
 * fills at once never enters it (one B-tree, one WAL frame fewer per such order). Queries for open
 * orders name the same status list and search it; journals created before keep a full status index.
 */
const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  client_order_id TEXT NOT NULL UNIQUE,
  broker_order_id TEXT,
  broker TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  type TEXT NOT NULL,
  quantity REAL NOT NULL,
  limit_price REAL,
  stop_price REAL,
  trail_percent REAL,
  trail_price REAL,
  time_in_force TEXT NOT NULL,
  status TEXT NOT NULL,
  filled_quantity REAL NOT NULL DEFAULT 0,
  average_fill_price REAL,
  role TEXT NOT NULL DEFAULT 'single',
  parent_id TEXT,
  oco_group TEXT,
  held INTEGER NOT NULL DEFAULT 0,
  tag TEXT,
  reason TEXT,
  market_time INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  checksum TEXT NOT NULL
);
CREATE INDEX orders_open ON orders(status) WHERE status IN ('new','accepted','partially_filled');
CREATE INDEX orders_broker_order_id ON orders(broker_order_id);
CREATE TABLE order_events (
  seq INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  reason TEXT
);
CREATE INDEX order_events_order ON order_events(order_id);
CREATE TABLE fills (
  seq INTEGER PRIMARY KEY,
  fill_id TEXT NOT NULL UNIQUE,
  order_id TEXT NOT NULL,
  client_order_id TEXT,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  quantity REAL NOT NULL,
  price REAL NOT NULL,
  commission REAL NOT NULL,
  timestamp INTEGER NOT NULL,
  price_time INTEGER,
  recorded_at INTEGER NOT NULL,
  checksum TEXT NOT NULL
);
CREATE INDEX fills_order ON fills(order_id);
CREATE TABLE positions (symbol TEXT PRIMARY KEY, quantity REAL NOT NULL);
CREATE TABLE marks (symbol TEXT PRIMARY KEY, price REAL NOT NULL, timestamp INTEGER NOT NULL);
CREATE TABLE handoffs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  client_order_id TEXT NOT NULL,
  request TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  requester TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  result TEXT,
  handled_at INTEGER
);
CREATE INDEX handoffs_state ON handoffs(state);
${LEASE_SCHEMA}
`;

const OPEN = "('new','accepted','partially_filled')";
const KIND = 'order journal';

/** The wall clock of the journal's rows so far (the monotonic clock starts from it). */
const LATEST_WALL_TIME = `SELECT MAX(t) AS t FROM (
  SELECT MAX(updated_at) AS t FROM orders UNION ALL SELECT MAX(timestamp) FROM order_events
  UNION ALL SELECT MAX(recorded_at) FROM fills UNION ALL SELECT MAX(requested_at) FROM handoffs)`;

/** The journal is locked by another connection; `busy` lets callers retry asynchronously. */
export class JournalLockedError extends NeuralTraderError {
  readonly busy = true;
  constructor(path: string, holder: LeaseHolder | undefined, cause: unknown) {
    super(
      'IO',
      `order journal ${path} is locked by another process${holder ? ` (owner pid ${holder.pid})` : ''}`,
      {
        field: path,
        hint: 'retry in a moment; if it persists, stop the other process writing to it',
        cause,
      },
    );
    this.name = 'JournalLockedError';
  }
}

export class Journal {
  readonly path: string;
  readonly synchronous: 'NORMAL' | 'FULL';
  readonly readonly: boolean;
  readonly lease: AccountLease;
  private readonly db: SqliteDatabase;
  private settingsCache: AccountSettings;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private commitsSinceCheckpoint = 0;
  private checkpointTimer: NodeJS.Immediate | undefined;
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;
  private closed = false;
  private readonly closeHooks = new Set<() => void>();
  private lastWallTime = 0;
  /** The seal the file matched when opened (journal-seal.ts), if any. */
  private readonly openedSeal: JournalSeal | undefined;
  /** What the integrity check on open looked at. */
  private lastCheck: JournalCheckCounts | undefined;

  constructor(path: string, options: JournalOptions = {}) {
    this.path = path;
    this.synchronous = options.synchronous ?? 'NORMAL';
    this.readonly = options.readonly === true;
    const memory = path === ':memory:';
    if (!memory && !existsSync(path)) {
      if (options.create === false || this.readonly) {
        const account = options.account ?? DEFAULT_ACCOUNT;
        throw new NeuralTraderError('NOT_FOUND', `no account ${account} (no journal ${path})`, {
          field: 'account',
          hint: 'list accounts with `npx neural-trader account list`; an account is created by its first order',
        });
      }
      createJournalFile(path, options);
    }
    // A journal byte-identical to the one sealed at its last clean close skips the row checksums and
    // quick_check (journal-seal.ts); the cross-checks of fills, orders and positions always run.
    const seal = memory ? undefined : matchingSeal(path);
    this.openedSeal = seal;
    this.db = memory
      ? new Database(':memory:')
      : openDatabase(path, {
          kind: KIND,
          check: true,
          quickCheck: seal === undefined,
          verify: (db) => {
            this.lastCheck = verifyJournal(db, path, { rows: seal === undefined });
          },
          readonly: this.readonly,
          synchronous: this.synchronous,
          busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        });
    try {
      if (memory) this.db.pragma('journal_mode = WAL');
      if (!this.readonly) {
        // Checkpoints are taken off the order path (see afterCommit), not by SQLite inside a commit.
        this.db.pragma('wal_autocheckpoint = 0');
        this.createIfEmpty(options);
      } else if (journalFormat(this.db) !== 'journal') {
        throw new NeuralTraderError('IO', `order journal ${path} is empty`, { field: path });
      }
      this.settingsCache = this.readSettings();
      this.checkOpenedAs(options);
      this.statements = prepareStatements(this.db);
      this.lastWallTime = (this.db.prepare(LATEST_WALL_TIME).get() as { t: number | null }).t ?? 0;
    } catch (error) {
      this.db.close();
      throw sqliteError(error, KIND, path);
    }
    this.lease = new AccountLease(this.db, this.settingsCache.account, path, options.lease);
    // One transaction function for every call (better-sqlite3 turns it into a savepoint when a
    // transaction is already open).
    this.runInTransaction = this.db.transaction((fn: () => unknown) => fn());
  }

  /**
   * The journal of `options.account` (default DEFAULT_ACCOUNT) under `home`. A new default account of
   * a broker first takes that broker's orders over from an earlier version's `{home}/journal.sqlite`.
   */
  static open(home: string, options: JournalOptions = {}): Journal {
    const account = parseAccountName(options.account);
    const path = accountJournalPath(home, account);
    const legacy = join(home, 'journal.sqlite');
    const importFrom =
      options.importFrom ??
      (account === defaultAccountFor(options.broker ?? 'paper') && !existsSync(path) && existsSync(legacy)
        ? legacy
        : undefined);
    return new Journal(path, { ...options, account, importFrom });
  }

  /** An in-memory journal gets its schema on first open (files are created whole, see createJournalFile). */
  private createIfEmpty(options: JournalOptions): void {
    if (journalFormat(this.db) !== 'empty') return;
    this.db.transaction(() => initialiseJournal(this.db, options)).immediate();
  }

  private readSettings(): AccountSettings {
    const meta = new Map(
      (this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [
        r.key,
        r.value,
      ]),
    );
    const number = (key: string, fallback: number) => {
      const value = meta.get(key);
      return value === undefined ? fallback : Number(value);
    };
    const clock = meta.get('market_clock');
    return {
      account: meta.get('account') ?? DEFAULT_ACCOUNT,
      broker: meta.get('broker') ?? 'paper',
      kind: (meta.get('kind') as AccountKind | undefined) ?? 'paper',
      initialCapital: number('initial_capital', DEFAULT_INITIAL_CAPITAL),
      commissionRate: number('commission_rate', DEFAULT_COMMISSION_RATE),
      slippageBps: number('slippage_bps', DEFAULT_SLIPPAGE_BPS),
      createdAt: number('created_at', 0),
      resetAt: meta.has('reset_at') ? number('reset_at', 0) : undefined,
      resets: number('resets', 0),
      marketClock: clock === undefined ? undefined : Number(clock),
    };
  }

  private checkOpenedAs(options: JournalOptions): void {
    const s = this.settingsCache;
    if (options.account !== undefined && parseAccountName(options.account) !== s.account) {
      throw new NeuralTraderError(
        'IO',
        `order journal ${this.path} belongs to account ${s.account}, not ${options.account}`,
        {
          field: this.path,
          hint: 'account journals must keep their file names; rename it back',
        },
      );
    }
    if (options.broker !== undefined && options.broker !== s.broker) {
      throw new NeuralTraderError(
        'CONFLICT',
        `account ${s.account} books the ${s.broker} broker, not ${options.broker}`,
        {
          field: 'account',
          hint: `use --broker ${s.broker}, or another account for ${options.broker} (e.g. --account ${defaultAccountFor(options.broker)})`,
        },
      );
    }
  }

  /** What the integrity check on open looked at (undefined for an in-memory journal). */
  get openCheck(): JournalCheckCounts | undefined {
    return this.lastCheck;
  }

  /** The account's settings (name, broker, kind, starting cash, paper costs, clock). */
  get settings(): AccountSettings {
    return this.settingsCache;
  }

  get account(): string {
    return this.settingsCache.account;
  }

  get initialCapital(): number {
    return this.settingsCache.initialCapital;
  }

  /**
   * The journal's wall clock: Date.now(), but never earlier than any time already written, so rows
   * written later never carry an earlier time (the system clock may be stepped back).
   */
  now(): EpochMs {
    const t = Math.max(Date.now(), this.lastWallTime);
    this.lastWallTime = t;
    return t;
  }

  /**
   * Run `fn` atomically: its own transaction, or a savepoint inside an open group (see `begin`).
   * Everything in it is written or nothing is.
   */
  transaction<T>(fn: () => T): T {
    const standalone = !this.db.inTransaction;
    // A standalone write takes the write lock first (IMMEDIATE): a deferred transaction that read an
    // older snapshot could not wait for the lock and would fail at once (SQLITE_BUSY_SNAPSHOT).
    const result = (standalone ? this.runInTransaction.immediate(fn) : this.runInTransaction(fn)) as T;
    if (standalone) this.afterCommit();
    return result;
  }

  /**
   * Open a group commit holding the write lock (BEGIN IMMEDIATE): the writes of several `transaction`
   * calls (each a savepoint) become durable together at `commit`. Throws JournalLockedError at once
   * (after the short busy timeout) when another connection holds the lock, so callers can wait
   * asynchronously; throws LeaseLostError when another process has taken the account over.
   */
  begin(): void {
    if (this.db.inTransaction) return;
    try {
      this.statements.beginImmediate.run();
    } catch (error) {
      if (isBusyError(error)) throw new JournalLockedError(this.path, this.lease.holder(), error);
      throw sqliteError(error, KIND, this.path);
    }
    try {
      this.lease.assertHeld();
    } catch (error) {
      this.statements.rollback.run();
      throw error;
    }
  }

  commit(): void {
    if (!this.db.inTransaction) return;
    try {
      this.statements.commit.run();
    } catch (error) {
      throw sqliteError(error, KIND, this.path);
    }
    this.afterCommit();
  }

  /**
   * WAL checkpoints copy committed pages back into the database file; SQLite's automatic one runs inside
   * whichever commit crosses its threshold and made that order's acknowledgement take milliseconds.
   * Instead, after CHECKPOINT_SOFT_COMMITS commits a checkpoint is scheduled for when the event loop is
   * next idle, and only past CHECKPOINT_HARD_COMMITS without an idle moment is it taken inline, which
   * bounds the WAL's size. Durability is unchanged: a commit is in the WAL before it is acknowledged.
   */
  private afterCommit(): void {
    this.commitsSinceCheckpoint++;
    if (this.commitsSinceCheckpoint >= CHECKPOINT_HARD_COMMITS) {
      this.checkpoint();
      return;
    }
    if (this.commitsSinceCheckpoint >= CHECKPOINT_SOFT_COMMITS && this.checkpointTimer === undefined) {
      this.checkpointTimer = setImmediate(() => {
        this.checkpointTimer = undefined;
        if (!this.closed && !this.db.inTransaction) this.checkpoint();
      });
      this.checkpointTimer.unref();
    }
  }

  /** Copy the WAL into the database file now (PASSIVE: never waits on other connections). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
    this.commitsSinceCheckpoint = 0;
  }

  rollback(): void {
    if (this.db.inTransaction) this.statements.rollback.run();
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** Run a read; an SQLite error (a damaged page met later, an I/O error) becomes one naming the file. */
  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw sqliteError(error, KIND, this.path);
    }
  }

  insertOrder(order: OrderSnapshot): void {
    this.statements.insertOrder.run(orderParams(order));
    this.statements.insertEvent.run(order.id, null, order.status, order.createdAt, cleanReason(order.reason));
  }

  /** Write the order's row as it stands now (insert, or update every mutable field). */
  upsertOrder(order: OrderSnapshot): void {
    this.statements.upsertOrder.run(orderParams(order));
  }

  /** Save the order's current fields; `fromStatus` set records a state change in order_events. */
  updateOrder(order: OrderSnapshot, fromStatus?: OrderStatus): void {
    this.statements.upsertOrder.run(orderParams(order));
    if (fromStatus !== undefined && fromStatus !== order.status) {
      this.statements.insertEvent.run(
        order.id,
        fromStatus,
        order.status,
        order.updatedAt,
        cleanReason(order.reason),
      );
    }
  }

  recordEvent(
    orderId: string,
    from: OrderStatus | null,
    to: OrderStatus,
    at: EpochMs,
    reason?: string,
  ): void {
    this.statements.insertEvent.run(orderId, from, to, at, cleanReason(reason));
  }

  /**
   * Insert a fill and book it in the positions table; false when a fill with this id is already
   * journaled (nothing written).
   */
  recordFill(fill: JournalFill): boolean {
    const row = {
      fill_id: fill.fillId,
      order_id: fill.orderId,
      client_order_id: fill.clientOrderId ?? null,
      symbol: fill.symbol,
      side: fill.side,
      quantity: fill.quantity,
      price: fill.price,
      commission: fill.commission,
      timestamp: fill.timestamp,
      price_time: fill.priceTime ?? null,
      recorded_at: fill.recordedAt ?? this.now(),
    };
    const result = this.statements.insertFill.run({
      ...row,
      checksum: checksumOf(row, FILL_CHECKED_COLUMNS),
    });
    if (result.changes !== 1) return false;
    this.statements.bookPosition.run(fill.symbol, fill.side === 'buy' ? fill.quantity : -fill.quantity);
    return true;
  }

  hasFill(fillId: string): boolean {
    return this.statements.hasFill.get(fillId) !== undefined;
  }

  getOrder(id: string): OrderSnapshot | undefined {
    return this.read(() => {
      const row = this.statements.byId.get(id) as OrderRow | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  getOrderByClientId(clientOrderId: string): OrderSnapshot | undefined {
    return this.read(() => {
      const row = this.statements.byClientId.get(clientOrderId) as OrderRow | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  /** Find an order by our id, the client order id or the broker's id. */
  findOrder(anyId: string): OrderSnapshot | undefined {
    return this.read(() => {
      // Three indexed lookups (an OR across the columns would scan the whole table on every order).
      const row = (this.statements.byId.get(anyId) ??
        this.statements.byClientId.get(anyId) ??
        this.statements.byBrokerId.get(anyId)) as OrderRow | undefined;
      return row ? fromRow(row) : undefined;
    });
  }

  listOrders(query: OrderQuery = {}): OrderSnapshot[] {
    return this.read(() => {
      const where: string[] = [];
      const params: unknown[] = [];
      const status = query.status ?? 'all';
      if (status === 'open') where.push(`status IN ${OPEN}`);
      else if (status === 'closed') where.push(`status NOT IN ${OPEN}`);
      else if (status !== 'all') {
        where.push('status = ?');
        params.push(status);
      }
      if (query.symbol) {
        where.push('symbol = ?');
        params.push(query.symbol);
      }
      if (query.broker) {
        where.push('broker = ?');
        params.push(query.broker);
      }
      const sql = `SELECT * FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid${
        query.limit ? ` LIMIT ${Math.floor(query.limit)}` : ''
      }`;
      return (this.db.prepare(sql).all(...params) as OrderRow[]).map(fromRow);
    });
  }

  /** Number of orders by status group. */
  countOrders(): { total: number; open: number } {
    return this.read(() => {
      return this.db
        .prepare(`SELECT COUNT(*) AS total, COALESCE(SUM(status IN ${OPEN}), 0) AS open FROM orders`)
        .get() as { total: number; open: number };
    });
  }

  listFills(filter: { orderId?: string; symbol?: string; broker?: string } = {}): JournalFill[] {
    return this.read(() => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.orderId) {
        where.push('order_id = ?');
        params.push(filter.orderId);
      }
      if (filter.symbol) {
        where.push('symbol = ?');
        params.push(filter.symbol);
      }
      if (filter.broker) {
        where.push('order_id IN (SELECT id FROM orders WHERE broker = ?)');
        params.push(filter.broker);
      }
      const sql = `SELECT * FROM fills ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
      return (this.db.prepare(sql).all(...params) as FillRow[]).map((r) => ({
        fillId: r.fill_id,
        orderId: r.order_id,
        clientOrderId: r.client_order_id ?? undefined,
        symbol: r.symbol,
        side: r.side as Fill['side'],
        quantity: r.quantity,
        price: r.price,
        commission: r.commission,
        timestamp: r.timestamp,
        priceTime: r.price_time ?? undefined,
        recordedAt: r.recorded_at,
      }));
    });
  }

  listEvents(orderId?: string): JournalEvent[] {
    return this.read(() => {
      const rows = (
        orderId
          ? this.db.prepare('SELECT * FROM order_events WHERE order_id = ? ORDER BY seq').all(orderId)
          : this.db.prepare('SELECT * FROM order_events ORDER BY seq').all()
      ) as {
        seq: number;
        order_id: string;
        from_status: string | null;
        to_status: string;
        timestamp: number;
        reason: string | null;
      }[];
      return rows.map((r) => ({
        seq: r.seq,
        orderId: r.order_id,
        fromStatus: r.from_status as OrderStatus | null,
        toStatus: r.to_status as OrderStatus,
        timestamp: r.timestamp,
        reason: r.reason ?? undefined,
      }));
    });
  }

  /** Latest market time the account reached: its stored clock, or its newest fill or mark. */
  marketClock(): EpochMs | undefined {
    return this.read(() => {
      const row = this.db
        .prepare(
          'SELECT MAX(t) AS t FROM (SELECT MAX(timestamp) AS t FROM fills UNION ALL SELECT MAX(timestamp) FROM marks)',
        )
        .get() as { t: number | null };
      const stored = this.settingsCache.marketClock;
      const latest = Math.max(row.t ?? Number.NEGATIVE_INFINITY, stored ?? Number.NEGATIVE_INFINITY);
      return Number.isFinite(latest) ? latest : undefined;
    });
  }

  /** Move the account's market clock forward (never back) to `time`. */
  advanceMarketClock(time: EpochMs): void {
    const current = this.settingsCache.marketClock;
    if (current !== undefined && current >= time) return;
    this.transaction(() =>
      this.db
        .prepare(
          "INSERT INTO meta(key, value) VALUES ('market_clock', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .run(String(time)),
    );
    this.settingsCache = { ...this.settingsCache, marketClock: time };
  }

  /** Save the prices positions were last marked at. */
  saveMarks(marks: readonly JournalMark[]): void {
    if (marks.length === 0) return;
    this.transaction(() => {
      for (const m of marks) this.statements.saveMark.run(m.symbol, m.price, m.timestamp);
    });
  }

  listMarks(): JournalMark[] {
    return this.read(() => {
      return this.db
        .prepare('SELECT symbol, price, timestamp FROM marks ORDER BY symbol')
        .all() as JournalMark[];
    });
  }

  /**
   * Return the account to its starting cash: every order, event, fill, position, mark and handoff is
   * deleted in one transaction (the caller holds the lease), the reset is recorded in the settings.
   */
  reset(options: { initialCapital?: number } = {}): AccountSettings {
    this.transaction(() => {
      for (const table of ['orders', 'order_events', 'fills', 'positions', 'marks', 'handoffs']) {
        this.db.prepare(`DELETE FROM ${table}`).run();
      }
      const set = this.db.prepare(
        'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      );
      set.run('reset_at', String(this.now()));
      set.run('resets', String(this.settingsCache.resets + 1));
      if (options.initialCapital !== undefined) set.run('initial_capital', String(options.initialCapital));
      this.db.prepare("DELETE FROM meta WHERE key = 'market_clock'").run();
    });
    this.settingsCache = this.readSettings();
    return this.settingsCache;
  }

  // ---- handoffs (see handoff.ts) -------------------------------------------------------------------

  /** Queue orders for the account's owner; returns their sequence numbers. */
  insertHandoffs(
    requests: readonly { clientOrderId: string; request: string }[],
    requester: string,
  ): number[] {
    return this.transaction(() => {
      const last =
        (this.db.prepare('SELECT MAX(requested_at) AS t FROM handoffs').get() as { t: number | null }).t ?? 0;
      const at = Math.max(this.now(), last);
      return requests.map((r) =>
        Number(this.statements.insertHandoff.run(r.clientOrderId, r.request, at, requester).lastInsertRowid),
      );
    });
  }

  /** Handoffs in `states`, oldest first. */
  listHandoffs(states: readonly HandoffRow['state'][], limit = 500): HandoffRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM handoffs WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY seq LIMIT ?`,
      )
      .all(...states, limit) as {
      seq: number;
      client_order_id: string;
      request: string;
      requested_at: number;
      requester: string;
      state: HandoffRow['state'];
      result: string | null;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      clientOrderId: r.client_order_id,
      request: r.request,
      requestedAt: r.requested_at,
      requester: r.requester,
      state: r.state,
      result: r.result ?? undefined,
    }));
  }

  getHandoffs(seqs: readonly number[]): HandoffRow[] {
    if (seqs.length === 0) return [];
    const found: HandoffRow[] = [];
    for (let i = 0; i < seqs.length; i += 500) {
      const part = seqs.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT * FROM handoffs WHERE seq IN (${part.map(() => '?').join(',')})`)
        .all(...part) as {
        seq: number;
        client_order_id: string;
        request: string;
        requested_at: number;
        requester: string;
        state: HandoffRow['state'];
        result: string | null;
      }[];
      for (const r of rows) {
        found.push({
          seq: r.seq,
          clientOrderId: r.client_order_id,
          request: r.request,
          requestedAt: r.requested_at,
          requester: r.requester,
          state: r.state,
          result: r.result ?? undefined,
        });
      }
    }
    return found;
  }

  /** Move a handoff from one state to the next; false when it was not in `from` (someone else moved it). */
  moveHandoff(seq: number, from: HandoffRow['state'], to: HandoffRow['state'], result?: string): boolean {
    return this.transaction(
      () =>
        this.statements.moveHandoff.run(
          to,
          result === undefined ? null : redact(result),
          this.now(),
          seq,
          from,
        ).changes === 1,
    );
  }

  /** Claim pending handoffs for the owner, in one transaction; returns the seqs it got. */
  claimHandoffs(seqs: readonly number[]): number[] {
    if (seqs.length === 0) return [];
    return this.transaction(() => {
      const taken: number[] = [];
      const at = this.now();
      for (const seq of seqs)
        if (this.statements.moveHandoff.run('taken', null, at, seq, 'pending').changes === 1) taken.push(seq);
      return taken;
    });
  }

  /** Record the owner's answers to taken handoffs, in one transaction. */
  completeHandoffs(answers: readonly { seq: number; state: 'done' | 'failed'; result: string }[]): void {
    if (answers.length === 0) return;
    this.transaction(() => {
      const at = this.now();
      for (const a of answers) this.statements.moveHandoff.run(a.state, redact(a.result), at, a.seq, 'taken');
    });
  }

  /** Run `hook` just before the journal commits and closes (writers flush buffered rows there). */
  onBeforeClose(hook: () => void): () => void {
    this.closeHooks.add(hook);
    return () => this.closeHooks.delete(hook);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Checkpoint the WAL into the database file and close. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    for (const hook of this.closeHooks) hook();
    this.closed = true;
    if (this.checkpointTimer !== undefined) clearImmediate(this.checkpointTimer);
    try {
      if (!this.readonly) {
        this.commit();
        this.lease.releaseAll();
        try {
          this.db.pragma('wal_checkpoint(TRUNCATE)');
        } catch (error) {
          // Another connection is reading: the WAL is checkpointed by whoever closes last.
          if (!isBusyError(error)) throw error;
        }
      }
    } finally {
      this.db.close();
      if (this.path !== ':memory:') writeSeal(this.path, this.openedSeal);
    }
  }
}

/** Schema, settings and (for a new default account) an earlier version's orders, in a new journal. */
function initialiseJournal(db: SqliteDatabase, options: JournalOptions): void {
  db.exec(SCHEMA);
  const broker = options.broker ?? 'paper';
  const settings: Record<string, string> = {
    account: parseAccountName(options.account),
    broker,
    kind: options.kind ?? (broker === 'alpaca' ? 'alpaca' : 'paper'),
    initial_capital: String(options.initialCapital ?? DEFAULT_INITIAL_CAPITAL),
    commission_rate: String(options.commissionRate ?? DEFAULT_COMMISSION_RATE),
    slippage_bps: String(options.slippageBps ?? DEFAULT_SLIPPAGE_BPS),
    created_at: String(Date.now()),
    resets: '0',
  };
  const insert = db.prepare('INSERT INTO meta(key, value) VALUES (?, ?)');
  for (const [key, value] of Object.entries(settings)) insert.run(key, value);
  if (options.importFrom) importLegacyJournal(db, options.importFrom, broker, insert);
  db.pragma(`user_version = ${JOURNAL_SCHEMA_VERSION}`);
}

/**
 * Create a journal file whole: built under a temporary name and linked into place only when complete,
 * so no process ever sees a half-created (or 0-byte) journal, which it would rightly refuse as
 * damaged. Two processes creating the same account at once: the first link wins, the other's copy is
 * discarded and it opens the winner's.
 */
function createJournalFile(path: string, options: JournalOptions): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.creating-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const db = openDatabase(temporary, { kind: KIND, synchronous: 'FULL' });
    try {
      db.transaction(() => initialiseJournal(db, options)).immediate();
    } finally {
      db.close();
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } catch (error) {
    throw sqliteError(error, KIND, path);
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${temporary}${suffix}`, { force: true });
  }
}

function prepareStatements(db: SqliteDatabase) {
  const columns = [...ORDER_CHECKED_COLUMNS, 'checksum'];
  const values = columns.map((c) => `@${c}`).join(', ');
  const mutable = [
    'broker_order_id',
    'type',
    'quantity',
    'limit_price',
    'stop_price',
    'trail_percent',
    'trail_price',
    'time_in_force',
    'status',
    'filled_quantity',
    'average_fill_price',
    'held',
    'reason',
    'updated_at',
    'checksum',
  ];
  return {
    insertOrder: db.prepare(`INSERT INTO orders (${columns.join(', ')}) VALUES (${values})`),
    upsertOrder: db.prepare(
      `INSERT INTO orders (${columns.join(', ')}) VALUES (${values})
       ON CONFLICT(id) DO UPDATE SET ${mutable.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
    insertEvent: db.prepare(
      'INSERT INTO order_events (order_id, from_status, to_status, timestamp, reason) VALUES (?, ?, ?, ?, ?)',
    ),
    insertFill: db.prepare(
      `INSERT OR IGNORE INTO fills (${[...FILL_CHECKED_COLUMNS, 'checksum'].join(', ')})
       VALUES (${[...FILL_CHECKED_COLUMNS, 'checksum'].map((c) => `@${c}`).join(', ')})`,
    ),
    bookPosition: db.prepare(
      'INSERT INTO positions (symbol, quantity) VALUES (?, ?) ON CONFLICT(symbol) DO UPDATE SET quantity = quantity + excluded.quantity',
    ),
    hasFill: db.prepare('SELECT 1 FROM fills WHERE fill_id = ?'),
    byClientId: db.prepare('SELECT * FROM orders WHERE client_order_id = ?'),
    byId: db.prepare('SELECT * FROM orders WHERE id = ?'),
    byBrokerId: db.prepare('SELECT * FROM orders WHERE broker_order_id = ? LIMIT 1'),
    saveMark: db.prepare(
      'INSERT INTO marks (symbol, price, timestamp) VALUES (?, ?, ?) ON CONFLICT(symbol) DO UPDATE SET price = excluded.price, timestamp = excluded.timestamp',
    ),
    insertHandoff: db.prepare(
      'INSERT INTO handoffs (client_order_id, request, requested_at, requester) VALUES (?, ?, ?, ?)',
    ),
    moveHandoff: db.prepare(
      'UPDATE handoffs SET state = ?, result = ?, handled_at = ? WHERE seq = ? AND state = ?',
    ),
    beginImmediate: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  };
}

/** Reasons may quote a broker's answer: never store a secret it echoed. */
function cleanReason(reason: string | undefined): string | null {
  return reason === undefined ? null : redact(reason);
}

function orderParams(o: OrderSnapshot): Record<string, unknown> {
  const row: Record<string, unknown> = {
    id: o.id,
    client_order_id: o.clientOrderId,
    broker_order_id: o.brokerOrderId ?? null,
    broker: o.broker,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    quantity: o.quantity,
    limit_price: o.limitPrice ?? null,
    stop_price: o.stopPrice ?? null,
    trail_percent: o.trailPercent ?? null,
    trail_price: o.trailPrice ?? null,
    time_in_force: o.timeInForce,
    status: o.status,
    filled_quantity: o.filledQuantity,
    average_fill_price: Number.isFinite(o.averageFillPrice) ? o.averageFillPrice : null,
    role: o.role,
    parent_id: o.parentId ?? null,
    oco_group: o.ocoGroup ?? null,
    held: o.held ? 1 : 0,
    tag: o.tag ?? null,
    reason: cleanReason(o.reason),
    market_time: o.marketTime,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
  row.checksum = checksumOf(row, ORDER_CHECKED_COLUMNS);
  return row;
}

function fromRow(r: OrderRow): OrderSnapshot {
  return {
    id: r.id,
    clientOrderId: r.client_order_id,
    brokerOrderId: r.broker_order_id ?? undefined,
    broker: r.broker,
    symbol: r.symbol,
    side: r.side as OrderSnapshot['side'],
    type: r.type as OrderSnapshot['type'],
    quantity: r.quantity,
    limitPrice: r.limit_price ?? undefined,
    stopPrice: r.stop_price ?? undefined,
    trailPercent: r.trail_percent ?? undefined,
    trailPrice: r.trail_price ?? undefined,
    timeInForce: r.time_in_force as OrderSnapshot['timeInForce'],
    status: r.status as OrderStatus,
    filledQuantity: r.filled_quantity,
    remainingQuantity: Math.max(0, r.quantity - r.filled_quantity),
    averageFillPrice: r.average_fill_price ?? Number.NaN,
    role: r.role as OrderRole,
    parentId: r.parent_id ?? undefined,
    ocoGroup: r.oco_group ?? undefined,
    held: r.held === 1,
    tag: r.tag ?? undefined,
    reason: r.reason ?? undefined,
    marketTime: r.market_time,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Copy one broker's orders, events and fills from an earlier version's single journal into a new
 * account journal (inside its creation transaction). The old file is opened read-only and checked.
 */
function importLegacyJournal(
  db: SqliteDatabase,
  legacyPath: string,
  broker: string,
  setMeta: Database.Statement,
): void {
  const legacy = openDatabase(legacyPath, { kind: KIND, readonly: true, check: true });
  try {
    if (journalFormat(legacy) !== 'legacy-journal') return;
    const statements = prepareStatements(db);
    const capital = legacy.prepare("SELECT value FROM meta WHERE key = 'initial_capital'").get() as
      | { value: string }
      | undefined;
    if (capital) db.prepare("UPDATE meta SET value = ? WHERE key = 'initial_capital'").run(capital.value);
    const orders = legacy
      .prepare('SELECT * FROM orders WHERE broker = ? ORDER BY created_at, rowid')
      .all(broker) as Omit<OrderRow, 'market_time'>[];
    for (const order of orders) {
      // Earlier versions stamped some updates with bar time; a change never precedes its creation.
      const updated = Math.max(order.updated_at, order.created_at);
      statements.insertOrder.run(
        orderParams(fromRow({ ...order, updated_at: updated, market_time: order.created_at })),
      );
    }
    const events = legacy
      .prepare(
        'SELECT * FROM order_events WHERE order_id IN (SELECT id FROM orders WHERE broker = ?) ORDER BY seq',
      )
      .all(broker) as {
      order_id: string;
      from_status: string | null;
      to_status: string;
      timestamp: number;
      reason: string | null;
    }[];
    for (const e of events)
      statements.insertEvent.run(
        e.order_id,
        e.from_status,
        e.to_status,
        e.timestamp,
        cleanReason(e.reason ?? undefined),
      );
    const fills = legacy
      .prepare('SELECT * FROM fills WHERE order_id IN (SELECT id FROM orders WHERE broker = ?) ORDER BY seq')
      .all(broker) as Omit<FillRow, 'price_time' | 'recorded_at'>[];
    for (const f of fills) {
      const row = { ...f, price_time: f.timestamp, recorded_at: f.timestamp };
      statements.insertFill.run({ ...row, checksum: checksumOf(row, FILL_CHECKED_COLUMNS) });
      statements.bookPosition.run(f.symbol, f.side === 'buy' ? f.quantity : -f.quantity);
    }
    setMeta.run('imported_from', legacyPath);
  } finally {
    legacy.close();
  }
}
