import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NeuralTraderError } from '../../src/core/errors.js';
import { accountJournalPath } from '../../src/execution/account-names.js';
import { Journal } from '../../src/execution/journal.js';
import { AccountInUseError, LeaseLostError } from '../../src/execution/lease.js';
import { OrderManager } from '../../src/execution/order-manager.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';

/**
 * Account ownership and write safety inside one process and across processes: a second would-be owner
 * is refused naming the owner (so it never re-sends the owner's open orders), a dead or silent owner
 * is taken over and can no longer write (fencing), a held lock delays an order without freezing the
 * event loop and without leaving a phantom order, and a failed write leaves nothing in memory.
 */

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'nt-ownership-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const T0 = Date.UTC(2024, 0, 2, 15);
const bar = { timestamp: T0, open: 100, high: 100, low: 100, close: 100, volume: 1e9 };

function owner(
  options: ConstructorParameters<typeof OrderManager>[0] extends infer O ? Partial<O> : never = {},
) {
  const journal = Journal.open(home);
  const broker = new PaperBroker();
  broker.feedBar('AAPL', bar);
  const manager = new OrderManager({ broker, journal, ...options });
  return { journal, broker, manager };
}

const resting = {
  symbol: 'AAPL',
  side: 'buy',
  quantity: 2,
  type: 'limit',
  limitPrice: 50,
  timeInForce: 'gtc',
} as const;

describe('one owner per account', () => {
  it('a second manager on the same account is refused, naming the owner, and never re-sends its open orders', async () => {
    const a = owner();
    const order = await a.manager.submitOrder({ ...resting, clientOrderId: 'resting-1' });
    expect(order.status).toBe('accepted');
    const other = Journal.open(home);
    const broker = new PaperBroker();
    broker.feedBar('AAPL', { ...bar, low: 40, close: 45 });
    let refused: unknown;
    try {
      new OrderManager({ broker, journal: other });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AccountInUseError);
    expect((refused as Error).message).toMatch(
      new RegExp(
        `^account paper is in use by pid ${process.pid} on this host \\(.*\\) since \\d{4}-\\d{2}-\\d{2}T.*, last heartbeat [\\d.]+ s ago$`,
      ),
    );
    // The refused side never reconciled: the owner's resting order was not placed with its broker.
    expect(broker.openOrderCount()).toBe(0);
    other.close();
    await a.manager.close();
    a.journal.close();
  });

  it('a silent owner is taken over; it can no longer write and stops trading (fencing)', async () => {
    const a = owner();
    await a.manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'market',
      clientOrderId: 'a-1',
    });
    // The owner goes silent: its heartbeat is a minute old and it runs on another host (pid unknown).
    const raw = new Database(accountJournalPath(home, 'paper'));
    raw.prepare("UPDATE lease SET heartbeat_at = ?, host = 'elsewhere'").run(Date.now() - 60_000);
    raw.close();
    const b = owner();
    expect(b.journal.lease.holder()?.ownerId).toBe(b.journal.lease.ownerId);
    await b.manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 3,
      type: 'market',
      clientOrderId: 'b-1',
    });
    // The old owner wakes up: its next order is refused before anything is written, and it halts.
    await expect(
      a.manager.submitOrder({
        symbol: 'AAPL',
        side: 'buy',
        quantity: 5,
        type: 'market',
        clientOrderId: 'a-2',
      }),
    ).rejects.toThrow(LeaseLostError);
    expect(a.manager.halted?.message).toMatch(/lost ownership of account paper .* to pid \d+/);
    await expect(
      a.manager.submitOrder({
        symbol: 'AAPL',
        side: 'buy',
        quantity: 5,
        type: 'market',
        clientOrderId: 'a-3',
      }),
    ).rejects.toThrow(/lost ownership/);
    expect(b.journal.getOrderByClientId('a-2')).toBeUndefined();
    expect(b.journal.listOrders().map((o) => o.clientOrderId)).toEqual(['a-1', 'b-1']);
    await a.manager.close();
    await b.manager.close();
    b.journal.close();
    a.journal.close();
  });

  it('a killed owner (dead pid) is taken over at once, and its open orders are re-placed exactly once', async () => {
    const script = resolve(import.meta.dirname, 'fixtures/resting-owner.mjs');
    const child = spawn(process.execPath, [script, home], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((ready, fail) => {
      child.stdout.on('data', (chunk) => {
        if (String(chunk).includes('READY')) ready();
      });
      child.on('exit', (code) => fail(new Error(`child exited ${code}`)));
    });
    // While it lives, it owns the account.
    expect(() => owner()).toThrow(AccountInUseError);
    child.kill('SIGKILL');
    await new Promise((done) => child.on('exit', done));
    const b = owner();
    const report = await b.manager.reconcile();
    expect(report.replaced).toBe(1);
    // The re-placed limit fills once when the price comes down; a second reconcile places nothing new.
    b.broker.feedBar('AAPL', { ...bar, timestamp: T0 + 60_000, low: 40, close: 45 });
    await b.manager.settled();
    expect(b.journal.listFills()).toHaveLength(1);
    await b.manager.reconcile();
    b.broker.feedBar('AAPL', { ...bar, timestamp: T0 + 120_000, low: 40, close: 45 });
    await b.manager.settled();
    expect(b.journal.listFills()).toHaveLength(1);
    await b.manager.close();
    b.journal.close();
  });
});

