import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SYNDICATE_RULES,
  DISTRIBUTION_METHODS,
  type DistributionMethod,
  type SyndicateLedger,
  splitLoss,
  splitProfit,
} from '../../src/syndicate/index.js';
import { cleanupHomes, DAY, deposit, expectBalanced, expectRefused, S, seededLedger, T0 } from './helpers.js';

afterEach(cleanupHomes);

/**
 * alice deposits 10,000.00 at T0 and bob 5,000.00 at T0 + 5 days; bob's bet of 100.00 returns 400.00:
 * a realised profit of 300.00, all of it bob's performance. At T0 + 10 days alice has held 10,000.00 for
 * 10 days and bob 5,000.00 for 5: time-weighted capital 100,000 : 25,000 = 4 : 1.
 */
function profitOf300(): SyndicateLedger {
  const l = seededLedger({ lockupDays: 0 });
  deposit(l, 'alice', '10000', T0);
  deposit(l, 'bob', '5000', T0 + 5 * DAY);
  l.allocate({
    key: 'a1',
    syndicateId: S,
    actor: 'bob',
    method: 'fixed',
    amount: '100',
    opportunity: { kind: 'bet', market: 'M', decimalOdds: 4, winProbability: 0.3 },
    at: T0 + 6 * DAY,
  });
  l.settleAllocation({
    key: 's1',
    syndicateId: S,
    actor: 'bob',
    allocationId: 'A1',
    returned: '400',
    at: T0 + 6 * DAY,
  });
  return l;
}

function lines(l: SyndicateLedger, method: string, withhold = false) {
  const d = l.distribute({
    key: `d-${method}`,
    syndicateId: S,
    actor: 'alice',
    method,
    withhold,
    at: T0 + 10 * DAY,
  });
  expectBalanced(l);
  return Object.fromEntries(d.distribution.lines.map((x) => [x.member, [x.gross, x.tax, x.net]]));
}

