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

/** Run the burst child until it has acknowledged `count` placements, then SIGKILL it mid-burst. */
function burstAndKill(path: string, count: number): Promise<Acks> {
  const script = resolve(import.meta.dirname, 'fixtures/bet-burst.mjs');
  const child = spawn(process.execPath, [script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Acks = { placed: new Map(), settled: new Map() };
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
        if (tag === 'PLACED') acks.placed.set(id, Number(a));
        if (tag === 'SETTLED') acks.settled.set(id, { status: a, payout: Number(b) });
        nl = buffer.indexOf('\n');
      }
      if (acks.placed.size >= count && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolvePromise(acks);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('bet ledger crash safety (SIGKILL during a burst of placements and settlements)', () => {
  it('keeps every acknowledged bet and settlement, loses no money and books nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-ledger-crash-'));
    dirs.push(dir);
    const path = join(dir, 'bets.sqlite');
    const acks = await burstAndKill(path, 600);
    expect(acks.placed.size).toBeGreaterThanOrEqual(600);
    const ledger = BetLedger.open({ path });
    for (const [id, stake] of acks.placed) expect(ledger.getBet(id)?.stake, id).toBe(stake);
    for (const [id, s] of acks.settled)
      expect(ledger.getBet(id), id).toMatchObject({ status: s.status, payout: s.payout });
    // Every bet has exactly one stake entry, every settled bet with a payout exactly one payout entry.
    const entries = ledger.cashEntries();
    const stakes = new Map<string, number>();
    const payouts = new Map<string, number>();
    for (const e of entries) {
      if (e.kind === 'stake') stakes.set(e.betId as string, (stakes.get(e.betId as string) ?? 0) + 1);
      if (e.kind === 'payout') payouts.set(e.betId as string, (payouts.get(e.betId as string) ?? 0) + 1);
    }
    const bets = ledger.listBets();
    for (const bet of bets) {
      expect(stakes.get(bet.id), bet.id).toBe(1);
      expect(payouts.get(bet.id) ?? 0, bet.id).toBe((bet.payout ?? 0) > 0 ? 1 : 0);
    }
    expect(stakes.size).toBe(bets.length);
    const s = ledger.status();
    expect(s.balance + s.openStake).toBe(s.deposits + s.realisedProfit);
    // Replaying an acknowledged placement after the crash is recognised, not booked again.
    const [firstId, firstStake] = [...acks.placed][0];
    const replay = ledger.placeBet({
      betId: firstId,
      sport: 'soccer_epl',
      eventId: 'event-0',
      market: 'h2h',
      selection: 'home',
      bookmaker: 'pinnacle',
      odds: '150/100',
      stake: (firstStake / 100).toFixed(2),
    });
    expect(replay.created).toBe(false);
    expect(ledger.listBets()).toHaveLength(bets.length);
    ledger.close();
  }, 60_000);
});
