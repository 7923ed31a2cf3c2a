import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { NeuralTraderError } from '../../src/core/errors.js';
import { type Permission, roleAllows, type SyndicateLedger } from '../../src/syndicate/index.js';
import { cents, cleanupHomes, DAY, S, seededLedger, stateDigest, T0 } from './helpers.js';

afterEach(cleanupHomes);

/**
 * Random sequences of operations by random members (including an observer, a junior analyst and a
 * member who does not exist), with valid and invalid amounts, against one ledger. After every step:
 * the ledger recomputed from its postings holds every invariant; a refused operation (for want of
 * permission or for bad input) wrote nothing; a distribution's lines sum exactly to its amount; and the
 * same operation replayed with its idempotency key changes nothing and returns the same result.
 */
const ACTORS = ['alice', 'bob', 'jim', 'carol', 'dave', 'olga', 'ghost'] as const;
// Mostly members who may act, so sequences get somewhere; the others keep the refusals coming.
const actor = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('alice', 'bob') },
  { weight: 3, arbitrary: fc.constantFrom(...ACTORS) },
);
const money = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 500_000 }).map((c) => (c / 100).toFixed(2)) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 5_000 }) },
  { weight: 1, arbitrary: fc.constantFrom('-5', '0', '0.00', '1.234', 'abc', '1e3', '99999999999') },
);
const id = (prefix: string, max = 4) => fc.integer({ min: 1, max }).map((n) => `${prefix}${n}`);
const opportunity = fc.oneof(
  fc.record({
    kind: fc.constant('bet' as const),
    sport: fc.constantFrom('football', 'tennis'),
    market: fc.constantFrom('M1', 'M2', 'M3'),
    decimalOdds: fc.double({ min: 1.2, max: 6, noNaN: true }),
    winProbability: fc.double({ min: 0.05, max: 0.9, noNaN: true }),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('trade' as const),
    symbol: fc.constantFrom('AAPL', 'MSFT'),
    expectedReturn: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
    volatility: fc.double({ min: 0.02, max: 0.5, noNaN: true }),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
);

type Step = { op: string; actor: string; dt: number; [k: string]: unknown };
const step = (op: string, fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record({
    op: fc.constant(op),
    actor,
    dt: fc.integer({ min: 0, max: 3 }),
    ...fields,
  }) as fc.Arbitrary<Step>;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: step('deposit', { amount: money }) },
  {
    weight: 4,
    arbitrary: step('allocate', {
      opportunity,
      method: fc.constantFrom('kelly', 'fixed', 'confidence', 'risk_parity'),
      amount: fc.option(
        fc.integer({ min: 1, max: 30_000 }).map((c) => (c / 100).toFixed(2)),
        { nil: undefined },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: step('settle', {
      allocationId: id('A', 6),
      factor: fc.constantFrom(0, 0.5, 1.5, 1.9, 2.5, 3),
      fees: fc.constantFrom('0', '1.00'),
    }),
  },
  {
    weight: 1,
    arbitrary: step('mark', { allocationId: id('A'), factor: fc.constantFrom(-1, -0.3, 0, 0.4) }),
  },
  {
    weight: 3,
    arbitrary: step('distribute', {
      // Mostly the lead, who may distribute.
      actor: fc.oneof({ weight: 4, arbitrary: fc.constant('alice') }, { weight: 1, arbitrary: actor }),
      method: fc.constantFrom('capital', 'performance', 'tiered', 'hybrid', 'equal'),
      withhold: fc.boolean(),
      amount: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: money }),
    }),
  },
  { weight: 3, arbitrary: step('request', { amount: money, emergency: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: step('withdrawal', {
      action: fc.constantFrom('approve', 'reject', 'cancel', 'process'),
      withdrawalId: id('W'),
    }),
  },
  {
    weight: 2,
    arbitrary: step('propose', {
      kind: fc.constantFrom('change_rules', 'large_allocation', 'add_member', 'remove_member'),
      weighting: fc.constantFrom('capital', 'equal', 'performance'),
      target: actor,
      amount: money,
    }),
  },
  {
    weight: 3,
    arbitrary: step('vote', { proposalId: id('P'), choice: fc.constantFrom('yes', 'no', 'abstain') }),
  },
  {
    weight: 1,
    arbitrary: step('role', {
      target: actor,
      role: fc.constantFrom('lead', 'senior_analyst', 'observer', 'junior_analyst'),
    }),
  },
  { weight: 1, arbitrary: step('suspend', { target: actor, reinstate: fc.boolean() }) },
);

function apply(
  l: SyndicateLedger,
  s: Step,
  key: string,
  at: number,
): { distribution?: { kind: string; amount: string; lines: { gross: string; tax: string; net: string }[] } } {
  const base = { syndicateId: S, actor: s.actor, key, at };
  switch (s.op) {
    case 'deposit':
      return l.deposit({ ...base, amount: s.amount as string });
    case 'allocate':
      return l.allocate({
        ...base,
        opportunity: s.opportunity,
        method: s.method as string,
        amount: s.amount as string | undefined,
      });
    case 'settle': {
      const cost = openCost(l, s.allocationId as string);
      return l.settleAllocation({
        ...base,
        allocationId: s.allocationId as string,
        returned: (Math.floor(cost * (s.factor as number)) / 100).toFixed(2),
        fees: s.fees as string,
      });
    }
    case 'mark': {
      const cost = openCost(l, s.allocationId as string);
      return l.markAllocation({
        ...base,
        allocationId: s.allocationId as string,
        unrealised: (Math.trunc(cost * (s.factor as number)) / 100).toFixed(2),
      });
    }
    case 'distribute':
      return l.distribute({
        ...base,
        method: s.method as string,
        withhold: s.withhold as boolean,
        amount: s.amount as string | undefined,
      });
    case 'request':
      return l.requestWithdrawal({ ...base, amount: s.amount as string, emergency: s.emergency as boolean });
    case 'withdrawal': {
      const input = { ...base, withdrawalId: s.withdrawalId as string };
      if (s.action === 'approve') return l.approveWithdrawal(input);
      if (s.action === 'reject') return l.rejectWithdrawal(input);
      if (s.action === 'cancel') return l.cancelWithdrawal(input);
      return l.processWithdrawal(input);
    }
    case 'propose':
      return l.propose({
        ...base,
        kind: s.kind as string,
        weighting: s.weighting as string,
        changes: { noticeDays: 1 + (at % 3) },
        opportunity: { kind: 'trade', symbol: 'SPY', expectedReturn: 0.02, volatility: 0.2 },
        amount: s.amount as string,
        member: { id: `new-${key}` },
        memberId: s.target as string,
      });
    case 'vote':
      return l.vote({ ...base, proposalId: s.proposalId as string, choice: s.choice as string });
    case 'role':
      return l.changeRole({ ...base, member: s.target as string, role: s.role as string });
    default:
      return s.reinstate
        ? l.reinstateMember({ ...base, member: s.target as string })
        : l.suspendMember({ ...base, member: s.target as string });
  }
}

const PERMISSION_OF: Record<string, (s: Step) => Permission> = {
  deposit: () => 'deposit',
  allocate: () => 'allocate',
  settle: () => 'settle',
  mark: () => 'settle',
  distribute: () => 'distribute',
  request: () => 'withdraw',
  withdrawal: (s) => (s.action === 'approve' || s.action === 'reject' ? 'approve_withdrawal' : 'withdraw'),
  propose: () => 'propose',
  vote: () => 'vote',
  role: () => 'change_role',
  suspend: () => 'suspend_member',
};

/** Whether the permission table lets this actor, as they stand now, attempt the step at all. */
function authorised(l: SyndicateLedger, s: Step): boolean {
  const m = l.status({ syndicateId: S, actor: 'alice' }).members.find((x) => x.id === s.actor);
  return m !== undefined && m.status === 'active' && roleAllows(m.role, PERMISSION_OF[s.op](s));
}

function openCost(l: SyndicateLedger, allocationId: string): number {
  const a = l.report({ syndicateId: S, actor: 'alice' }).allocations.find((x) => x.id === allocationId);
  return a ? cents(a.amount) : 10_000;
}

function attempt(fn: () => unknown): { ok: true; value: unknown } | { ok: false; error: NeuralTraderError } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    // Every refusal is a NeuralTraderError: anything else is a bug, so let it fail the property.
    if (!(error instanceof NeuralTraderError)) throw error;
    return { ok: false, error };
  }
}

function checkInvariants(l: SyndicateLedger): void {
  const v = l.verify({ syndicateId: S });
  expect(v.ledger.problems).toEqual([]);
  expect(v.audit.ok).toBe(true);
  expect(v.ledger.totals.debits).toBe(v.ledger.totals.credits);
  expect(v.ledger.totals.assets).toBe(v.ledger.totals.membersEquity);
  for (const m of l.status({ syndicateId: S, actor: 'alice' }).members) {
    for (const balance of [m.capital, m.profit, m.pendingWithdrawal])
      expect(cents(balance)).toBeGreaterThanOrEqual(0);
  }
}

describe('ledger properties over random operation sequences', () => {
  it('keeps every invariant; refusals and replays write nothing; distributions are exact', () => {
    let applied = 0;
    let refused = 0;
    let unauthorised = 0;
    let distributions = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 20, maxLength: 60 }), (steps) => {
        const l = seededLedger({
          lockupDays: 2,
          noticeDays: 1,
          proposalTtlDays: 3,
          withdrawalApprovalAboveFraction: 0.2,
        });
        // Everyone who may starts with some capital, so most operations have something to work on.
        for (const m of ['alice', 'bob', 'jim', 'carol', 'dave'])
          l.deposit({ key: `seed-${m}`, syndicateId: S, actor: m, amount: '2000', at: T0 });
        let now = T0;
        try {
          steps.forEach((s, i) => {
            now += s.dt * DAY;
            const key = `k${i}`;
            const before = stateDigest(l);
            const allowed = authorised(l, s);
            const first = attempt(() => apply(l, s, key, now));
            const after = stateDigest(l);
            // An actor the permission table refuses never gets through; a broken invariant is always a bug.
            if (!allowed) expect(first.ok, `${s.op} by ${s.actor} should have been refused`).toBe(false);
            if (!first.ok) expect(first.error.name, first.error.message).not.toBe('LedgerInvariantError');
            if (!first.ok) {
              refused++;
              if (first.error.code === 'AUTH') unauthorised++;
              expect(after, `refused ${s.op} by ${s.actor} wrote something: ${first.error.message}`).toBe(
                before,
              );
            } else {
              applied++;
              const d = (first.value as ReturnType<typeof apply>).distribution;
              if (d) {
                distributions++;
                const gross = d.lines.reduce((sum, x) => sum + cents(x.gross), 0);
                const net = d.lines.reduce((sum, x) => sum + cents(x.net) + cents(x.tax), 0);
                // A loss is shown as a positive amount of kind "loss", charged as negative lines.
                const expected = d.kind === 'loss' ? -cents(d.amount) : cents(d.amount);
                expect(gross).toBe(expected);
                expect(net).toBe(expected);
              }
            }
            // The same operation again, with its key: nothing changes, the answer is the same.
            const again = attempt(() => apply(l, s, key, now));
            expect(stateDigest(l)).toBe(after);
            if (first.ok) {
              expect(again.ok).toBe(true);
              const replay = (again as { value: { operation: { replayed: boolean } } }).value;
              expect(replay.operation.replayed).toBe(true);
              expect({ ...replay, operation: { ...replay.operation, replayed: false } }).toEqual(first.value);
            } else {
              expect(again.ok).toBe(false);
            }
            checkInvariants(l);
          });
        } finally {
          l.close();
          cleanupHomes();
        }
      }),
      { numRuns: 40 },
    );
    // The generator must reach the interesting paths, or the property proves little.
    expect(applied).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(100);
    expect(unauthorised).toBeGreaterThan(10);
    expect(distributions).toBeGreaterThan(3);
  }, 240_000);
});
