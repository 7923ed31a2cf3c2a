import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Fill, OrderStatus } from '../core/orders.js';
import type { EpochMs } from '../core/time.js';
import type { OrderRole, OrderSnapshot } from './order.js';

/** Commits after which a WAL checkpoint is scheduled for the next idle moment of the event loop. */
const CHECKPOINT_SOFT_COMMITS = 256;
/** Commits after which the checkpoint is taken inline even without an idle moment (bounds the WAL). */
const CHECKPOINT_HARD_COMMITS = 4096;

/**
 * The execution journal: every order, every state change and every fill, in SQLite, written in a
 * transaction before the caller hears about it. It is the source of truth after a crash: positions are
 * rebuilt from its fills, and its open orders are reconciled with the broker.
 *
 * Durability: WAL with synchronous=NORMAL by default. In WAL mode a commit is in the OS's hands when
 * the commit call returns, so an acknowledged order survives the process being killed (SIGKILL, crash,
 * OOM) - the failure that matters for a trading process. What NORMAL gives up is the last few commits
 * on a power cut or kernel panic (the WAL is fsynced at checkpoints, not on every commit); that costs
 * ~10x in latency on most disks. Pass `synchronous: 'FULL'` to fsync every commit when the host itself
 * is not trusted.
 *
 * Fills are keyed by the broker's execution id (PRIMARY KEY fill_id + INSERT OR IGNORE): recording the
 * same execution twice is a no-op, and `recordFill` tells the caller whether the row was new.
 */
export interface JournalOptions {
  synchronous?: 'NORMAL' | 'FULL';
  /** Starting cash of the account this journal books (stored on first open). */
  initialCapital?: number;
}

