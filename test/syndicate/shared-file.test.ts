import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyndicateLedger } from '../../src/syndicate/index.js';
import { cleanupHomes, DAY, fundedLedger, S, T0 } from './helpers.js';

// Each ledger handle keeps its syndicate and member rows between operations (a deposit would
// otherwise spend most of its time reading them back). That cache is only valid while nobody else
// has written to the file: these tests write through two handles (two SQLite connections) and a
// separate process, interleaved, so a handle that used a stale row would book against an old audit
// head, an old transfer number, old totals, an old role or status, or old rules.

afterEach(cleanupHomes);

const DIST = resolve(import.meta.dirname, '../../dist/syndicate/index.js');

/** Minor units (cents) of a formatted amount. */
const cents = (text: string) => Math.round(Number(text) * 100);

function capitalOf(l: SyndicateLedger, member: string): number {
  const m = l.status({ syndicateId: S, actor: 'alice' }).members.find((x) => x.id === member);
  if (!m) throw new Error(`no member ${member}`);
  return cents(m.capital);
}

function expectExact(l: SyndicateLedger, expected: Map<string, number>, entries: number): void {
  const v = l.verify({ syndicateId: S });
  expect(v.ledger.problems).toEqual([]);
  expect(v.audit.problem).toBeUndefined();
  expect(v.ok).toBe(true);
  expect(v.audit.entries).toBe(entries);
  for (const [member, capital] of expected) expect(capitalOf(l, member)).toBe(capital);
  const status = l.status({ syndicateId: S, actor: 'alice' });
  expect(status.audit.entries).toBe(entries);
  expect(cents(status.balances.membersCapital)).toBe([...expected.values()].reduce((a, b) => a + b, 0));
}

