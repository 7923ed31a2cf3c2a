import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { DEFAULT_CURRENCY_CODE } from '../core/defaults.js';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { parseIdentifier } from '../core/inputs.js';
import { currency as parseCurrency } from '../core/money.js';
import { openDatabase, type SqliteDatabase, sqliteError } from '../core/sqlite.js';
import type { EpochMs } from '../core/time.js';
import { memberAccount, SYNDICATE_ACCOUNTS } from './accounts.js';
import {
  type AllocateResult,
  type AllocationResult,
  allocate,
  markAllocation,
  settleAllocation,
} from './allocations.js';
import { type AuditVerification, appendAudit, verifyAuditChain } from './audit.js';
import { canonicalJson, GENESIS_HASH, sha256Hex } from './canonical.js';
import { fmt, iso, money, type OpContext, parseTime } from './context.js';
import { type DistributionView, distribute } from './distribute.js';
import {
  castVote,
  type ProposalInput,
  type ProposeResult,
  parseProposal,
  parseVoteChoice,
  propose,
  type VoteResult,
} from './governance.js';
import {
  type AddMemberResult,
  addMember,
  bookDeposit,
  changeRole,
  insertMember,
  type MemberChangeResult,
  type MemberInput,
  parseMemberInput,
  setStatus,
} from './members.js';
import { type Permission, parseRole, permissionDenied, roleAllows } from './permissions.js';
import { Poster } from './poster.js';
import {
  type AllocationLimits,
  type AllocationSimulation,
  allocationLimits,
  type MemberPerformance,
  memberPerformance,
  type ProfitHistory,
  profitHistory,
  type ReportView,
  report,
  type StatusView,
  simulateAllocation,
  status,
  type TaxLiability,
  taxLiability,
} from './reports.js';
import { applyRuleChanges, DEFAULT_SYNDICATE_RULES, type SyndicateRulesInput } from './rules.js';
import { MIGRATE_1_TO_2, SCHEMA, SCHEMA_GUARDS, SCHEMA_VERSION } from './schema.js';
import { parseAllocationMethod, parseOpportunity } from './sizing.js';
import { type AuditRow, LedgerStore, type MemberRow, type SyndicateState } from './store.js';
import {
  DISTRIBUTION_METHODS,
  type DistributionMethod,
  type MoneyInput,
  type OperationInput,
  type OperationRecord,
  type OperationResult,
  type TimeInput,
} from './types.js';
import { type LedgerVerification, verifyLedger } from './verify.js';
import { type MemberView, memberView } from './views.js';
import {
  cancelWithdrawal,
  decideWithdrawal,
  processWithdrawal,
  requestWithdrawal,
  type WithdrawalResult,
} from './withdrawals.js';

const KIND = 'syndicate ledger';

export interface SyndicateLedgerOptions {
  /** NORMAL (default) survives SIGKILL; FULL also survives a power cut, at several times the commit cost. */
  synchronous?: 'NORMAL' | 'FULL';
  /** The wall clock used when an operation gives no timestamp (tests pin it). */
  now?: () => EpochMs;
}

/** Input of the operation that creates a syndicate; the actor becomes its first member and lead. */
export interface CreateSyndicateInput {
  key: string;
  syndicateId: string;
  actor: string;
  name?: string;
  /** The lead's display name and tax jurisdiction. */
  actorName?: string;
  jurisdiction?: string;
  /** ISO code of the syndicate's currency (default USD). */
  currency?: string;
  /** Overrides of DEFAULT_SYNDICATE_RULES. */
  rules?: SyndicateRulesInput;
  at?: TimeInput;
}

export interface CreateSyndicateResult {
  syndicate: { id: string; name: string; currency: string; createdAt: EpochMs };
  lead: MemberView;
}

/** Who is reading, for the read-only reports (every role may read; the member must exist). */
export interface ReadInput {
  syndicateId: string;
  actor: string;
}

export interface VerifyResult {
  ok: boolean;
  syndicateId: string;
  audit: AuditVerification;
  ledger: LedgerVerification;
}

