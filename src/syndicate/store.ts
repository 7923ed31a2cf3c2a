import type Database from 'better-sqlite3';
import { NeuralTraderError } from '../core/errors.js';
import { type Currency, currency } from '../core/money.js';
import type { SqliteDatabase } from '../core/sqlite.js';
import { type AccountClass, balanceOf } from './accounts.js';
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
  /**
   * The journal entry (audit rowid) the stored balances and totals include: the accounts' debits,
   * credits and time weights and this row's totals, next_transfer, clock, audit_seq and audit_head are
   * as of that entry; later entries' postings are applied in memory when the syndicate is loaded.
   */
  checkpoint_id: number;
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
  /** Rowid: the entry's position in the journal (the chain's order). */
  id: number;
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
    checkpoint_id: r.checkpoint_id,
  };
}

/**
 * An account as the ledger stands: the stored row (as of the syndicate's checkpoint) with every later
 * journal entry's postings applied. `twAccum` is the integral of a capital account's balance (minor
 * units x ms) from the period start to `twAnchor`, its last change.
 */
export interface AccountState {
  readonly code: string;
  readonly cls: AccountClass;
  readonly memberId: string | null;
  debits: number;
  credits: number;
  twAccum: number;
  twAnchor: number;
}

/** An account's values after an operation, as the Poster computed them. */
export type AccountValues = Pick<AccountState, 'debits' | 'credits' | 'twAccum' | 'twAnchor'>;

/** A journal entry as the fold reads it. */
interface JournalRow {
  id: number;
  seq: number;
  op_key: string;
  at: number;
  action: string;
  postings: string;
  hash: string;
}

/** What an applied operation changed in the in-memory ledger (see Poster.finish). */
export interface AppliedOperation {
  /** The operation's idempotency key. */
  key: string;
  accounts: ReadonlyMap<string, AccountValues>;
  totals: Pick<
    SyndicateRow,
    'total_debits' | 'total_credits' | 'assets' | 'equity' | 'pending' | 'capital' | 'clearing'
  >;
  nextTransfer: number;
  clock: number;
  auditSeq: number;
  auditHead: string;
  /** A distribution: every capital account's integral restarts at this time (after the postings). */
  periodReset?: number;
}

/** Operations (or entries scanned on load) after which a syndicate's balances are written back. */
export const CHECKPOINT_EVERY = 1000;

/**
 * A cached syndicate: its row as this connection last wrote or read it, with currency and rules
 * parsed, every account as the ledger stands, and what changed since the stored checkpoint.
 */
interface CachedSyndicate {
  row: SyndicateRow;
  ccy: Currency;
  rules: SyndicateRules;
  accounts: Map<string, AccountState>;
  /** Accounts whose values differ from their stored row. */
  dirty: Set<string>;
  /** Audit rowid of the last journal entry folded in (the checkpoint when nothing followed it). */
  lastEntryId: number;
  /**
   * Idempotency keys of the entries after the stored checkpoint, with their audit rowids. Keys up to
   * the checkpoint are in the op_keys table; these are written there with the next checkpoint.
   */
  tailKeys: Map<string, number>;
  /** Journal entries applied since the stored checkpoint (operations here, or entries folded on load). */
  sinceCheckpoint: number;
}

