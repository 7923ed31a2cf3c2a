import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SyndicateLedger } from '../../src/syndicate/index.js';
import { CHECKPOINT_EVERY } from '../../src/syndicate/store.js';
import { cleanupHomes, DAY, fileDigest, freshLedger, S, T0 } from './helpers.js';

// The journal is the ledger: balances and totals are a fold over its entries, stored as a checkpoint
// every CHECKPOINT_EVERY operations and on close, and a handle that loads a syndicate folds the entries
// after the checkpoint. These tests hold the fold to what the writer computed when it ran: same
// balances, same time-weighted capital (distributions read it, and their results are hashed into the
// audit chain), same head hash.

afterEach(cleanupHomes);

const MEMBERS = ['m0', 'm1', 'm2', 'm3', 'm4'];

function createClub(l: SyndicateLedger, id = S): void {
  l.createSyndicate({
    key: `create-${id}`,
    syndicateId: id,
    actor: 'alice',
    at: T0,
    rules: { lockupDays: 0, noticeDays: 0, withdrawalApprovalAboveFraction: 0.5, voteAboveFraction: 0.5 },
  });
  l.addMember({
    key: `add-bob-${id}`,
    syndicateId: id,
    actor: 'alice',
    member: { id: 'bob', role: 'senior_analyst' },
    at: T0,
  });
  for (const m of MEMBERS) {
    l.addMember({
      key: `add-${m}-${id}`,
      syndicateId: id,
      actor: 'alice',
      member: { id: m, jurisdiction: m === 'm1' ? 'GB' : 'NONE' },
      initialContribution: '1000',
      at: T0,
    });
  }
}

interface SequenceState {
  open: string[];
  withdrawal?: string;
}

/**
 * Operation i of a deterministic mix that exercises every kind of posting: deposits, allocations,
 * marks (the unrealised account), settlements with fees, withdrawals, and distributions (which read
 * the time-weighted capital and restart the period). Returns false when the rules refused it.
 */
function step(l: SyndicateLedger, i: number, state: SequenceState, id = S): boolean {
  const base = { syndicateId: id, key: `op-${i}`, at: T0 + DAY + i * 60_000 };
  const slot = i % 25;
  try {
    if (slot < 14) {
      l.deposit({ ...base, actor: MEMBERS[i % MEMBERS.length], amount: (1 + (i % 89) / 100).toFixed(2) });
    } else if (slot < 17) {
      const a = l.allocate({
        ...base,
        actor: 'bob',
        method: 'fixed',
        amount: '3.00',
        opportunity: {
          kind: 'bet',
          sport: 'tennis',
          market: `T${i % 7}`,
          decimalOdds: 2.2,
          winProbability: 0.5,
        },
      });
      state.open.push(a.allocation.id);
    } else if (slot === 17 && state.open.length > 0) {
      l.markAllocation({
        ...base,
        actor: 'bob',
        allocationId: state.open[0],
        unrealised: i % 2 ? '1.25' : '-0.75',
      });
    } else if (slot < 21 && state.open.length > 0) {
      const allocationId = state.open.shift() as string;
      l.settleAllocation({
        ...base,
        actor: 'bob',
        allocationId,
        returned: i % 3 ? '6.60' : '0',
        fees: '0.05',
      });
    } else if (slot === 21) {
      state.withdrawal = l.requestWithdrawal({
        ...base,
        actor: MEMBERS[i % MEMBERS.length],
        amount: '2.00',
      }).withdrawal.id;
    } else if (slot === 22 && state.withdrawal) {
      l.processWithdrawal({ ...base, actor: 'alice', withdrawalId: state.withdrawal });
      state.withdrawal = undefined;
    } else if (slot >= 23) {
      l.distribute({ ...base, actor: 'alice', method: slot === 23 ? 'hybrid' : 'capital', withhold: true });
    }
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== 'VALIDATION') throw error;
    return false;
  }
}

/** Everything a member or auditor can read about the syndicate, for exact comparison. */
function snapshot(l: SyndicateLedger, id = S) {
  const v = l.verify({ syndicateId: id });
  return {
    ok: v.ok,
    problems: v.ledger.problems,
    head: v.audit.head,
    entries: v.audit.entries,
    totals: v.ledger.totals,
    report: l.report({ syndicateId: id, actor: 'alice' }),
    performance: l.memberPerformance({ syndicateId: id, actor: 'alice' }),
  };
}