/**
 * The syndicate ledger: pooled funds in one SQLite file ({home}/syndicate.sqlite), kept by double entry
 * in integer minor units.
 *
 * Every write names the acting member and a client-chosen idempotency key and runs as one immediate
 * SQLite transaction that: parses the input; returns the stored result if the key was already applied
 * with the same content (and refuses it with different content); checks the actor against the
 * permission table; fixes the operation's time (explicit, or the wall clock, never before the previous
 * operation); applies the change; checks the ledger invariants; appends the hash-chained audit entry
 * and the operation record; and commits. Only then does the call return, so an acknowledged operation
 * survives a crash and a refused one leaves nothing behind.
 */
export class SyndicateLedger {
  readonly path: string;
  private readonly db: SqliteDatabase;
  private readonly store: LedgerStore;
  private readonly now: () => EpochMs;
  private readonly runImmediate: (fn: () => unknown) => unknown;
  private readonly runRead: (fn: () => unknown) => unknown;

  constructor(path: string, options: SyndicateLedgerOptions = {}) {
    this.path = path;
    this.now = options.now ?? Date.now;
    // A ledger commit dirties two or three pages; checkpointing the WAL into the file every 10,000
    // pages instead of SQLite's 1,000 makes its fsync (synchronous=NORMAL) ten times rarer.
    this.db = openDatabase(path, {
      kind: KIND,
      synchronous: options.synchronous,
      walAutocheckpointPages: 10_000,
    });
    try {
      this.db.exec(SCHEMA);
      const version = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
        | { value: string }
        | undefined;
      if (version && Number(version.value) > SCHEMA_VERSION) {
        throw new NeuralTraderError(
          'IO',
          `${KIND} ${path} was written by a newer version (schema ${version.value})`,
          {
            field: path,
            hint: 'upgrade neural-trader to read it',
          },
        );
      }
      // Under the write lock, so two processes opening an old file convert it once. Whether to convert
      // is read from the table itself: a schema-1 file whose first open died before it recorded its
      // version has the old columns and no version row. A current file is only read.
      const guarded = this.db
        .prepare(
          "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'syndicates_old_writer_insert'",
        )
        .pluck()
        .get();
      if (version?.value !== String(SCHEMA_VERSION) || guarded !== 1)
        this.db
          .transaction(() => {
            const columns = this.db.prepare('PRAGMA table_info(syndicates)').all() as { name: string }[];
            if (!columns.some((c) => c.name === 'checkpoint_id')) this.db.exec(MIGRATE_1_TO_2);
            this.db.exec(SCHEMA_GUARDS);
            this.db
              .prepare(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
              )
              .run(String(SCHEMA_VERSION));
          })
          .immediate();
    } catch (error) {
      this.db.close();
      throw sqliteError(error, KIND, path);
    }
    this.store = new LedgerStore(this.db);
    const transaction = this.db.transaction((fn: () => unknown) => fn()) as Database.Transaction<
      (fn: () => unknown) => unknown
    >;
    this.runImmediate = transaction.immediate;
    this.runRead = transaction.deferred;
  }

  /** The ledger of a NEURAL_TRADER_HOME: {home}/syndicate.sqlite. */
  static open(home: string, options: SyndicateLedgerOptions = {}): SyndicateLedger {
    return new SyndicateLedger(join(home, 'syndicate.sqlite'), options);
  }

  /**
   * Close the file, first storing the balances of what this handle changed as a checkpoint (so the
   * next open folds few entries). A checkpoint that cannot be written now (another writer holds the
   * lock) is skipped: the journal alone is the ledger, and the next load folds it.
   */
  close(): void {
    if (!this.db.open) return;
    try {
      if (this.store.needsCheckpoint()) this.transaction(() => this.store.checkpointAll());
    } catch {
      // Nothing is lost: only the checkpoint was not written.
    }
    this.db.close();
  }

  // ---------------------------------------------------------------- the operation runner