describe('profit distribution methods (exact known values)', () => {
  it('capital: time-weighted by when the capital arrived (4 : 1)', () => {
    expect(lines(profitOf300(), 'capital')).toEqual({
      alice: ['240.00', '0.00', '240.00'],
      bob: ['60.00', '0.00', '60.00'],
    });
  });

  it('performance: the realised P&L of the allocations each member originated', () => {
    expect(lines(profitOf300(), 'performance')).toEqual({
      alice: ['0.00', '0.00', '0.00'],
      bob: ['300.00', '0.00', '300.00'],
    });
  });

  it('tiered: time-weighted capital x tier multiplier (gold 1.25 vs silver 1.1), remainder to the largest fraction', () => {
    // 30,000 x 125,000/152,500 = 24,590.16 and 30,000 x 27,500/152,500 = 5,409.84: the leftover cent goes to bob.
    expect(lines(profitOf300(), 'tiered')).toEqual({
      alice: ['245.90', '0.00', '245.90'],
      bob: ['54.10', '0.00', '54.10'],
    });
  });

  it('equal, and hybrid 50/30/20 split exactly in stages', () => {
    expect(lines(profitOf300(), 'equal')).toEqual({
      alice: ['150.00', '0.00', '150.00'],
      bob: ['150.00', '0.00', '150.00'],
    });
    // 150.00 by capital (120.00 / 30.00) + 90.00 by performance (bob) + 60.00 equally (30.00 each).
    expect(lines(profitOf300(), 'hybrid')).toEqual({
      alice: ['150.00', '0.00', '150.00'],
      bob: ['150.00', '0.00', '150.00'],
    });
  });

  it('withholds tax by jurisdiction (GB 20%) and pays it over at once', () => {
    const l = profitOf300();
    expect(lines(l, 'hybrid', true)).toEqual({
      alice: ['150.00', '0.00', '150.00'],
      bob: ['150.00', '30.00', '120.00'],
    });
    const s = l.status({ syndicateId: S, actor: 'bob' });
    expect(s.balances).toMatchObject({
      taxWithheld: '30.00',
      cash: '15270.00',
      undistributed: '0.00',
      membersProfit: '270.00',
    });
    const tax = l.taxLiability({ syndicateId: S, actor: 'bob', year: 2024 });
    expect(tax.members.find((m) => m.member === 'bob')).toMatchObject({
      rate: 0.2,
      grossProfit: '150.00',
      withheld: '30.00',
      outstanding: '0.00',
    });
    expect(tax.members.find((m) => m.member === 'carol')).toMatchObject({ rate: 0.24, grossProfit: '0.00' });
    expect(l.taxLiability({ syndicateId: S, actor: 'bob', year: 2023 }).totals.grossProfit).toBe('0.00');
    expect(tax.disclaimer).toMatch(/ILLUSTRATIVE/);
  });

  it('gives leftover cents to the largest remainders, ties to the member who joined first', () => {
    const l = seededLedger();
    for (const m of ['alice', 'bob', 'carol']) deposit(l, m, '1000', T0);
    l.allocate({
      key: 'a',
      syndicateId: S,
      actor: 'bob',
      method: 'fixed',
      amount: '10',
      opportunity: { kind: 'bet', market: 'M', decimalOdds: 2, winProbability: 0.5 },
      at: T0,
    });
    l.settleAllocation({
      key: 's',
      syndicateId: S,
      actor: 'bob',
      allocationId: 'A1',
      returned: '11',
      at: T0 + DAY,
    });
    const d = l.distribute({ key: 'd', syndicateId: S, actor: 'alice', method: 'equal', at: T0 + 2 * DAY });
    expect(d.distribution.lines.map((x) => [x.member, x.gross])).toEqual([
      ['alice', '0.34'],
      ['bob', '0.33'],
      ['carol', '0.33'],
    ]);
    expect(d.distribution.roundingRule).toMatch(/ties to the member who joined first/);
  });

  it('distributes part of a profit and restarts the period; a later distribution weighs capital from then', () => {
    const l = profitOf300();
    const first = l.distribute({
      key: 'd1',
      syndicateId: S,
      actor: 'alice',
      method: 'capital',
      amount: '100',
      at: T0 + 10 * DAY,
    });
    expect(first.distribution.lines.map((x) => x.gross)).toEqual(['80.00', '20.00']);
    expect(l.status({ syndicateId: S, actor: 'alice' }).balances.realisedUndistributed).toBe('200.00');
    // From T0 + 10 days both have held their capital for the same time: 10,000 : 5,000.
    const second = l.distribute({
      key: 'd2',
      syndicateId: S,
      actor: 'alice',
      method: 'capital',
      at: T0 + 12 * DAY,
    });
    expect(second.distribution).toMatchObject({
      amount: '200.00',
      period: { start: T0 + 10 * DAY, end: T0 + 12 * DAY },
    });
    expect(second.distribution.lines.map((x) => x.gross)).toEqual(['133.33', '66.67']);
    expectRefused(
      l,
      () => l.distribute({ key: 'd3', syndicateId: S, actor: 'alice', at: T0 + 13 * DAY }),
      /realised result since the last distribution is 0/,
    );
  });

  it('refuses more than the realised profit, and never distributes marks', () => {
    const l = profitOf300();
    expectRefused(
      l,
      () => l.distribute({ key: 'x', syndicateId: S, actor: 'alice', amount: '300.01', at: T0 + 10 * DAY }),
      /amount: 300.01 is more than the realised profit available, 300.00/,
    );
    l.allocate({
      key: 'a2',
      syndicateId: S,
      actor: 'bob',
      method: 'fixed',
      amount: '100',
      opportunity: { kind: 'bet', market: 'N', decimalOdds: 2, winProbability: 0.5 },
      at: T0 + 10 * DAY,
    });
    l.markAllocation({
      key: 'm',
      syndicateId: S,
      actor: 'bob',
      allocationId: 'A2',
      unrealised: '50',
      at: T0 + 10 * DAY,
    });
    const d = l.distribute({ key: 'd', syndicateId: S, actor: 'alice', at: T0 + 10 * DAY });
    expect(d.distribution.amount).toBe('300.00');
    expect(l.status({ syndicateId: S, actor: 'alice' }).balances).toMatchObject({
      undistributed: '50.00',
      realisedUndistributed: '0.00',
    });
    expectBalanced(l);
  });

  it('charges a loss to members by equity, profit first, and records it in the history', () => {
    const l = seededLedger();
    deposit(l, 'alice', '10000', T0);
    deposit(l, 'bob', '5000', T0);
    l.allocate({
      key: 'a',
      syndicateId: S,
      actor: 'alice',
      method: 'fixed',
      amount: '300',
      opportunity: { kind: 'trade', symbol: 'AAPL', expectedReturn: 0.01, volatility: 0.2 },
      at: T0,
    });
    l.settleAllocation({
      key: 's',
      syndicateId: S,
      actor: 'alice',
      allocationId: 'A1',
      returned: '0',
      at: T0 + DAY,
    });
    const d = l.distribute({ key: 'd', syndicateId: S, actor: 'alice', at: T0 + 2 * DAY });
    expect(d.distribution).toMatchObject({ kind: 'loss', method: 'equity', amount: '300.00' });
    expect(d.distribution.lines.map((x) => [x.member, x.gross])).toEqual([
      ['alice', '-200.00'],
      ['bob', '-100.00'],
    ]);
    expect(d.warnings[0]).toMatch(/loss of 300.00/);
    const s = l.status({ syndicateId: S, actor: 'alice' });
    expect(s.members.slice(0, 2).map((m) => m.capital)).toEqual(['9800.00', '4900.00']);
    const history = l.profitHistory({ syndicateId: S, actor: 'bob' });
    expect(history.totals).toMatchObject({
      realisedPnl: '-300.00',
      lossesCharged: '300.00',
      profitDistributed: '0.00',
    });
    expect(l.memberPerformance({ syndicateId: S, actor: 'bob', member: 'alice' })[0]).toMatchObject({
      lossesCharged: '200.00',
      allocationsOriginated: 1,
      realisedPnl: '-300.00',
      roi: -1,
    });
    expectBalanced(l);
  });
});

