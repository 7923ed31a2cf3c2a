import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BetLedger } from '../../src/sports/ledger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Acks {
  placed: Map<string, number>;
  settled: Map<string, { status: string; payout: number }>;
}

/**
 * Run the burst child (bet ids from `first`) until it has acknowledged `count` placements, then SIGKILL it
 * mid-burst. Acknowledgements (printed only after the ledger call returned) are added to `acks`.
 */
function burstAndKill(path: string, count: number, first: number, acks: Acks): Promise<void> {
  const script = resolve(import.meta.dirname, 'fixtures/bet-burst.mjs');
  const child = spawn(process.execPath, [script, path, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let placedHere = 0;
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
        const [tag, id, a, b] = buffer.slice(0, nl).split(' ');
        buffer = buffer.slice(nl + 1);
        if (tag === 'PLACED') {
          acks.placed.set(id, Number(a));
          placedHere++;
        }
        if (tag === 'SETTLED') acks.settled.set(id, { status: a, payout: Number(b) });
        nl = buffer.indexOf('\n');
      }
      if (placedHere >= count && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolvePromise();
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

/** Every acknowledged bet and settlement is there; every bet has its one stake entry; money balances. */
function checkLedger(path: string, acks: Acks): void {
  const ledger = BetLedger.open({ path });
  try {
    for (const [id, stake] of acks.placed) expect(ledger.getBet(id)?.stake, id).toBe(stake);
    for (const [id, s] of acks.settled) {
      expect(ledger.getBet(id), id).toMatchObject({ status: s.status, payout: s.payout });
    }
    const stakes = new Map<string, number>();
    const payouts = new Map<string, number>();
    for (const e of ledger.cashEntries()) {
      const id = e.betId as string;
      if (e.kind === 'stake') stakes.set(id, (stakes.get(id) ?? 0) + 1);
      if (e.kind === 'payout') payouts.set(id, (payouts.get(id) ?? 0) + 1);
    }
    const bets = ledger.listBets();
    for (const bet of bets) {
      expect(stakes.get(bet.id), bet.id).toBe(1);
      expect(payouts.get(bet.id) ?? 0, bet.id).toBe((bet.payout ?? 0) > 0 ? 1 : 0);
    }
    expect(stakes.size).toBe(bets.length);
    const s = ledger.status();
    expect(s.balance + s.openStake).toBe(s.deposits + s.realisedProfit);
  } finally {
    ledger.close();
  }
}

describe('bet ledger crash safety (SIGKILL during a burst of placements and settlements)', () => {
  it('keeps every acknowledged bet and settlement, loses no money and books nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-ledger-crash-'));
    dirs.push(dir);
    const path = join(dir, 'bets.sqlite');
    // Several crashes on the same file, each after a different number of operations and each followed by a
    // restart and a full check: a write that is not atomic (a bet without its stake entry) shows up.
    const acks: Acks = { placed: new Map(), settled: new Map() };
    for (const [round, count] of [150, 233, 97, 311, 175, 260].entries()) {
      await burstAndKill(path, count, round * 100_000, acks);
      checkLedger(path, acks);
    }
    expect(acks.placed.size).toBeGreaterThanOrEqual(1200);
    expect(acks.settled.size).toBeGreaterThan(0);
    // Replaying an acknowledged placement after the crashes is recognised, not booked again.
    const ledger = BetLedger.open({ path });
    const bets = ledger.listBets().length;
    const replay = ledger.placeBet({
      betId: 'burst-0',
      sport: 'soccer_epl',
      eventId: 'event-0',
      market: 'h2h',
      selection: 'home',
      bookmaker: 'pinnacle',
      odds: '150/100',
      stake: '1.00',
    });
    expect(replay.created).toBe(false);
    expect(ledger.listBets()).toHaveLength(bets);
    ledger.close();
  }, 60_000);
});
