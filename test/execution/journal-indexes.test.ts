import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/execution/journal.js';
import { OrderManager } from '../../src/execution/order-manager.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';

// Every B-tree an order's commit touches is one more WAL page to write before the order is
// acknowledged. A market order that fills at once is stored in its final state, so an index of open
// orders only (a partial index) is never touched by it, while finding open orders stays an index search.

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

const OPEN = "('new','accepted','partially_filled')";

describe('order journal indexes', () => {
  it('keeps only open orders in the status index; open orders are found through it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nt-journal-index-'));
    homes.push(home);
    const broker = new PaperBroker();
    broker.feedBar('AAPL', {
      timestamp: Date.UTC(2024, 0, 2),
      open: 100,
      high: 101,
      low: 99,
      close: 100,
      volume: 1e9,
    });
    const journal = Journal.open(home, { initialCapital: 1e9 });
    const manager = new OrderManager({ broker, journal, initialCapital: 1e9 });
    for (let i = 0; i < 5; i++)
      await manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 1, type: 'market' });
    for (let i = 0; i < 2; i++)
      await manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 1, type: 'limit', limitPrice: 50 });
    expect(journal.listOrders({ status: 'open' })).toHaveLength(2);
    expect(journal.listOrders({ status: 'closed' })).toHaveLength(5);
    const path = journal.path;
    journal.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(
        db
          .prepare(`SELECT COUNT(*) FROM orders INDEXED BY orders_open WHERE status IN ${OPEN}`)
          .pluck()
          .get(),
      ).toBe(2);
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN SELECT * FROM orders WHERE status IN ${OPEN} ORDER BY created_at, rowid`)
        .all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING INDEX orders_open/);
    } finally {
      db.close();
    }
  });
});