export interface JournalFill extends Fill {
  fillId: string;
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
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
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
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE TABLE IF NOT EXISTS order_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  reason TEXT
);
CREATE INDEX IF NOT EXISTS order_events_order ON order_events(order_id);
CREATE TABLE IF NOT EXISTS fills (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  fill_id TEXT NOT NULL UNIQUE,
  order_id TEXT NOT NULL,
  client_order_id TEXT,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  quantity REAL NOT NULL,
  price REAL NOT NULL,
  commission REAL NOT NULL,
  timestamp INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS fills_order ON fills(order_id);
`;

const OPEN = "('new','accepted','partially_filled')";

export class Journal {
  readonly path: string;
  readonly synchronous: 'NORMAL' | 'FULL';
  private readonly db: Database.Database;
  private readonly insertOrderStmt: Database.Statement;
  private readonly upsertOrderStmt: Database.Statement;
  private readonly updateOrderStmt: Database.Statement;
  private readonly insertEventStmt: Database.Statement;
  private readonly insertFillStmt: Database.Statement;
  private readonly byClientIdStmt: Database.Statement;
  private readonly byIdStmt: Database.Statement;
  private readonly beginStmt: Database.Statement;
  private readonly commitStmt: Database.Statement;
  private commitsSinceCheckpoint = 0;
  private checkpointTimer: NodeJS.Immediate | undefined;
  private readonly rollbackStmt: Database.Statement;
  private readonly runInTransaction: (fn: () => unknown) => unknown;
  private closed = false;
  private readonly closeHooks = new Set<() => void>();

  constructor(path: string, options: JournalOptions = {}) {
    this.path = path;
    this.synchronous = options.synchronous ?? 'NORMAL';
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${this.synchronous}`);
    this.db.pragma('busy_timeout = 5000');
    // Checkpoints are taken off the order path (see afterCommit), not by SQLite inside a commit.
    this.db.pragma('wal_autocheckpoint = 0');
    this.db.exec(SCHEMA);
    if (options.initialCapital !== undefined) {
      this.db
        .prepare('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)')
        .run('initial_capital', String(options.initialCapital));
    }
    this.insertOrderStmt = this.db.prepare(
      `INSERT INTO orders (id, client_order_id, broker_order_id, broker, symbol, side, type, quantity, limit_price,
        stop_price, trail_percent, trail_price, time_in_force, status, filled_quantity, average_fill_price, role,
        parent_id, oco_group, held, tag, reason, created_at, updated_at)
       VALUES (@id, @clientOrderId, @brokerOrderId, @broker, @symbol, @side, @type, @quantity, @limitPrice,
        @stopPrice, @trailPercent, @trailPrice, @timeInForce, @status, @filledQuantity, @averageFillPrice, @role,
        @parentId, @ocoGroup, @held, @tag, @reason, @createdAt, @updatedAt)`,
    );
    this.upsertOrderStmt = this.db.prepare(
      `INSERT INTO orders (id, client_order_id, broker_order_id, broker, symbol, side, type, quantity, limit_price,
        stop_price, trail_percent, trail_price, time_in_force, status, filled_quantity, average_fill_price, role,
        parent_id, oco_group, held, tag, reason, created_at, updated_at)
       VALUES (@id, @clientOrderId, @brokerOrderId, @broker, @symbol, @side, @type, @quantity, @limitPrice,
        @stopPrice, @trailPercent, @trailPrice, @timeInForce, @status, @filledQuantity, @averageFillPrice, @role,
        @parentId, @ocoGroup, @held, @tag, @reason, @createdAt, @updatedAt)
       ON CONFLICT(id) DO UPDATE SET broker_order_id = excluded.broker_order_id, type = excluded.type,
        quantity = excluded.quantity, limit_price = excluded.limit_price, stop_price = excluded.stop_price,
        trail_percent = excluded.trail_percent, trail_price = excluded.trail_price,
        time_in_force = excluded.time_in_force, status = excluded.status,
        filled_quantity = excluded.filled_quantity, average_fill_price = excluded.average_fill_price,
        held = excluded.held, reason = excluded.reason, updated_at = excluded.updated_at`,
    );
    this.updateOrderStmt = this.db.prepare(
      `UPDATE orders SET broker_order_id = @brokerOrderId, type = @type, quantity = @quantity,
        limit_price = @limitPrice, stop_price = @stopPrice, trail_percent = @trailPercent,
        trail_price = @trailPrice, time_in_force = @timeInForce, status = @status,
        filled_quantity = @filledQuantity, average_fill_price = @averageFillPrice, held = @held,
        reason = @reason, updated_at = @updatedAt
       WHERE id = @id`,
    );
    this.insertEventStmt = this.db.prepare(
      'INSERT INTO order_events (order_id, from_status, to_status, timestamp, reason) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertFillStmt = this.db.prepare(
      `INSERT OR IGNORE INTO fills (fill_id, order_id, client_order_id, symbol, side, quantity, price, commission, timestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byClientIdStmt = this.db.prepare('SELECT * FROM orders WHERE client_order_id = ?');
    this.byIdStmt = this.db.prepare('SELECT * FROM orders WHERE id = ?');
    this.beginStmt = this.db.prepare('BEGIN');
    this.commitStmt = this.db.prepare('COMMIT');
    this.rollbackStmt = this.db.prepare('ROLLBACK');
    // One transaction function for every call (better-sqlite3 turns it into a savepoint when a
    // transaction is already open).
    this.runInTransaction = this.db.transaction((fn: () => unknown) => fn());
  }

  /** Journal at {home}/journal.sqlite. */
  static open(home: string, options: JournalOptions = {}): Journal {
    return new Journal(join(home, 'journal.sqlite'), options);
  }

  get initialCapital(): number | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'initial_capital'").get() as
      | { value: string }
      | undefined;
    return row ? Number(row.value) : undefined;
  }

  /**
   * Run `fn` atomically: its own transaction, or a savepoint inside an open group (see `begin`).
   * Everything in it is written or nothing is.
   */
  transaction<T>(fn: () => T): T {
    const standalone = !this.db.inTransaction;
    const result = this.runInTransaction(fn) as T;
    if (standalone) this.afterCommit();
    return result;
  }

  /**
   * Open a group commit: the writes of several `transaction` calls (each a savepoint) become durable
   * together at `commit`. Callers must not acknowledge anything written in the group before `commit`.
   */
  begin(): void {
    if (!this.db.inTransaction) this.beginStmt.run();
  }

  commit(): void {
    if (!this.db.inTransaction) return;
    this.commitStmt.run();
    this.afterCommit();
  }

  /**
   * WAL checkpoints copy committed pages back into the database file; SQLite's automatic one runs inside
   * whichever commit crosses its threshold and made that order's acknowledgement take milliseconds (the
   * p99 of one-at-a-time orders was 7 ms with it, 0.3 ms without). Instead, after
   * CHECKPOINT_SOFT_COMMITS commits a checkpoint is scheduled for when the event loop is next idle
   * (between orders, not inside one), and only past CHECKPOINT_HARD_COMMITS without an idle moment (a
   * tight loop of awaited orders) is it taken inline, which bounds the WAL's size. Durability is
   * unchanged: a commit is in the WAL before it is acknowledged either way.
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
    if (this.db.inTransaction) this.rollbackStmt.run();
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  insertOrder(order: OrderSnapshot): void {
    this.insertOrderStmt.run(toParams(order));
    this.insertEventStmt.run(order.id, null, order.status, order.createdAt, order.reason ?? null);
  }

  /** Write the order's row as it stands now (insert, or update every mutable field). */
  upsertOrder(order: OrderSnapshot): void {
    this.upsertOrderStmt.run(toParams(order));
  }

  /** Save the order's current fields; `fromStatus` set records a state change in order_events. */
  updateOrder(order: OrderSnapshot, fromStatus?: OrderStatus): void {
    this.updateOrderStmt.run(toParams(order));
    if (fromStatus !== undefined && fromStatus !== order.status) {
      this.insertEventStmt.run(order.id, fromStatus, order.status, order.updatedAt, order.reason ?? null);
    }
  }

  recordEvent(
    orderId: string,
    from: OrderStatus | null,
    to: OrderStatus,
    at: EpochMs,
    reason?: string,
  ): void {
    this.insertEventStmt.run(orderId, from, to, at, reason ?? null);
  }

  /** Insert a fill; false when a fill with this id is already journaled (nothing written). */
  recordFill(fill: JournalFill): boolean {
    const result = this.insertFillStmt.run(
      fill.fillId,
      fill.orderId,
      fill.clientOrderId ?? null,
      fill.symbol,
      fill.side,
      fill.quantity,
      fill.price,
      fill.commission,
      fill.timestamp,
    );
    return result.changes === 1;
  }

  hasFill(fillId: string): boolean {
    return this.db.prepare('SELECT 1 FROM fills WHERE fill_id = ?').get(fillId) !== undefined;
  }

  getOrder(id: string): OrderSnapshot | undefined {
    const row = this.byIdStmt.get(id) as OrderRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  getOrderByClientId(clientOrderId: string): OrderSnapshot | undefined {
    const row = this.byClientIdStmt.get(clientOrderId) as OrderRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Find an order by our id, the client order id or the broker's id. */
  findOrder(anyId: string): OrderSnapshot | undefined {
    const row = this.db
      .prepare('SELECT * FROM orders WHERE id = ? OR client_order_id = ? OR broker_order_id = ? LIMIT 1')
      .get(anyId, anyId, anyId) as OrderRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  listOrders(query: OrderQuery = {}): OrderSnapshot[] {
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
  }

  listFills(filter: { orderId?: string; symbol?: string; broker?: string } = {}): JournalFill[] {
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
    }));
  }

  listEvents(orderId?: string): JournalEvent[] {
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
      this.commit();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}

function toParams(o: OrderSnapshot): Record<string, unknown> {
  return {
    id: o.id,
    clientOrderId: o.clientOrderId,
    brokerOrderId: o.brokerOrderId ?? null,
    broker: o.broker,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    quantity: o.quantity,
    limitPrice: o.limitPrice ?? null,
    stopPrice: o.stopPrice ?? null,
    trailPercent: o.trailPercent ?? null,
    trailPrice: o.trailPrice ?? null,
    timeInForce: o.timeInForce,
    status: o.status,
    filledQuantity: o.filledQuantity,
    averageFillPrice: Number.isFinite(o.averageFillPrice) ? o.averageFillPrice : null,
    role: o.role,
    parentId: o.parentId ?? null,
    ocoGroup: o.ocoGroup ?? null,
    held: o.held ? 1 : 0,
    tag: o.tag ?? null,
    reason: o.reason ?? null,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
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
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
