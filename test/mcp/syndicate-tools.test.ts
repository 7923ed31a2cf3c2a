import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMcpTools } from '../../src/mcp/index.js';
import { fileDigest } from '../syndicate/helpers.js';
import { callError, callOk, connectStdio, makeSandbox, type Sandbox, type StdioSession } from './helpers.js';

/**
 * The syndicate toolset through the real server over stdio: every tool acts as an identified member,
 * refuses what that member may not do, and refuses bad input with one clear error and nothing written.
 */
const S = 'club';
let sandbox: Sandbox;
let session: StdioSession;
let file: string;
const call = (name: string, args: Record<string, unknown>) =>
  callOk(session.client, name, { syndicate_id: S, ...args });

/** A refused call: a tool error matching `pattern`, and the ledger file unchanged. */
async function refused(name: string, args: Record<string, unknown>, pattern: RegExp): Promise<void> {
  const before = fileDigest(file);
  const text = await callError(session.client, name, { syndicate_id: S, ...args });
  expect(text).toMatch(pattern);
  expect(fileDigest(file)).toBe(before);
}

beforeAll(async () => {
  sandbox = makeSandbox();
  file = join(sandbox.home, 'syndicate.sqlite');
  session = await connectStdio(sandbox);
  await call('create_syndicate', {
    acting_member: 'alice',
    idempotency_key: 'create',
    name: 'Weekend Club',
    rules: { lockup_days: 0, notice_days: 0, withdrawal_approval_above_fraction: 0.01 },
    at: '2025-01-01',
  });
});

afterAll(async () => {
  await session?.close();
  sandbox?.cleanup();
});

