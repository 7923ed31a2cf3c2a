import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/execution/journal.js';

/**
 * Two processes on one home and one account. Before accounts had an owner, both re-sent each other's
 * open orders on start-up and filled them twice (9 double fills in 10,000 orders). Now exactly one
 * process owns the account; the other is told who (pid, command, since when) and hands its orders
 * over. Every one of the 10,000 orders must be booked once: one fill of its full quantity, positions
 * equal to the fills, and the journal passing its own integrity check when reopened.
 */

const root = mkdtempSync(join(tmpdir(), 'nt-two-writers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const WRITER = resolve(import.meta.dirname, 'fixtures/account-writer.mjs');
const PER_PROCESS = 5_000;

interface Writer {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  waitFor(prefix: string): Promise<string>;
}

function startWriter(home: string, prefix: string): Writer {
  const child = spawn(process.execPath, [WRITER, home, prefix, String(PER_PROCESS)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error' },
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdout?.on('data', (chunk) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (line.startsWith(w.prefix)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code) => {
      if (code !== 0) lines.push(`STDERR ${stderr}`);
      // Nothing more will be printed: a line still awaited never comes.
      for (const w of waiters.splice(0))
        w.reject(new Error(`${prefix} exited (${code}) before "${w.prefix}": ${lines.join(' | ')}`));
      done(code);
    }),
  );
  return {
    child,
    lines,
    exited,
    waitFor: (prefix) => {
      const seen = lines.find((l) => l.startsWith(prefix));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolveLine, reject) => waiters.push({ prefix, resolve: resolveLine, reject }));
    },
  };
}

describe('two processes, one account', () => {
  it('5,000 orders each: one owner, the other refused with the reason and handing over; 0 double fills, 0 mismatches', async () => {
    const home = join(root, 'library');
    const a = startWriter(home, 'a');
    const b = startWriter(home, 'b');
    const first = await Promise.race(
      [a.waitFor('OWNER'), b.waitFor('OWNER')].map((p) => p.catch(() => new Promise<string>(() => {}))),
    );
    expect(first).toBe('OWNER');
    const owner = a.lines.includes('OWNER') ? a : b;
    const other = owner === a ? b : a;
    // The refused side is told why, in one line naming the owner (never a second owner).
    const refused = await Promise.race([other.waitFor('REFUSED'), other.waitFor('OWNER')]);
    expect(refused).toMatch(
      new RegExp(
        `^REFUSED account paper is in use by pid ${owner.child.pid} on this host \\(account-writer .*\\) since \\S+, last heartbeat [\\d.]+ s ago$`,
      ),
    );
    // The other hands its 5,000 orders to the owner, which places them while placing its own.
    await other.waitFor('HANDED');
    expect(await other.exited).toBe(0);
    await owner.waitFor('DONE');
    owner.child.stdin?.write('STOP\n');
    expect(await owner.exited).toBe(0);
    expect(other.lines.find((l) => l.startsWith('HANDED'))).toBe(`HANDED ${PER_PROCESS} 0`);
    expect(
      [...a.lines, ...b.lines].filter((l) => l.startsWith('NOT-FILLED') || l.startsWith('HANDOFF-FAILED')),
    ).toEqual([]);

    // The journal reopens (its integrity check passes: fills vs filled quantities vs positions).
    const journal = Journal.open(home, { create: false });
    try {
      const orders = journal.listOrders();
      const fills = journal.listFills();
      const fillsByOrder = new Map<string, number[]>();
      for (const fill of fills)
        fillsByOrder.set(fill.orderId, [...(fillsByOrder.get(fill.orderId) ?? []), fill.quantity]);
      const doubleFills = orders.filter((o) => {
        const booked = fillsByOrder.get(o.id) ?? [];
        return booked.length > 1 || booked.reduce((x, y) => x + y, 0) > o.quantity + 1e-9;
      }).length;
      const mismatches = orders.filter((o) => {
        const booked = (fillsByOrder.get(o.id) ?? []).reduce((x, y) => x + y, 0);
        return (
          Math.abs(booked - o.filledQuantity) > 1e-9 ||
          o.status !== 'filled' ||
          o.filledQuantity !== o.quantity
        );
      }).length;
      const ids = new Set(orders.map((o) => o.clientOrderId));
      let expected = 0;
      for (let i = 0; i < PER_PROCESS; i++) expected += (i % 2 === 0 ? 1 : -1) * (1 + (i % 7));
      let position = 0;
      for (const fill of fills) position += fill.side === 'buy' ? fill.quantity : -fill.quantity;
      console.log(
        `two writers: ${orders.length} orders, ${fills.length} fills, ${doubleFills} double fills, ${mismatches} mismatches, position ${position} (expected ${2 * expected})`,
      );
      expect(orders).toHaveLength(2 * PER_PROCESS);
      expect(ids.size).toBe(2 * PER_PROCESS);
      for (let i = 0; i < PER_PROCESS; i++) {
        expect(ids.has(`a-${i}`) && ids.has(`b-${i}`)).toBe(true);
      }
      expect(fills).toHaveLength(2 * PER_PROCESS);
      expect(new Set(fills.map((f) => f.fillId)).size).toBe(fills.length);
      expect(doubleFills).toBe(0);
      expect(mismatches).toBe(0);
      expect(position).toBe(2 * expected);
      // The owner released the account when it stopped.
      expect(journal.lease.holder()?.releasedAt).toBeDefined();
    } finally {
      journal.close();
    }
  }, 300_000);
});