  /**
   * Run `fn` in a transaction (immediate for writes: the write lock is held from the start). The
   * store's cache is checked against the file first and dropped if the transaction rolls back.
   */
  private transaction<T>(fn: () => T, read = false): T {
    try {
      return (read ? this.runRead : this.runImmediate)(() => {
        this.store.sync();
        return fn();
      }) as T;
    } catch (error) {
      this.store.rolledBack();
      throw sqliteError(error, KIND, this.path);
    }
  }

  private clockFor(s: SyndicateState, explicit: EpochMs | undefined): EpochMs {
    if (explicit === undefined) return Math.max(this.now(), s.row.clock);
    if (explicit < s.row.clock) {
      throw new ValidationError(
        `at: ${iso(explicit)} is before the syndicate's latest operation (${iso(s.row.clock)}); the ledger's time never goes backwards`,
        { field: 'at', hint: 'give a time at or after the latest operation, or none for now' },
      );
    }
    return explicit;
  }

  private replay<T>(existing: AuditRow, fingerprint: string): OperationResult<T> {
    if (existing.fingerprint !== fingerprint) {
      throw new ValidationError(
        `key: "${existing.op_key}" was already used for a different operation (${existing.action} by ${existing.actor} at ${iso(existing.at)})`,
        {
          field: 'key',
          hint: 'a retry must repeat the same request; use a new key for a new operation. Nothing was written',
        },
      );
    }
    const stored = (JSON.parse(existing.details) as { result: T & { warnings: string[] } }).result;
    const operation: OperationRecord = {
      key: existing.op_key,
      kind: existing.action,
      actor: existing.actor,
      appliedAt: existing.at,
      auditSeq: existing.seq,
      replayed: true,
    };
    return { ...stored, operation };
  }

  /**
   * Record an applied operation: its audit entry (which is also its idempotency record), then the
   * syndicate's totals, clock and audit head in one write that checks the invariants. Returns the result.
   */
  private record<T extends object>(
    s: SyndicateState,
    post: Poster,
    op: {
      kind: string;
      key: string;
      actor: string;
      at: EpochMs;
      fingerprint: string;
      params: unknown;
      /** canonicalJson(params), when the caller already serialised them. */
      paramsText?: string;
    },
    result: T,
    warnings: string[],
  ): OperationResult<T> {
    const stored = { ...result, warnings };
    const seq = s.row.audit_seq + 1;
    // canonicalJson({ params, result }) with the parameters serialised once ("params" < "result").
    const detailsText = `{"params":${op.paramsText ?? canonicalJson(op.params)},"result":${canonicalJson(stored)}}`;
    const entry = appendAudit(
      this.store,
      {
        syndicateId: s.id,
        seq,
        at: op.at,
        actor: op.actor,
        action: op.kind,
        key: op.key,
        fingerprint: op.fingerprint,
        details: { params: op.params, result: stored },
        postings: post.lines,
      },
      s.row.audit_head,
      detailsText,
    );
    post.finish({ key: op.key, clock: op.at, auditSeq: seq, auditHead: entry.hash }, entry.id);
    this.store.checkpointIfDue(s.id);
    return {
      ...stored,
      operation: {
        key: op.key,
        kind: op.kind,
        actor: op.actor,
        appliedAt: op.at,
        auditSeq: seq,
        replayed: false,
      },
    };
  }

  /**
   * Run one write operation. `params` normalises the input (its value is what the idempotency
   * fingerprint and the audit entry record); `apply` changes the ledger and returns the result.
   */
  private write<P extends object, T extends object>(
    kind: string,
    input: OperationInput,
    permission: Permission,
    params: (s: SyndicateState) => P,
    apply: (ctx: OpContext, params: P) => T,
  ): OperationResult<T> {
    const base = this.operationBase(input);
    return this.transaction(() => {
      const s = this.store.syndicate(base.syndicateId);
      const p = params(s);
      const paramsText = canonicalJson(p);
      // canonicalJson({ kind, actor, params }) from the parameters' text (keys in sorted order).
      const fingerprint = sha256Hex(
        `{"actor":${JSON.stringify(base.actor)},"kind":${JSON.stringify(kind)},"params":${paramsText}}`,
      );
      const existing = this.store.auditByKey(s.id, base.key);
      if (existing) return this.replay<T>(existing, fingerprint);
      const actor = this.authorise(s, base.actor, permission);
      const at = this.clockFor(s, base.at);
      const post = new Poster(this.store, s.row, at, s.ccy);
      const warnings: string[] = [];
      const result = apply({ store: this.store, syndicate: s, actor, at, key: base.key, post, warnings }, p);
      return this.record(
        s,
        post,
        { kind, key: base.key, actor: actor.id, at, fingerprint, params: p, paramsText },
        result,
        warnings,
      );
    });
  }

