import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/execution/journal.js';

function fill(i: number) {
  return {
    fillId: `f-${i}`,
    orderId: `o-${i}`,
    symbol: 'AAPL',
    side: 'buy' as const,
    quantity: 1,
    price: 100,
    commission: 0,
    timestamp: 1_700_000_000_000 + i,
  };
}

describe('journal WAL checkpoints', () => {
  it('are taken when the event loop is idle, not inside a commit, and inline only past the hard limit', async () => {
    const journal = Journal.open(mkdtempSync(join(tmpdir(), 'nt-journal-')));
    let checkpoints = 0;
    const original = journal.checkpoint.bind(journal);
    journal.checkpoint = () => {
      checkpoints++;
      original();
    };
    for (let i = 0; i < 300; i++) journal.transaction(() => journal.recordFill(fill(i)));
    expect(checkpoints).toBe(0); // none of the 300 commits paid for one
    await new Promise((resolve) => setImmediate(resolve));
    expect(checkpoints).toBe(1); // the idle moment did
    for (let i = 300; i < 300 + 4200; i++) journal.transaction(() => journal.recordFill(fill(i)));
    expect(checkpoints).toBe(2); // a tight loop with no idle moment: bounded inline
    expect(journal.listFills()).toHaveLength(4500);
    journal.close();
  });
});
