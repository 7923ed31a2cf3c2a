import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BetLedger, betPayout, type PlaceBetRequest } from '../../src/sports/ledger.js';
import { parseOdds } from '../../src/sports/odds.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempLedger(options: Parameters<typeof BetLedger.open>[0] = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nt-ledger-'));
  dirs.push(dir);
  const path = join(dir, 'bets.sqlite');
  let clock = Date.UTC(2024, 7, 17, 12);
  return { path, ledger: BetLedger.open({ path, now: () => clock++, ...options }) };
}

const base: PlaceBetRequest = {
  betId: 'b1',
  sport: 'soccer_epl',
  eventId: 'evt-ars-che',
  homeTeam: 'Arsenal',
  awayTeam: 'Chelsea',
  market: '1x2',
  selection: 'home',
  bookmaker: 'pinnacle',
  odds: '2.10',
  stake: '10.00',
};

describe('bet ledger', () => {
  it('books a bet, takes the stake from the balance, settles it from the score with an exact payout', () => {
    const { ledger } = tempLedger();
    const placed = ledger.placeBet(base);
    expect(placed.created).toBe(true);
    expect(placed.bet).toMatchObject({ id: 'b1', market: 'h2h', status: 'open', stake: 1000, payout: null });
    expect(placed.balance).toBe(100_000 - 1000);
    ledger.placeBet({
      ...base,
      betId: 'b2',
      market: 'asian-handicap',
      selection: 'away',
      line: 0.25,
      odds: '+105',
      stake: '25.01',
    });
    ledger.placeBet({
      ...base,
      betId: 'b3',
      market: 'totals',
      selection: 'over',
      line: 2.5,
      odds: '4/5',
      stake: 7,
    });
    const settlement = ledger.settleEvent('evt-ars-che', { home: 1, away: 1 });
    const byId = new Map(settlement.settled.map((b) => [b.id, b]));
    expect(byId.get('b1')).toMatchObject({ status: 'lost', payout: 0, profit: -1000 });
    // Away +0.25 on a draw: half at 2.05, half back: floor(2501 * 3.05 / 2) = 3814.
    expect(byId.get('b2')).toMatchObject({ status: 'half-won', payout: 3814 });
    expect(byId.get('b3')).toMatchObject({ status: 'lost', payout: 0 });
    const status = ledger.status();
    expect(status).toMatchObject({
      balance: 100_000 - 1000 - 2501 - 700 + 3814,
      openStake: 0,
      openBets: 0,
      settledBets: 3,
    });
    expect(status.realisedProfit).toBe(-1000 + (3814 - 2501) - 700);
    ledger.close();
  });

  it('payouts: won, half-won, void, half-lost, lost, and exchange commission on net winnings', () => {
    const odds = parseOdds('2.5');
    expect(betPayout(1001, odds, 0, 'won')).toBe(2502); // 2502.5 rounded down
    expect(betPayout(1001, odds, 0, 'half-won')).toBe(1751); // 1001 * 3.5 / 2 = 1751.75
    expect(betPayout(1001, odds, 0, 'void')).toBe(1001);
    expect(betPayout(1001, odds, 0, 'half-lost')).toBe(500);
    expect(betPayout(1001, odds, 0, 'lost')).toBe(0);
    expect(betPayout(1000, odds, 500, 'won')).toBe(1000 + 1425); // 1.5 * 1000 * 0.95
  });

  it('places idempotently by client bet id, and refuses the id for a different bet', () => {
    const { ledger } = tempLedger();
    const first = ledger.placeBet(base);
    const again = ledger.placeBet({ ...base, odds: 2.1 });
    expect(again.created).toBe(false);
    expect(again.bet).toEqual(first.bet);
    expect(ledger.listBets()).toHaveLength(1);
    expect(ledger.status().balance).toBe(99_000);
    expect(() => ledger.placeBet({ ...base, stake: '11.00' })).toThrow(
      /betId: b1 is already booked for a different bet/,
    );
    ledger.close();
  });

  it('manual settlement: cash-out, void; half results only on quarter lines; a bet is settled once', () => {
    const { ledger } = tempLedger();
    ledger.placeBet(base);
    ledger.placeBet({ ...base, betId: 'b2' });
    expect(ledger.settleBet('b1', 'cashed-out', { cashout: '12.34' })).toMatchObject({
      status: 'cashed-out',
      payout: 1234,
    });
    expect(() => ledger.settleBet('b1', 'won')).toThrow(/betId: bet b1 is already settled \(cashed-out/);
    expect(() => ledger.settleBet('b2', 'half-won')).toThrow(/half-won applies only to quarter-line bets/);
    expect(() => ledger.settleBet('b2', 'cashed-out')).toThrow(/cashout: a cashed-out bet needs the amount/);
    expect(() => ledger.settleBet('b2', 'pending')).toThrow(/status: "pending" is not a settlement status/);
    expect(() => ledger.settleBet('nope', 'won')).toThrow(/betId: no bet "nope"/);
    expect(ledger.settleBet('b2', 'void')).toMatchObject({ status: 'void', payout: 1000 });
    ledger.close();
  });

  it('refuses bad input with one line each and writes nothing', () => {
    const { ledger, path } = tempLedger();
    const cases: [Partial<PlaceBetRequest>, RegExp][] = [
      [{ odds: '1.0' }, /odds: odds must be more than 1/],
      [{ odds: 0.5 }, /odds: odds must be more than 1/],
      [{ stake: 0 }, /stake: must be more than zero/],
      [{ stake: -5 }, /stake: must be positive/],
      [{ stake: Number.NaN }, /stake: must be a finite amount/],
      [{ stake: Number.POSITIVE_INFINITY }, /stake: must be a finite amount/],
      [{ stake: '10.001' }, /stake: 10.001 has more decimals than USD has/],
      [{ stake: '5000.00' }, /stake: 5000.00 is more than the available balance 1000.00 USD/],
      [{ bookmaker: 'bet366' }, /bookmaker: unknown bookmaker "bet366"/],
      [{ market: 'corners' }, /market: unknown market "corners"/],
      [{ selection: 'over' }, /selection: "over" is not a h2h selection/],
      [{ eventId: 'a b' }, /eventId: "a b" has characters ids may not use/],
      [{ commission: 1.5 }, /commission: must be a fraction/],
    ];
    for (const [change, pattern] of cases)
      expect(() => ledger.placeBet({ ...base, ...change })).toThrow(pattern);
    expect(ledger.listBets()).toHaveLength(0);
    expect(ledger.cashEntries()).toHaveLength(0); // not even the account's opening deposit
    ledger.placeBet(base);
    expect(() => ledger.settleEvent('no-such-match', { home: 1, away: 0 })).toThrow(
      /eventId: no bets on event "no-such-match" \(unknown match\)/,
    );
    expect(() => ledger.settleEvent('evt-ars-che', { home: -1, away: 0 })).toThrow(
      /score: home goals must be a whole number/,
    );
    ledger.settleEvent('evt-ars-che', { home: 2, away: 0 });
    const before = ledger.cashEntries();
    expect(() => ledger.settleEvent('evt-ars-che', { home: 2, away: 0 })).toThrow(
      /already has a result \(2-0/,
    );
    expect(ledger.cashEntries()).toEqual(before);
    ledger.close();
    // A file that is not a ledger is refused by name.
    const foreign = join(mkdtempSync(join(tmpdir(), 'nt-ledger-')), 'x.sqlite');
    dirs.push(foreign);
    writeFileSync(foreign, 'not a database: '.repeat(20));
    expect(() => BetLedger.open({ path: foreign })).toThrow(
      /bet ledger .*x.sqlite is not a SQLite database \(bad header\)/,
    );
    expect(() => BetLedger.open({ path, currency: 'EUR' })).toThrow(/currency: .* books USD, not EUR/);
  });

  it('a failure half way through a placement or settlement leaves nothing half-written (one transaction)', () => {
    const { ledger, path } = tempLedger();
    ledger.placeBet(base);
    // Fault injection: the cash entry of bet "boom" (and the payout of bet b1) fails inside SQLite.
    const raw = new Database(path);
    raw.exec(`CREATE TRIGGER fail_stake BEFORE INSERT ON cash WHEN NEW.bet_id = 'boom' BEGIN SELECT RAISE(ABORT, 'injected fault'); END;
              CREATE TRIGGER fail_payout BEFORE INSERT ON cash WHEN NEW.bet_id = 'b1' AND NEW.kind = 'payout' BEGIN SELECT RAISE(ABORT, 'injected fault'); END;`);
    raw.close();
    const cash = ledger.cashEntries();
    expect(() => ledger.placeBet({ ...base, betId: 'boom' })).toThrow(/bet ledger .*injected fault/);
    expect(ledger.getBet('boom')).toBeUndefined();
    expect(() => ledger.settleEvent('evt-ars-che', { home: 2, away: 0 })).toThrow(/injected fault/);
    expect(ledger.getBet('b1')?.status).toBe('open');
    expect(ledger.cashEntries()).toEqual(cash);
    // The result was not recorded either, so the event can be settled once the fault is gone.
    const fix = new Database(path);
    fix.exec('DROP TRIGGER fail_payout');
    fix.close();
    expect(ledger.settleEvent('evt-ars-che', { home: 2, away: 0 }).settled[0]).toMatchObject({
      status: 'won',
      payout: 2100,
    });
    ledger.close();
  });

  it('performance by sport, market and bookmaker: stakes, returns, profit, ROI', () => {
    const { ledger } = tempLedger();
    ledger.placeBet(base); // loses
    ledger.placeBet({
      ...base,
      betId: 'b2',
      selection: 'away',
      bookmaker: 'williamhill',
      odds: '3.5',
      stake: '20',
    }); // wins 70
    ledger.placeBet({
      ...base,
      betId: 'b3',
      eventId: 'evt-2',
      sport: 'soccer_spain_la_liga',
      market: 'btts',
      selection: 'yes',
      stake: '5',
    });
    ledger.settleEvent('evt-ars-che', { home: 0, away: 1 });
    const bySport = ledger.performance('sport');
    expect(bySport).toEqual([
      expect.objectContaining({
        key: 'soccer_epl',
        bets: 2,
        settled: 2,
        staked: 3000,
        returned: 7000,
        profit: 4000,
        roi: 4000 / 3000,
      }),
      expect.objectContaining({
        key: 'soccer_spain_la_liga',
        bets: 1,
        settled: 0,
        staked: 0,
        openStake: 500,
      }),
    ]);
    expect(ledger.performance('bookmaker').map((r) => [r.key, r.profit])).toEqual([
      ['pinnacle', -1000],
      ['williamhill', 5000],
    ]);
    expect(ledger.performance('market').map((r) => r.key)).toEqual(['btts', 'h2h']);
    ledger.close();
  });
});

describe('settlement conserves money (property)', () => {
  it('balance + open stakes = deposits + realised profit, and cash entries sum to the balance, after any sequence', () => {
    const { ledger } = tempLedger({ initialBankroll: '100000.00' });
    const statuses = ['won', 'lost', 'void', 'cashed-out'] as const;
    let n = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            stake: fc.integer({ min: 1, max: 500_000 }),
            numerator: fc.integer({ min: 101, max: 5000 }),
            status: fc.integer({ min: 0, max: 4 }),
            line: fc.integer({ min: -8, max: 8 }),
            cashout: fc.integer({ min: 0, max: 100_000 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (ops) => {
          for (const op of ops) {
            const id = `p${n++}`;
            const quarter = op.status === 4;
            ledger.deposit((op.stake / 100).toFixed(2));
            ledger.placeBet({
              ...base,
              betId: id,
              eventId: `e${id}`,
              market: quarter ? 'spreads' : 'h2h',
              selection: 'home',
              line: quarter ? op.line / 4 : undefined,
              odds: `${op.numerator}/100`,
              stake: (op.stake / 100).toFixed(2),
            });
            if (quarter) ledger.settleEvent(`e${id}`, { home: op.line % 3 === 0 ? 1 : 0, away: 0 });
            else if (op.status < 3 || op.stake % 2 === 0) {
              const status = statuses[op.status];
              ledger.settleBet(
                id,
                status,
                status === 'cashed-out' ? { cashout: (op.cashout / 100).toFixed(2) } : {},
              );
            } // else: left open
          }
          const s = ledger.status();
          const cash = ledger.cashEntries().reduce((a, e) => a + e.amount, 0);
          expect(cash).toBe(s.balance);
          expect(s.balance + s.openStake).toBe(s.deposits + s.realisedProfit);
          const bets = ledger.listBets();
          const settledProfit = bets
            .filter((b) => b.status !== 'open')
            .reduce((a, b) => a + (b.profit as number), 0);
          expect(settledProfit).toBe(s.realisedProfit);
          for (const b of bets) expect(Number.isSafeInteger(b.payout ?? 0)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
    ledger.close();
  });
});
