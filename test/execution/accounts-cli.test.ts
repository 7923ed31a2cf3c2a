import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COMMISSION_RATE, DEFAULT_INITIAL_CAPITAL } from '../../src/core/defaults.js';
import { accountJournalPath } from '../../src/execution/account-names.js';
import { BIN, type CliResult, expectUserError, runCli, scratchDir } from '../helpers/cli.js';

/**
 * Paper accounts through the real CLI, in the order a new user meets them: an order, a replayed
 * strategy run (in its own account), another order, the books of both, a reset. Plus the rules that
 * keep an account's history honest: timestamps never go backwards, ids say paper, a replay never
 * rewinds its account's clock, inputs are refused in plain words.
 */

let cwd: string;
const nt = () => join(cwd, 'nt');
beforeAll(() => {
  cwd = scratchDir('nt-accounts-cli-');
});
afterAll(async () => {
  const { rmSync } = await import('node:fs');
  rmSync(cwd, { recursive: true, force: true });
});

const json = (r: CliResult) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const submit = (extra: string[] = []) =>
  runCli(['order', 'submit', '--symbol', 'AAPL', '--side', 'buy', '--quantity', '10', ...extra], cwd);

/** Every timestamp rule of an account's journal, read straight from the file. */
function checkTimestamps(account: string, replay: boolean): void {
  const db = new Database(accountJournalPath(nt(), account), { readonly: true });
  try {
    const events = db.prepare('SELECT timestamp FROM order_events ORDER BY seq').pluck().all() as number[];
    for (let i = 1; i < events.length; i++) expect(events[i]).toBeGreaterThanOrEqual(events[i - 1]);
    const orders = db.prepare('SELECT created_at, updated_at FROM orders ORDER BY rowid').all() as {
      created_at: number;
      updated_at: number;
    }[];
    for (let i = 0; i < orders.length; i++) {
      expect(orders[i].updated_at).toBeGreaterThanOrEqual(orders[i].created_at);
      if (i > 0) expect(orders[i].created_at).toBeGreaterThanOrEqual(orders[i - 1].created_at);
    }
    const fills = db.prepare('SELECT timestamp, recorded_at FROM fills ORDER BY seq').all() as {
      timestamp: number;
      recorded_at: number;
    }[];
    for (let i = 1; i < fills.length; i++) {
      expect(fills[i].recorded_at).toBeGreaterThanOrEqual(fills[i - 1].recorded_at);
      expect(fills[i].timestamp).toBeGreaterThanOrEqual(fills[i - 1].timestamp);
    }
    // A replay's fills happen at bar time (years ago); the default account's at the wall clock.
    const wall = Date.now();
    for (const fill of fills) {
      if (replay) expect(fill.timestamp).toBeLessThan(wall - 365 * 86_400_000);
      else expect(Math.abs(fill.timestamp - fill.recorded_at)).toBeLessThan(60_000);
    }
  } finally {
    db.close();
  }
}

