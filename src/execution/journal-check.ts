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

/** Scratch views to feed a number's eight bytes to the hash (no string conversion). */
const NUMBER_BITS = new Float64Array(1);
const NUMBER_WORDS = new Uint32Array(NUMBER_BITS.buffer);

/**
 * The checksum of a row: a 53-bit hash (two 32-bit multiply-xorshift lanes, the "cyrb53" construction)
 * over its fields in column order: a number as its IEEE-754 bits, a string as its UTF-16 code units,
 * NULL as a marker, each field closed by a separator. It guards against damage (a flipped bit, an edited
 * byte), not against someone forging rows on purpose, and it is cheap enough to check every row on every
 * open and to compute on every write.
 */
export function rowChecksum(values: readonly unknown[]): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (word: number) => {
    h1 = Math.imul(h1 ^ word, 2654435761);
    h2 = Math.imul(h2 ^ word, 1597334677);
  };
  for (const value of values) {
    if (typeof value === 'number') {
      NUMBER_BITS[0] = value;
      mix(NUMBER_WORDS[0]);
      mix(NUMBER_WORDS[1]);
    } else if (typeof value === 'string') {
      for (let i = 0; i < value.length; i++) mix(value.charCodeAt(i));
    } else if (value === null || value === undefined) {
      mix(0x6e756c6c);
    } else {
      const text = String(value);
      for (let i = 0; i < text.length; i++) mix(text.charCodeAt(i));
    }
    mix(0x1f001f00);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
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

export interface VerifyOptions {
  /**
   * Check every row's checksum (default true). Skipped only when the file is proved byte-identical to
   * one that passed every check (journal-seal.ts); the cross-checks always run.
   */
  rows?: boolean;
}

/** What one integrity check looked at: the counts `account verify` reports. */
export interface JournalCheckCounts {
  orders: number;
  fills: number;
  positions: number;
  /** Whether every row's checksum was recomputed (false: the file matched its seal). */
  rowChecksums: boolean;
}

/**
 * The cross-check of orders against fills in one pass: both tables are scanned once (their rows put side
 * by side under the order id) and grouped by order id in one sort, giving per order its row count in
 * orders, its filled quantity and quantity, and its fills' total, smallest quantity and range of sides
 * and symbols (one value when they agree with the order's). Only groups that break a rule come back.
 * No join and no index is needed, so it stays linear (and cheap) as the journal grows.
 */
const ORDERS_AGAINST_FILLS = `SELECT order_id, SUM(is_order) AS n, MAX(filled) AS filled, MAX(qty) AS qty,
    TOTAL(fill_qty) AS total, MIN(fill_qty) AS smallest, MIN(side) AS side_lo, MAX(side) AS side_hi,
    MIN(symbol) AS symbol_lo, MAX(symbol) AS symbol_hi
  FROM (SELECT id AS order_id, 1 AS is_order, filled_quantity AS filled, quantity AS qty, NULL AS fill_qty, side, symbol
        FROM orders
        UNION ALL
        SELECT order_id, 0, NULL, NULL, quantity, side, symbol FROM fills)
  GROUP BY order_id
  HAVING n != 1 OR side_lo != side_hi OR symbol_lo != symbol_hi OR NOT (filled >= 0)
      OR filled > qty + ${QUANTITY_TOLERANCE} * MAX(1, qty)
      OR ABS(filled - total) > ${QUANTITY_TOLERANCE} * MAX(1, ABS(filled), ABS(total))
      OR NOT (COALESCE(smallest, 1) > 0)`;

/** Every integrity rule above; throws JournalIntegrityError naming `path` with what it found. */
export function verifyJournal(
  db: SqliteDatabase,
  path: string,
  options: VerifyOptions = {},
): JournalCheckCounts {
  const format = journalFormat(db);
  if (format === 'empty') return { orders: 0, fills: 0, positions: 0, rowChecksums: false };
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
  const rows = options.rows !== false;
  // Checksums: every row, streamed as arrays in checksum column order (no per-row objects, no big array).
  const checkRows = (table: string, key: string, columns: readonly string[]) => {
    const keyAt = columns.indexOf(key);
    for (const row of db
      .prepare(`SELECT ${columns.join(', ')}, checksum FROM ${table}`)
      .raw()
      .iterate() as IterableIterator<unknown[]>) {
      const stored = row.pop();
      if (rowChecksum(row) !== stored) {
        problems.push(
          `${table === 'orders' ? 'order' : 'fill'} ${String(row[keyAt])}: row checksum does not match its fields`,
        );
      }
    }
  };
  if (rows) {
    checkRows('orders', 'id', ORDER_CHECKED_COLUMNS);
    checkRows('fills', 'fill_id', FILL_CHECKED_COLUMNS);
  }
  const all = (sql: string) => db.prepare(sql).raw().all() as unknown[][];
  const fillRows = (where: string) =>
    all(`SELECT fill_id, order_id, side, symbol, quantity FROM fills WHERE ${where} ORDER BY seq`);
  for (const [orderId, n, filled, quantity, total, smallest] of all(ORDERS_AGAINST_FILLS)) {
    const id = sqlText(orderId);
    if (Number(n) === 0) {
      for (const [fillId] of fillRows(`order_id = ${id}`))
        problems.push(`fill ${fillId}: its order ${orderId} is not in the journal`);
      continue;
    }
    const [side, symbol] = db.prepare(`SELECT side, symbol FROM orders WHERE id = ${id}`).raw().get() as [
      string,
      string,
    ];
    for (const [fillId, fillSide, fillSymbol] of fillRows(
      `order_id = ${id} AND (side != ${sqlText(side)} OR symbol != ${sqlText(symbol)})`,
    ))
      problems.push(`fill ${fillId}: ${fillSide} ${fillSymbol} does not match its order's ${side} ${symbol}`);
    if (!(Number(smallest ?? 1) > 0)) {
      for (const [fillId, , , , fillQuantity] of fillRows(`order_id = ${id} AND NOT (quantity > 0)`))
        problems.push(`fill ${fillId}: quantity ${fillQuantity}`);
    }
    const [f, q, t] = [Number(filled), Number(quantity), Number(total)];
    if (!(f >= 0) || f > q + QUANTITY_TOLERANCE * Math.max(1, q))
      problems.push(`order ${orderId}: filled ${filled} of ${quantity}`);
    if (!close(f, t))
      problems.push(`order ${orderId}: filled quantity ${filled} but its fills add up to ${total}`);
  }
  // Positions: the fills' net quantity per symbol (one scan of fills) against the booked positions.
  const implied = new Map(
    all(
      `SELECT symbol, SUM(CASE side WHEN 'buy' THEN quantity ELSE -quantity END) FROM fills GROUP BY symbol`,
    ).map(([symbol, quantity]) => [String(symbol), Number(quantity)]),
  );
  const booked = new Map(
    all('SELECT symbol, quantity FROM positions').map(([symbol, quantity]) => [
      String(symbol),
      Number(quantity),
    ]),
  );
  for (const symbol of new Set([...booked.keys(), ...implied.keys()])) {
    const fromFills = implied.get(symbol) ?? 0;
    const stored = booked.get(symbol) ?? 0;
    if (!close(fromFills, stored))
      problems.push(`position ${symbol}: booked ${stored} but the fills imply ${fromFills}`);
  }
  if (problems.length > 0) throw new JournalIntegrityError(path, problems);
  const count = (table: string) => Number(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get());
  return { orders: count('orders'), fills: count('fills'), positions: booked.size, rowChecksums: rows };
}

/** A value as an SQL string literal (ids in the rare detail queries above). */
function sqlText(value: unknown): string {
  return `'${String(value).replaceAll("'", "''")}'`;
}