  private operationBase(input: OperationInput): {
    syndicateId: string;
    key: string;
    actor: string;
    at?: EpochMs;
  } {
    if (!input || typeof input !== 'object') throw new ValidationError('operation: expected an object', {});
    return {
      syndicateId: parseIdentifier(input.syndicateId, 'syndicateId'),
      key: parseIdentifier(input.key, 'key', { maxLength: 128 }),
      actor: parseIdentifier(input.actor, 'actor'),
      at: input.at === undefined ? undefined : parseTime(input.at, 'at'),
    };
  }

  /** The acting member, if they exist, are active and their role allows `permission`. */
  private authorise(s: SyndicateState, actorId: string, permission: Permission): MemberRow {
    const actor = this.store.member(s.id, actorId, 'actor');
    if (permission !== 'view' && actor.status !== 'active') {
      throw new NeuralTraderError('AUTH', `member "${actor.id}" is ${actor.status} and may only read`, {
        field: 'actor',
        hint:
          actor.status === 'suspended' ? 'a lead reinstates suspended members' : 'removed members cannot act',
      });
    }
    if (!roleAllows(actor.role, permission)) throw permissionDenied(actor.id, actor.role, permission);
    return actor;
  }

  private read<T>(input: ReadInput, fn: (s: SyndicateState) => T): T {
    const syndicateId = parseIdentifier(input?.syndicateId, 'syndicateId');
    const actorId = parseIdentifier(input?.actor, 'actor');
    return this.transaction(() => {
      const s = this.store.syndicate(syndicateId);
      this.authorise(s, actorId, 'view');
      return fn(s);
    }, true);
  }

  // ---------------------------------------------------------------- writes

  /** Create a syndicate with the actor as its lead. */
  createSyndicate(input: CreateSyndicateInput): OperationResult<CreateSyndicateResult> {
    const base = this.operationBase(input);
    const ccy = parseCurrency(input.currency ?? DEFAULT_CURRENCY_CODE);
    const name = input.name === undefined ? base.syndicateId : String(input.name).trim().slice(0, 100);
    const lead = parseMemberInput(
      { id: base.actor, name: input.actorName, role: 'lead', jurisdiction: input.jurisdiction },
      'actor',
    );
    const rules = applyRuleChanges(DEFAULT_SYNDICATE_RULES, input.rules, ccy);
    const params = { name, currency: ccy.code, lead, rules };
    const fingerprint = sha256Hex(canonicalJson({ kind: 'create', actor: base.actor, params }));
    return this.transaction(() => {
      const existing = this.store.auditByKey(base.syndicateId, base.key);
      if (existing) return this.replay<CreateSyndicateResult>(existing, fingerprint);
      if (this.store.syndicateRow(base.syndicateId)) {
        throw new ValidationError(`syndicateId: "${base.syndicateId}" already exists`, {
          field: 'syndicateId',
          hint: 'choose another id; nothing was written',
        });
      }
      const at = base.at ?? this.now();
      this.store
        .stmt(
          `INSERT INTO syndicates (id, name, currency, created_at, clock, rules, period_start, audit_head, checkpoint_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM audit))`,
        )
        .run(base.syndicateId, name, ccy.code, at, at, JSON.stringify(rules), at, GENESIS_HASH);
      this.store.written();
      for (const [code, cls] of SYNDICATE_ACCOUNTS)
        this.store.openAccount(base.syndicateId, code, null, cls, at);
      const s = this.store.syndicate(base.syndicateId);
      const row = insertMember(this.store, s.id, lead, at);
      const post = new Poster(this.store, s.row, at, ccy);
      const result: CreateSyndicateResult = {
        syndicate: { id: s.id, name, currency: ccy.code, createdAt: at },
        lead: memberView(s, row, undefined),
      };
      return this.record(
        s,
        post,
        { kind: 'create', key: base.key, actor: base.actor, at, fingerprint, params },
        result,
        [],
      );
    });
  }