describe('locks and failed writes', () => {
  it('a held lock delays an order without blocking the event loop, fails naming the file, and leaves no phantom', async () => {
    const a = owner({ lockTimeoutMs: 1_500 });
    const holder = new Database(accountJournalPath(home, 'paper'));
    holder.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const started = performance.now();
    const failure = await a.manager
      .submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 4, type: 'market', clientOrderId: 'locked-1' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const waited = performance.now() - started;
    clearInterval(timer);
    expect(failure).toBeInstanceOf(NeuralTraderError);
    expect((failure as Error).message).toBe(
      `order journal ${accountJournalPath(home, 'paper')} is locked by another process (owner pid ${process.pid})`,
    );
    expect(waited).toBeGreaterThanOrEqual(1_400);
    // The wait was asynchronous: timers kept running (the old code blocked for the whole 5 s timeout).
    expect(ticks).toBeGreaterThan(10);
    expect(longestGap).toBeLessThan(waited / 2);
    // Nothing of the order exists anywhere: not in memory, not at the broker, not in the journal.
    expect(a.manager.getOrderStatus('locked-1')).toBeUndefined();
    expect(a.broker.openOrderCount()).toBe(0);
    expect(a.manager.portfolio.position('AAPL')).toBe(0);
    holder.exec('ROLLBACK');
    holder.close();
    // The retry with the same client order id places it, once.
    const retried = await a.manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 4,
      type: 'market',
      clientOrderId: 'locked-1',
    });
    expect(retried.status).toBe('filled');
    expect(a.journal.listFills()).toHaveLength(1);
    expect(a.manager.portfolio.position('AAPL')).toBe(4);
    await a.manager.close();
    a.journal.close();
  });

  it('a write that fails half-way leaves nothing in memory, and a retry places the order once', async () => {
    const a = owner();
    const raw = new Database(accountJournalPath(home, 'paper'));
    raw.exec(
      "CREATE TRIGGER no_fills BEFORE INSERT ON fills BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END;",
    );
    await expect(
      a.manager.submitOrder({
        symbol: 'AAPL',
        side: 'buy',
        quantity: 6,
        type: 'market',
        clientOrderId: 'half-1',
      }),
    ).rejects.toThrow(
      new RegExp(`^order journal ${accountJournalPath(home, 'paper')}: simulated disk failure`),
    );
    expect(a.manager.getOrderStatus('half-1')).toBeUndefined();
    expect(a.journal.getOrderByClientId('half-1')).toBeUndefined();
    expect(a.manager.portfolio.position('AAPL')).toBe(0);
    expect(a.manager.portfolio.cash).toBe(a.journal.initialCapital);
    raw.exec('DROP TRIGGER no_fills');
    raw.close();
    const placed = await a.manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 6,
      type: 'market',
      clientOrderId: 'half-1',
    });
    expect(placed.status).toBe('filled');
    expect(a.journal.listFills()).toHaveLength(1);
    expect(a.manager.portfolio.position('AAPL')).toBe(6);
    await a.manager.close();
    a.journal.close();
  });
});
