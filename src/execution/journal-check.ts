import { createHash } from 'node:crypto';
import { NeuralTraderError } from '../core/errors.js';
import type { SqliteDatabase } from '../core/sqlite.js';

/**
 * The order journal's own integrity rules, checked every time a journal is opened (on a read-only
 * connection, before anything is written). SQLite's quick_check finds damaged pages, but not a
 * changed byte inside a row: a fill of 3 shares whose byte became 99 is a valid record. So:
 *  - every order and fill row carries a checksum of its fields, written with it;
 *  - every order's filled quantity must equal the sum of its fills (and not exceed its quantity);
 *  - every fill must belong to an order of the same symbol and side;
 *  - the positions table (updated with every fill, in the same transaction) must equal the positions
 *    the fills imply.
 * A journal that breaks any rule is refused with a report naming the file and the first problems:
 * trading on a book that does not add up would compound the error with real orders.
 */

/** Schema version written to `PRAGMA user_version` of every account journal. */
export const JOURNAL_SCHEMA_VERSION = 2;

const TABLES = ['meta', 'orders', 'order_events', 'fills', 'positions', 'marks', 'lease', 'handoffs'];
/** Fills are float quantities summed in different orders; this absorbs the rounding, not a share. */
const QUANTITY_TOLERANCE = 1e-7;
const MAX_REPORTED = 3;

/** The checksum of a row: the first 16 hex digits of SHA-256 over its fields in column order. */
export function rowChecksum(values: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 16);
}

/** Order columns covered by the order checksum, in order (every column except the checksum itself). */
export const ORDER_CHECKED_COLUMNS = [
  'id',
  'client_order_id',
  'broker_order_id',
  'broker',
  'symbol',
  'side',
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
  'role',
  'parent_id',
  'oco_group',
  'held',
  'tag',
  'reason',
  'market_time',
  'created_at',
  'updated_at',
] as const;

/** Fill columns covered by the fill checksum, in order. */
export const FILL_CHECKED_COLUMNS = [
  'fill_id',
  'order_id',
  'client_order_id',
  'symbol',
  'side',
  'quantity',
  'price',
  'commission',
  'timestamp',
  'price_time',
  'recorded_at',
] as const;

export function checksumOf(row: Record<string, unknown>, columns: readonly string[]): string {
  return rowChecksum(columns.map((c) => row[c] ?? null));
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= QUANTITY_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** A journal that fails its checks: what is wrong, in one line naming the file. */
export class JournalIntegrityError extends NeuralTraderError {
  readonly problems: readonly string[];
  constructor(path: string, problems: readonly string[]) {
    const more = problems.length > MAX_REPORTED ? ` (and ${problems.length - MAX_REPORTED} more)` : '';
    super(
      'IO',
      `order journal ${path} failed its consistency check: ${problems.slice(0, MAX_REPORTED).join('; ')}${more}`,
      {
        field: path,
        hint: 'nothing was written and no order was sent; restore the file from a backup, or move it aside to start the account afresh',
      },
    );
    this.name = 'JournalIntegrityError';
    this.problems = problems;
  }
}

/** What kind of file this is, judged from its tables and user_version. */
export function journalFormat(
  db: SqliteDatabase,
): 'journal' | 'legacy-journal' | 'empty' | 'newer' | 'foreign' {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  if (version > JOURNAL_SCHEMA_VERSION) return 'newer';
  if (version === JOURNAL_SCHEMA_VERSION) return TABLES.every((t) => tables.has(t)) ? 'journal' : 'foreign';
  if (tables.size === 0) return 'empty';
  if (version === 0 && tables.has('orders') && tables.has('fills') && !tables.has('lease'))
    return 'legacy-journal';
  return 'foreign';
}

/** Every integrity rule above; throws JournalIntegrityError naming `path` with what it found. */
export function verifyJournal(db: SqliteDatabase, path: string): void {
  const format = journalFormat(db);
  if (format === 'empty') return;
  if (format === 'newer') {
    throw new NeuralTraderError(
      'IO',
      `order journal ${path} was written by a newer version of neural-trader`,
      {
        field: path,
        hint: 'upgrade neural-trader to open it (nothing was written)',
      },
    );
  }
  if (format !== 'journal') {
    throw new NeuralTraderError(
      'IO',
      `order journal ${path} is not an account journal (its tables are not the journal's)`,
      {
        field: path,
        hint: 'move the file aside; an account journal is created afresh in its place (nothing was written)',
      },
    );
  }
  const problems: string[] = [];
  const report = (problem: string) => {
    problems.push(problem);
  };
  const orders = new Map<string, { symbol: string; side: string; filled: number; quantity: number }>();
  for (const row of db.prepare('SELECT * FROM orders').iterate() as Iterable<Record<string, unknown>>) {
    const id = String(row.id);
    if (checksumOf(row, ORDER_CHECKED_COLUMNS) !== row.checksum)
      report(`order ${id}: row checksum does not match its fields`);
    const quantity = Number(row.quantity);
    const filled = Number(row.filled_quantity);
    if (!(filled >= 0) || filled > quantity + QUANTITY_TOLERANCE * Math.max(1, quantity)) {
      report(`order ${id}: filled ${filled} of ${quantity}`);
    }
    orders.set(id, { symbol: String(row.symbol), side: String(row.side), filled, quantity });
  }
  const fillSums = new Map<string, number>();
  const positions = new Map<string, number>();
  for (const row of db.prepare('SELECT * FROM fills ORDER BY seq').iterate() as Iterable<
    Record<string, unknown>
  >) {
    const fillId = String(row.fill_id);
    if (checksumOf(row, FILL_CHECKED_COLUMNS) !== row.checksum)
      report(`fill ${fillId}: row checksum does not match its fields`);
    const quantity = Number(row.quantity);
    const orderId = String(row.order_id);
    const order = orders.get(orderId);
    if (!order) report(`fill ${fillId}: its order ${orderId} is not in the journal`);
    else if (order.symbol !== row.symbol || order.side !== row.side) {
      report(
        `fill ${fillId}: ${row.side} ${row.symbol} does not match its order's ${order.side} ${order.symbol}`,
      );
    }
    if (!(quantity > 0)) report(`fill ${fillId}: quantity ${quantity}`);
    fillSums.set(orderId, (fillSums.get(orderId) ?? 0) + quantity);
    const symbol = String(row.symbol);
    positions.set(symbol, (positions.get(symbol) ?? 0) + (row.side === 'buy' ? quantity : -quantity));
  }
  for (const [id, order] of orders) {
    const sum = fillSums.get(id) ?? 0;
    if (!close(sum, order.filled))
      report(`order ${id}: filled quantity ${order.filled} but its fills add up to ${sum}`);
  }
  const stored = new Map(
    (
      db.prepare('SELECT symbol, quantity FROM positions').all() as { symbol: string; quantity: number }[]
    ).map((r) => [r.symbol, r.quantity]),
  );
  for (const symbol of new Set([...stored.keys(), ...positions.keys()])) {
    const implied = positions.get(symbol) ?? 0;
    const booked = stored.get(symbol) ?? 0;
    if (!close(implied, booked))
      report(`position ${symbol}: booked ${booked} but the fills imply ${implied}`);
  }
  if (problems.length > 0) throw new JournalIntegrityError(path, problems);
}
