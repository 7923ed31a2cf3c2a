import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SYNDICATE_RULES, type SizingBook, sizeAllocation } from '../../src/syndicate/index.js';
import { cleanupHomes, DAY, expectBalanced, expectRefused, fundedLedger, S, T0 } from './helpers.js';

afterEach(cleanupHomes);

const USD = { code: 'USD', decimals: 2 };
const bet = (over: Record<string, unknown> = {}) => ({
  kind: 'bet' as const,
  sport: 'football',
  market: 'EPL:ARS-CHE',
  decimalOdds: 2,
  winProbability: 0.55,
  ...over,
});
const trade = (over: Record<string, unknown> = {}) => ({
  kind: 'trade' as const,
  symbol: 'AAPL',
  expectedReturn: 0.01,
  volatility: 0.2,
  ...over,
});

/** A book of 20,000.00 all in free cash, nothing open, nothing lost. */
const book = (over: Partial<SizingBook> = {}): SizingBook => ({
  bankroll: 2_000_000,
  freeCash: 2_000_000,
  capital: 2_000_000,
  undistributed: 0,
  allocatedToday: 0,
  openInSport: 0,
  openInMarket: 0,
  openInSymbol: 0,
  ...over,
});

describe('sizing methods (known values on a 20,000.00 bankroll, default rules)', () => {
  const r = DEFAULT_SYNDICATE_RULES;
  it('fractional Kelly for a bet: 0.25 x (p - q/b)', () => {
    // p 0.55 at evens: full Kelly 0.10, quarter Kelly 0.025 -> 500.00
    const s = sizeAllocation(bet(), 'kelly', r, book(), USD);
    expect(s.fraction).toBeCloseTo(0.025, 12);
    expect(s.amount).toBe(50_000);
    expect(s.boundBy).toBe('kelly');
    expect(s.needsVote).toBe(false);
    // p 0.52 at 2.1: full Kelly 0.52 - 0.48/1.1 = 0.0836364; quarter = 0.0209091 -> 418.18
    expect(
      sizeAllocation(bet({ decimalOdds: 2.1, winProbability: 0.52 }), 'kelly', r, book(), USD).amount,
    ).toBe(41_818);
  });

  it('Kelly finds no edge and allocates nothing, with a warning', () => {
    const s = sizeAllocation(bet({ winProbability: 0.45 }), 'kelly', r, book(), USD);
    expect(s.amount).toBe(0);
    expect(s.warnings[0]).toMatch(/no edge/);
  });

  it('fractional Kelly for a trade: 0.25 x mu / sigma^2, then the max-per-allocation cap', () => {
    // 0.25 x 0.01 / 0.04 = 0.0625 -> 1,250.00, capped at 5% = 1,000.00
    const s = sizeAllocation(trade(), 'kelly', r, book(), USD);
    expect(s.fraction).toBeCloseTo(0.0625, 12);
    expect(s.methodAmount).toBe(125_000);
    expect(s.amount).toBe(100_000);
    expect(s.boundBy).toBe('max_per_allocation');
    expect(s.needsVote).toBe(true); // above 3% = 600.00
    expect(s.voteAbove).toBe(60_000);
  });

  it('fixed, confidence tiers and risk parity', () => {
    expect(sizeAllocation(bet(), 'fixed', r, book(), USD).amount).toBe(40_000); // 2%
    expect(sizeAllocation(bet({ confidence: 0.85 }), 'confidence', r, book(), USD).amount).toBe(100_000); // 5%
    expect(sizeAllocation(bet({ confidence: 0.7 }), 'confidence', r, book(), USD).amount).toBe(60_000); // 3%
    expect(sizeAllocation(bet({ confidence: 0.45 }), 'confidence', r, book(), USD).amount).toBe(20_000); // 1%
    const below = sizeAllocation(bet({ confidence: 0.1 }), 'confidence', r, book(), USD);
    expect(below.amount).toBe(0);
    expect(below.warnings[0]).toMatch(/below every confidence tier/);
    // bet at evens with p 0.5: sigma per unit = 2 x sqrt(0.25) = 1 -> 1% budget -> 200.00
    expect(sizeAllocation(bet({ winProbability: 0.5 }), 'risk_parity', r, book(), USD).amount).toBe(20_000);
    // trade sigma 0.4 -> 0.01 / 0.4 = 2.5% -> 500.00
    expect(sizeAllocation(trade({ volatility: 0.4 }), 'risk_parity', r, book(), USD).amount).toBe(50_000);
  });

  it('names the rule that binds: daily exposure, concentration, cash reserve, stop-loss', () => {
    const loose = { ...r, maxAllocationFraction: 1, fixedFraction: 0.5 };
    expect(sizeAllocation(bet(), 'fixed', loose, book({ allocatedToday: 300_000 }), USD)).toMatchObject({
      amount: 100_000, // 20% of 20,000 = 4,000 less 3,000 already today
      boundBy: 'daily_exposure',
    });
    expect(
      sizeAllocation(
        bet(),
        'fixed',
        { ...loose, dailyExposureFraction: 1 },
        book({ openInMarket: 450_000 }),
        USD,
      ),
    ).toMatchObject({
      amount: 50_000, // 25% = 5,000 less 4,500 open in the market
      boundBy: 'concentration:market:EPL:ARS-CHE',
    });
    expect(
      sizeAllocation(
        trade(),
        'fixed',
        { ...loose, dailyExposureFraction: 1, maxConcentrationFraction: 1 },
        book({ freeCash: 700_000 }),
        USD,
      ),
    ).toMatchObject({ amount: 500_000, boundBy: 'cash_reserve' }); // 7,000 free less a 10% reserve of 2,000
    const stopped = sizeAllocation(bet(), 'kelly', r, book({ undistributed: -400_000 }), USD);
    expect(stopped).toMatchObject({ amount: 0, boundBy: 'stop_loss', stopLoss: true });
    expect(sizeAllocation(bet(), 'kelly', r, book({ undistributed: -399_999 }), USD).stopLoss).toBe(false);
  });
});

