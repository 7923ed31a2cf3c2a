import type Database from 'better-sqlite3';
import { NeuralTraderError } from '../core/errors.js';
import { type Currency, currency } from '../core/money.js';
import type { SqliteDatabase } from '../core/sqlite.js';
import { type AccountClass, accountClass, balanceOf } from './accounts.js';
import type { SyndicateRules } from './rules.js';
import type { MemberStatus, Role } from './types.js';

/** Rows as stored (snake_case columns) and the typed views the operations work with. */
export interface SyndicateRow {
  id: string;
  name: string;
  currency: string;
  created_at: number;
  clock: number;
  /** Rules JSON; read only when rules_rev changed since this process last parsed it. */
  rules?: string;
  rules_rev: number;
  period_start: number;
  total_debits: number;
  total_credits: number;
  assets: number;
  equity: number;
  pending: number;
  /** Sum of the members' capital accounts. */
  capital: number;
  clearing: number;
  next_member: number;
  next_allocation: number;
  next_withdrawal: number;
  next_proposal: number;
  next_distribution: number;
  next_transfer: number;
  audit_seq: number;
  audit_head: string;
}

/** A syndicate row with its currency and rules parsed. */
export interface SyndicateState {
  row: SyndicateRow;
  id: string;
  ccy: Currency;
  rules: SyndicateRules;
}

export interface MemberRow {
  syndicate_id: string;
  id: string;
  name: string;
  role: Role;
  status: MemberStatus;
  jurisdiction: string;
  join_seq: number;
  joined_at: number;
  first_deposit_at: number | null;
}

export interface AllocationRow {
  syndicate_id: string;
  id: string;
  op_key: string;
  originator: string;
  kind: 'bet' | 'trade';
  reference: string | null;
  sport: string | null;
  market: string | null;
  symbol: string | null;
  opportunity: string;
  method: string;
  amount: number;
  bound_by: string;
  proposal_id: string | null;
  status: 'open' | 'settled';
  opened_at: number;
  mark: number;
  settled_at: number | null;
  returned: number | null;
  fees: number | null;
  pnl: number | null;
}

export interface WithdrawalRow {
  syndicate_id: string;
  id: string;
  member: string;
  amount: number;
  from_profit: number;
  from_capital: number;
  emergency: number;
  penalty: number;
  earmark_transfer: number;
  status: 'requested' | 'approved' | 'paid' | 'cancelled' | 'rejected';
  requested_at: number;
  available_at: number;
  decided_by: string | null;
  decided_at: number | null;
  paid_at: number | null;
}

export interface ProposalRow {
  syndicate_id: string;
  id: string;
  kind: string;
  payload: string;
  proposer: string;
  weighting: string;
  quorum: number;
  threshold: number;
  created_at: number;
  expires_at: number;
  status: string;
  total_weight: number;
  yes: number;
  no: number;
  abstain: number;
  outcome: string | null;
  decided_at: number | null;
}

/** An audit entry as stored (it is also the operation's idempotency record). */
export interface AuditRow {
  syndicate_id: string;
  seq: number;
  at: number;
  actor: string;
  action: string;
  op_key: string;
  fingerprint: string;
  details: string;
  postings: string;
  prev_hash: string;
  hash: string;
}

export interface AccountRow {
  code: string;
  member_id: string | null;
  class: AccountClass;
  debits: number;
  credits: number;
}

/** Member balances in minor units. */
export interface MemberBalances {
  capital: number;
  profit: number;
  pending: number;
}

/** A copy of a syndicate row as one object literal (one hidden class; a spread of a row is slower). */
function copySyndicateRow(r: SyndicateRow): SyndicateRow {
  return {
    id: r.id,
    name: r.name,
    currency: r.currency,
    created_at: r.created_at,
    clock: r.clock,
    rules_rev: r.rules_rev,
    period_start: r.period_start,
    total_debits: r.total_debits,
    total_credits: r.total_credits,
    assets: r.assets,
    equity: r.equity,
    pending: r.pending,
    capital: r.capital,
    clearing: r.clearing,
    next_member: r.next_member,
    next_allocation: r.next_allocation,
    next_withdrawal: r.next_withdrawal,
    next_proposal: r.next_proposal,
    next_distribution: r.next_distribution,
    next_transfer: r.next_transfer,
    audit_seq: r.audit_seq,
    audit_head: r.audit_head,
  };
}