const memberArb = fc.record({
  timeWeightedCapital: fc.oneof(fc.constant(0), fc.double({ min: 1, max: 1e15, noNaN: true })),
  capital: fc.integer({ min: 0, max: 1e9 }),
  performance: fc.integer({ min: -1e7, max: 1e7 }),
  jurisdiction: fc.constantFrom('NONE', 'US', 'GB', 'DE', 'CH', 'JP'),
});

describe('profit and loss splits (properties)', () => {
  it('gross shares always sum exactly to the amount; tax + net = gross; nobody gets a negative share', () => {
    fc.assert(
      fc.property(
        fc
          .array(memberArb, { minLength: 1, maxLength: 40 })
          .filter((ms) => ms.some((m) => m.capital > 0 || m.timeWeightedCapital > 0)),
        fc.integer({ min: 1, max: 1e12 }),
        fc.constantFrom(...DISTRIBUTION_METHODS),
        fc.boolean(),
        (ms, amount, method: DistributionMethod, withhold) => {
          const members = ms.map((m, i) => ({ ...m, id: `m${i}` }));
          const split = splitProfit(amount, members, method, DEFAULT_SYNDICATE_RULES, withhold);
          let sum = 0;
          for (const line of split.lines) {
            expect(Number.isSafeInteger(line.gross)).toBe(true);
            expect(line.gross).toBeGreaterThanOrEqual(0);
            expect(line.tax).toBeGreaterThanOrEqual(0);
            expect(line.tax + line.net).toBe(line.gross);
            expect(line.tax).toBeLessThanOrEqual(line.gross);
            sum += line.gross;
          }
          expect(sum).toBe(amount);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a loss is charged in full and never beyond a member equity', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ capital: fc.integer({ min: 0, max: 1e9 }), profit: fc.integer({ min: 0, max: 1e8 }) }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ms, fraction) => {
          const members = ms.map((m, i) => ({ ...m, id: `m${i}` }));
          const total = members.reduce((s, m) => s + m.capital + m.profit, 0);
          fc.pre(total > 0);
          const loss = Math.max(1, Math.floor(total * fraction));
          const shares = splitLoss(loss, members);
          expect(shares.reduce((s, x) => s + x.loss, 0)).toBe(loss);
          shares.forEach((x, i) => {
            expect(x.fromProfit + x.fromCapital).toBe(x.loss);
            expect(x.fromProfit).toBeLessThanOrEqual(members[i].profit);
            expect(x.fromCapital).toBeLessThanOrEqual(members[i].capital);
            expect(x.fromCapital).toBeGreaterThanOrEqual(0);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
