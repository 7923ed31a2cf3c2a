import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { DEFAULT_ACCOUNT } from '../../src/core/defaults.js';
import { accountJournalPath, parseAccountName } from '../../src/execution/account-names.js';
import { accountBook, listAccounts, resetAccount } from '../../src/execution/accounts.js';
import { handOffOrders } from '../../src/execution/handoff.js';
import { Journal } from '../../src/execution/journal.js';
import { AccountInUseError } from '../../src/execution/lease.js';
import { openTradingSession } from '../../src/execution/session.js';

/** Accounts in the library: names, day-order expiry, reset, valuation, an earlier version's journal. */

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'nt-accounts-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const config = () => loadConfig({ env: { NEURAL_TRADER_HOME: home }, envFile: false, applyLogLevel: false });
const DAY = 86_400_000;

describe('account names', () => {
  it('are case-folded, bounded and safe as file names', () => {
    expect(parseAccountName(undefined)).toBe(DEFAULT_ACCOUNT);
    expect(parseAccountName(' Swing-2024 ')).toBe('swing-2024');
    for (const bad of ['', 'a b', '../etc', 'a/b', 'x:y', 'a@b', 'a'.repeat(49), 'a..b']) {
      expect(() => parseAccountName(bad), bad).toThrow(/account/);
    }
  });
});

describe('paper accounts', () => {
  it('a day order expires when its session has ended, even though no process held it overnight', async () => {
    let now = Date.UTC(2026, 2, 2, 15);
    const first = await openTradingSession({ config: config(), now: () => now });
    await first.ensurePrice('AAPL');
    const day = await first.manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'limit',
      limitPrice: 1,
    });
    const gtc = await first.manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'limit',
      limitPrice: 1,
      timeInForce: 'gtc',
    });
    await first.close();
    // Later the same day: still open.
    now += 3_600_000;
    const sameDay = await openTradingSession({ config: config(), now: () => now });
    expect(sameDay.manager.getOrderStatus(day.id)?.status).toBe('accepted');
    await sameDay.close();
    // The next day: the day order expired, the gtc order is still working.
    now += DAY;
    const nextDay = await openTradingSession({ config: config(), now: () => now });
    const expired = nextDay.journal.getOrder(day.id);
    expect(expired?.status).toBe('expired');
    expect(expired?.reason).toBe('day order expired at the end of its session');
    expect(nextDay.journal.getOrder(gtc.id)?.status).toBe('accepted');
    await nextDay.close();
  });

  it('reset returns an account to its starting cash, and is refused while another process owns it', async () => {
    const session = await openTradingSession({ config: config(), initialCapital: 50_000 });
    await session.ensurePrice('AAPL');
    await session.manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 10, type: 'market' });
    expect(() => resetAccount(home, 'paper')).toThrow(AccountInUseError);
    await session.close();
    const settings = resetAccount(home, 'paper');
    expect(settings.initialCapital).toBe(50_000);
    expect(settings.resets).toBe(1);
    const journal = new Journal(accountJournalPath(home, 'paper'), { readonly: true });
    const book = await accountBook(journal);
    expect(book.metrics.cash).toBe(50_000);
    expect(book.fills).toBe(0);
    journal.close();
    expect(() => resetAccount(home, 'nope')).toThrow(/no account nope/);
  });

  it('lists every account with its owner, and a damaged one with its problem', async () => {
    const session = await openTradingSession({ config: config(), account: 'swing' });
    await session.ensurePrice('AAPL');
    await session.manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 1, type: 'market' });
    const listed = await listAccounts(home);
    expect(listed.map((a) => a.account)).toEqual(['swing']);
    expect(listed[0].owner?.pid).toBe(process.pid);
    await session.close();
    expect((await listAccounts(home))[0].owner).toBeUndefined();
  });

  it('an order handed to an owner that stops before taking it is withdrawn, not placed', async () => {
    const session = await openTradingSession({ config: config() });
    const journal = Journal.open(home, { create: false });
    const pending = handOffOrders(
      journal,
      [{ symbol: 'AAPL', side: 'buy', quantity: 1, type: 'market', clientOrderId: 'late-1' }],
      { timeoutMs: 30_000 },
    );
    // The owner stops at once (its server never got to the order).
    await session.close();
    const [outcome] = await pending;
    if (outcome.order) {
      // The owner was quick enough to take it: then it is booked exactly once.
      expect(journal.listOrders().filter((o) => o.clientOrderId === 'late-1')).toHaveLength(1);
    } else {
      expect(outcome.withdrawn).toBe(true);
      expect(outcome.error?.message).toMatch(
        /did not take order late-1 before it stopped; it was not placed/,
      );
      expect(journal.getOrderByClientId('late-1')).toBeUndefined();
    }
    journal.close();
  });
});