function stored(path: string, id = S) {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare('SELECT * FROM syndicates WHERE id = ?').get(id) as Record<string, number>;
    const lastEntry = (
      db.prepare('SELECT MAX(id) AS id FROM audit WHERE syndicate_id = ?').get(id) as { id: number }
    ).id;
    const accounts = db
      .prepare('SELECT code, debits, credits FROM accounts WHERE syndicate_id = ? ORDER BY code')
      .all(id) as { code: string; debits: number; credits: number }[];
    const posted = new Map(
      (
        db
          .prepare(
            'SELECT account, SUM(debit) AS d, SUM(credit) AS c FROM postings WHERE syndicate_id = ? GROUP BY account',
          )
          .all(id) as { account: string; d: number; c: number }[]
      ).map((p) => [p.account, p]),
    );
    return { row, lastEntry, accounts, posted };
  } finally {
    db.close();
  }
}

describe('syndicate ledger checkpoints (balances as a fold over the journal)', () => {
  it('a handle that loads the syndicate mid-run folds to exactly what the writer holds', () => {
    const writer = freshLedger();
    createClub(writer);
    const state: SequenceState = { open: [] };
    let applied = 0;
    for (let i = 0; i < 2600; i++) {
      if (step(writer, i, state)) applied++;
      // Reload points before, at and after the stored checkpoints (every 1,000 operations).
      if (i === 37 || i === 999 || i === 1003 || i === 2000) {
        const reader = new SyndicateLedger(writer.path);
        expect(snapshot(reader)).toEqual(snapshot(writer));
        reader.close();
      }
    }
    expect(applied).toBeGreaterThan(2400);
    const live = snapshot(writer);
    expect(live.ok).toBe(true);
    expect(live.problems).toEqual([]);
    // The writer has not closed: the stored checkpoint is behind and the rest is in the journal.
    const before = stored(writer.path);
    expect(before.row.checkpoint_id).toBeGreaterThan(0);
    expect(before.row.checkpoint_id).toBeLessThan(before.lastEntry);
    expect(before.lastEntry - before.row.checkpoint_id).toBeLessThanOrEqual(CHECKPOINT_EVERY);
    const reader = new SyndicateLedger(writer.path);
    expect(snapshot(reader)).toEqual(live);
    reader.close();
    writer.close();
  });

  it('a run that reopens the file every few operations ends with the same journal as one that never did', () => {
    const continuous = freshLedger();
    createClub(continuous);
    const reopened = freshLedger();
    createClub(reopened);
    const a: SequenceState = { open: [] };
    const b: SequenceState = { open: [] };
    let handle = reopened;
    for (let i = 0; i < 1500; i++) {
      step(continuous, i, a);
      step(handle, i, b);
      if (i % 97 === 0) {
        // Alternately close (writing a checkpoint) and abandon the handle (no checkpoint, as after a crash).
        if (i % 2 === 0) handle.close();
        handle = new SyndicateLedger(reopened.path, {});
      }
    }
    expect(snapshot(handle)).toEqual(snapshot(continuous));
    handle.close();
    continuous.close();
  });

  it('close stores the balances and totals of the last entry; the stored rows equal the postings', () => {
    const l = freshLedger();
    createClub(l);
    const state: SequenceState = { open: [] };
    for (let i = 0; i < 400; i++) step(l, i, state);
    const live = snapshot(l);
    l.close();
    const after = stored(l.path);
    expect(after.row.checkpoint_id).toBe(after.lastEntry);
    expect(after.row.audit_seq).toBe(live.entries);
    expect(after.row.audit_head).toBe(live.head);
    for (const a of after.accounts) {
      const p = after.posted.get(a.code) ?? { d: 0, c: 0 };
      expect([a.code, a.debits, a.credits]).toEqual([a.code, p.d, p.c]);
    }
    expect(after.row.total_debits).toBe(after.row.total_credits);
    expect(after.row.assets).toBe(after.row.equity);
    const reopened = new SyndicateLedger(l.path);
    expect(snapshot(reopened)).toEqual(live);
    reopened.close();
  });

  it('reading (status, report, audit verify) and closing never change the file', () => {
    const writer = freshLedger();
    createClub(writer);
    const state: SequenceState = { open: [] };
    for (let i = 0; i < 300; i++) step(writer, i, state);
    const before = fileDigest(writer.path);
    const reader = new SyndicateLedger(writer.path);
    snapshot(reader);
    reader.close();
    expect(fileDigest(writer.path)).toBe(before);
    writer.close();
    expect(fileDigest(writer.path)).not.toBe(before);
  });

  /** A closed ledger after `ops` operations, changed behind its back by `sql`, verified on reopening. */
  function verifyTampered(ops: number, sql: string) {
    const l = freshLedger();
    createClub(l);
    const state: SequenceState = { open: [] };
    for (let i = 0; i < ops; i++) step(l, i, state);
    l.close();
    const db = new Database(l.path);
    db.prepare(sql).run(S);
    db.close();
    const reopened = new SyndicateLedger(l.path);
    try {
      return reopened.verify({ syndicateId: S });
    } finally {
      reopened.close();
    }
  }

  it('a damaged checkpoint is reported by audit verify, naming the account', () => {
    const v = verifyTampered(
      50,
      "UPDATE accounts SET credits = credits + 1 WHERE syndicate_id = ? AND code = 'member:m2:capital'",
    );
    expect(v.ok).toBe(false);
    expect(v.ledger.problems.join('\n')).toMatch(
      /account member:m2:capital: cached debits\/credits .* differ from its postings/,
    );
  });

  it('a key index that names another entry is reported by audit verify', () => {
    const v = verifyTampered(
      30,
      "UPDATE op_keys SET entry = entry + 1 WHERE syndicate_id = ? AND op_key = 'op-3'",
    );
    expect(v.ok).toBe(false);
    expect(v.audit.problem?.reason).toMatch(
      /idempotency key index maps "op-3" to a journal entry with another key/,
    );
  });

  it('syndicates sharing a file fold only their own entries', () => {
    const l = freshLedger();
    createClub(l, 'one');
    createClub(l, 'two');
    const one: SequenceState = { open: [] };
    const two: SequenceState = { open: [] };
    for (let i = 0; i < 1200; i++) {
      step(l, i, one, 'one');
      if (i % 3 === 0) step(l, i, two, 'two');
    }
    const live = { one: snapshot(l, 'one'), two: snapshot(l, 'two') };
    expect(live.one.ok && live.two.ok).toBe(true);
    const reader = new SyndicateLedger(l.path);
    expect({ one: snapshot(reader, 'one'), two: snapshot(reader, 'two') }).toEqual(live);
    reader.close();
    l.close();
  });

  it('a syndicate nobody writes is not left to scan what a busy one appends', () => {
    const l = freshLedger();
    createClub(l, 'idle');
    createClub(l, 'busy');
    const idle: SequenceState = { open: [] };
    const busy: SequenceState = { open: [] };
    for (let i = 0; i < 30; i++) step(l, i, idle, 'idle');
    const before = snapshot(l, 'idle');
    for (let i = 0; i < 2500; i++) step(l, i, busy, 'busy');
    const file = stored(l.path, 'idle');
    const lastBusy = stored(l.path, 'busy').lastEntry;
    // The idle syndicate's checkpoint followed the busy one's (every 1,000 operations), not its own last entry.
    expect(file.row.checkpoint_id).toBeGreaterThan(file.lastEntry);
    expect(lastBusy - file.row.checkpoint_id).toBeLessThanOrEqual(CHECKPOINT_EVERY);
    const reader = new SyndicateLedger(l.path);
    expect(snapshot(reader, 'idle')).toEqual(before);
    expect(snapshot(reader, 'busy')).toEqual(snapshot(l, 'busy'));
    reader.close();
    l.close();
  });

  it('opens a schema-1 file (balances rewritten at every commit) as its own checkpoint and keeps writing', () => {
    const l = freshLedger();
    createClub(l);
    const state: SequenceState = { open: [] };
    for (let i = 0; i < 120; i++) step(l, i, state);
    const before = snapshot(l);
    l.close();
    // A schema-1 file: no checkpoint column, every stored balance current, every key indexed on the journal.
    const db = new Database(l.path);
    db.exec(`DROP TRIGGER syndicates_old_writer_update; DROP TRIGGER syndicates_old_writer_insert;
      ALTER TABLE syndicates DROP COLUMN checkpoint_id; DROP TABLE op_keys;
      CREATE UNIQUE INDEX audit_key ON audit(syndicate_id, op_key);
      UPDATE meta SET value = '1' WHERE key = 'schema_version'`);
    db.close();
    const migrated = new SyndicateLedger(l.path);
    expect(snapshot(migrated)).toEqual(before);
    // Keys applied before the migration still replay.
    expect(step(migrated, 5, { open: [] })).toBe(true);
    expect(snapshot(migrated)).toEqual(before);
    for (let i = 120; i < 140; i++) step(migrated, i, state);
    expect(snapshot(migrated).ok).toBe(true);
    migrated.close();
    const check = new Database(l.path, { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe('2');
    expect(check.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_key'").pluck().get()).toBe(
      0,
    );
    check.close();
  });

  it('a schema-1 file whose first open died before it recorded its version is converted too', () => {
    const l = freshLedger();
    createClub(l);
    const state: SequenceState = { open: [] };
    for (let i = 0; i < 40; i++) step(l, i, state);
    const before = snapshot(l);
    l.close();
    const db = new Database(l.path);
    db.exec(`DROP TRIGGER syndicates_old_writer_update; DROP TRIGGER syndicates_old_writer_insert;
      ALTER TABLE syndicates DROP COLUMN checkpoint_id; DROP TABLE op_keys;
      CREATE UNIQUE INDEX audit_key ON audit(syndicate_id, op_key); DELETE FROM meta`);
    db.close();
    const migrated = new SyndicateLedger(l.path);
    expect(snapshot(migrated)).toEqual(before);
    for (let i = 40; i < 60; i++) step(migrated, i, state);
    expect(snapshot(migrated).ok).toBe(true);
    migrated.close();
  });

  it('refuses the writes of a process that opened the file before it was converted', () => {
    const l = freshLedger();
    createClub(l);
    const state: SequenceState = { open: [] };
    for (let i = 0; i < 20; i++) step(l, i, state);
    // What an earlier version does in every operation (moves the audit head in place, no checkpoint)
    // and when it creates a syndicate (no checkpoint column): both refused, so nothing is counted twice.
    const old = new Database(l.path);
    expect(() => old.prepare('UPDATE syndicates SET audit_seq = audit_seq + 1 WHERE id = ?').run(S)).toThrow(
      /converted to a newer format while this process had it open/,
    );
    expect(() =>
      old
        .prepare(
          `INSERT INTO syndicates (id, name, currency, created_at, clock, rules, period_start, audit_head)
           VALUES ('old', 'old', 'USD', 0, 0, '{}', 0, '0')`,
        )
        .run(),
    ).toThrow(/converted to a newer format/);
    old.close();
    for (let i = 20; i < 40; i++) step(l, i, state);
    const v = snapshot(l);
    expect(v.ok).toBe(true);
    l.close();
    expect(snapshot(new SyndicateLedger(l.path))).toEqual(v);
  });

  it('a reloaded handle stores the same time anchors as the writer (accounts opened after a distribution)', () => {
    const run = (reopen: boolean) => {
      const l = freshLedger();
      createClub(l);
      const state: SequenceState = { open: [] };
      for (let i = 0; i < 60; i++) step(l, i, state);
      l.addMember({ key: 'late', syndicateId: S, actor: 'alice', member: { id: 'late' }, at: T0 + 30 * DAY });
      let h = l;
      if (reopen) h = new SyndicateLedger(l.path);
      h.deposit({ key: 'late-dep', syndicateId: S, actor: 'm0', amount: '5', at: T0 + 31 * DAY });
      h.close();
      const db = new Database(l.path, { readonly: true });
      try {
        return db
          .prepare(
            'SELECT code, debits, credits, tw_accum, tw_anchor FROM accounts WHERE syndicate_id = ? ORDER BY code',
          )
          .all(S);
      } finally {
        db.close();
      }
    };
    expect(run(true)).toEqual(run(false));
  });
});