describe('two handles on one ledger file', () => {
  it('interleave deposits, allocations, settlements, role and status changes and rule changes exactly', () => {
    const a = fundedLedger({ lockupDays: 0 });
    const b = new SyndicateLedger(a.path, { now: () => T0 + 1000 * DAY });
    try {
      // fundedLedger: create, five members, four deposits = 10 entries.
      let entries = 10;
      const capital = new Map([
        ['alice', 1_000_000],
        ['bob', 500_000],
        ['carol', 250_000],
        ['dave', 250_000],
      ]);
      let at = T0 + DAY;
      const handles = [a, b];
      const members = ['alice', 'bob', 'carol', 'dave'];
      // Both handles have read the syndicate and every member before the interleaving starts.
      for (const l of handles) for (const m of members) capitalOf(l, m);
      for (let i = 0; i < 60; i++) {
        const l = handles[i % 2];
        const actor = members[(i * 7) % 4];
        const r = l.deposit({ key: `d${i}`, syndicateId: S, actor, amount: `${i + 1}.01`, at });
        capital.set(actor, (capital.get(actor) ?? 0) + (i + 1) * 100 + 1);
        expect(cents(r.capital)).toBe(capital.get(actor));
        expect(r.operation.auditSeq).toBe(++entries);
        at += 1000;
      }
      // An allocation opened on one handle is settled on the other.
      for (let i = 0; i < 10; i++) {
        const opener = handles[i % 2];
        const settler = handles[(i + 1) % 2];
        const opened = opener.allocate({
          key: `a${i}`,
          syndicateId: S,
          actor: 'bob',
          method: 'fixed',
          amount: '10',
          opportunity: {
            kind: 'bet',
            sport: 'football',
            market: `M${i}`,
            decimalOdds: 2,
            winProbability: 0.5,
          },
          at,
        });
        expect(opened.operation.auditSeq).toBe(++entries);
        const settled = settler.settleAllocation({
          key: `s${i}`,
          syndicateId: S,
          actor: 'bob',
          allocationId: opened.allocation.id,
          returned: '10',
          at,
        });
        expect(settled.operation.auditSeq).toBe(++entries);
        at += 1000;
      }
      expectExact(a, capital, entries);
      expectExact(b, capital, entries);

      // A member suspended through one handle may not act through the other, until reinstated there.
      capital.set('carol', (capital.get('carol') ?? 0) + 100);
      const before = a.deposit({ key: 'carol-before', syndicateId: S, actor: 'carol', amount: '1', at });
      expect(cents(before.capital)).toBe(capital.get('carol'));
      entries++;
      b.suspendMember({ key: 'suspend-carol', syndicateId: S, actor: 'alice', member: 'carol', at });
      entries++;
      expect(() =>
        a.deposit({ key: 'carol-suspended', syndicateId: S, actor: 'carol', amount: '1', at }),
      ).toThrow(/carol" is suspended/);
      a.reinstateMember({ key: 'reinstate-carol', syndicateId: S, actor: 'alice', member: 'carol', at });
      entries++;
      b.deposit({ key: 'carol-after', syndicateId: S, actor: 'carol', amount: '1', at });
      capital.set('carol', (capital.get('carol') ?? 0) + 100);
      entries++;

      // A role granted through one handle is honoured by the other.
      expect(() =>
        a.allocate({
          key: 'dave-cannot',
          syndicateId: S,
          actor: 'dave',
          method: 'fixed',
          amount: '1',
          opportunity: { kind: 'bet', market: 'X', decimalOdds: 2, winProbability: 0.5 },
          at,
        }),
      ).toThrow(/may not allocate/);
      b.changeRole({
        key: 'promote-dave',
        syndicateId: S,
        actor: 'alice',
        member: 'dave',
        role: 'senior_analyst',
        at,
      });
      entries++;
      const byDave = a.allocate({
        key: 'dave-can',
        syndicateId: S,
        actor: 'dave',
        method: 'fixed',
        amount: '1',
        opportunity: { kind: 'bet', market: 'X', decimalOdds: 2, winProbability: 0.5 },
        at,
      });
      expect(byDave.operation.auditSeq).toBe(++entries);
      b.settleAllocation({
        key: 'dave-settle',
        syndicateId: S,
        actor: 'dave',
        allocationId: byDave.allocation.id,
        returned: '1',
        at,
      });
      entries++;

      // Rules changed by a vote on one handle bind the other: no allocation above 1% any more.
      b.propose({
        key: 'tight',
        syndicateId: S,
        actor: 'alice',
        kind: 'change_rules',
        changes: { maxAllocationFraction: 0.01 },
        weighting: 'equal',
        at,
      });
      entries++;
      for (const m of ['alice', 'bob', 'carol', 'dave']) {
        const v = b.vote({ key: `v-${m}`, syndicateId: S, actor: m, proposalId: 'P1', choice: 'yes', at });
        entries++;
        if (v.proposal.status === 'executed') break;
      }
      expect(a.status({ syndicateId: S, actor: 'alice' }).rules.maxAllocationFraction).toBe(0.01);
      expect(() =>
        a.allocate({
          key: 'too-big',
          syndicateId: S,
          actor: 'bob',
          method: 'fixed',
          amount: '1000',
          opportunity: { kind: 'bet', market: 'Y', decimalOdds: 2, winProbability: 0.5 },
          at,
        }),
      ).toThrow(/bound by max_per_allocation/);

      expectExact(a, capital, entries);
      expectExact(b, capital, entries);
      // A retry through the other handle replays the first handle's operation.
      const replay = b.deposit({ key: 'd0', syndicateId: S, actor: 'alice', amount: '1.01', at: T0 + DAY });
      expect(replay.operation).toMatchObject({ replayed: true, auditSeq: 11 });
    } finally {
      b.close();
    }
  });

  it('a handle that has cached its rows sees the writes of another process', () => {
    const l = fundedLedger({ lockupDays: 0 });
    const at = T0 + DAY;
    l.deposit({ key: 'before', syndicateId: S, actor: 'bob', amount: '1', at });
    // Another process deposits 100 times and suspends dave.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { SyndicateLedger } from ${JSON.stringify(DIST)};
         const l = new SyndicateLedger(${JSON.stringify(l.path)});
         for (let i = 0; i < 100; i++)
           l.deposit({ key: 'child-' + i, syndicateId: ${JSON.stringify(S)}, actor: 'carol', amount: '2', at: ${at} + i });
         l.suspendMember({ key: 'child-suspend', syndicateId: ${JSON.stringify(S)}, actor: 'alice', member: 'dave', at: ${at + 100} });
         l.close();`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const after = l.deposit({ key: 'after', syndicateId: S, actor: 'bob', amount: '1', at: at + 200 });
    expect(after.operation.auditSeq).toBe(10 + 1 + 100 + 1 + 1);
    expect(after.capital).toBe('5002.00');
    expect(() =>
      l.deposit({ key: 'dave', syndicateId: S, actor: 'dave', amount: '1', at: at + 200 }),
    ).toThrow(/dave" is suspended/);
    expectExact(
      l,
      new Map([
        ['alice', 1_000_000],
        ['bob', 500_200],
        ['carol', 270_000],
        ['dave', 250_000],
      ]),
      113,
    );
  });
});