describe('allocate and settle through the ledger', () => {
  it('books an allocation at cost, settles it into the undistributed pool, and reverses marks', () => {
    const l = fundedLedger();
    const a = l.allocate({ key: 'a1', syndicateId: S, actor: 'bob', opportunity: bet(), at: T0 + DAY });
    expect(a.allocation).toMatchObject({
      id: 'A1',
      amount: '500.00',
      boundBy: 'kelly',
      originator: 'bob',
      status: 'open',
    });
    expect(a.sizing.limits.map((x) => x.rule)).toEqual([
      'max_per_allocation',
      'daily_exposure',
      'concentration:sport:football',
      'concentration:market:EPL:ARS-CHE',
      'cash_reserve',
    ]);
    let status = l.status({ syndicateId: S, actor: 'olga' });
    expect(status.balances).toMatchObject({
      cash: '19500.00',
      openAllocationsAtCost: '500.00',
      bankroll: '20000.00',
    });
    l.markAllocation({
      key: 'm1',
      syndicateId: S,
      actor: 'bob',
      allocationId: 'A1',
      unrealised: '-120.50',
      at: T0 + DAY,
    });
    status = l.status({ syndicateId: S, actor: 'olga' });
    expect(status.balances).toMatchObject({
      unrealised: '-120.50',
      bankroll: '19879.50',
      undistributed: '-120.50',
      realisedUndistributed: '0.00',
    });
    expectBalanced(l);
    const s = l.settleAllocation({
      key: 's1',
      syndicateId: S,
      actor: 'bob',
      allocationId: 'A1',
      returned: '1000.00',
      fees: '2.50',
      at: T0 + 2 * DAY,
    });
    expect(s.allocation).toMatchObject({
      status: 'settled',
      returned: '1000.00',
      fees: '2.50',
      pnl: '497.50',
      mark: '0.00',
    });
    status = l.status({ syndicateId: S, actor: 'olga' });
    expect(status.balances).toMatchObject({
      cash: '20497.50',
      openAllocationsAtCost: '0.00',
      unrealised: '0.00',
      undistributed: '497.50',
      realisedUndistributed: '497.50',
      feesPaid: '2.50',
      bankroll: '20497.50',
    });
    expectBalanced(l);
    expectRefused(
      l,
      () =>
        l.settleAllocation({
          key: 's2',
          syndicateId: S,
          actor: 'bob',
          allocationId: 'A1',
          returned: '0',
          at: T0 + 2 * DAY,
        }),
      /A1 was already settled/,
    );
    expectRefused(
      l,
      () =>
        l.settleAllocation({
          key: 's3',
          syndicateId: S,
          actor: 'bob',
          allocationId: 'A9',
          returned: '0',
          at: T0 + 2 * DAY,
        }),
      /unknown allocation "A9"/,
    );
  });

  it('refuses an allocation above the rules, naming the binding rule, and writes nothing', () => {
    const l = fundedLedger();
    expectRefused(
      l,
      () =>
        l.allocate({
          key: 'a',
          syndicateId: S,
          actor: 'bob',
          opportunity: bet(),
          amount: '1000.01',
          at: T0 + DAY,
        }),
      /amount: 1000.01 is above what the rules allow for this opportunity now, 1000.00 \(bound by max_per_allocation\)/,
    );
    expectRefused(
      l,
      () => l.allocate({ key: 'b', syndicateId: S, actor: 'bob', opportunity: trade(), at: T0 + DAY }),
      /1000.00 is above the vote threshold of 600.00; it needs an approved vote/,
    );
    expectRefused(
      l,
      () =>
        l.allocate({
          key: 'c',
          syndicateId: S,
          actor: 'bob',
          opportunity: bet({ winProbability: 0.4 }),
          at: T0 + DAY,
        }),
      /the rules allow nothing for this opportunity now \(bound by kelly\)/,
    );
    expectRefused(
      l,
      () =>
        l.allocate({
          key: 'd',
          syndicateId: S,
          actor: 'bob',
          opportunity: { kind: 'bet', market: 'M', decimalOdds: 0.9, winProbability: 0.5 },
          at: T0,
        }),
      /opportunity.decimalOdds: decimal odds must be above 1/,
    );
    expectRefused(
      l,
      () =>
        l.allocate({
          key: 'e',
          syndicateId: S,
          actor: 'bob',
          opportunity: { kind: 'trade', symbol: 'AAPL' },
          at: T0,
        }),
      /opportunity.expectedReturn: a trade needs an expected return/,
    );
    // Within the rules, an amount is booked as asked, with a warning when it is above the method's size.
    const ok = l.allocate({
      key: 'f',
      syndicateId: S,
      actor: 'bob',
      opportunity: trade(),
      amount: '600',
      at: T0 + DAY,
    });
    expect(ok.allocation).toMatchObject({ amount: '600.00', boundBy: 'requested_amount' });
    const above = l.allocate({
      key: 'g',
      syndicateId: S,
      actor: 'bob',
      opportunity: bet(),
      amount: '550',
      at: T0 + DAY,
    });
    expect(above.warnings).toContain(
      '550.00 is more than kelly suggests (500.00); within the rules, so booked as asked',
    );
  });

  it('refuses new allocations once the stop-loss is hit, until the loss is distributed', () => {
    const l = fundedLedger({ stopLossFraction: 0.1 });
    // Four lost bets of 500.00: a 2,000.00 loss is 10% of the members' 20,000.00 of capital.
    for (let i = 1; i <= 4; i++) {
      l.allocate({
        key: `a${i}`,
        syndicateId: S,
        actor: 'alice',
        method: 'fixed',
        opportunity: bet({ market: `M${i}`, sport: `s${i}` }),
        amount: '500',
        at: T0 + i * DAY,
      });
      l.settleAllocation({
        key: `s${i}`,
        syndicateId: S,
        actor: 'alice',
        allocationId: `A${i}`,
        returned: '0',
        at: T0 + i * DAY,
      });
    }
    expect(l.allocationLimits({ syndicateId: S, actor: 'olga', at: T0 + 6 * DAY }).stopLoss).toEqual({
      triggered: true,
      undistributed: '-2000.00',
      triggerAt: '-2000.00',
    });
    expectRefused(
      l,
      () => l.allocate({ key: 'a6', syndicateId: S, actor: 'alice', opportunity: bet(), at: T0 + 6 * DAY }),
      /refused by the stop-loss rule/,
    );
    l.distribute({ key: 'loss', syndicateId: S, actor: 'alice', at: T0 + 6 * DAY });
    // Quarter Kelly on the remaining 18,000.00.
    expect(
      l.allocate({ key: 'a7', syndicateId: S, actor: 'alice', opportunity: bet(), at: T0 + 6 * DAY })
        .allocation.amount,
    ).toBe('450.00');
    expectBalanced(l);
  });

  it('simulates every method without writing, and says why an amount would be refused', () => {
    const l = fundedLedger();
    const before = l.verify({ syndicateId: S }).audit.head;
    const sim = l.simulateAllocation({
      syndicateId: S,
      actor: 'olga',
      opportunity: trade(),
      amount: '700',
      at: T0 + DAY,
    });
    expect(sim.byMethod.map((m) => [m.method, m.allowed, m.boundBy])).toEqual([
      ['kelly', '1000.00', 'max_per_allocation'],
      ['fixed', '400.00', 'fixed'],
      ['risk_parity', '1000.00', 'risk_parity'],
    ]);
    expect(sim.requested).toEqual({
      amount: '700.00',
      accepted: false,
      reason: 'above the vote threshold of 600.00: needs a large_allocation vote',
    });
    expect(l.verify({ syndicateId: S }).audit.head).toBe(before);
    const limits = l.allocationLimits({ syndicateId: S, actor: 'olga', opportunity: bet(), at: T0 + DAY });
    expect(limits).toMatchObject({
      bankroll: '20000.00',
      maxPerAllocation: '1000.00',
      voteAbove: '600.00',
      cashReserveRequired: '2000.00',
    });
    expect(limits.opportunity?.allowed).toBe('500.00');
  });

  it('counts daily exposure per UTC day and concentration per open market', () => {
    const l = fundedLedger();
    const at = T0 + 3 * DAY + 3_600_000;
    for (let i = 1; i <= 6; i++) {
      l.allocate({
        key: `d${i}`,
        syndicateId: S,
        actor: 'bob',
        method: 'fixed',
        opportunity: bet({ market: `X${i}`, sport: `s${i}` }),
        amount: '600',
        at,
      });
    }
    l.allocate({
      key: 'd7',
      syndicateId: S,
      actor: 'bob',
      method: 'fixed',
      opportunity: bet({ market: 'X7', sport: 's7' }),
      amount: '300',
      at,
    });
    // 3,900.00 allocated today; 20% of 20,000.00 leaves 100.00.
    const next = l.simulateAllocation({
      syndicateId: S,
      actor: 'bob',
      method: 'fixed',
      opportunity: bet({ market: 'X9', sport: 's9' }),
      at,
    });
    expect(next.chosen).toMatchObject({ allowed: '100.00', boundBy: 'daily_exposure' });
    // The next UTC day starts afresh.
    const tomorrow = l.simulateAllocation({
      syndicateId: S,
      actor: 'bob',
      method: 'fixed',
      opportunity: bet({ market: 'X9', sport: 's9' }),
      at: T0 + 4 * DAY,
    });
    expect(tomorrow.chosen).toMatchObject({ allowed: '400.00', boundBy: 'fixed' });
    const sameMarket = l.simulateAllocation({
      syndicateId: S,
      actor: 'bob',
      method: 'fixed',
      opportunity: bet({ market: 'X1', sport: 's1' }),
      at: T0 + 4 * DAY,
    });
    expect(sameMarket.chosen.limits.find((x) => x.rule === 'concentration:market:X1')?.headroom).toBe(
      '4400.00',
    );
  });
});
