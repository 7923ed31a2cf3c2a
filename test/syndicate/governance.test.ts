import { afterEach, describe, expect, it } from 'vitest';
import type { SyndicateLedger } from '../../src/syndicate/index.js';
import { cleanupHomes, DAY, deposit, expectBalanced, expectRefused, fundedLedger, S, T0 } from './helpers.js';

afterEach(cleanupHomes);

const vote = (l: SyndicateLedger, actor: string, proposalId: string, choice: string, at = T0 + DAY) =>
  l.vote({ key: `v-${proposalId}-${actor}`, syndicateId: S, actor, proposalId, choice, at });

describe('proposals and votes', () => {
  it('weights votes by capital fixed at proposal time and applies a passed change in the same transaction as the deciding vote', () => {
    const l = fundedLedger();
    const p = l.propose({
      key: 'p',
      syndicateId: S,
      actor: 'carol',
      kind: 'change_rules',
      changes: { noticeDays: 2 },
      at: T0 + DAY,
    });
    expect(p.proposal).toMatchObject({
      id: 'P1',
      status: 'open',
      weighting: 'capital',
      totalWeight: 2_000_000,
      expiresAt: T0 + 8 * DAY,
    });
    expect(p.electorate).toEqual([
      { member: 'alice', weight: 1_000_000 },
      { member: 'bob', weight: 500_000 },
      { member: 'carol', weight: 250_000 },
      { member: 'dave', weight: 250_000 },
    ]);
    deposit(l, 'dave', '100000', T0 + DAY); // buying weight after the proposal changes nothing
    const first = vote(l, 'alice', 'P1', 'yes');
    expect(first.proposal).toMatchObject({ status: 'open', yes: 1_000_000 }); // exactly half is not more than half
    expect(first.execution).toBeNull();
    const second = vote(l, 'dave', 'P1', 'yes');
    expect(second.proposal).toMatchObject({
      status: 'executed',
      yes: 1_250_000,
      outcome: 'applied',
      decidedAt: T0 + DAY,
    });
    expect(second.execution).toEqual({ rulesChanged: ['noticeDays'] });
    expect(l.status({ syndicateId: S, actor: 'olga' }).rules.noticeDays).toBe(2);
    expectRefused(l, () => vote(l, 'bob', 'P1', 'no'), /P1 is already executed; votes are closed/);
  });

  it('rejects a proposal as soon as it can no longer pass', () => {
    const l = fundedLedger();
    l.propose({
      key: 'p',
      syndicateId: S,
      actor: 'bob',
      kind: 'strategy_change',
      changes: { kellyFraction: 0.5 },
      at: T0 + DAY,
    });
    expect(vote(l, 'alice', 'P1', 'no').proposal).toMatchObject({
      status: 'rejected',
      outcome: 'can no longer reach the threshold',
    });
    expect(l.status({ syndicateId: S, actor: 'olga' }).rules.kellyFraction).toBe(0.25);
  });

  it('one member one vote with a quorum: 3 of 5 yes is a majority but needs 90% turnout', () => {
    const l = fundedLedger();
    l.propose({
      key: 'p',
      syndicateId: S,
      actor: 'jim',
      kind: 'change_rules',
      changes: { lockupDays: 10 },
      weighting: 'equal',
      quorum: 0.9,
      at: T0 + DAY,
    });
    // The electorate: every active member who may vote (the observer may not).
    expect(l.report({ syndicateId: S, actor: 'olga' }).proposals[0].totalWeight).toBe(5);
    for (const m of ['alice', 'bob', 'jim']) expect(vote(l, m, 'P1', 'yes').proposal.status).toBe('open');
    expect(vote(l, 'carol', 'P1', 'abstain').proposal.status).toBe('open');
    expect(vote(l, 'dave', 'P1', 'no').proposal).toMatchObject({
      status: 'executed',
      yes: 3,
      no: 1,
      abstain: 1,
    });
  });

  it('refuses a vote after expiry, a second vote, and a voter outside the electorate; nothing written', () => {
    const l = fundedLedger();
    l.propose({
      key: 'p',
      syndicateId: S,
      actor: 'bob',
      kind: 'change_rules',
      changes: { noticeDays: 1 },
      at: T0 + DAY,
    });
    vote(l, 'carol', 'P1', 'yes');
    expectRefused(
      l,
      () =>
        l.vote({
          key: 'again',
          syndicateId: S,
          actor: 'carol',
          proposalId: 'P1',
          choice: 'no',
          at: T0 + DAY,
        }),
      /carol already voted yes on P1; a vote cannot be cast twice/,
    );
    expectRefused(l, () => vote(l, 'olga', 'P1', 'yes'), /member "olga" \(observer\) may not vote/);
    l.addMember({ key: 'add', syndicateId: S, actor: 'alice', member: { id: 'newbie' }, at: T0 + DAY });
    deposit(l, 'newbie', '50000', T0 + DAY);
    expectRefused(l, () => vote(l, 'newbie', 'P1', 'yes'), /"newbie" is not in the electorate of P1/);
    expectRefused(l, () => vote(l, 'alice', 'P1', 'maybe'), /choice: expected yes, no or abstain/);
    expectRefused(
      l,
      () => vote(l, 'alice', 'P1', 'yes', T0 + 8 * DAY),
      /P1 expired at 2024-01-09; votes after expiry are refused/,
    );
    expect(l.report({ syndicateId: S, actor: 'olga' }).proposals[0].status).toBe('open');
    deposit(l, 'alice', '1', T0 + 8 * DAY);
    expect(l.report({ syndicateId: S, actor: 'olga' }).proposals[0].status).toBe('expired');
    expectRefused(l, () => vote(l, 'unknown', 'P9', 'yes'), /unknown member "unknown"/);
  });

  it('checks a proposal when it is made', () => {
    const l = fundedLedger();
    expectRefused(
      l,
      () =>
        l.propose({
          key: 'a',
          syndicateId: S,
          actor: 'bob',
          kind: 'strategy_change',
          changes: { lockupDays: 0 },
          at: T0,
        }),
      /changes.lockupDays: a strategy change covers/,
    );
    expectRefused(
      l,
      () =>
        l.propose({
          key: 'b',
          syndicateId: S,
          actor: 'bob',
          kind: 'change_rules',
          changes: { kellyFraction: 2 },
          at: T0,
        }),
      /changes.kellyFraction: must be at most 1/,
    );
    expectRefused(
      l,
      () => l.propose({ key: 'c', syndicateId: S, actor: 'bob', kind: 'coup', at: T0 }),
      /kind: unknown proposal kind "coup"/,
    );
    expectRefused(
      l,
      () =>
        l.propose({
          key: 'd',
          syndicateId: S,
          actor: 'bob',
          kind: 'add_member',
          member: { id: 'carol' },
          at: T0,
        }),
      /member.id: "carol" is already a member/,
    );
    expectRefused(
      l,
      () =>
        l.propose({ key: 'e', syndicateId: S, actor: 'bob', kind: 'remove_member', memberId: 'zed', at: T0 }),
      /memberId: unknown member "zed"/,
    );
    expectRefused(
      l,
      () =>
        l.propose({
          key: 'f',
          syndicateId: S,
          actor: 'bob',
          kind: 'change_rules',
          changes: { noticeDays: 1 },
          weighting: 'performance',
          at: T0,
        }),
      /no eligible member has any performance weight/,
    );
    expectRefused(
      l,
      () =>
        l.propose({
          key: 'g',
          syndicateId: S,
          actor: 'bob',
          kind: 'change_rules',
          changes: { noticeDays: 1 },
          threshold: 0.4,
          at: T0,
        }),
      /threshold: must be at least 0.5/,
    );
  });

  it('a large allocation above the vote threshold is booked by the vote that passes it', () => {
    const l = fundedLedger();
    const opportunity = { kind: 'trade', symbol: 'MSFT', expectedReturn: 0.01, volatility: 0.2 };
    expectRefused(
      l,
      () =>
        l.allocate({ key: 'direct', syndicateId: S, actor: 'bob', opportunity, amount: '800', at: T0 + DAY }),
      /above the vote threshold of 600.00; it needs an approved vote/,
    );
    l.propose({
      key: 'p',
      syndicateId: S,
      actor: 'carol',
      kind: 'large_allocation',
      opportunity,
      amount: '800',
      at: T0 + DAY,
    });
    vote(l, 'alice', 'P1', 'yes');
    const passed = vote(l, 'bob', 'P1', 'yes');
    expect(passed.proposal.status).toBe('executed');
    expect(passed.execution).toMatchObject({
      allocation: { id: 'A1', amount: '800.00', originator: 'carol', proposalId: 'P1' },
    });
    expect(l.status({ syndicateId: S, actor: 'olga' }).balances.openAllocationsAtCost).toBe('800.00');
    expectBalanced(l);
  });

  it('records a passed proposal that can no longer be applied as failed, with the reason, and changes nothing else', () => {
    const l = fundedLedger();
    l.propose({
      key: 'p',
      syndicateId: S,
      actor: 'bob',
      kind: 'add_member',
      member: { id: 'zoe', role: 'observer' },
      at: T0 + DAY,
    });
    l.addMember({ key: 'direct', syndicateId: S, actor: 'alice', member: { id: 'zoe' }, at: T0 + DAY });
    vote(l, 'alice', 'P1', 'yes');
    const v = vote(l, 'bob', 'P1', 'yes');
    expect(v.proposal).toMatchObject({ status: 'failed', outcome: 'member.id: "zoe" is already a member' });
    expect(v.warnings[0]).toMatch(/P1 passed but could not be applied/);
    expect(l.status({ syndicateId: S, actor: 'zoe' }).members.find((m) => m.id === 'zoe')?.role).toBe(
      'contributing_member',
    );
    expectBalanced(l);
  });

  it('adds and removes members by vote; a removed member is paid out and can no longer act', () => {
    const l = fundedLedger();
    l.propose({
      key: 'p1',
      syndicateId: S,
      actor: 'bob',
      kind: 'add_member',
      member: { id: 'eve', role: 'junior-analyst', jurisdiction: 'de' },
      at: T0 + DAY,
    });
    vote(l, 'alice', 'P1', 'yes');
    expect(vote(l, 'bob', 'P1', 'yes').execution).toEqual({ memberAdded: 'eve', role: 'junior_analyst' });
    l.propose({
      key: 'p2',
      syndicateId: S,
      actor: 'alice',
      kind: 'remove_member',
      memberId: 'dave',
      at: T0 + DAY,
    });
    vote(l, 'alice', 'P2', 'yes');
    const removed = vote(l, 'bob', 'P2', 'yes');
    expect(removed.execution).toEqual({ memberRemoved: 'dave', payout: '2500.00', withdrawal: 'W1' });
    const dave = l.status({ syndicateId: S, actor: 'dave' }).members.find((m) => m.id === 'dave');
    expect(dave).toMatchObject({ status: 'removed', capital: '0.00', pendingWithdrawal: '2500.00' });
    expectRefused(l, () => deposit(l, 'dave', '1', T0 + DAY), /member "dave" is removed and may only read/);
    l.processWithdrawal({ key: 'pay', syndicateId: S, actor: 'alice', withdrawalId: 'W1', at: T0 + DAY });
    expect(l.status({ syndicateId: S, actor: 'alice' }).balances.cash).toBe('17500.00');
    expectBalanced(l);
  });
});