describe('syndicate MCP tools', () => {
  it('are listed in the syndicate toolset', () => {
    const names = listMcpTools('syndicate')
      .filter((t) => t.toolset === 'syndicate')
      .map((t) => t.name);
    for (const name of [
      'create_syndicate',
      'add_syndicate_member',
      'get_syndicate_status',
      'allocate_syndicate_funds',
      'distribute_syndicate_profits',
      'process_syndicate_withdrawal',
      'get_syndicate_member_performance',
      'create_syndicate_vote',
      'cast_syndicate_vote',
      'get_syndicate_allocation_limits',
      'simulate_syndicate_allocation',
      'get_syndicate_profit_history',
      'calculate_syndicate_tax_liability',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('adds members with initial contributions, allocates, settles and distributes, in snake_case', async () => {
    const bob = await call('add_syndicate_member', {
      acting_member: 'alice',
      idempotency_key: 'add-bob',
      member_id: 'bob',
      role: 'senior_analyst',
      jurisdiction: 'GB',
      initial_contribution: '5000',
      at: '2025-01-11',
    });
    expect(bob.member).toMatchObject({
      id: 'bob',
      role: 'senior_analyst',
      capital: '5000.00',
      first_deposit_at: '2025-01-11',
    });
    await call('add_syndicate_member', {
      acting_member: 'alice',
      idempotency_key: 'add-olga',
      member_id: 'olga',
      role: 'observer',
      at: '2025-01-11',
    });
    const dep = await call('deposit_syndicate_funds', {
      acting_member: 'alice',
      idempotency_key: 'dep-alice',
      amount: 10000,
      at: '2025-01-11',
    });
    expect(dep).toMatchObject({ member: 'alice', amount: '10000.00', capital: '10000.00' });
    expect(dep.operation).toMatchObject({
      key: 'dep-alice',
      kind: 'deposit',
      actor: 'alice',
      applied_at: '2025-01-11',
      replayed: false,
    });

    const opportunity = {
      kind: 'bet',
      sport: 'football',
      market: 'EPL:ARS-CHE',
      decimal_odds: 2.1,
      win_probability: 0.52,
    };
    const sim = await call('simulate_syndicate_allocation', {
      acting_member: 'olga',
      opportunity,
      amount: '1000',
    });
    expect(sim.chosen).toMatchObject({ method: 'kelly', allowed: '313.63', bound_by: 'kelly' });
    expect(sim.requested).toMatchObject({
      accepted: false,
      reason: 'above what the rules allow now, 750.00 (bound by max_per_allocation)',
    });
    const limits = await call('get_syndicate_allocation_limits', { acting_member: 'olga', opportunity });
    expect(limits).toMatchObject({
      bankroll: '15000.00',
      max_per_allocation: '750.00',
      vote_above: '450.00',
    });

    const a = await call('allocate_syndicate_funds', {
      acting_member: 'bob',
      idempotency_key: 'bet-1',
      opportunity,
      at: '2025-01-12',
    });
    expect(a.allocation).toMatchObject({
      id: 'A1',
      amount: '313.63',
      opportunity: { decimal_odds: 2.1, win_probability: 0.52 },
    });
    const retry = await call('allocate_syndicate_funds', {
      acting_member: 'bob',
      idempotency_key: 'bet-1',
      opportunity,
      at: '2025-01-12',
    });
    expect((retry.operation as { replayed: boolean }).replayed).toBe(true);
    expect(retry.allocation).toEqual(a.allocation);

    await call('settle_syndicate_allocation', {
      acting_member: 'bob',
      idempotency_key: 'settle-1',
      allocation_id: 'A1',
      returned: '658.62',
      at: '2025-01-13',
    });
    const d = await call('distribute_syndicate_profits', {
      acting_member: 'alice',
      idempotency_key: 'dist-1',
      method: 'capital',
      withhold: true,
      at: '2025-01-21',
    });
    const dist = d.distribution as {
      amount: string;
      tax: string;
      lines: { member: string; gross: string; tax: string; net: string }[];
    };
    expect(dist.amount).toBe('344.99');
    // Capital held 10 days: alice 10,000 and bob 5,000 (2 : 1): 229.99 / 115.00, bob's withheld at 20%.
    expect(dist.lines.map((l) => [l.member, l.gross, l.tax, l.net])).toEqual([
      ['alice', '229.99', '0.00', '229.99'],
      ['bob', '115.00', '23.00', '92.00'],
    ]);
    const status = await call('get_syndicate_status', { acting_member: 'olga' });
    expect(status.balances).toMatchObject({
      bankroll: '15321.99',
      tax_withheld: '23.00',
      members_profit: '321.99',
    });
    const perf = await call('get_syndicate_member_performance', { acting_member: 'olga', member_id: 'bob' });
    expect((perf.members as Record<string, unknown>[])[0]).toMatchObject({
      member: 'bob',
      allocations_originated: 1,
      realised_pnl: '344.99',
    });
    const history = await call('get_syndicate_profit_history', { acting_member: 'olga' });
    expect(history.totals).toMatchObject({
      realised_pnl: '344.99',
      profit_distributed: '344.99',
      tax_withheld: '23.00',
    });
    const tax = await call('calculate_syndicate_tax_liability', { acting_member: 'olga', year: 2025 });
    expect(tax.totals).toMatchObject({ gross_profit: '344.99', withheld: '23.00' });
    expect(tax.disclaimer).toMatch(/ILLUSTRATIVE/);
  });

  it('runs the withdrawal approval flow and a vote that applies its change', async () => {
    const w = await call('process_syndicate_withdrawal', {
      acting_member: 'bob',
      idempotency_key: 'wd-1',
      action: 'request',
      amount: '500',
      at: '2025-02-01',
    });
    expect(w.withdrawal).toMatchObject({ id: 'W1', status: 'requested' });
    await refused(
      'process_syndicate_withdrawal',
      {
        acting_member: 'bob',
        idempotency_key: 'wd-self',
        action: 'approve',
        withdrawal_id: 'W1',
        at: '2025-02-01',
      },
      /member "bob" may not decide their own withdrawal W1/,
    );
    await call('process_syndicate_withdrawal', {
      acting_member: 'alice',
      idempotency_key: 'wd-ok',
      action: 'approve',
      withdrawal_id: 'W1',
      at: '2025-02-01',
    });
    const paid = await call('process_syndicate_withdrawal', {
      acting_member: 'bob',
      idempotency_key: 'wd-pay',
      action: 'process',
      withdrawal_id: 'W1',
      at: '2025-02-01',
    });
    expect(paid.withdrawal).toMatchObject({ status: 'paid', payout: '500.00' });

    const p = await call('create_syndicate_vote', {
      acting_member: 'bob',
      idempotency_key: 'prop-1',
      kind: 'change_rules',
      changes: { kelly_fraction: 0.5 },
      expires_at: '2025-02-10',
      at: '2025-02-02',
    });
    expect(p.proposal).toMatchObject({
      id: 'P1',
      status: 'open',
      payload: { changes: { kelly_fraction: 0.5 } },
    });
    const v = await call('cast_syndicate_vote', {
      acting_member: 'alice',
      idempotency_key: 'vote-1',
      proposal_id: 'P1',
      choice: 'yes',
      at: '2025-02-03',
    });
    expect(v.proposal).toMatchObject({ status: 'executed' });
    expect(v.execution).toEqual({ rules_changed: ['kellyFraction'] });
    const status = await call('get_syndicate_status', { acting_member: 'olga' });
    expect((status.rules as { kelly_fraction: number }).kelly_fraction).toBe(0.5);
    const audit = await callOk(session.client, 'verify_syndicate_audit', { syndicate_id: S });
    expect(audit).toMatchObject({ ok: true, audit: { ok: true } });
  });

  it('refuses what a member may not do, and bad input, with one error and nothing written', async () => {
    const opportunity = { kind: 'trade', symbol: 'AAPL', expected_return: 0.01, volatility: 0.2 };
    await refused(
      'allocate_syndicate_funds',
      { acting_member: 'olga', idempotency_key: 'x1', opportunity },
      /^acting_member: member "olga" \(observer\) may not allocate\nhint: only lead, senior_analyst may/,
    );
    await refused(
      'deposit_syndicate_funds',
      { acting_member: 'mallory', idempotency_key: 'x2', amount: '10' },
      /acting_member: unknown member "mallory"/,
    );
    await refused(
      'deposit_syndicate_funds',
      { acting_member: 'bob', idempotency_key: 'x3', amount: '10.005' },
      /amount: 10\.005 has more decimals than USD has/,
    );
    await refused(
      'deposit_syndicate_funds',
      { acting_member: 'bob', idempotency_key: 'x4', amount: -5 },
      /amount: must be positive/,
    );
    await refused(
      'deposit_syndicate_funds',
      { acting_member: 'bob', idempotency_key: 'x5', amount: 0 },
      /amount: must be more than zero/,
    );
    await refused(
      'allocate_syndicate_funds',
      { acting_member: 'bob', idempotency_key: 'x6', opportunity, amount: '5000' },
      /amount: 5000\.00 is above what the rules allow for this opportunity now, 741\.09 \(bound by max_per_allocation\)/,
    );
    await refused(
      'process_syndicate_withdrawal',
      { acting_member: 'bob', idempotency_key: 'x7', action: 'request', amount: '99999' },
      /amount: 99999\.00 is beyond bob's balance/,
    );
    await refused(
      'cast_syndicate_vote',
      { acting_member: 'alice', idempotency_key: 'x8', proposal_id: 'P1', choice: 'no' },
      /P1 is already executed; votes are closed/,
    );
    await call('create_syndicate_vote', {
      acting_member: 'bob',
      idempotency_key: 'prop-2',
      kind: 'change_rules',
      changes: { notice_days: 3 },
      expires_at: '2025-03-01',
      at: '2025-02-20',
    });
    await call('cast_syndicate_vote', {
      acting_member: 'bob',
      idempotency_key: 'vote-2',
      proposal_id: 'P2',
      choice: 'no',
      at: '2025-02-21',
    });
    await refused(
      'cast_syndicate_vote',
      { acting_member: 'bob', idempotency_key: 'x9', proposal_id: 'P2', choice: 'yes', at: '2025-02-22' },
      /^vote: bob already voted no on P2; a vote cannot be cast twice/,
    );
    await refused(
      'cast_syndicate_vote',
      { acting_member: 'alice', idempotency_key: 'x10', proposal_id: 'P2', choice: 'yes', at: '2025-03-02' },
      /P2 expired at 2025-03-01; votes after expiry are refused/,
    );
    await refused(
      'create_syndicate_vote',
      { acting_member: 'bob', idempotency_key: 'x11', kind: 'change_rules', changes: { kelly_fraction: 3 } },
      /changes\.kelly_fraction: must be at most 1/,
    );
    await refused(
      'deposit_syndicate_funds',
      { acting_member: 'bob', idempotency_key: 'dep-alice', amount: '1' },
      /key: "dep-alice" was already used/,
    );
  });
});