describe('paper accounts from the CLI', () => {
  let replay: string;
  let tradeEquity: number;

  it('order, trade (in its own replay account), order again: both orders fill, the default account is untouched by the replay', async () => {
    const first = json(submit(['--json']));
    expect(first.account).toBe('paper');
    expect(first.order.status).toBe('filled');
    expect(first.order.clientOrderId).toMatch(/^nt-paper-/);
    // Fills happen now (wall clock), at the latest bundled close, whose date is stated.
    expect(first.referencePrice.source).toMatch(/last close in the bundled sample data \(2018-05-11\)/);
    expect(Date.parse(first.order.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.order.createdAt));

    const trade = json(
      runCli(['trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '300', '--json'], cwd),
    );
    replay = trade.account;
    tradeEquity = trade.equity;
    expect(replay).toMatch(/^replay-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(trade.fills).toBeGreaterThan(0);

    // The README's next step: another order in the default account still fills.
    const second = json(submit(['--json']));
    expect(second.order.status).toBe('filled');

    const paper = json(runCli(['portfolio', 'show', '--json'], cwd));
    expect(paper.fills).toBe(2);
    expect(paper.positions).toEqual([expect.objectContaining({ symbol: 'AAPL', quantity: 20 })]);
    const notional = 10 * first.order.averageFillPrice + 10 * second.order.averageFillPrice;
    expect(paper.cash).toBeCloseTo(DEFAULT_INITIAL_CAPITAL - notional * (1 + DEFAULT_COMMISSION_RATE), 6);
  });

  it('the trade summary equity is what portfolio show says afterwards, to the last digit', () => {
    const book = json(runCli(['portfolio', 'show', '--account', replay, '--json'], cwd));
    expect(book.equity).toBe(tradeEquity);
    expect(book.kind).toBe('replay');
    for (const position of book.positions) expect(position.pricedBy).toMatch(/last price the account saw/);
    const orders = json(runCli(['order', 'list', '--account', replay, '--status', 'all', '--json'], cwd));
    expect(orders.length).toBeGreaterThan(0);
    // Paper ids say paper; nothing on paper is ever called live.
    for (const order of orders) expect(order.clientOrderId).toMatch(/^nt-paper-/);
  });

  it('timestamps never go backwards: wall clock for events, bar time for replay fills', () => {
    checkTimestamps('paper', false);
    checkTimestamps(replay, true);
  });

  it('a replay never rewinds its account, and the default account refuses replays', () => {
    expectUserError(
      runCli(
        ['trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '5', '--account', replay],
        cwd,
      ),
      new RegExp(
        `^error: start: account ${replay} is already at \\S+; a bar at \\S+ would take it back in time`,
      ),
    );
    expectUserError(
      runCli(
        ['trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '5', '--account', 'paper'],
        cwd,
      ),
      /^error: account: paper is a paper account; a replay of history runs in a replay account of its own/,
    );
    // Continuing after its clock is fine.
    const more = json(
      runCli(
        [
          'trade',
          '--strategy',
          'momentum',
          '--symbols',
          'AAPL',
          '--bars',
          '5',
          '--account',
          replay,
          '--start',
          '2016-01-04',
          '--json',
        ],
        cwd,
      ),
    );
    expect(more.account).toBe(replay);
    checkTimestamps(replay, true);
  });

  it('account list, show and reset (confirmation, or --yes)', () => {
    const accounts = json(runCli(['account', 'list', '--json'], cwd)) as { account: string; kind: string }[];
    expect(accounts.map((a) => a.account)).toEqual(['paper', replay]);
    const shown = json(runCli(['account', 'show', '--json'], cwd));
    expect(shown).toMatchObject({
      account: 'paper',
      kind: 'paper',
      orders: 2,
      commissionRate: DEFAULT_COMMISSION_RATE,
    });
    // Without a terminal and without --yes nothing happens.
    const refused = runCli(['account', 'reset'], cwd);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: reset account paper: delete its 2 orders and 2 fills .*confirmation needed\n {2}hint: add --yes/,
    );
    expect(json(runCli(['portfolio', 'show', '--json'], cwd)).fills).toBe(2);
    const reset = json(runCli(['account', 'reset', '--yes', '--json'], cwd));
    expect(reset).toMatchObject({
      account: 'paper',
      deletedOrders: 2,
      deletedFills: 2,
      cash: DEFAULT_INITIAL_CAPITAL,
    });
    const after = json(runCli(['portfolio', 'show', '--json'], cwd));
    expect(after).toMatchObject({
      cash: DEFAULT_INITIAL_CAPITAL,
      equity: DEFAULT_INITIAL_CAPITAL,
      fills: 0,
      positions: [],
    });
    // The replay account is untouched, and the reset account trades again.
    expect(json(runCli(['portfolio', 'show', '--account', replay, '--json'], cwd)).fills).toBeGreaterThan(0);
    expect(json(submit(['--json'])).order.status).toBe('filled');
    expectUserError(
      runCli(['account', 'show', 'nope'], cwd),
      /^error: no account nope \(no journal .*nope\.sqlite\)/,
    );
  });

  it('refuses bad inputs with one line and a non-zero exit, writing nothing', () => {
    const before = json(runCli(['order', 'list', '--status', 'all', '--json'], cwd)).length;
    const cases: [string[], RegExp][] = [
      [['--quantity', '0x10'], /^error: --quantity: "0x10" is not a decimal number/],
      [['--quantity', '1e-300'], /^error: --quantity: "1e-300" is not a decimal number/],
      [
        ['--quantity', '0.0000000001'],
        /^error: order rejected: quantity: 1e-10 is below the smallest tradable quantity/,
      ],
      [
        ['--quantity', '1000000000000000'],
        /^error: order rejected: quantity: 1000000000000000 is above the maximum order quantity/,
      ],
      [
        ['--side', 'sell', '--quantity', '5000'],
        /^error: order rejected: quantity: sell 5000 AAPL .* above 2 x equity/,
      ],
      [['--type', 'limit', '--limit-price', '1e3'], /^error: --limit-price: "1e3" is not a decimal number/],
      [['--client-order-id', 'a\nb'], /^error: clientOrderId: "a\?b" has characters ids may not use/],
      [['--client-order-id', 'x'.repeat(200)], /^error: clientOrderId: longer than 128 characters \(200\)/],
      [['--symbol', 'AA PL'], /^error: symbol: "AA PL" is not a symbol/],
      [['--account', 'no/slash'], /^error: --account: "no\/slash" has characters ids may not use/],
    ];
    for (const [flags, message] of cases) {
      const args = ['order', 'submit', '--symbol', 'AAPL', '--side', 'buy', '--quantity', '1'];
      for (let i = 0; i < flags.length; i += 2) {
        const at = args.indexOf(flags[i]);
        if (at >= 0) args[at + 1] = flags[i + 1];
        else args.push(flags[i], flags[i + 1]);
      }
      const r = runCli(args, cwd);
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(message);
    }
    expect(json(runCli(['order', 'list', '--status', 'all', '--json'], cwd)).length).toBe(before);
  });

  it('reusing a client order id for a different order exits non-zero; repeating the same order is idempotent', () => {
    const placed = json(submit(['--client-order-id', 'mine-1', '--json']));
    const again = json(submit(['--client-order-id', 'mine-1', '--json']));
    expect(again.order.id).toBe(placed.order.id);
    const reused = runCli(
      [
        'order',
        'submit',
        '--symbol',
        'AAPL',
        '--side',
        'buy',
        '--quantity',
        '3',
        '--client-order-id',
        'mine-1',
      ],
      cwd,
    );
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(
      /^error: clientOrderId: "mine-1" was already used for buy 10 AAPL market \(quantity differ\)/,
    );
  });
});

/** A CLI run in the background (spawn), for commands that overlap. */
function background(args: string[]): { done: Promise<CliResult>; pid: number | undefined } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, NEURAL_TRADER_HOME: nt() },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { done, pid: child.pid };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('two CLI processes at once', () => {
  it('trade beside order submit: each in its own account, every order fills once', async () => {
    const before = json(runCli(['order', 'list', '--status', 'all', '--json'], cwd)).length;
    const run = background([
      'trade',
      '--strategy',
      'momentum',
      '--symbols',
      'AAPL',
      '--bars',
      '400',
      '--replay-speed',
      '400',
      '--json',
    ]);
    const submitted: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = json(submit(['--json']));
      expect(r.order.status).toBe('filled');
      submitted.push(r.order.clientOrderId);
    }
    const trade = await run.done;
    const summary = json(trade);
    const paperOrders = json(runCli(['order', 'list', '--status', 'all', '--json'], cwd)) as {
      clientOrderId: string;
    }[];
    expect(paperOrders.length).toBe(before + submitted.length);
    const replayOrders = json(
      runCli(['order', 'list', '--account', summary.account, '--status', 'all', '--json'], cwd),
    );
    expect(replayOrders.length).toBe(summary.orders);
    for (const id of submitted)
      expect(replayOrders.some((o: { clientOrderId: string }) => o.clientOrderId === id)).toBe(false);
    // Both journals pass their integrity check (fills = filled quantities = positions) on reopen.
    expect(runCli(['account', 'list'], cwd).code).toBe(0);
  });

  it('a second process on the same account is refused naming the owner; an order is handed to the owner', async () => {
    const account = 'shared-run';
    const run = background([
      'trade',
      '--strategy',
      'momentum',
      '--symbols',
      'AAPL',
      '--bars',
      '500',
      '--replay-speed',
      '100',
      '--account',
      account,
    ]);
    // Wait until the run owns the account.
    await until(() => {
      const r = runCli(['account', 'show', account, '--json'], cwd);
      return r.code === 0 && JSON.parse(r.stdout).owner !== null;
    }, 'the trade run to own its account');
    const second = runCli(
      ['trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '5', '--account', account],
      cwd,
    );
    expect(second.code).toBe(1);
    expect(second.stderr.split('\n')[0]).toMatch(
      new RegExp(
        `^error: account ${account} is in use by pid ${run.pid} on this host \\(neural-trader trade --strategy momentum .*\\) since \\S+, last heartbeat [\\d.]+ s ago$`,
      ),
    );
    // An order for that account is handed over to the running owner, which places it at its bars.
    const handed = runCli(
      [
        'order',
        'submit',
        '--symbol',
        'AAPL',
        '--side',
        'buy',
        '--quantity',
        '1',
        '--account',
        account,
        '--client-order-id',
        'handed-1',
        '--json',
      ],
      cwd,
    );
    const placed = json(handed);
    expect(placed.placedBy).toMatch(new RegExp(`^pid ${run.pid} on this host`));
    expect(placed.order.clientOrderId).toBe('handed-1');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    const orders = json(
      runCli(['order', 'list', '--account', account, '--status', 'all', '--json'], cwd),
    ) as {
      clientOrderId: string;
      status: string;
    }[];
    expect(orders.filter((o) => o.clientOrderId === 'handed-1')).toHaveLength(1);
  });
});