/** A cached syndicate: its row as this connection last wrote or read it, with currency and rules parsed. */
interface CachedSyndicate {
  row: SyndicateRow;
  ccy: Currency;
  rules: SyndicateRules;
}

/**
 * Prepared-statement access to the ledger file. Statements are prepared once per SQL text and reused:
 * a deposit runs about ten of them, so preparing each time would cost more than the commit.
 *
 * Every operation needs its syndicate's row (clock, totals, sequences, audit head) and its actor's
 * member row, and reading them back costs more than the rest of a deposit's statements together. So
 * the store keeps them, as this connection last read or wrote them, under one rule: the cache is only
 * used inside a transaction that began with `sync()`. `sync` reads SQLite's `PRAGMA data_version`,
 * which changes exactly when another connection (another process, or another ledger handle in this
 * one) committed to the file since this connection last looked; then everything cached is dropped.
 * A write transaction holds the write lock from its first statement (BEGIN IMMEDIATE), so nobody else
 * can commit while it runs; what it writes itself it applies to the cache (`syndicateWritten`,
 * `forgetSyndicate`, `forgetMember`), and a transaction that rolls back drops the whole cache
 * (`invalidate`), so nothing it did survives in memory either.
 */
export class LedgerStore {
  readonly db: SqliteDatabase;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly rawStatements = new Map<string, Database.Statement>();
  private readonly columnNames = new Map<Database.Statement, string[]>();
  private readonly syndicates = new Map<string, CachedSyndicate>();
  /** Member rows by syndicate id + NUL + member id. */
  private readonly memberRows = new Map<string, MemberRow>();
  /** data_version when the cache was last known to match the file (-1: nothing known). */
  private dataVersion = -1;
  private readonly dataVersionStmt: Database.Statement;