  /** Add a member (with an optional first deposit booked to their capital). */
  addMember(
    input: OperationInput & { member: MemberInput; initialContribution?: MoneyInput },
  ): OperationResult<AddMemberResult> {
    return this.write(
      'add_member',
      input,
      'add_member',
      (s) => ({
        member: parseMemberInput(input.member),
        initialContribution:
          input.initialContribution === undefined
            ? null
            : money({ syndicate: s }, input.initialContribution, 'initialContribution'),
      }),
      (ctx, p) => addMember(ctx, p.member, p.initialContribution),
    );
  }

  changeRole(input: OperationInput & { member: string; role: string }): OperationResult<MemberChangeResult> {
    return this.write(
      'change_role',
      input,
      'change_role',
      () => ({ member: parseIdentifier(input.member, 'member'), role: parseRole(input.role) }),
      (ctx, p) => changeRole(ctx, p.member, p.role),
    );
  }

  suspendMember(input: OperationInput & { member: string }): OperationResult<MemberChangeResult> {
    return this.write(
      'suspend_member',
      input,
      'suspend_member',
      () => ({ member: parseIdentifier(input.member, 'member') }),
      (ctx, p) => setStatus(ctx, p.member, 'suspended'),
    );
  }

  reinstateMember(input: OperationInput & { member: string }): OperationResult<MemberChangeResult> {
    return this.write(
      'reinstate_member',
      input,
      'suspend_member',
      () => ({ member: parseIdentifier(input.member, 'member') }),
      (ctx, p) => setStatus(ctx, p.member, 'active'),
    );
  }

  /** The actor pays `amount` into their capital. */
  deposit(
    input: OperationInput & { amount: MoneyInput },
  ): OperationResult<{ member: string; amount: string; capital: string }> {
    return this.write(
      'deposit',
      input,
      'deposit',
      (s) => ({ amount: money({ syndicate: s }, input.amount, 'amount') }),
      (ctx, p) => {
        bookDeposit(ctx, ctx.actor, p.amount);
        const capital = ctx.post.balance(memberAccount(ctx.actor.id, 'capital'));
        return {
          member: ctx.actor.id,
          amount: fmt(ctx, p.amount),
          capital: fmt(ctx, capital),
        };
      },
    );
  }

  /**
   * Size and book an allocation to an opportunity (see sizing.ts). With `amount`, that amount is booked
   * if the rules allow it; above the vote threshold an allocation needs a large_allocation proposal.
   */
  allocate(
    input: OperationInput & { opportunity: unknown; method?: string; amount?: MoneyInput },
  ): OperationResult<AllocateResult> {
    return this.write(
      'allocate',
      input,
      'allocate',
      (s) => ({
        opportunity: parseOpportunity(input.opportunity),
        method: input.method === undefined ? s.rules.allocationMethod : parseAllocationMethod(input.method),
        amount: input.amount === undefined ? undefined : money({ syndicate: s }, input.amount, 'amount'),
      }),
      (ctx, p) => allocate(ctx, p, ctx.actor.id),
    );
  }

  /** Mark an open allocation's unrealised P&L (signed; not below minus its cost). */
  markAllocation(
    input: OperationInput & { allocationId: string; unrealised: MoneyInput },
  ): OperationResult<AllocationResult> {
    return this.write(
      'mark',
      input,
      'settle',
      (s) => ({
        allocationId: parseIdentifier(input.allocationId, 'allocationId'),
        unrealised: money({ syndicate: s }, input.unrealised, 'unrealised', {
          allowNegative: true,
          allowZero: true,
        }),
      }),
      (ctx, p) => markAllocation(ctx, p.allocationId, p.unrealised),
    );
  }