/**
 * Prepared-statement access to the ledger file. Statements are prepared once per SQL text and reused:
 * a deposit runs about ten of them, so preparing each time would cost more than the commit.
 *
 * The journal (the audit table) is the ledger: an operation's durable write is its one appended entry
 * (with its postings), plus the rows of whatever else it creates. Account balances and the syndicate's
 * totals are a fold over the journal, kept in memory and written back to the accounts table and the
 * syndicate row as a checkpoint every CHECKPOINT_EVERY operations and on close (inside an operation's
 * transaction, so the checkpoint and the entry it names commit together). Loading a syndicate reads
 * the checkpoint and folds the entries after it. Rewriting every touched account and the syndicate row
 * at every commit cost more than everything else an operation does: SQLite writes each dirtied page to
 * the WAL, and an append dirties two (the entry and its idempotency key).
 *
 * The store keeps what it loaded under one rule: the cache is only used inside a transaction that
 * began with `sync()`. `sync` reads SQLite's `PRAGMA data_version`, which changes exactly when another
 * connection (another process, or another ledger handle in this one) committed to the file since this
 * connection last looked; then the syndicates that gained journal entries are dropped (every write
 * operation appends one), and every cached member row. A write transaction holds the write lock from
 * its first statement (BEGIN IMMEDIATE), so nobody else can commit while it runs; what it writes itself
 * it applies to the cache, and a transaction that rolls back after changing the cache drops the whole
 * cache (`invalidate`), so nothing it did survives in memory either.
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
  /** The newest audit rowid the cache reflects (-1: unknown; read at the next sync). */
  private lastSeenId = -1;
  /** Syndicates this handle applied operations to (they get a checkpoint on close). */
  private readonly wroteTo = new Set<string>();
  /** Whether the running transaction changed the cache (a rollback must then drop it). */
  private changed = false;
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
   * row, which is most of the cost of a one-row read on the hot path.
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
   * Call first inside every transaction: when another connection has committed since this one last
   * looked, drops the syndicates it appended journal entries to (the statement also starts the read
   * snapshot of a deferred transaction).
   */
  sync(): void {
    this.changed = false;
    const version = this.dataVersionStmt.get() as number;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.memberRows.clear();
    if (this.lastSeenId < 0 || this.syndicates.size === 0) {
      this.syndicates.clear();
      this.lastSeenId = this.maxEntryId();
      return;
    }
    const rows = this.rawStmt('SELECT syndicate_id, id FROM audit WHERE id > ?').all(this.lastSeenId) as [
      string,
      number,
    ][];
    for (const [syndicateId, id] of rows) {
      this.syndicates.delete(syndicateId);
      if (id > this.lastSeenId) this.lastSeenId = id;
    }
  }

  private maxEntryId(): number {
    return (this.rawStmt('SELECT COALESCE(MAX(id), 0) FROM audit').get() as [number])[0];
  }

  /** Forget everything cached (a transaction or savepoint rolled back, or a read must see the file). */
  invalidate(): void {
    this.syndicates.clear();
    this.memberRows.clear();
    this.dataVersion = -1;
    this.lastSeenId = -1;
  }

  /** After a failed transaction: drop the cache if the transaction had changed it. */
  rolledBack(): void {
    if (this.changed) this.invalidate();
    this.changed = false;
  }

  /** The syndicate row without its rules text, read from the file (never from the cache). */
  syndicateRow(id: string): SyndicateRow | undefined {
    return this.stmt(
      `SELECT id, name, currency, created_at, clock, rules_rev, period_start, total_debits, total_credits, assets,
         equity, pending, capital, clearing, next_member, next_allocation, next_withdrawal, next_proposal, next_distribution,
         next_transfer, audit_seq, audit_head, checkpoint_id FROM syndicates WHERE id = ?`,
    ).get(id) as SyndicateRow | undefined;
  }

  /**
   * The syndicate with parsed rules, or a NOT_FOUND error naming it. The row is the operation's own
   * copy: writes during the operation change the cache, never a row an operation already holds.
   */
  syndicate(id: string): SyndicateState {
    const cached = this.cached(id);
    return { row: copySyndicateRow(cached.row), id: cached.row.id, ccy: cached.ccy, rules: cached.rules };
  }

  private cached(id: string): CachedSyndicate {
    let cached = this.syndicates.get(id);
    if (!cached) {
      cached = this.load(id);
      this.syndicates.set(id, cached);
    }
    return cached;
  }

  /** Read a syndicate's checkpoint and fold the journal entries after it. */
  private load(id: string): CachedSyndicate {
    const row = this.syndicateRow(id);
    if (!row) {
      throw new NeuralTraderError('NOT_FOUND', `syndicate "${id}" does not exist`, {
        field: 'syndicateId',
        hint: 'create it with `npx neural-trader syndicate create` (or check the spelling)',
      });
    }
    const text = (this.stmt('SELECT rules FROM syndicates WHERE id = ?').get(id) as { rules: string }).rules;
    const accounts = new Map<string, AccountState>();
    for (const [code, memberId, cls, debits, credits, twAccum, twAnchor] of this.rawStmt(
      'SELECT code, member_id, class, debits, credits, tw_accum, tw_anchor FROM accounts WHERE syndicate_id = ?',
    ).all(id) as [string, string | null, AccountClass, number, number, number, number][]) {
      accounts.set(code, { code, cls, memberId, debits, credits, twAccum, twAnchor });
    }
    const cached: CachedSyndicate = {
      row: copySyndicateRow(row),
      ccy: currency(row.currency),
      rules: JSON.parse(text) as SyndicateRules,
      accounts,
      dirty: new Set(),
      lastEntryId: row.checkpoint_id,
      tailKeys: new Map(),
      sinceCheckpoint: 0,
    };
    // Entries after the checkpoint, in journal order. The scan is by rowid (entries of other syndicates
    // interleave); a long one is counted so the next operation writes a checkpoint.
    for (const entry of this.stmt(
      'SELECT id, seq, op_key, at, action, postings, hash FROM audit WHERE id > ? AND syndicate_id = ? ORDER BY id',
    ).iterate(row.checkpoint_id, id) as Iterable<JournalRow>) {
      foldEntry(cached, entry);
    }
    cached.sinceCheckpoint = Math.max(0, this.maxEntryId() - row.checkpoint_id);
    return cached;
  }

  /** Record in the cache what this connection just wrote to a syndicate's row (no-op if not cached). */
  syndicateWritten(id: string, changes: Partial<SyndicateRow>): void {
    this.changed = true;
    const cached = this.syndicates.get(id);
    if (cached) Object.assign(cached.row, changes);
  }

  /** Drop a cached syndicate (after a write the cache does not mirror: its rules). */
  forgetSyndicate(id: string): void {
    this.changed = true;
    // Reloading reads the checkpoint and folds every entry after it, this transaction's included.
    this.syndicates.delete(id);
  }

  /** The running transaction wrote something the cache may reflect (a rollback must drop the cache). */
  written(): void {
    this.changed = true;
  }

  /** Drop a cached member row (after any write to it). */
  forgetMember(syndicateId: string, id: string): void {
    this.changed = true;
    this.memberRows.delete(`${syndicateId}\u0000${id}`);
  }

  // ---------------------------------------------------------------- accounts (the fold)

  /** An account as the ledger stands (the caller must not change it), or undefined. */
  account(syndicateId: string, code: string): Readonly<AccountState> | undefined {
    return this.cached(syndicateId).accounts.get(code);
  }

  /** Open an account with nothing on it. */
  openAccount(
    syndicateId: string,
    code: string,
    memberId: string | null,
    cls: AccountClass,
    at: number,
  ): void {
    this.changed = true;
    this.stmt(
      'INSERT INTO accounts (syndicate_id, code, member_id, class, tw_anchor) VALUES (?, ?, ?, ?, ?)',
    ).run(syndicateId, code, memberId, cls, at);
    const cached = this.syndicates.get(syndicateId);
    if (cached)
      cached.accounts.set(code, { code, cls, memberId, debits: 0, credits: 0, twAccum: 0, twAnchor: at });
  }

  /**
   * Apply an operation the Poster checked: account values, totals, clock and audit head, and the id of
   * the journal entry just appended (which holds the same postings, so a reload folds to the same state).
   */
  applyOperation(syndicateId: string, op: AppliedOperation, entryId: number): void {
    this.changed = true;
    this.wroteTo.add(syndicateId);
    const cached = this.syndicates.get(syndicateId);
    if (entryId > this.lastSeenId && this.lastSeenId >= 0) this.lastSeenId = entryId;
    // Not cached (dropped during the operation): the next load folds the appended entry from the file.
    if (!cached) return;
    for (const [code, values] of op.accounts) {
      const account = cached.accounts.get(code);
      if (!account) throw new Error(`account ${code} of ${syndicateId} is not loaded`);
      account.debits = values.debits;
      account.credits = values.credits;
      account.twAccum = values.twAccum;
      account.twAnchor = values.twAnchor;
      cached.dirty.add(code);
    }
    if (op.periodReset !== undefined) resetPeriod(cached, op.periodReset);
    const row = cached.row;
    row.total_debits = op.totals.total_debits;
    row.total_credits = op.totals.total_credits;
    row.assets = op.totals.assets;
    row.equity = op.totals.equity;
    row.pending = op.totals.pending;
    row.capital = op.totals.capital;
    row.clearing = op.totals.clearing;
    row.next_transfer = op.nextTransfer;
    row.clock = op.clock;
    row.audit_seq = op.auditSeq;
    row.audit_head = op.auditHead;
    cached.lastEntryId = entryId;
    cached.tailKeys.set(op.key, entryId);
    cached.sinceCheckpoint++;
  }

  /** Write the checkpoint of a syndicate if enough has happened since the last one. */
  checkpointIfDue(syndicateId: string): void {
    const cached = this.syndicates.get(syndicateId);
    if (cached && cached.sinceCheckpoint >= CHECKPOINT_EVERY) this.checkpointFile();
  }

  /** Whether this handle applied operations (only a writer stores a checkpoint on close). */
  needsCheckpoint(): boolean {
    return this.wroteTo.size > 0;
  }

  /**
   * On close: store the checkpoints this handle can (it applied operations; reading, a status or an
   * audit, never changes the file). The syndicates it wrote to are loaded first if they were dropped.
   */
  checkpointAll(): void {
    for (const id of this.wroteTo) if (this.syndicateRow(id)) this.cached(id);
    this.checkpointFile();
  }

  /**
   * Inside a write transaction: store the checkpoint of every loaded syndicate with entries after its
   * stored one (this handle holds their state as of the file), then move up the checkpoints of the
   * syndicates that have none.
   */
  private checkpointFile(): void {
    for (const cached of this.syndicates.values())
      if (cached.lastEntryId !== cached.row.checkpoint_id) this.checkpoint(cached);
    this.advanceIdleCheckpoints(this.maxEntryId());
  }

  /** Store the changed accounts and the syndicate's totals as of its last folded entry. */
  private checkpoint(cached: CachedSyndicate): void {
    const id = cached.row.id;
    const update = this.stmt(
      'UPDATE accounts SET debits = ?, credits = ?, tw_accum = ?, tw_anchor = ? WHERE syndicate_id = ? AND code = ?',
    );
    for (const code of cached.dirty) {
      const a = cached.accounts.get(code);
      if (a) update.run(a.debits, a.credits, a.twAccum, a.twAnchor, id, code);
    }
    // Another handle may have stored some of these keys with its own checkpoint of the same entries.
    const key = this.stmt(
      'INSERT INTO op_keys (syndicate_id, op_key, entry) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    for (const [opKey, entry] of cached.tailKeys) key.run(id, opKey, entry);
    const r = cached.row;
    this.stmt(
      `UPDATE syndicates SET total_debits = ?, total_credits = ?, assets = ?, equity = ?, pending = ?, capital = ?,
         clearing = ?, next_transfer = ?, clock = ?, audit_seq = ?, audit_head = ?, checkpoint_id = ? WHERE id = ?`,
    ).run(
      r.total_debits,
      r.total_credits,
      r.assets,
      r.equity,
      r.pending,
      r.capital,
      r.clearing,
      r.next_transfer,
      r.clock,
      r.audit_seq,
      r.audit_head,
      cached.lastEntryId,
      id,
    );
    // The cache now matches the file; a rollback of this transaction drops it (changed is set).
    this.changed = true;
    cached.dirty.clear();
    cached.tailKeys.clear();
    r.checkpoint_id = cached.lastEntryId;
    cached.sinceCheckpoint = 0;
  }

  /**
   * Move up to `upTo` (the newest entry) the checkpoint of every syndicate in the file that has no
   * entries after its stored one (its stored rows already include all its entries). Without this,
   * loading a syndicate that nobody writes would scan every entry the busy ones appended since its
   * last checkpoint; with it, at most those since the busy one's last checkpoint. A syndicate with
   * entries after its checkpoint is left to the handle that wrote them.
   */
  private advanceIdleCheckpoints(upTo: number): void {
    this.stmt(
      `UPDATE syndicates SET checkpoint_id = ? WHERE checkpoint_id < ? AND NOT EXISTS (
         SELECT 1 FROM audit WHERE audit.id > syndicates.checkpoint_id AND audit.syndicate_id = syndicates.id)`,
    ).run(upTo, upTo);
  }

  /**
   * Each capital account's time-weighted balance from the period start to `end`: the integral up to
   * its last change plus the current balance from then to `end`, by member id.
   */
  timeWeightedCapital(syndicateId: string, end: number): Map<string, number> {
    const result = new Map<string, number>();
    for (const a of this.cached(syndicateId).accounts.values()) {
      if (a.cls === 'capital' && a.memberId !== null)
        result.set(a.memberId, a.twAccum + (a.credits - a.debits) * (end - a.twAnchor));
    }
    return result;
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

  /** Every account with its stored-plus-folded values, by code. */
  accounts(syndicateId: string): (AccountRow & { twAccum: number; twAnchor: number })[] {
    return [...this.cached(syndicateId).accounts.values()]
      .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
      .map((a) => ({
        code: a.code,
        member_id: a.memberId,
        class: a.cls,
        debits: a.debits,
        credits: a.credits,
        twAccum: a.twAccum,
        twAnchor: a.twAnchor,
      }));
  }

  balance(syndicateId: string, code: string): number {
    const account = this.cached(syndicateId).accounts.get(code);
    if (!account) throw new Error(`account ${code} of ${syndicateId} does not exist`);
    return balanceOf(account.cls, account.debits, account.credits);
  }

  /** Every member's capital, profit and pending balance, by member id. */
  memberBalances(syndicateId: string): Map<string, MemberBalances> {
    const result = new Map<string, MemberBalances>();
    for (const a of this.cached(syndicateId).accounts.values()) {
      if (a.memberId === null) continue;
      let entry = result.get(a.memberId);
      if (!entry) {
        entry = { capital: 0, profit: 0, pending: 0 };
        result.set(a.memberId, entry);
      }
      if (a.cls === 'capital' || a.cls === 'profit' || a.cls === 'pending')
        entry[a.cls] = balanceOf(a.cls, a.debits, a.credits);
    }
    return result;
  }

  /** One member's balances. */
  memberBalance(syndicateId: string, id: string): MemberBalances {
    return {
      capital: this.balance(syndicateId, `member:${id}:capital`),
      profit: this.balance(syndicateId, `member:${id}:profit`),
      pending: this.balance(syndicateId, `member:${id}:pending`),
    };
  }

  /**
   * The audit entry (= operation record) of an idempotency key, if the key was used: keys of entries
   * after the checkpoint are in memory (read with the journal tail), older ones in op_keys.
   */
  auditByKey(syndicateId: string, key: string): AuditRow | undefined {
    const cached =
      this.syndicates.get(syndicateId) ??
      (this.syndicateRow(syndicateId) ? this.cached(syndicateId) : undefined);
    if (!cached) return undefined;
    let entry = cached.tailKeys.get(key);
    if (entry === undefined) {
      const stored = this.rawStmt('SELECT entry FROM op_keys WHERE syndicate_id = ? AND op_key = ?').get(
        syndicateId,
        key,
      ) as [number] | undefined;
      if (!stored) return undefined;
      entry = stored[0];
    }
    return this.stmt('SELECT * FROM audit WHERE id = ?').get(entry) as AuditRow | undefined;
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

/**
 * The capital accounts' integrals restart at a distribution (a new period). Accounts anchored later
 * were opened after it (a fold replays it over today's accounts) and are left as they were opened.
 */
function resetPeriod(cached: CachedSyndicate, at: number): void {
  for (const a of cached.accounts.values()) {
    if (a.cls !== 'capital' || a.twAnchor > at) continue;
    a.twAccum = 0;
    a.twAnchor = at;
    cached.dirty.add(a.code);
  }
}

/**
 * Apply one journal entry to a loaded syndicate, exactly as the operation applied it when it ran: each
 * posting moves its account (a capital account's integral first grows by the old balance times the
 * time since its last change), the totals follow the account classes, and a distribution restarts the
 * period. The entry's sequence number, hash and time become the syndicate's audit head and clock.
 */
function foldEntry(cached: CachedSyndicate, entry: JournalRow): void {
  const lines = JSON.parse(entry.postings) as [number, string, string, number, number][];
  const row = cached.row;
  for (const [transfer, , code, d, c] of lines) {
    const a = cached.accounts.get(code);
    if (!a)
      throw new Error(`journal entry #${entry.seq} posts to ${code}, which is not an account of ${row.id}`);
    if (a.cls === 'capital') a.twAccum += (a.credits - a.debits) * (entry.at - a.twAnchor);
    a.twAnchor = entry.at;
    a.debits += d;
    a.credits += c;
    cached.dirty.add(code);
    row.total_debits += d;
    row.total_credits += c;
    const change = balanceOf(a.cls, d, c);
    if (a.cls === 'asset') row.assets += change;
    else if (a.cls === 'clearing') row.clearing += change;
    else row.equity += change;
    if (a.cls === 'pending') row.pending += change;
    else if (a.cls === 'capital') row.capital += change;
    if (transfer >= row.next_transfer) row.next_transfer = transfer + 1;
  }
  if (entry.action === 'distribute') resetPeriod(cached, entry.at);
  row.audit_seq = entry.seq;
  row.audit_head = entry.hash;
  row.clock = entry.at;
  cached.lastEntryId = entry.id;
  cached.tailKeys.set(entry.op_key, entry.id);
}
