import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../src/execution/journal.js';
import { OrderManager } from '../../src/execution/order-manager.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

interface Ack {
  clientOrderId: string;
  status: string;
  filled: number;
}

/** Run the burst child until it has acknowledged `count` orders, then SIGKILL it mid-burst. */
function burstAndKill(home: string, count: number, prefix = 'burst'): Promise<Ack[]> {
  const script = resolve(import.meta.dirname, 'fixtures/order-burst.mjs');
  const child = spawn(process.execPath, [script, home, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Ack[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const [tag, clientOrderId, status, filled] = line.split(' ');
        if (tag === 'ACK') acks.push({ clientOrderId, status, filled: Number(filled) });
        nl = buffer.indexOf('\n');
      }
      if (acks.length >= count && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolvePromise(acks);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

function checkJournal(journal: Journal, acks: Ack[]): void {
  // Every acknowledged order is journaled, at least as far along as the ack said.
  for (const ack of acks) {
    const order = journal.getOrderByClientId(ack.clientOrderId);
    expect(order, ack.clientOrderId).toBeDefined();
    expect(order!.filledQuantity).toBeGreaterThanOrEqual(ack.filled);
  }
  // Every order's filled quantity is exactly the sum of its journaled fills; fills are unique.
  const fills = journal.listFills();
  expect(new Set(fills.map((f) => f.fillId)).size).toBe(fills.length);
  const byOrder = new Map<string, number>();
  for (const f of fills) byOrder.set(f.orderId, (byOrder.get(f.orderId) ?? 0) + f.quantity);
  for (const order of journal.listOrders()) {
    expect(order.filledQuantity).toBeCloseTo(byOrder.get(order.id) ?? 0, 9);
    expect(order.filledQuantity).toBeLessThanOrEqual(order.quantity + 1e-9);
    if (order.status === 'filled') expect(order.filledQuantity).toBeCloseTo(order.quantity, 9);
  }
}

describe('crash safety (SIGKILL mid-burst)', () => {
  it('keeps every acknowledged order and fill, and rebuilds positions from journaled fills exactly once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nt-crash-'));
    homes.push(home);
    const acks = await burstAndKill(home, 400);
    expect(acks.length).toBeGreaterThanOrEqual(400);
    const first = Journal.open(home);
    checkJournal(first, acks);
    const fills = first.listFills();
    let expected = 0;
    for (const f of fills) expected += f.side === 'buy' ? f.quantity : -f.quantity;
    first.close();

    // Restart: the portfolio is rebuilt from the journal, open orders are re-placed for what remains.
    const journal = Journal.open(home);
    const broker = new PaperBroker({ maxParticipation: 0.5 });
    const manager = new OrderManager({ broker, journal });
    expect(manager.portfolio.position('AAPL')).toBeCloseTo(expected, 9);
    broker.feedBar('AAPL', {
      timestamp: Date.UTC(2030, 0, 1),
      open: 100,
      high: 101,
      low: 99,
      close: 100,
      volume: 1e9,
    });
    await manager.reconcile();
    checkJournal(journal, acks);
    let after = 0;
    for (const f of journal.listFills()) after += f.side === 'buy' ? f.quantity : -f.quantity;
    expect(manager.portfolio.position('AAPL')).toBeCloseTo(after, 9);
    // Resubmitting an acknowledged client order id returns the journaled order instead of a new one.
    const count = journal.listOrders().length;
    const again = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'market',
      clientOrderId: acks[0].clientOrderId,
    });
    expect(again.clientOrderId).toBe(acks[0].clientOrderId);
    expect(journal.listOrders().length).toBe(count);
    // A second crash-free restart applies nothing twice.
    await manager.close();
    journal.close();
    const third = Journal.open(home);
    const rebuilt = new OrderManager({ broker: new PaperBroker(), journal: third });
    expect(rebuilt.portfolio.position('AAPL')).toBeCloseTo(after, 9);
    third.close();
  });
});

describe('repeated kill -9 trials on one account', () => {
  it('each restart takes the dead owner over at once; nothing acknowledged is lost or doubled across 6 kills', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nt-crash-trials-'));
    homes.push(home);
    const all: Ack[] = [];
    for (let trial = 0; trial < 6; trial++) {
      // Each child reconciles what the previous one left open (it re-places it, once), then bursts.
      const acks = await burstAndKill(home, 150, `t${trial}`);
      expect(acks.length).toBeGreaterThanOrEqual(150);
      all.push(...acks);
      // The journal passes its integrity check on every reopen (fills = filled quantities = positions).
      const journal = Journal.open(home);
      checkJournal(journal, all);
      // The killed child never released its lease; its pid is gone, so the account is free.
      const holder = journal.lease.holder();
      expect(holder?.releasedAt).toBeUndefined();
      journal.close();
    }
  });
});
