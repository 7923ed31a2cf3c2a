import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, expectUserError, runCli, scratchDir } from '../helpers/cli.js';
import { fileDigest } from './helpers.js';

/**
 * The README walkthrough through the real entry point (bin/neural-trader.js), in a fresh home, then
 * every kind of bad input: one `error:` line, a non-zero exit, and the ledger file unchanged.
 */
let home: string;
let file: string;
const cli = (...args: string[]): CliResult => runCli(['syndicate', ...args], home);
const ok = (...args: string[]): string => {
  const r = cli(...args);
  expect(
    r.stderr.split('\n').filter((l) => l.startsWith('error:')),
    r.stderr,
  ).toEqual([]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};
const json = (...args: string[]) => JSON.parse(ok(...args, '--json'));

/** A refused command: one clear error line and not a byte of the ledger changed. */
function refused(pattern: RegExp, ...args: string[]): void {
  const before = fileDigest(file);
  expectUserError(cli(...args), pattern);
  expect(fileDigest(file)).toBe(before);
}

beforeAll(() => {
  home = scratchDir('nt-syndicate-cli-');
  file = join(home, 'nt', 'syndicate.sqlite');
  ok(
    'create',
    'club',
    '--as',
    'alice',
    '--key',
    'create-club',
    '--name',
    'Weekend Club',
    '--rules',
    '{"lockupDays": 0, "noticeDays": 0}',
    '--at',
    '2025-01-01',
  );
  ok(
    'member',
    'add',
    'club',
    'bob',
    '--role',
    'senior_analyst',
    '--jurisdiction',
    'GB',
    '--as',
    'alice',
    '--key',
    'add-bob',
    '--at',
    '2025-01-01',
  );
  ok('member', 'add', 'club', 'carol', '--as', 'alice', '--key', 'add-carol', '--at', '2025-01-01');
  ok(
    'member',
    'add',
    'club',
    'olga',
    '--role',
    'observer',
    '--as',
    'alice',
    '--key',
    'add-olga',
    '--at',
    '2025-01-01',
  );
}, 120_000);

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('syndicate CLI walkthrough', () => {
  it('deposits, sizes and books a bet, settles it and distributes the profit exactly', () => {
    expect(
      ok('deposit', 'club', '10000', '--as', 'alice', '--key', 'dep-alice-1', '--at', '2025-01-01'),
    ).toBe("deposited 10000.00 to alice's capital (now 10000.00)\n");
    ok('deposit', 'club', '5000', '--as', 'bob', '--key', 'dep-bob-1', '--at', '2025-01-11');
    ok('deposit', 'club', '2500', '--as', 'carol', '--key', 'dep-carol-1', '--at', '2025-01-21');
    const bet = [
      '--kind',
      'bet',
      '--sport',
      'football',
      '--market',
      'EPL:ARS-CHE',
      '--odds',
      '2.1',
      '--probability',
      '0.52',
    ];
    const dry = ok('allocate', 'club', ...bet, '--as', 'bob', '--dry-run', '--at', '2025-01-25');
    expect(dry).toMatch(/kelly\s+0\.0209\s+365\.90\s+365\.90\s+kelly\s+false/);
    expect(dry).toMatch(/max_per_allocation\s+875\.00/);
    const allocation = json(
      'allocate',
      'club',
      ...bet,
      '--as',
      'bob',
      '--key',
      'bet-ars-che',
      '--at',
      '2025-01-25',
    );
    expect(allocation.allocation).toMatchObject({
      id: 'A1',
      amount: '365.90',
      boundBy: 'kelly',
      openedAt: '2025-01-25',
    });
    ok(
      'settle',
      'club',
      'A1',
      '--returned',
      '768.41',
      '--as',
      'bob',
      '--key',
      'settle-ars-che',
      '--at',
      '2025-01-26',
    );
    const d = json(
      'distribute',
      'club',
      '--withhold',
      '--as',
      'alice',
      '--key',
      'dist-2025-01',
      '--at',
      '2025-01-31',
    );
    expect(d.distribution).toMatchObject({
      id: 'D1',
      method: 'hybrid',
      amount: '402.51',
      tax: '38.98',
      period: { start: '2025-01-01', end: '2025-01-31' },
    });
    expect(
      d.distribution.lines.map((l: { member: string; gross: string; tax: string }) => [
        l.member,
        l.gross,
        l.tax,
      ]),
    ).toEqual([
      ['alice', '168.91', '0.00'],
      ['bob', '194.93', '38.98'],
      ['carol', '38.67', '0.00'],
    ]);
  });

  it('retries with the same key change nothing and print the original result with a warning', () => {
    const before = fileDigest(file);
    const r = cli('deposit', 'club', '5000.00', '--as', 'bob', '--key', 'dep-bob-1', '--at', '2025-01-11');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("deposited 5000.00 to bob's capital (now 5000.00)\n");
    expect(r.stderr).toMatch(
      /warning: key dep-bob-1 was already applied \(deposit by bob\); nothing changed/,
    );
    expect(fileDigest(file)).toBe(before);
    refused(
      /key: "dep-bob-1" was already used for a different operation \(deposit by bob at 2025-01-11\)/,
      'deposit',
      'club',
      '5',
      '--as',
      'carol',
      '--key',
      'dep-bob-1',
    );
  });

  it('withdraws, votes, reports and verifies the audit log', () => {
    const w = json(
      'withdraw',
      'request',
      'club',
      '100',
      '--as',
      'carol',
      '--key',
      'wd-carol-1',
      '--at',
      '2025-02-01',
    );
    expect(w.withdrawal).toMatchObject({ id: 'W1', status: 'approved', amount: '100.00' });
    ok('withdraw', 'process', 'club', 'W1', '--as', 'carol', '--key', 'pay-carol-1', '--at', '2025-02-01');
    const p = json(
      'propose',
      'club',
      '--type',
      'change_rules',
      '--changes',
      '{"kellyFraction": 0.5}',
      '--as',
      'carol',
      '--key',
      'prop-kelly',
      '--at',
      '2025-02-01',
    );
    expect(p.proposal).toMatchObject({ id: 'P1', status: 'open', expiresAt: '2025-02-08' });
    const v = json(
      'vote',
      'club',
      'P1',
      'yes',
      '--as',
      'alice',
      '--key',
      'vote-alice-p1',
      '--at',
      '2025-02-02',
    );
    expect(v.proposal).toMatchObject({ status: 'executed', outcome: 'applied' });
    const status = json('status', 'club', '--as', 'olga');
    expect(status.balances).toMatchObject({
      bankroll: '17763.53',
      cash: '17763.53',
      taxWithheld: '38.98',
      membersProfit: '324.86',
    });
    expect(status.rules.kellyFraction).toBe(0.5);
    expect(status.members.map((m: { id: string; equity: string }) => [m.id, m.equity])).toEqual([
      ['alice', '10168.91'],
      ['bob', '5155.95'],
      ['carol', '2438.67'],
      ['olga', '0.00'],
    ]);
    expect(ok('status', 'club', '--as', 'olga')).toMatch(/bankroll\s+17763\.53/);
    expect(ok('report', 'club', '--as', 'olga', '--section', 'performance')).toMatch(
      /bob\s+senior_analyst.*365\.90\s+402\.51/,
    );
    expect(ok('report', 'club', '--as', 'olga', '--section', 'tax')).toMatch(/ILLUSTRATIVE/);
    expect(ok('report', 'club', '--as', 'olga', '--section', 'history')).toMatch(/D1\s+2025-01-31/);
    expect(ok('report', 'club', '--as', 'olga', '--section', 'limits')).toMatch(
      /max_per_allocation\s+888\.17/,
    );
    expect(ok('report', 'club', '--as', 'olga')).toMatch(/W1\s+carol\s+paid/);
    const audit = ok('audit', 'verify', 'club');
    expect(audit).toMatch(
      /^audit log: \d+ entries, chain intact; head [0-9a-f]{64}\nledger: .* assets 17763\.53 = members' equity 17763\.53\n$/,
    );
  });
});

describe('syndicate CLI bad input: one clear error, nothing written', () => {
  it('refuses negative, zero and non-exact amounts', () => {
    refused(
      /amount: must be positive, got -5/,
      'deposit',
      'club',
      '--as',
      'carol',
      '--key',
      'bad-1',
      '--',
      '-5',
    );
    refused(/amount: must be more than zero/, 'deposit', 'club', '0', '--as', 'carol', '--key', 'bad-2');
    refused(
      /amount: 10\.005 has more decimals than USD has \(2\)/,
      'deposit',
      'club',
      '10.005',
      '--as',
      'carol',
      '--key',
      'bad-3',
    );
  });

  it('refuses an unknown member, and a member whose role may not', () => {
    refused(
      /actor: unknown member "mallory" in syndicate "club"/,
      'deposit',
      'club',
      '10',
      '--as',
      'mallory',
      '--key',
      'bad-4',
    );
    refused(
      /member "olga" \(observer\) may not deposit/,
      'deposit',
      'club',
      '10',
      '--as',
      'olga',
      '--key',
      'bad-5',
    );
    refused(
      /member "carol" \(contributing_member\) may not distribute/,
      'distribute',
      'club',
      '--as',
      'carol',
      '--key',
      'bad-6',
    );
  });

  it('refuses a vote after expiry or cast twice', () => {
    ok(
      'propose',
      'club',
      '--type',
      'change_rules',
      '--changes',
      '{"noticeDays": 1}',
      '--as',
      'bob',
      '--key',
      'prop-2',
      '--expires',
      '2025-03-01',
      '--at',
      '2025-02-20',
    );
    ok('vote', 'club', 'P2', 'no', '--as', 'carol', '--key', 'vote-carol-p2', '--at', '2025-02-21');
    refused(
      /carol already voted no on P2; a vote cannot be cast twice/,
      'vote',
      'club',
      'P2',
      'yes',
      '--as',
      'carol',
      '--key',
      'bad-7',
      '--at',
      '2025-02-22',
    );
    refused(
      /P2 expired at 2025-03-01; votes after expiry are refused/,
      'vote',
      'club',
      'P2',
      'yes',
      '--as',
      'bob',
      '--key',
      'bad-8',
      '--at',
      '2025-03-02',
    );
  });

  it('refuses a withdrawal beyond the balance or inside the lock-up', () => {
    refused(
      /amount: 2500\.00 is beyond carol's balance of 2438\.67/,
      'withdraw',
      'request',
      'club',
      '2500',
      '--as',
      'carol',
      '--key',
      'bad-9',
    );
    ok('create', 'locked', '--as', 'alice', '--key', 'create-locked', '--at', '2025-01-01');
    ok('deposit', 'locked', '100', '--as', 'alice', '--key', 'dep', '--at', '2025-01-01');
    refused(
      /alice is inside the 30-day lock-up until 2025-01-31/,
      'withdraw',
      'request',
      'locked',
      '10',
      '--as',
      'alice',
      '--key',
      'bad-10',
      '--at',
      '2025-01-15',
    );
  });

  it('refuses an allocation above the rules, naming the rule', () => {
    refused(
      /amount: 5000\.00 is above what the rules allow for this opportunity now, 888\.17 \(bound by max_per_allocation\)/,
      'allocate',
      'club',
      '--kind',
      'trade',
      '--symbol',
      'AAPL',
      '--expected-return',
      '0.01',
      '--volatility',
      '0.2',
      '--amount',
      '5000',
      '--as',
      'bob',
      '--key',
      'bad-11',
    );
    refused(
      /--key: an idempotency key is required to allocate/,
      'allocate',
      'club',
      '--kind',
      'trade',
      '--symbol',
      'AAPL',
      '--expected-return',
      '0.01',
      '--volatility',
      '0.2',
      '--as',
      'bob',
    );
    refused(
      /--odds: "2,1" is not a decimal number/,
      'allocate',
      'club',
      '--kind',
      'bet',
      '--market',
      'M',
      '--odds',
      '2,1',
      '--probability',
      '0.5',
      '--as',
      'bob',
      '--key',
      'bad-12',
    );
  });

  it('fails `audit verify` on a tampered file, naming the entry', () => {
    const db = new Database(file);
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare(
      "UPDATE audit SET details = replace(details, '1000000', '9000000') WHERE syndicate_id = 'club' AND op_key = 'dep-alice-1'",
    ).run();
    db.close();
    expectUserError(
      cli('audit', 'verify', 'club'),
      /audit verify failed for club: audit entry #5 \(deposit by alice at 2025-01-01\): its content does not match its hash; the entry was edited/,
    );
  });
});