  /** Settle an open allocation with what came back (stake included; 0 for a lost bet) and the fees. */
  settleAllocation(
    input: OperationInput & { allocationId: string; returned: MoneyInput; fees?: MoneyInput },
  ): OperationResult<AllocationResult> {
    return this.write(
      'settle',
      input,
      'settle',
      (s) => ({
        allocationId: parseIdentifier(input.allocationId, 'allocationId'),
        returned: money({ syndicate: s }, input.returned, 'returned', { allowZero: true }),
        fees: input.fees === undefined ? 0 : money({ syndicate: s }, input.fees, 'fees', { allowZero: true }),
      }),
      (ctx, p) => settleAllocation(ctx, p.allocationId, p.returned, p.fees),
    );
  }

  /** Distribute the realised result since the last distribution (a loss is charged by equity). */
  distribute(
    input: OperationInput & { method?: string; amount?: MoneyInput; withhold?: boolean },
  ): OperationResult<{ distribution: DistributionView }> {
    return this.write(
      'distribute',
      input,
      'distribute',
      (s) => ({
        method:
          input.method === undefined ? s.rules.distributionMethod : parseDistributionMethod(input.method),
        amount: input.amount === undefined ? undefined : money({ syndicate: s }, input.amount, 'amount'),
        withhold: input.withhold ?? s.rules.withholdTax,
      }),
      (ctx, p) => distribute(ctx, p),
    );
  }

  requestWithdrawal(
    input: OperationInput & { amount: MoneyInput; emergency?: boolean },
  ): OperationResult<WithdrawalResult> {
    return this.write(
      'withdrawal_request',
      input,
      'withdraw',
      (s) => ({
        amount: money({ syndicate: s }, input.amount, 'amount'),
        emergency: input.emergency === true,
      }),
      (ctx, p) => requestWithdrawal(ctx, p.amount, p.emergency),
    );
  }

  approveWithdrawal(input: OperationInput & { withdrawalId: string }): OperationResult<WithdrawalResult> {
    return this.write(
      'withdrawal_approve',
      input,
      'approve_withdrawal',
      () => withdrawalParams(input),
      (ctx, p) => decideWithdrawal(ctx, p.withdrawalId, true),
    );
  }

  rejectWithdrawal(input: OperationInput & { withdrawalId: string }): OperationResult<WithdrawalResult> {
    return this.write(
      'withdrawal_reject',
      input,
      'approve_withdrawal',
      () => withdrawalParams(input),
      (ctx, p) => decideWithdrawal(ctx, p.withdrawalId, false),
    );
  }

  cancelWithdrawal(input: OperationInput & { withdrawalId: string }): OperationResult<WithdrawalResult> {
    return this.write(
      'withdrawal_cancel',
      input,
      'withdraw',
      () => withdrawalParams(input),
      (ctx, p) => cancelWithdrawal(ctx, p.withdrawalId),
    );
  }

  /** Pay an approved request after its notice period (the requester, or a lead/senior analyst). */
  processWithdrawal(input: OperationInput & { withdrawalId: string }): OperationResult<WithdrawalResult> {
    return this.write(
      'withdrawal_process',
      input,
      'withdraw',
      () => withdrawalParams(input),
      (ctx, p) => processWithdrawal(ctx, p.withdrawalId),
    );
  }

  propose(input: OperationInput & ProposalInput): OperationResult<ProposeResult> {
    return this.write(
      'propose',
      input,
      'propose',
      (s) => parseProposal(s, input),
      (ctx, p) => propose(ctx, p),
    );
  }

  vote(input: OperationInput & { proposalId: string; choice: string }): OperationResult<VoteResult> {
    return this.write(
      'vote',
      input,
      'vote',
      () => ({
        proposalId: parseIdentifier(input.proposalId, 'proposalId'),
        choice: parseVoteChoice(input.choice),
      }),
      (ctx, p) => castVote(ctx, p.proposalId, p.choice),
    );
  }

