import { afterEach, describe, expect, it } from 'vitest';
import type { SyndicateLedger } from '../../src/syndicate/index.js';
import {
  cleanupHomes,
  DAY,
  deposit,
  expectBalanced,
  expectRefused,
  fundedLedger,
  S,
  seededLedger,
  T0,
} from './helpers.js';

afterEach(cleanupHomes);

const request = (
  l: SyndicateLedger,
  actor: string,
  amount: string,
  at: number,
  emergency = false,
  key = `w-${actor}-${amount}-${at}`,
) => l.requestWithdrawal({ key, syndicateId: S, actor, amount, emergency, at });

const member = (l: SyndicateLedger, id: string) =>
  l.status({ syndicateId: S, actor: 'alice' }).members.find((m) => m.id === id);

describe('withdrawal requests', () => {
  it('refuses a request inside the lock-up, beyond the balance, above the largest share or the free cash', () => {
    const l = fundedLedger({ maxWithdrawalFraction: 0.2 });
    expectRefused(
      l,
      () => request(l, 'carol', '100', T0 + 10 * DAY),
      /carol is inside the 30-day lock-up until 2024-01-31/,
    );
    expectRefused(
      l,
      () => request(l, 'carol', '2500.01', T0 + 31 * DAY),
      /amount: 2500.01 is beyond carol's balance of 2500.00/,
    );
    expectRefused(
      l,
      () => request(l, 'alice', '4000.01', T0 + 31 * DAY),
      /amount: 4000.01 is above the largest request allowed, 4000.00 \(20.0% of the syndicate's equity\)/,
    );
    const loose = {
      maxAllocationFraction: 1,
      voteAboveFraction: 1,
      dailyExposureFraction: 1,
      maxConcentrationFraction: 1,
      cashReserveFraction: 0,
    };
    const m = fundedLedger(loose);
    m.allocate({
      key: 'big',
      syndicateId: S,
      actor: 'alice',
      method: 'fixed',
      amount: '19000',
      opportunity: { kind: 'trade', symbol: 'SPY', expectedReturn: 0.01, volatility: 0.1 },
      at: T0 + 31 * DAY,
    });
    expectRefused(
      m,
      () => request(m, 'carol', '1000.01', T0 + 31 * DAY),
      /more than the syndicate's free cash, 1000.00/,
    );
  });

  it('waits for approval above the threshold (four eyes), then for the notice period, then pays atomically', () => {
    const l = fundedLedger();
    const r = request(l, 'carol', '2500', T0 + 31 * DAY);
    expect(r.withdrawal).toMatchObject({
      id: 'W1',
      status: 'requested',
      amount: '2500.00',
      payout: '2500.00',
    });
    expect(r.warnings[0]).toMatch(/above the approval threshold/);
    // The amount is earmarked at once: it no longer counts as carol's capital and is backed by cash.
    expect(member(l, 'carol')).toMatchObject({
      capital: '0.00',
      pendingWithdrawal: '2500.00',
      equity: '2500.00',
    });
    expect(l.status({ syndicateId: S, actor: 'alice' }).balances).toMatchObject({
      freeCash: '17500.00',
      pendingWithdrawals: '2500.00',
    });
    expectRefused(
      l,
      () =>
        l.processWithdrawal({
          key: 'p0',
          syndicateId: S,
          actor: 'carol',
          withdrawalId: 'W1',
          at: T0 + 40 * DAY,
        }),
      /W1 is waiting for approval/,
    );
    expectRefused(
      l,
      () =>
        l.approveWithdrawal({
          key: 'a0',
          syndicateId: S,
          actor: 'jim',
          withdrawalId: 'W1',
          at: T0 + 31 * DAY,
        }),
      /\(junior_analyst\) may not approve withdrawal/,
    );
    l.addMember({
      key: 'add-sam',
      syndicateId: S,
      actor: 'alice',
      member: { id: 'sam', role: 'senior_analyst' },
      at: T0 + 31 * DAY,
    });
    deposit(l, 'sam', '100', T0 + 31 * DAY);
    const samAsks = request(l, 'sam', '100', T0 + 61 * DAY);
    expect(samAsks.withdrawal.status).toBe('approved'); // within 10% of equity: approved by the rules
    l.approveWithdrawal({ key: 'a1', syndicateId: S, actor: 'bob', withdrawalId: 'W1', at: T0 + 61 * DAY });
    expectRefused(
      l,
      () =>
        l.processWithdrawal({
          key: 'p1',
          syndicateId: S,
          actor: 'carol',
          withdrawalId: 'W1',
          at: T0 + 37 * DAY + 1,
        }),
      /at: .* is before the syndicate's latest operation/,
    );
    const early = request(l, 'dave', '1000', T0 + 61 * DAY);
    expectRefused(
      l,
      () =>
        l.processWithdrawal({
          key: 'p2',
          syndicateId: S,
          actor: 'dave',
          withdrawalId: early.withdrawal.id,
          at: T0 + 62 * DAY,
        }),
      /inside its notice period until 2024-03-09/,
    );
    expectRefused(
      l,
      () =>
        l.processWithdrawal({
          key: 'p3',
          syndicateId: S,
          actor: 'carol',
          withdrawalId: early.withdrawal.id,
          at: T0 + 70 * DAY,
        }),
      /member "carol" \(contributing_member\) may not approve withdrawal/,
    );
    const paid = l.processWithdrawal({
      key: 'p4',
      syndicateId: S,
      actor: 'carol',
      withdrawalId: 'W1',
      at: T0 + 70 * DAY,
    });
    expect(paid.withdrawal).toMatchObject({ status: 'paid', paidAt: T0 + 70 * DAY });
    expect(member(l, 'carol')).toMatchObject({ capital: '0.00', pendingWithdrawal: '0.00', equity: '0.00' });
    expectRefused(
      l,
      () =>
        l.processWithdrawal({
          key: 'p5',
          syndicateId: S,
          actor: 'carol',
          withdrawalId: 'W1',
          at: T0 + 70 * DAY,
        }),
      /W1 is paid; this needs a request that is approved or requested/,
    );
    expect(l.status({ syndicateId: S, actor: 'alice' }).balances.cash).toBe('17600.00');
    expectBalanced(l);
  });

  it('lets a sole approver decide their own request, with a warning', () => {
    const l = seededLedger({ lockupDays: 0 });
    deposit(l, 'alice', '1000', T0);
    l.changeRole({
      key: 'demote',
      syndicateId: S,
      actor: 'alice',
      member: 'bob',
      role: 'contributing_member',
      at: T0,
    });
    const r = request(l, 'alice', '500', T0);
    const a = l.approveWithdrawal({
      key: 'self',
      syndicateId: S,
      actor: 'alice',
      withdrawalId: r.withdrawal.id,
      at: T0,
    });
    expect(a.warnings[0]).toMatch(/no other active lead or senior analyst/);
  });

  it('cancels or rejects with a reversing transfer that puts the money back where it came from', () => {
    const l = fundedLedger();
    request(l, 'dave', '1000', T0 + 31 * DAY);
    expectRefused(
      l,
      () =>
        l.cancelWithdrawal({
          key: 'c0',
          syndicateId: S,
          actor: 'bob',
          withdrawalId: 'W1',
          at: T0 + 31 * DAY,
        }),
      /may not cancel dave's withdrawal W1/,
    );
    l.cancelWithdrawal({ key: 'c1', syndicateId: S, actor: 'dave', withdrawalId: 'W1', at: T0 + 31 * DAY });
    expect(member(l, 'dave')).toMatchObject({ capital: '2500.00', pendingWithdrawal: '0.00' });
    request(l, 'alice', '3000', T0 + 31 * DAY);
    l.rejectWithdrawal({ key: 'r1', syndicateId: S, actor: 'bob', withdrawalId: 'W2', at: T0 + 31 * DAY });
    expect(member(l, 'alice')).toMatchObject({ capital: '10000.00', pendingWithdrawal: '0.00' });
    expect(
      l.report({ syndicateId: S, actor: 'olga' }).withdrawals.map((w) => [w.id, w.status, w.decidedBy]),
    ).toEqual([
      ['W1', 'cancelled', 'rules'],
      ['W2', 'rejected', 'bob'],
    ]);
    expectBalanced(l);
  });

  it('pays an emergency withdrawal inside the lock-up at once, its penalty split exactly among the others by capital', () => {
    const l = fundedLedger();
    const r = request(l, 'dave', '2500', T0 + 10 * DAY, true);
    expect(r.withdrawal).toMatchObject({
      emergency: true,
      penalty: '250.00',
      payout: '2250.00',
      availableAt: T0 + 10 * DAY,
    });
    l.approveWithdrawal({
      key: 'ok',
      syndicateId: S,
      actor: 'alice',
      withdrawalId: r.withdrawal.id,
      at: T0 + 10 * DAY,
    });
    const paid = l.processWithdrawal({
      key: 'pay',
      syndicateId: S,
      actor: 'dave',
      withdrawalId: r.withdrawal.id,
      at: T0 + 10 * DAY,
    });
    expect(paid.withdrawal.status).toBe('paid');
    // 25,000 cents by capital 10,000 : 5,000 : 2,500 = 14,285.71 / 7,142.86 / 3,571.43 -> 14,286 / 7,143 / 3,571.
    const s = l.status({ syndicateId: S, actor: 'alice' });
    expect(s.members.map((m) => [m.id, m.profit])).toEqual([
      ['alice', '142.86'],
      ['bob', '71.43'],
      ['jim', '0.00'],
      ['carol', '35.71'],
      ['dave', '0.00'],
      ['olga', '0.00'],
    ]);
    expect(s.balances).toMatchObject({ cash: '17750.00', bankroll: '17750.00', membersProfit: '250.00' });
    expect(l.memberPerformance({ syndicateId: S, actor: 'dave', member: 'dave' })[0]).toMatchObject({
      deposited: '2500.00',
      withdrawn: '2250.00',
    });
    expectBalanced(l);
  });
});