describe("an earlier version's single journal", () => {
  it('is split into the paper and alpaca accounts on first use, and left untouched', async () => {
    const legacy = join(home, 'journal.sqlite');
    const old = new Database(legacy);
    old.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE orders (id TEXT PRIMARY KEY, client_order_id TEXT NOT NULL UNIQUE, broker_order_id TEXT,
        broker TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL, type TEXT NOT NULL, quantity REAL NOT NULL,
        limit_price REAL, stop_price REAL, trail_percent REAL, trail_price REAL, time_in_force TEXT NOT NULL,
        status TEXT NOT NULL, filled_quantity REAL NOT NULL DEFAULT 0, average_fill_price REAL,
        role TEXT NOT NULL DEFAULT 'single', parent_id TEXT, oco_group TEXT, held INTEGER NOT NULL DEFAULT 0,
        tag TEXT, reason TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE order_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, from_status TEXT,
        to_status TEXT NOT NULL, timestamp INTEGER NOT NULL, reason TEXT);
      CREATE TABLE fills (seq INTEGER PRIMARY KEY AUTOINCREMENT, fill_id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL,
        client_order_id TEXT, symbol TEXT NOT NULL, side TEXT NOT NULL, quantity REAL NOT NULL, price REAL NOT NULL,
        commission REAL NOT NULL, timestamp INTEGER NOT NULL);
      INSERT INTO meta VALUES ('initial_capital', '250000');
      INSERT INTO orders (id, client_order_id, broker_order_id, broker, symbol, side, type, quantity, time_in_force,
        status, filled_quantity, average_fill_price, created_at, updated_at)
        VALUES ('o1', 'c1', 'P1', 'paper', 'AAPL', 'buy', 'market', 10, 'day', 'filled', 10, 100, 1780000000000, 1526000000000),
               ('o2', 'c2', 'A2', 'alpaca', 'MSFT', 'buy', 'market', 3, 'day', 'filled', 3, 300, 1780000000000, 1780000000001);
      INSERT INTO order_events (order_id, from_status, to_status, timestamp) VALUES ('o1', NULL, 'new', 1780000000000);
      INSERT INTO fills (fill_id, order_id, client_order_id, symbol, side, quantity, price, commission, timestamp)
        VALUES ('f1', 'o1', 'c1', 'AAPL', 'buy', 10, 100, 0, 1526000000000),
               ('f2', 'o2', 'c2', 'MSFT', 'buy', 3, 300, 0, 1780000000000);
    `);
    old.close();
    const before = readFileSync(legacy);
    const paper = Journal.open(home);
    expect(paper.initialCapital).toBe(250_000);
    expect(paper.listOrders().map((o) => o.clientOrderId)).toEqual(['c1']);
    // The earlier version's bar-time update is brought in line: updated never precedes created.
    expect(paper.getOrder('o1')?.updatedAt).toBe(1780000000000);
    expect(paper.listFills().map((f) => f.fillId)).toEqual(['f1']);
    paper.close();
    const alpaca = Journal.open(home, { account: 'alpaca', broker: 'alpaca' });
    expect(alpaca.listFills().map((f) => f.fillId)).toEqual(['f2']);
    alpaca.close();
    expect(readFileSync(legacy).equals(before)).toBe(true);
    // Reopening does not import twice, and both pass their integrity checks.
    expect(Journal.open(home).listFills()).toHaveLength(1);
    expect(existsSync(accountJournalPath(home, 'alpaca'))).toBe(true);
  });
});

describe('a long-running paper session', () => {
  it('expires its day orders when the market clock passes the end of their day', async () => {
    let now = Date.UTC(2026, 2, 2, 15);
    const session = await openTradingSession({ config: config(), now: () => now });
    await session.ensurePrice('AAPL');
    const day = await session.manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'limit',
      limitPrice: 1,
    });
    expect(await session.manager.expireEndedDayOrders()).toBe(0);
    now += DAY;
    expect(await session.manager.expireEndedDayOrders()).toBe(1);
    expect(session.manager.getOrderStatus(day.id)?.status).toBe('expired');
    expect((session.broker as unknown as { openOrderCount(): number }).openOrderCount()).toBe(0);
    await session.close();
  });
});