  constructor(db: SqliteDatabase) {
    this.db = db;
    this.dataVersionStmt = db.prepare('PRAGMA data_version').pluck();
  }

  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A statement whose rows come back as arrays in column order: no object with named properties per
   * row, which is most of the cost of a one-row read or RETURNING on the hot path.
   */
  rawStmt(sql: string): Database.Statement {
    let statement = this.rawStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).raw(true);
      this.rawStatements.set(sql, statement);
    }
    return statement;
  }

  /**
   * One row as an object keyed by column name, built from the raw row with the column names read once
   * per statement (better-sqlite3 looks every column name up again for every row it returns).
   */
  rowObject<Row>(sql: string, ...params: unknown[]): Row | undefined {
    const statement = this.rawStmt(sql);
    const values = statement.get(...params) as unknown[] | undefined;
    if (!values) return undefined;
    let names = this.columnNames.get(statement);
    // (Re)read the names when the row's width changed: SQLite re-prepares after a schema change.
    if (!names || names.length !== values.length) {
      names = statement.columns().map((c) => c.name);
      this.columnNames.set(statement, names);
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
    return row as Row;
  }

  /**
   * Call first inside every transaction: drops the cache when another connection has committed since
   * this one last looked (the statement also starts the read snapshot of a deferred transaction).
   */
  sync(): void {
    const version = this.dataVersionStmt.get() as number;
    if (version !== this.dataVersion) {
      this.syndicates.clear();
      this.memberRows.clear();
      this.dataVersion = version;
    }
  }

  /** Forget everything cached (a transaction or savepoint rolled back, or a read must see the file). */
  invalidate(): void {
    this.syndicates.clear();
    this.memberRows.clear();
    this.dataVersion = -1;
  }

  /** The syndicate row without its rules text, read from the file (never from the cache). */
  syndicateRow(id: string): SyndicateRow | undefined {
    return this.stmt(
      `SELECT id, name, currency, created_at, clock, rules_rev, period_start, total_debits, total_credits, assets,
         equity, pending, capital, clearing, next_member, next_allocation, next_withdrawal, next_proposal, next_distribution,
         next_transfer, audit_seq, audit_head FROM syndicates WHERE id = ?`,
    ).get(id) as SyndicateRow | undefined;
  }

  /**
   * The syndicate with parsed rules, or a NOT_FOUND error naming it. The row is the operation's own
   * copy: writes during the operation change the cache, never a row an operation already holds.
   */
  syndicate(id: string): SyndicateState {
    let cached = this.syndicates.get(id);
    if (!cached) {
      const row = this.syndicateRow(id);
      if (!row) {
        throw new NeuralTraderError('NOT_FOUND', `syndicate "${id}" does not exist`, {
          field: 'syndicateId',
          hint: 'create it with `npx neural-trader syndicate create` (or check the spelling)',
        });
      }
      const text = (this.stmt('SELECT rules FROM syndicates WHERE id = ?').get(id) as { rules: string })
        .rules;
      cached = {
        row: copySyndicateRow(row),
        ccy: currency(row.currency),
        rules: JSON.parse(text) as SyndicateRules,
      };
      this.syndicates.set(id, cached);
    }
    return { row: copySyndicateRow(cached.row), id: cached.row.id, ccy: cached.ccy, rules: cached.rules };
  }

  /** Record in the cache what this connection just wrote to a syndicate's row (no-op if not cached). */
  syndicateWritten(id: string, changes: Partial<SyndicateRow>): void {
    const cached = this.syndicates.get(id);
    if (cached) Object.assign(cached.row, changes);
  }

  /** Drop a cached syndicate (after a write the cache does not mirror: rules, period start). */
  forgetSyndicate(id: string): void {
    this.syndicates.delete(id);
  }

  /** Drop a cached member row (after any write to it). */
  forgetMember(syndicateId: string, id: string): void {
    this.memberRows.delete(`${syndicateId}\u0000${id}`);
  }

  listSyndicates(): SyndicateRow[] {
    return this.stmt('SELECT * FROM syndicates ORDER BY id').all() as SyndicateRow[];
  }

  /** A member's row (the caller's own copy), from the cache or the file. */
  memberRow(syndicateId: string, id: string): MemberRow | undefined {
    const key = `${syndicateId}\u0000${id}`;
    let row = this.memberRows.get(key);
    if (!row) {
      row = this.rowObject<MemberRow>(
        'SELECT * FROM members WHERE syndicate_id = ? AND id = ?',
        syndicateId,
        id,
      );
      if (!row) return undefined;
      this.memberRows.set(key, row);
    }
    return { ...row };
  }

  /** A member, or a NOT_FOUND error naming them. */
  member(syndicateId: string, id: string, field = 'member'): MemberRow {
    const row = this.memberRow(syndicateId, id);
    if (!row) {
      throw new NeuralTraderError(
        'NOT_FOUND',
        `${field}: unknown member "${id}" in syndicate "${syndicateId}"`,
        {
          field,
          hint: 'list members with `npx neural-trader syndicate status`; nothing was written',
        },
      );
    }
    return row;
  }

  /** Members in join order (the order every split and tie rule uses). */
  members(syndicateId: string): MemberRow[] {
    return this.stmt('SELECT * FROM members WHERE syndicate_id = ? ORDER BY join_seq').all(
      syndicateId,
    ) as MemberRow[];
  }

  accounts(syndicateId: string): AccountRow[] {
    return this.stmt(
      'SELECT code, member_id, class, debits, credits FROM accounts WHERE syndicate_id = ? ORDER BY code',
    ).all(syndicateId) as AccountRow[];
  }

  balance(syndicateId: string, code: string): number {
    const row = this.rawStmt('SELECT debits, credits FROM accounts WHERE syndicate_id = ? AND code = ?').get(
      syndicateId,
      code,
    ) as [debits: number, credits: number] | undefined;
    if (!row) throw new Error(`account ${code} of ${syndicateId} does not exist`);
    return balanceOf(accountClass(code), row[0], row[1]);
  }

  /** Every member's capital, profit and pending balance, by member id. */
  memberBalances(syndicateId: string): Map<string, MemberBalances> {
    const rows = this.stmt(
      `SELECT member_id, class, credits - debits AS balance FROM accounts
       WHERE syndicate_id = ? AND member_id IS NOT NULL`,
    ).all(syndicateId) as { member_id: string; class: AccountClass; balance: number }[];
    const result = new Map<string, MemberBalances>();
    for (const row of rows) {
      let entry = result.get(row.member_id);
      if (!entry) {
        entry = { capital: 0, profit: 0, pending: 0 };
        result.set(row.member_id, entry);
      }
      if (row.class === 'capital' || row.class === 'profit' || row.class === 'pending')
        entry[row.class] = row.balance;
    }
    return result;
  }

  /** One member's balances (three primary-key lookups, not a scan of every member). */
  memberBalance(syndicateId: string, id: string): MemberBalances {
    return {
      capital: this.balance(syndicateId, `member:${id}:capital`),
      profit: this.balance(syndicateId, `member:${id}:profit`),
      pending: this.balance(syndicateId, `member:${id}:pending`),
    };
  }

  /** The audit entry (= operation record) of an idempotency key, if the key was used. */
  auditByKey(syndicateId: string, key: string): AuditRow | undefined {
    return this.stmt('SELECT * FROM audit WHERE syndicate_id = ? AND op_key = ?').get(syndicateId, key) as
      | AuditRow
      | undefined;
  }

  /** A row of a per-syndicate table by id, or a NOT_FOUND error naming what was looked for. */
  private byId<Row>(table: string, what: string, field: string, syndicateId: string, id: string): Row {
    const row = this.rowObject<Row>(
      `SELECT * FROM ${table} WHERE syndicate_id = ? AND id = ?`,
      syndicateId,
      id,
    );
    if (!row) {
      throw new NeuralTraderError(
        'NOT_FOUND',
        `${field}: unknown ${what} "${id}" in syndicate "${syndicateId}"`,
        {
          field,
          hint: `see the ${table} with \`npx neural-trader syndicate report\``,
        },
      );
    }
    return row;
  }

  allocation(syndicateId: string, id: string): AllocationRow {
    return this.byId('allocations', 'allocation', 'allocation', syndicateId, id);
  }

  withdrawal(syndicateId: string, id: string): WithdrawalRow {
    return this.byId('withdrawals', 'request', 'withdrawal', syndicateId, id);
  }

  proposal(syndicateId: string, id: string): ProposalRow {
    return this.byId('proposals', 'proposal', 'proposal', syndicateId, id);
  }

  /** Take the next number of a per-syndicate sequence (allocation, withdrawal, proposal, ...). */
  nextId(
    syndicateId: string,
    sequence: 'member' | 'allocation' | 'withdrawal' | 'proposal' | 'distribution',
  ): number {
    const column = `next_${sequence}`;
    const [n] = this.rawStmt(
      `UPDATE syndicates SET ${column} = ${column} + 1 WHERE id = ? RETURNING ${column} - 1`,
    ).get(syndicateId) as [number];
    this.syndicateWritten(syndicateId, { [column]: n + 1 } as Partial<SyndicateRow>);
    return n;
  }

  openAllocations(syndicateId: string): AllocationRow[] {
    return this.stmt(
      "SELECT * FROM allocations WHERE syndicate_id = ? AND status = 'open' ORDER BY opened_at, id",
    ).all(syndicateId) as AllocationRow[];
  }

  /** Exposures (see allocations.ts: allocations opened on a day, or open per sport/market/symbol)
   * under several distinct keys, in one statement (a missing key is absent from the map). */
  exposures(syndicateId: string, keys: readonly string[]): Map<string, number> {
    const rows = this.rawStmt(
      `SELECT key, amount FROM exposures WHERE syndicate_id = ? AND key IN (${keys.map(() => '?').join(', ')})`,
    ).all(syndicateId, ...keys) as [string, number][];
    return new Map(rows);
  }

  /** Add `delta` to the exposure under each of several distinct keys, in one statement. */
  addExposures(syndicateId: string, keys: readonly string[], delta: number): void {
    if (keys.length === 0) return;
    const params: (string | number)[] = [];
    for (const key of keys) params.push(syndicateId, key, delta);
    this.stmt(
      `INSERT INTO exposures (syndicate_id, key, amount) VALUES ${keys.map(() => '(?, ?, ?)').join(', ')}
       ON CONFLICT (syndicate_id, key) DO UPDATE SET amount = amount + excluded.amount`,
    ).run(...params);
  }
}
