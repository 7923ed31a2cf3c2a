import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PERMISSION_TABLE,
  type Permission,
  ROLES,
  type Role,
  SyndicateLedger,
} from '../../src/syndicate/index.js';
import {
  cleanupHomes,
  DAY,
  deposit,
  expectBalanced,
  expectRefused,
  freshLedger,
  S,
  seededLedger,
  stateDigest,
  T0,
} from './helpers.js';

afterEach(cleanupHomes);

describe('syndicate ledger: double entry', () => {
  it('books deposits as balanced transfers and keeps assets equal to members equity', () => {
    const l = seededLedger();
    deposit(l, 'alice', '10000', T0);
    deposit(l, 'bob', '5000.50', T0 + DAY);
    const r = deposit(l, 'carol', 2500.05, T0 + 2 * DAY);
    expect(r.amount).toBe('2500.05');
    expect(r.capital).toBe('2500.05');
    const status = l.status({ syndicateId: S, actor: 'olga' });
    expect(status.balances.cash).toBe('17500.55');
    expect(status.balances.bankroll).toBe('17500.55');
    expect(status.balances.membersCapital).toBe('17500.55');
    expect(status.members.find((m) => m.id === 'bob')?.capital).toBe('5000.50');
    const v = l.verify({ syndicateId: S });
    expect(v.ok).toBe(true);
    expect(v.ledger.transfers).toBe(3);
    expect(v.ledger.postings).toBe(6);
    expect(v.ledger.totals).toEqual({
      debits: '17500.55',
      credits: '17500.55',
      assets: '17500.55',
      membersEquity: '17500.55',
    });
    l.close();
  });

  it('refuses to rewrite history: postings and audit entries are append-only', () => {
    const l = seededLedger();
    deposit(l, 'alice', '100', T0);
    l.close();
    const db = new Database(l.path);
    expect(() => db.prepare("UPDATE audit SET postings = '[]'").run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE audit SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    db.close();
  });
});

describe('idempotency keys', () => {
  it('applies a retried operation once and returns the original result', () => {
    const l = seededLedger();
    const first = deposit(l, 'alice', '100.00', T0, 'k1');
    const digest = stateDigest(l);
    // Same content in another spelling ("100" = "100.00" = 100), later, without a timestamp: a retry.
    const again = l.deposit({ key: 'k1', syndicateId: S, actor: 'alice', amount: 100 });
    expect(again.operation.replayed).toBe(true);
    expect(first.operation.replayed).toBe(false);
    expect({ ...again, operation: { ...again.operation, replayed: false } }).toEqual(first);
    expect(stateDigest(l)).toBe(digest);
    expect(l.status({ syndicateId: S, actor: 'alice' }).balances.cash).toBe('100.00');
  });

  it('refuses a reused key with different content, naming the original operation', () => {
    const l = seededLedger();
    deposit(l, 'alice', '100.00', T0, 'k1');
    expectRefused(
      l,
      () => deposit(l, 'alice', '100.01', T0, 'k1'),
      /key: "k1" was already used for a different operation \(deposit by alice/,
    );
    expectRefused(l, () => deposit(l, 'bob', '100.00', T0, 'k1'), /already used for a different operation/);
    expectRefused(
      l,
      () => l.requestWithdrawal({ key: 'k1', syndicateId: S, actor: 'alice', amount: '1', at: T0 }),
      /already used for a different operation/,
    );
  });

  it('keeps keys per syndicate', () => {
    const l = seededLedger();
    l.createSyndicate({ key: 'create', syndicateId: 'other', actor: 'zed', at: T0 });
    deposit(l, 'alice', '1', T0, 'same');
    const other = l.deposit({ key: 'same', syndicateId: 'other', actor: 'zed', amount: '2', at: T0 });
    expect(other.operation.replayed).toBe(false);
    expect(l.status({ syndicateId: 'other', actor: 'zed' }).balances.cash).toBe('2.00');
  });
});

describe('time', () => {
  it('never goes backwards: an explicit time before the latest operation is refused', () => {
    const l = seededLedger();
    deposit(l, 'alice', '1', T0 + 5 * DAY);
    expectRefused(
      l,
      () => deposit(l, 'alice', '1', T0 + 4 * DAY),
      /at: 2024-01-05 is before the syndicate's latest operation \(2024-01-06\)/,
    );
  });

  it('uses the later of the wall clock and the latest operation when no time is given', () => {
    let now = T0 + 10 * DAY;
    const l = freshLedger();
    l.close();
    const clocked = new SyndicateLedger(l.path, { now: () => now });
    clocked.createSyndicate({ key: 'c', syndicateId: S, actor: 'alice' });
    clocked.deposit({ key: 'd1', syndicateId: S, actor: 'alice', amount: '1', at: T0 + 20 * DAY });
    now = T0 + 15 * DAY; // the wall clock steps back (NTP): the ledger's time does not
    const r = clocked.deposit({ key: 'd2', syndicateId: S, actor: 'alice', amount: '1' });
    expect(r.operation.appliedAt).toBe(T0 + 20 * DAY);
    clocked.close();
  });
});

describe('bad input: one clear error and nothing written', () => {
  it('refuses negative, zero and non-exact amounts', () => {
    const l = seededLedger();
    deposit(l, 'alice', '100', T0);
    expectRefused(l, () => deposit(l, 'alice', '-5', T0), /amount: must be positive, got -5/);
    expectRefused(l, () => deposit(l, 'alice', '0', T0), /amount: must be more than zero/);
    expectRefused(l, () => deposit(l, 'alice', 0, T0), /amount: must be more than zero/);
    expectRefused(
      l,
      () => deposit(l, 'alice', '10.005', T0),
      /amount: 10.005 has more decimals than USD has \(2\)/,
    );
    expectRefused(
      l,
      () => deposit(l, 'alice', 1e21 as unknown as string, T0, 'big'),
      /amount: .* is not a decimal amount/,
    );
    expectRefused(l, () => deposit(l, 'alice', 'ten', T0, 'ten'), /amount: "ten" is not a decimal amount/);
    expectRefused(
      l,
      () => l.requestWithdrawal({ key: 'w', syndicateId: S, actor: 'alice', amount: '-1', at: T0 }),
      /amount: must be positive/,
    );
    expectRefused(
      l,
      () =>
        l.addMember({
          key: 'm',
          syndicateId: S,
          actor: 'alice',
          member: { id: 'x' },
          initialContribution: '0.001',
          at: T0,
        }),
      /initialContribution: 0.001 has more decimals than USD has/,
    );
  });

  it('refuses an unknown member, an unknown syndicate and bad identifiers', () => {
    const l = seededLedger();
    expectRefused(
      l,
      () => deposit(l, 'mallory', '100', T0),
      /actor: unknown member "mallory" in syndicate "club"/,
    );
    expectRefused(
      l,
      () =>
        l.changeRole({ key: 'r', syndicateId: S, actor: 'alice', member: 'nobody', role: 'lead', at: T0 }),
      /member: unknown member "nobody"/,
    );
    expectRefused(
      l,
      () => l.deposit({ key: 'd', syndicateId: 'nope', actor: 'alice', amount: '1' }),
      /syndicate "nope" does not exist/,
    );
    expectRefused(
      l,
      () => l.deposit({ key: 'has space', syndicateId: S, actor: 'alice', amount: '1' }),
      /key: "has space" has characters/,
    );
    expect(() => l.status({ syndicateId: S, actor: 'mallory' })).toThrow(/unknown member "mallory"/);
  });

  it('refuses a syndicate that already exists and a member added twice', () => {
    const l = seededLedger();
    expectRefused(
      l,
      () => l.createSyndicate({ key: 'again', syndicateId: S, actor: 'zed' }),
      /syndicateId: "club" already exists/,
    );
    expectRefused(
      l,
      () => l.addMember({ key: 'dup', syndicateId: S, actor: 'alice', member: { id: 'bob' }, at: T0 }),
      /"bob" is already a member/,
    );
    expectRefused(
      l,
      () =>
        l.addMember({
          key: 'bad-role',
          syndicateId: S,
          actor: 'alice',
          member: { id: 'x', role: 'king' },
          at: T0,
        }),
      /member.role: unknown role "king"/,
    );
  });
});

type Attempt = (l: SyndicateLedger, actor: string, key: string) => unknown;

/** One write per permission, each valid in content so only the permission check can refuse it. */
const ATTEMPTS: Record<Exclude<Permission, 'view'>, Attempt> = {
  deposit: (l, actor, key) => l.deposit({ key, syndicateId: S, actor, amount: '10', at: T0 + 40 * DAY }),
  allocate: (l, actor, key) =>
    l.allocate({
      key,
      syndicateId: S,
      actor,
      method: 'fixed',
      opportunity: { kind: 'trade', symbol: 'AAPL', expectedReturn: 0.01, volatility: 0.2 },
      at: T0 + 40 * DAY,
    }),
  settle: (l, actor, key) =>
    l.markAllocation({ key, syndicateId: S, actor, allocationId: 'A1', unrealised: '1', at: T0 + 40 * DAY }),
  distribute: (l, actor, key) => l.distribute({ key, syndicateId: S, actor, at: T0 + 40 * DAY }),
  withdraw: (l, actor, key) =>
    l.requestWithdrawal({ key, syndicateId: S, actor, amount: '1', at: T0 + 40 * DAY }),
  approve_withdrawal: (l, actor, key) =>
    l.approveWithdrawal({ key, syndicateId: S, actor, withdrawalId: 'W1', at: T0 + 40 * DAY }),
  propose: (l, actor, key) =>
    l.propose({
      key,
      syndicateId: S,
      actor,
      kind: 'change_rules',
      changes: { noticeDays: 3 },
      at: T0 + 40 * DAY,
    }),
  vote: (l, actor, key) =>
    l.vote({ key, syndicateId: S, actor, proposalId: 'P1', choice: 'abstain', at: T0 + 40 * DAY }),
  add_member: (l, actor, key) =>
    l.addMember({
      key,
      syndicateId: S,
      actor,
      member: { id: `new-${key}`, role: 'observer' },
      at: T0 + 40 * DAY,
    }),
  change_role: (l, actor, key) =>
    l.changeRole({ key, syndicateId: S, actor, member: 'dave', role: 'junior_analyst', at: T0 + 40 * DAY }),
  suspend_member: (l, actor, key) =>
    l.suspendMember({ key, syndicateId: S, actor, member: 'dave', at: T0 + 40 * DAY }),
};

const MEMBER_OF_ROLE: Record<Role, string> = {
  lead: 'alice',
  senior_analyst: 'bob',
  junior_analyst: 'jim',
  contributing_member: 'carol',
  observer: 'olga',
};

/** A syndicate where every attempt is valid apart from permissions: money in, an open allocation, a request, a proposal. */
function permissionFixture(): SyndicateLedger {
  const l = seededLedger();
  for (const m of ['alice', 'bob', 'jim', 'carol', 'dave']) deposit(l, m, '5000', T0);
  l.allocate({
    key: 'a1',
    syndicateId: S,
    actor: 'bob',
    method: 'fixed',
    opportunity: { kind: 'bet', market: 'M', decimalOdds: 2, winProbability: 0.5 },
    at: T0 + 31 * DAY,
  });
  l.requestWithdrawal({ key: 'w1', syndicateId: S, actor: 'dave', amount: '5000', at: T0 + 31 * DAY });
  l.propose({
    key: 'p1',
    syndicateId: S,
    actor: 'dave',
    kind: 'change_rules',
    changes: { noticeDays: 2 },
    at: T0 + 31 * DAY,
  });
  return l;
}

describe('permissions', () => {
  for (const role of ROLES) {
    it(`a ${role} may do exactly what the permission table lists; anything else is refused and changes nothing`, () => {
      const l = permissionFixture();
      const actor = MEMBER_OF_ROLE[role];
      for (const [permission, attempt] of Object.entries(ATTEMPTS) as [
        Exclude<Permission, 'view'>,
        Attempt,
      ][]) {
        const allowed = PERMISSION_TABLE[role].includes(permission);
        if (allowed) {
          try {
            attempt(l, actor, `try-${permission}`);
          } catch (error) {
            // Allowed means the permission check passed; the operation may still have its own objection.
            expect(
              (error as { code?: string }).code,
              `${role} ${permission}: ${(error as Error).message}`,
            ).not.toBe('AUTH');
          }
        } else {
          const error = expectRefused(
            l,
            () => attempt(l, actor, `try-${permission}`),
            new RegExp(`member "${actor}" \\(${role}\\) may not`),
          );
          expect((error as { code?: string }).code).toBe('AUTH');
        }
      }
      expect(l.status({ syndicateId: S, actor }).syndicate.id).toBe(S);
      expectBalanced(l);
    });
  }

  it('a suspended member keeps their money but may only read, until reinstated', () => {
    const l = permissionFixture();
    l.suspendMember({ key: 's', syndicateId: S, actor: 'alice', member: 'carol', at: T0 + 32 * DAY });
    expectRefused(
      l,
      () => deposit(l, 'carol', '1', T0 + 32 * DAY),
      /member "carol" is suspended and may only read/,
    );
    expect(l.status({ syndicateId: S, actor: 'carol' }).members.find((m) => m.id === 'carol')?.capital).toBe(
      '5000.00',
    );
    l.reinstateMember({ key: 'r', syndicateId: S, actor: 'alice', member: 'carol', at: T0 + 33 * DAY });
    expect(deposit(l, 'carol', '1', T0 + 33 * DAY).capital).toBe('5001.00');
  });

  it('keeps an active lead and stops senior analysts from adding members at or above their own role', () => {
    const l = seededLedger();
    expectRefused(
      l,
      () =>
        l.changeRole({ key: 'r', syndicateId: S, actor: 'alice', member: 'alice', role: 'observer', at: T0 }),
      /"alice" is the only active lead/,
    );
    expectRefused(
      l,
      () => l.suspendMember({ key: 's', syndicateId: S, actor: 'alice', member: 'alice', at: T0 }),
      /only active lead/,
    );
    expectRefused(
      l,
      () =>
        l.addMember({ key: 'x', syndicateId: S, actor: 'bob', member: { id: 'eve', role: 'lead' }, at: T0 }),
      /member "bob" \(senior_analyst\) may not add a lead/,
    );
    expect(
      l.addMember({
        key: 'y',
        syndicateId: S,
        actor: 'bob',
        member: { id: 'eve', role: 'junior-analyst' },
        at: T0,
      }).member.role,
    ).toBe('junior_analyst');
    l.changeRole({ key: 'r2', syndicateId: S, actor: 'alice', member: 'bob', role: 'lead', at: T0 });
    l.changeRole({ key: 'r3', syndicateId: S, actor: 'bob', member: 'alice', role: 'observer', at: T0 });
    expect(l.status({ syndicateId: S, actor: 'alice' }).members.find((m) => m.id === 'alice')?.role).toBe(
      'observer',
    );
  });
});
