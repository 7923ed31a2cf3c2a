import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SyndicateLedger } from '../../src/syndicate/index.js';
import { BIN } from '../helpers/cli.js';

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

const SCRIPT = resolve(import.meta.dirname, 'fixtures/burst.mjs');
/** Operations in the burst; the first run is killed after KILL_AFTER acknowledgements. */
const BURST = 12_000;
const KILL_AFTER = 6_000;

interface Run {
  acked: string[];
  refused: string[];
  killed: boolean;
}

/** Run the burst child over `home`; SIGKILL it once it has acknowledged `killAfter` operations. */
function burst(home: string, killAfter = Number.POSITIVE_INFINITY): Promise<Run> {
  const child = spawn(process.execPath, [SCRIPT, home, String(BURST)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { acked: [], refused: [], killed: false };
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolveRun, reject) => {
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const [tag, key] = buffer.slice(0, nl).split(' ');
        buffer = buffer.slice(nl + 1);
        if (tag === 'ACK') run.acked.push(key);
        else if (tag === 'REFUSED') run.refused.push(key);
        nl = buffer.indexOf('\n');
      }
      if (run.acked.length >= killAfter && !run.killed) {
        run.killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolveRun(run);
      else reject(new Error(`burst exited with ${code}: ${stderr}`));
    });
  });
}

function journalKeys(home: string): string[] {
  const db = new Database(join(home, 'syndicate.sqlite'), { readonly: true });
  try {
    return (
      db.prepare("SELECT op_key FROM audit WHERE syndicate_id = 'crash' AND op_key LIKE 'op-%'").all() as {
        op_key: string;
      }[]
    ).map((r) => r.op_key);
  } finally {
    db.close();
  }
}

describe('crash safety (SIGKILL mid-burst)', () => {
  it('keeps every acknowledged operation exactly once, balances after restart, and ends where a crash-free run ends', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nt-syndicate-crash-'));
    const clean = mkdtempSync(join(tmpdir(), 'nt-syndicate-clean-'));
    homes.push(home, clean);

    const crashed = await burst(home, KILL_AFTER);
    expect(crashed.killed).toBe(true);
    expect(crashed.acked.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(crashed.acked.length + crashed.refused.length).toBeLessThan(BURST);

    // After the crash: every acknowledged operation is in the journal once (keys are unique), no
    // refused one is, and at most the one in flight when the kill landed is there unacknowledged.
    const keys = journalKeys(home);
    expect(new Set(keys).size).toBe(keys.length);
    const inJournal = new Set(keys);
    for (const key of crashed.acked) expect(inJournal.has(key), key).toBe(true);
    for (const key of crashed.refused) expect(inJournal.has(key), key).toBe(false);
    expect(keys.length - crashed.acked.length).toBeGreaterThanOrEqual(0);
    expect(keys.length - crashed.acked.length).toBeLessThanOrEqual(1);

    // The ledger balances and the audit chain is intact, recomputed from the journal...
    const ledger = new SyndicateLedger(join(home, 'syndicate.sqlite'));
    const v = ledger.verify({ syndicateId: 'crash' });
    expect(v.ledger.problems).toEqual([]);
    expect(v.audit.ok).toBe(true);
    expect(v.audit.entries).toBe(1 + 9 + keys.length);
    ledger.close();
    // ... and `syndicate audit verify` through the real CLI agrees.
    const cli = await new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, [BIN, 'syndicate', 'audit', 'verify', 'crash'], {
        env: { PATH: process.env.PATH, HOME: home, NEURAL_TRADER_HOME: home },
        cwd: home,
      });
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
      });
      child.on('exit', (code) => done({ code, out }));
    });
    expect(cli.code).toBe(0);
    expect(cli.out).toMatch(/chain intact/);

    // Restart: the same operations again with the same keys. Applied ones replay (nothing doubles), the
    // rest apply. The result must be exactly a crash-free run: same journal, same head hash.
    const resumed = await burst(home);
    const reference = await burst(clean);
    expect(resumed.acked).toEqual(reference.acked);
    expect(resumed.refused).toEqual(reference.refused);
    expect(reference.acked.length + reference.refused.length).toBe(BURST);
    const a = new SyndicateLedger(join(home, 'syndicate.sqlite'));
    const b = new SyndicateLedger(join(clean, 'syndicate.sqlite'));
    const va = a.verify({ syndicateId: 'crash' });
    const vb = b.verify({ syndicateId: 'crash' });
    expect(va.ok).toBe(true);
    expect(va.audit.head).toBe(vb.audit.head);
    expect(va.ledger.totals).toEqual(vb.ledger.totals);
    expect(a.status({ syndicateId: 'crash', actor: 'alice' }).members).toEqual(
      b.status({ syndicateId: 'crash', actor: 'alice' }).members,
    );
    a.close();
    b.close();
  }, 240_000);
});