  // ---------------------------------------------------------------- reads

  status(input: ReadInput): StatusView {
    return this.read(input, (s) => status(this.store, s));
  }

  report(input: ReadInput): ReportView {
    return this.read(input, (s) => report(this.store, s));
  }

  memberPerformance(input: ReadInput & { member?: string }): MemberPerformance[] {
    return this.read(input, (s) =>
      memberPerformance(
        this.store,
        s,
        input.member === undefined ? undefined : parseIdentifier(input.member, 'member'),
      ),
    );
  }

  profitHistory(input: ReadInput): ProfitHistory {
    return this.read(input, (s) => profitHistory(this.store, s));
  }

  taxLiability(input: ReadInput & { member?: string; year?: number }): TaxLiability {
    return this.read(input, (s) =>
      taxLiability(this.store, s, {
        memberId: input.member === undefined ? undefined : parseIdentifier(input.member, 'member'),
        year: input.year,
      }),
    );
  }

  allocationLimits(input: ReadInput & { opportunity?: unknown; at?: TimeInput }): AllocationLimits {
    const opportunity = input.opportunity === undefined ? undefined : parseOpportunity(input.opportunity);
    return this.read(input, (s) => allocationLimits(this.store, s, this.readTime(s, input.at), opportunity));
  }

  simulateAllocation(
    input: ReadInput & { opportunity: unknown; method?: string; amount?: MoneyInput; at?: TimeInput },
  ): AllocationSimulation {
    const opportunity = parseOpportunity(input.opportunity);
    return this.read(input, (s) =>
      simulateAllocation(
        this.store,
        s,
        this.readTime(s, input.at),
        opportunity,
        input.method === undefined ? s.rules.allocationMethod : parseAllocationMethod(input.method),
        input.amount === undefined ? undefined : money({ syndicate: s }, input.amount, 'amount'),
      ),
    );
  }

  private readTime(s: SyndicateState, at: TimeInput | undefined): EpochMs {
    return at === undefined ? Math.max(this.now(), s.row.clock) : parseTime(at, 'at');
  }

  /**
   * Verify a syndicate's audit chain and recompute its ledger from the postings. Needs no member: an
   * auditor checks the books' integrity without reading them as anyone.
   */
  verify(input: { syndicateId: string }): VerifyResult {
    const syndicateId = parseIdentifier(input?.syndicateId, 'syndicateId');
    return this.transaction(() => {
      // An audit reads the file itself, never what this process remembers of it.
      this.store.invalidate();
      const s = this.store.syndicate(syndicateId);
      const audit = verifyAuditChain(this.store, s.id, {
        seq: s.row.audit_seq,
        head: s.row.audit_head,
        checkpointId: s.row.checkpoint_id,
      });
      const ledger = verifyLedger(this.store, s.row, s.ccy);
      return { ok: audit.ok && ledger.ok, syndicateId: s.id, audit, ledger };
    }, true);
  }

  /** Ids and names of the syndicates in this file. */
  listSyndicates(): { id: string; name: string; currency: string; createdAt: EpochMs }[] {
    return this.store
      .listSyndicates()
      .map((row) => ({ id: row.id, name: row.name, currency: row.currency, createdAt: row.created_at }));
  }
}

function withdrawalParams(input: { withdrawalId: string }): { withdrawalId: string } {
  return { withdrawalId: parseIdentifier(input.withdrawalId, 'withdrawalId') };
}

export function parseDistributionMethod(input: string, field = 'method'): DistributionMethod {
  const method = String(input).trim().toLowerCase();
  if (!(DISTRIBUTION_METHODS as readonly string[]).includes(method)) {
    throw new ValidationError(`${field}: unknown distribution method "${String(input).slice(0, 40)}"`, {
      field,
      hint: `use one of ${DISTRIBUTION_METHODS.join(', ')}`,
    });
  }
  return method as DistributionMethod;
}
