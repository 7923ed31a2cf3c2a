import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { getConfig } from '../core/config.js';
import { DEFAULT_ACCOUNT, DEFAULT_CURRENCY_CODE } from '../core/defaults.js';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { parseIdentifier } from '../core/inputs.js';
import {
  type Currency,
  currency as currencyOf,
  formatMoney,
  type MinorUnits,
  parseMoney,
} from '../core/money.js';
import { openDatabase, type SqliteDatabase, sqliteError } from '../core/sqlite.js';
import { parseBookmaker } from './bookmakers.js';
import { DEFAULT_BETTING_BANKROLL } from './defaults.js';
import { formatDecimalOdds, type Odds, type OddsFormat, oddsFromRatio, parseOdds } from './odds.js';
import {
  type BetMarket,
  checkSelection,
  isQuarterLine,
  parseBetMarket,
  type ScoreResult,
  settleSelection,
} from './settlement.js';

/**
 * The bet ledger: every bet with its stake, price, bookmaker, market and selection, and every movement of
 * money, in SQLite. Money is integer minor units of one currency; prices are exact ratios, so a payout is
 * exact to the unit (rounded down, as bookmakers pay). Durability follows the order journal: each
 * placement or settlement is one transaction committed before the call returns, so an acknowledged bet
 * survives the process being killed, and a half-done one never existed.
 *
 * Idempotency: a bet's id is the caller's client bet id (generated when not given). Placing the same id
 * again with the same details returns the booked bet instead of a second one; with different details it
 * is refused. Settling a bet that is no longer open, or recording a second result for an event, is an
 * error and changes nothing.
 *
 * Money: balance = deposits + payouts - stakes, kept as cash entries; open stakes are the money at risk.
 */
export const BET_STATUSES = ['open', 'won', 'lost', 'void', 'half-won', 'half-lost', 'cashed-out'] as const;
export type BetStatus = (typeof BET_STATUSES)[number];
export type SettledStatus = Exclude<BetStatus, 'open'>;

export interface PlaceBetRequest {
  /** Client bet id (idempotency key); generated when absent. */
  betId?: string;
  account?: string;
  /** Sport key, e.g. soccer_epl (The Odds API's keys). */
  sport: string;
  eventId: string;
  homeTeam?: string;
  awayTeam?: string;
  market: string;
  selection: string;
  /** Totals: goal line; spreads: the selected team's handicap. */
  line?: number;
  bookmaker: string;
  /** Price in any format ("2.5", "+150", "3/2", 2.5). */
  odds: string | number;
  oddsFormat?: OddsFormat;
  /** Stake in major units ("10.50" or 10.5), at most the currency's decimals. */
  stake: string | number;
  /** Exchange commission on net winnings as a fraction (0.02 = 2%); whole basis points. */
  commission?: number;
  note?: string;
}

export interface Bet {
  id: string;
  account: string;
  sport: string;
  eventId: string;
  homeTeam: string | null;
  awayTeam: string | null;
  market: BetMarket;
  selection: string;
  line: number | null;
  bookmaker: string;
  /** The price as given. */
  oddsText: string;
  /** Exact decimal price as a ratio. */
  odds: Odds;
  commissionBps: number;
  stake: MinorUnits;
  status: BetStatus;
  /** Money returned (stake included); null while open. */
  payout: MinorUnits | null;
  /** payout - stake; null while open. */
  profit: MinorUnits | null;
  currency: Currency;
  placedAt: number;
  settledAt: number | null;
  note: string | null;
}

export interface PlaceBetResult {
  bet: Bet;
  /** False when the id was already booked with the same details (nothing new was written). */
  created: boolean;
  /** Balance after the bet, in minor units. */
  balance: MinorUnits;
}

export interface SettleOptions {
  /** For status cashed-out: the amount received, in major units. */
  cashout?: string | number;
}

export interface EventSettlement {
  eventId: string;
  score: { home: number; away: number };
  settled: Bet[];
  /** Open bets on the event in markets that need a manual status (outrights). */
  manual: Bet[];
}

export interface AccountStatus {
  account: string;
  currency: Currency;
  /** Cash not at risk: deposits + payouts - stakes. */
  balance: MinorUnits;
  deposits: MinorUnits;
  /** Stakes of open bets (at risk). */
  openStake: MinorUnits;
  openBets: number;
  settledBets: number;
  /** Sum of payout - stake over settled bets. */
  realisedProfit: MinorUnits;
  /** balance + openStake: what the account is worth if open bets are returned at cost. */
  equity: MinorUnits;
}

export const PERFORMANCE_GROUPS = ['sport', 'market', 'bookmaker', 'account'] as const;
export type PerformanceGroup = (typeof PERFORMANCE_GROUPS)[number];

export interface PerformanceRow {
  key: string;
  bets: number;
  settled: number;
  won: number;
  lost: number;
  /** void, half-won, half-lost and cashed-out bets. */
  other: number;
  /** Stakes of settled bets. */
  staked: MinorUnits;
  returned: MinorUnits;
  profit: MinorUnits;
  /** profit / staked over settled bets (NaN when nothing is settled). */
  roi: number;
  openStake: MinorUnits;
}

export interface BetLedgerOptions {
  /** Database file; default {NEURAL_TRADER_HOME}/sports/bets.sqlite; ':memory:' for tests. */
  path?: string;
  /** Currency of a new ledger (default DEFAULT_CURRENCY_CODE); an existing ledger keeps its own. */
  currency?: string;
  /** Deposit credited when an account is first used (default DEFAULT_BETTING_BANKROLL; 0 for none). */
  initialBankroll?: string | number;
  synchronous?: 'NORMAL' | 'FULL';
  /** Clock (tests). */
  now?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  name TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bets (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL REFERENCES accounts(name),
  sport TEXT NOT NULL,
  event_id TEXT NOT NULL,
  home_team TEXT,
  away_team TEXT,
  market TEXT NOT NULL,
  selection TEXT NOT NULL,
  line REAL,
  bookmaker TEXT NOT NULL,
  odds_text TEXT NOT NULL,
  odds_num INTEGER NOT NULL CHECK (odds_num > odds_den),
  odds_den INTEGER NOT NULL CHECK (odds_den > 0),
  commission_bps INTEGER NOT NULL DEFAULT 0 CHECK (commission_bps >= 0 AND commission_bps < 10000),
  stake INTEGER NOT NULL CHECK (stake > 0),
  status TEXT NOT NULL CHECK (status IN ('open','won','lost','void','half-won','half-lost','cashed-out')),
  payout INTEGER CHECK (payout >= 0),
  placed_at INTEGER NOT NULL,
  settled_at INTEGER,
  note TEXT
);
CREATE INDEX IF NOT EXISTS bets_event ON bets(event_id);
CREATE INDEX IF NOT EXISTS bets_account_status ON bets(account, status);
CREATE TABLE IF NOT EXISTS cash (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL REFERENCES accounts(name),
  kind TEXT NOT NULL CHECK (kind IN ('deposit','withdrawal','stake','payout')),
  amount INTEGER NOT NULL,
  bet_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cash_account ON cash(account);
CREATE TABLE IF NOT EXISTS results (
  event_id TEXT PRIMARY KEY,
  home_goals INTEGER NOT NULL,
  away_goals INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL
);
`;

const LEDGER_KIND = 'neural-trader bet ledger';

interface BetRow {
  id: string;
  account: string;
  sport: string;
  event_id: string;
  home_team: string | null;
  away_team: string | null;
  market: string;
  selection: string;
  line: number | null;
  bookmaker: string;
  odds_text: string;
  odds_num: number;
  odds_den: number;
  commission_bps: number;
  stake: number;
  status: string;
  payout: number | null;
  placed_at: number;
  settled_at: number | null;
  note: string | null;
}

export function defaultLedgerPath(home = getConfig().home): string {
  return join(home, 'sports', 'bets.sqlite');
}

/** Integer floor(a * b / c) for non-negative safe integers, exact through BigInt. */
function mulDiv(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/**
 * Money back (stake included) for a bet settled with `status`, rounded down to the minor unit. Exchange
 * commission is taken from net winnings.
 */
export function betPayout(
  stake: MinorUnits,
  odds: Odds,
  commissionBps: number,
  status: ScoreResult,
): MinorUnits {
  const keep = 10_000 - commissionBps;
  const winnings = (halves: number) =>
    mulDiv(stake * halves, (odds.numerator - odds.denominator) * keep, 2 * odds.denominator * 10_000);
  switch (status) {
    case 'won':
      return stake + winnings(2);
    case 'half-won':
      return stake + winnings(1);
    case 'void':
      return stake;
    case 'half-lost':
      return Math.floor(stake / 2);
    default:
      return 0;
  }
}

export class BetLedger {
  readonly path: string;
  readonly currency: Currency;
  private readonly db: SqliteDatabase;
  private readonly initialBankroll: MinorUnits;
  private readonly now: () => number;

  private constructor(
    db: SqliteDatabase,
    path: string,
    currency: Currency,
    initialBankroll: MinorUnits,
    now: () => number,
  ) {
    this.db = db;
    this.path = path;
    this.currency = currency;
    this.initialBankroll = initialBankroll;
    this.now = now;
  }

  static open(options: BetLedgerOptions = {}): BetLedger {
    const path = options.path ?? defaultLedgerPath();
    const db = openDatabase(path, { kind: 'bet ledger', synchronous: options.synchronous });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[];
      const hasMeta = tables.some((t) => t.name === 'meta');
      if (tables.length > 0 && !hasMeta) {
        throw new NeuralTraderError('IO', `bet ledger ${path} is another kind of database`, {
          field: path,
          hint: 'point the ledger at its own file (default NEURAL_TRADER_HOME/sports/bets.sqlite)',
        });
      }
      if (hasMeta) {
        const kind = db.prepare("SELECT value FROM meta WHERE key = 'kind'").get() as
          | { value: string }
          | undefined;
        if (kind?.value !== LEDGER_KIND) {
          throw new NeuralTraderError('IO', `bet ledger ${path} is another kind of database`, {
            field: path,
            hint: 'point the ledger at its own file (default NEURAL_TRADER_HOME/sports/bets.sqlite)',
          });
        }
      }
      db.exec(SCHEMA);
      const requested = currencyOf(options.currency ?? DEFAULT_CURRENCY_CODE);
      db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('kind', ?)").run(LEDGER_KIND);
      db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('currency', ?)").run(requested.code);
      const stored = db.prepare("SELECT value FROM meta WHERE key = 'currency'").get() as { value: string };
      const ccy = currencyOf(stored.value);
      if (options.currency && ccy.code !== requested.code) {
        throw new ValidationError(`currency: ${path} books ${ccy.code}, not ${requested.code}`, {
          field: 'currency',
          hint: 'a ledger has one currency; use another file for another currency',
        });
      }
      const initial = parseMoney(options.initialBankroll ?? DEFAULT_BETTING_BANKROLL, ccy, {
        field: 'initialBankroll',
        allowZero: true,
      });
      return new BetLedger(db, path, ccy, initial, options.now ?? Date.now);
    } catch (error) {
      db.close();
      throw sqliteError(error, 'bet ledger', path);
    }
  }

  close(): void {
    this.db.close();
  }

  private run<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      throw sqliteError(error, 'bet ledger', this.path);
    }
  }

  /** Create the account on first use, crediting the initial bankroll (inside the caller's transaction). */
  private ensureAccount(account: string): void {
    const exists = this.db.prepare('SELECT 1 FROM accounts WHERE name = ?').get(account);
    if (exists) return;
    const at = this.now();
    this.db.prepare('INSERT INTO accounts (name, created_at) VALUES (?, ?)').run(account, at);
    if (this.initialBankroll > 0) {
      this.db
        .prepare(
          "INSERT INTO cash (account, kind, amount, bet_id, created_at) VALUES (?, 'deposit', ?, NULL, ?)",
        )
        .run(account, this.initialBankroll, at);
    }
  }

  private balanceOf(account: string): MinorUnits {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(amount), 0) AS total FROM cash WHERE account = ?')
      .get(account) as {
      total: number;
    };
    return row.total;
  }

  /** Add money to an account (creating it, with its initial bankroll, on first use). */
  deposit(amount: string | number, account: string = DEFAULT_ACCOUNT): MinorUnits {
    const name = parseIdentifier(account, 'account');
    const minor = parseMoney(amount, this.currency, { field: 'amount' });
    return this.run(() => {
      this.ensureAccount(name);
      this.db
        .prepare(
          "INSERT INTO cash (account, kind, amount, bet_id, created_at) VALUES (?, 'deposit', ?, NULL, ?)",
        )
        .run(name, minor, this.now());
      return this.balanceOf(name);
    });
  }

  /** Validate a request completely before anything is written. */
  private checkRequest(request: PlaceBetRequest) {
    const account = parseIdentifier(request.account ?? DEFAULT_ACCOUNT, 'account');
    const betId =
      request.betId === undefined
        ? randomUUID()
        : parseIdentifier(request.betId, 'betId', { maxLength: 100 });
    const sport = parseIdentifier(String(request.sport ?? ''), 'sport');
    const eventId = parseIdentifier(String(request.eventId ?? ''), 'eventId', { maxLength: 100 });
    const market = parseBetMarket(request.market);
    const selection = checkSelection({ market, selection: request.selection, line: request.line });
    const bookmaker = parseBookmaker(request.bookmaker);
    const oddsText = String(request.odds).trim();
    const odds = parseOdds(request.odds, request.oddsFormat, 'odds');
    const stake = parseMoney(request.stake, this.currency, { field: 'stake' });
    const commission = request.commission ?? 0;
    if (!(Number.isFinite(commission) && commission >= 0 && commission < 1)) {
      throw new ValidationError(`commission: must be a fraction in [0, 1), got ${commission}`, {
        field: 'commission',
      });
    }
    const commissionBps = Math.round(commission * 10_000);
    if (Math.abs(commissionBps - commission * 10_000) > 1e-6) {
      throw new ValidationError(`commission: ${commission} is not a whole number of basis points`, {
        field: 'commission',
      });
    }
    const text = (value: string | undefined, field: string) => {
      if (value === undefined) return null;
      const t = String(value).trim();
      if (t.length > 100 || [...t].some((ch) => ch.charCodeAt(0) < 0x20)) {
        throw new ValidationError(`${field}: must be at most 100 printable characters`, { field });
      }
      return t === '' ? null : t;
    };
    return {
      account,
      betId,
      sport,
      eventId,
      homeTeam: text(request.homeTeam, 'homeTeam'),
      awayTeam: text(request.awayTeam, 'awayTeam'),
      market,
      selection: selection.selection,
      line: selection.line ?? null,
      bookmaker,
      oddsText,
      odds,
      stake,
      commissionBps,
      note: text(request.note, 'note'),
    };
  }

  /** Book a bet (stake taken from the balance), committed before this returns. */
  placeBet(request: PlaceBetRequest): PlaceBetResult {
    const r = this.checkRequest(request);
    return this.run(() => {
      const existing = this.db.prepare('SELECT * FROM bets WHERE id = ?').get(r.betId) as BetRow | undefined;
      if (existing) {
        const same =
          existing.account === r.account &&
          existing.sport === r.sport &&
          existing.event_id === r.eventId &&
          existing.market === r.market &&
          existing.selection === r.selection &&
          (existing.line ?? null) === r.line &&
          existing.bookmaker === r.bookmaker &&
          existing.odds_num === r.odds.numerator &&
          existing.odds_den === r.odds.denominator &&
          existing.stake === r.stake &&
          existing.commission_bps === r.commissionBps;
        if (!same) {
          throw new ValidationError(`betId: ${r.betId} is already booked for a different bet`, {
            field: 'betId',
            hint: 'use a new client bet id for a new bet; resend the same details to retry safely',
          });
        }
        return { bet: this.toBet(existing), created: false, balance: this.balanceOf(existing.account) };
      }
      this.ensureAccount(r.account);
      const balance = this.balanceOf(r.account);
      if (r.stake > balance) {
        throw new ValidationError(
          `stake: ${formatMoney(r.stake, this.currency)} is more than the available balance ${formatMoney(balance, this.currency)} ${this.currency.code}`,
          { field: 'stake', hint: 'settle open bets or deposit more before staking this much' },
        );
      }
      const at = this.now();
      this.db
        .prepare(
          `INSERT INTO bets (id, account, sport, event_id, home_team, away_team, market, selection, line, bookmaker,
             odds_text, odds_num, odds_den, commission_bps, stake, status, payout, placed_at, settled_at, note)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, ?, NULL, ?)`,
        )
        .run(
          r.betId,
          r.account,
          r.sport,
          r.eventId,
          r.homeTeam,
          r.awayTeam,
          r.market,
          r.selection,
          r.line,
          r.bookmaker,
          r.oddsText,
          r.odds.numerator,
          r.odds.denominator,
          r.commissionBps,
          r.stake,
          at,
          r.note,
        );
      this.db
        .prepare("INSERT INTO cash (account, kind, amount, bet_id, created_at) VALUES (?, 'stake', ?, ?, ?)")
        .run(r.account, -r.stake, r.betId, at);
      const bet = this.db.prepare('SELECT * FROM bets WHERE id = ?').get(r.betId) as BetRow;
      return { bet: this.toBet(bet), created: true, balance: balance - r.stake };
    });
  }

  private openBet(betId: string): BetRow {
    const id = parseIdentifier(betId, 'betId', { maxLength: 100 });
    const row = this.db.prepare('SELECT * FROM bets WHERE id = ?').get(id) as BetRow | undefined;
    if (!row) {
      throw new NeuralTraderError('NOT_FOUND', `betId: no bet "${id}" in the ledger`, {
        field: 'betId',
        hint: 'list bets with `npx neural-trader sports bets report --bets`',
      });
    }
    if (row.status !== 'open') {
      throw new ValidationError(
        `betId: bet ${id} is already settled (${row.status} at ${new Date(row.settled_at ?? 0).toISOString()}); a bet is settled once`,
        { field: 'betId' },
      );
    }
    return row;
  }

  private writeSettlement(row: BetRow, status: SettledStatus, payout: MinorUnits, at: number): void {
    const changed = this.db
      .prepare("UPDATE bets SET status = ?, payout = ?, settled_at = ? WHERE id = ? AND status = 'open'")
      .run(status, payout, at, row.id);
    if (changed.changes !== 1)
      throw new ValidationError(`betId: bet ${row.id} is already settled`, { field: 'betId' });
    if (payout > 0) {
      this.db
        .prepare("INSERT INTO cash (account, kind, amount, bet_id, created_at) VALUES (?, 'payout', ?, ?, ?)")
        .run(row.account, payout, row.id, at);
    }
  }

  /** Settle one bet with an explicit status (cashed-out needs the amount received). */
  settleBet(betId: string, status: string, options: SettleOptions = {}): Bet {
    const parsed = String(status).trim().toLowerCase() as SettledStatus;
    if (!(BET_STATUSES as readonly string[]).includes(parsed) || parsed === ('open' as string)) {
      throw new ValidationError(`status: "${String(status).slice(0, 20)}" is not a settlement status`, {
        field: 'status',
        hint: 'use won, lost, void, half-won, half-lost or cashed-out',
      });
    }
    let cashout: MinorUnits | undefined;
    if (parsed === 'cashed-out') {
      if (options.cashout === undefined) {
        throw new ValidationError('cashout: a cashed-out bet needs the amount received', {
          field: 'cashout',
        });
      }
      cashout = parseMoney(options.cashout, this.currency, { field: 'cashout', allowZero: true });
    } else if (options.cashout !== undefined) {
      throw new ValidationError('cashout: only a cashed-out bet has a cash-out amount', { field: 'cashout' });
    }
    return this.run(() => {
      const row = this.openBet(betId);
      if (
        (parsed === 'half-won' || parsed === 'half-lost') &&
        !(row.line !== null && isQuarterLine(row.line))
      ) {
        throw new ValidationError(`status: ${parsed} applies only to quarter-line bets (e.g. -0.25, 2.75)`, {
          field: 'status',
        });
      }
      const payout =
        parsed === 'cashed-out'
          ? (cashout as number)
          : betPayout(row.stake, this.oddsOf(row), row.commission_bps, parsed);
      const at = this.now();
      this.writeSettlement(row, parsed, payout, at);
      return this.toBet(this.db.prepare('SELECT * FROM bets WHERE id = ?').get(row.id) as BetRow);
    });
  }

  /**
   * Settle every open bet on an event from its final score and record the result. An event without any
   * bet is an unknown match; an event that already has a result cannot get another.
   */
  settleEvent(eventId: string, score: { home: number; away: number }): EventSettlement {
    const id = parseIdentifier(eventId, 'eventId', { maxLength: 100 });
    for (const [side, goals] of Object.entries(score)) {
      if (!Number.isInteger(goals) || goals < 0 || goals > 99) {
        throw new ValidationError(`score: ${side} goals must be a whole number from 0 to 99, got ${goals}`, {
          field: 'score',
        });
      }
    }
    return this.run(() => {
      const recorded = this.db.prepare('SELECT * FROM results WHERE event_id = ?').get(id) as
        | { home_goals: number; away_goals: number; recorded_at: number }
        | undefined;
      if (recorded) {
        throw new ValidationError(
          `eventId: ${id} already has a result (${recorded.home_goals}-${recorded.away_goals}, recorded ${new Date(recorded.recorded_at).toISOString()}); results are recorded once`,
          { field: 'eventId', hint: 'settle individual bets by status if a result was corrected' },
        );
      }
      const rows = this.db
        .prepare('SELECT * FROM bets WHERE event_id = ? ORDER BY placed_at, id')
        .all(id) as BetRow[];
      if (rows.length === 0) {
        throw new NeuralTraderError('NOT_FOUND', `eventId: no bets on event "${id}" (unknown match)`, {
          field: 'eventId',
          hint: 'check the event id of the bets you placed',
        });
      }
      const at = this.now();
      this.db
        .prepare('INSERT INTO results (event_id, home_goals, away_goals, recorded_at) VALUES (?, ?, ?, ?)')
        .run(id, score.home, score.away, at);
      const settled: Bet[] = [];
      const manual: Bet[] = [];
      for (const row of rows) {
        if (row.status !== 'open') continue;
        if (row.market === 'outrights') {
          manual.push(this.toBet(row));
          continue;
        }
        const market = row.market as BetMarket;
        const result = settleSelection(
          { market, selection: row.selection, line: row.line ?? undefined },
          score.home,
          score.away,
        );
        const payout = betPayout(row.stake, this.oddsOf(row), row.commission_bps, result);
        this.writeSettlement(row, result, payout, at);
        settled.push(this.toBet(this.db.prepare('SELECT * FROM bets WHERE id = ?').get(row.id) as BetRow));
      }
      return { eventId: id, score: { home: score.home, away: score.away }, settled, manual };
    });
  }

  getBet(betId: string): Bet | undefined {
    const row = this.db.prepare('SELECT * FROM bets WHERE id = ?').get(betId) as BetRow | undefined;
    return row ? this.toBet(row) : undefined;
  }

  listBets(
    filter: { account?: string; status?: BetStatus | 'settled'; eventId?: string; limit?: number } = {},
  ): Bet[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.account) {
      where.push('account = ?');
      args.push(filter.account);
    }
    if (filter.status === 'settled') where.push("status <> 'open'");
    else if (filter.status) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter.eventId) {
      where.push('event_id = ?');
      args.push(filter.eventId);
    }
    const limit = Math.max(1, Math.min(100_000, filter.limit ?? 100_000));
    const sql = `SELECT * FROM bets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY placed_at, id LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as BetRow[]).map((r) => this.toBet(r));
  }

  /** Balance, money at risk and realised P&L of an account. */
  status(account: string = DEFAULT_ACCOUNT): AccountStatus {
    const name = parseIdentifier(account, 'account');
    const known = this.db.prepare('SELECT 1 FROM accounts WHERE name = ?').get(name);
    const sums = this.db
      .prepare(
        `SELECT
           COALESCE(SUM(CASE WHEN kind = 'deposit' THEN amount END), 0) AS deposits,
           COALESCE(SUM(amount), 0) AS balance
         FROM cash WHERE account = ?`,
      )
      .get(name) as { deposits: number; balance: number };
    const bets = this.db
      .prepare(
        `SELECT
           COALESCE(SUM(CASE WHEN status = 'open' THEN stake END), 0) AS open_stake,
           COALESCE(SUM(CASE WHEN status = 'open' THEN 1 END), 0) AS open_bets,
           COALESCE(SUM(CASE WHEN status <> 'open' THEN 1 END), 0) AS settled_bets,
           COALESCE(SUM(CASE WHEN status <> 'open' THEN payout - stake END), 0) AS profit
         FROM bets WHERE account = ?`,
      )
      .get(name) as { open_stake: number; open_bets: number; settled_bets: number; profit: number };
    // An account not used yet would be created with the initial bankroll on its first bet.
    const deposits = known ? sums.deposits : this.initialBankroll;
    const balance = known ? sums.balance : this.initialBankroll;
    return {
      account: name,
      currency: this.currency,
      balance,
      deposits,
      openStake: bets.open_stake,
      openBets: bets.open_bets,
      settledBets: bets.settled_bets,
      realisedProfit: bets.profit,
      equity: balance + bets.open_stake,
    };
  }

  /** Bets, stakes, returns, profit and ROI grouped by sport, market, bookmaker or account. */
  performance(by: PerformanceGroup = 'sport', account?: string): PerformanceRow[] {
    if (!PERFORMANCE_GROUPS.includes(by)) {
      throw new ValidationError(`by: cannot group by "${by}"`, {
        field: 'by',
        hint: `use ${PERFORMANCE_GROUPS.join(', ')}`,
      });
    }
    const column =
      by === 'market' ? 'market' : by === 'bookmaker' ? 'bookmaker' : by === 'account' ? 'account' : 'sport';
    const rows = this.db
      .prepare(
        `SELECT ${column} AS key,
           COUNT(*) AS bets,
           COALESCE(SUM(CASE WHEN status <> 'open' THEN 1 END), 0) AS settled,
           COALESCE(SUM(CASE WHEN status = 'won' THEN 1 END), 0) AS won,
           COALESCE(SUM(CASE WHEN status = 'lost' THEN 1 END), 0) AS lost,
           COALESCE(SUM(CASE WHEN status NOT IN ('open','won','lost') THEN 1 END), 0) AS other,
           COALESCE(SUM(CASE WHEN status <> 'open' THEN stake END), 0) AS staked,
           COALESCE(SUM(CASE WHEN status <> 'open' THEN payout END), 0) AS returned,
           COALESCE(SUM(CASE WHEN status = 'open' THEN stake END), 0) AS open_stake
         FROM bets ${account ? 'WHERE account = ?' : ''}
         GROUP BY ${column} ORDER BY ${column}`,
      )
      .all(...(account ? [parseIdentifier(account, 'account')] : [])) as {
      key: string;
      bets: number;
      settled: number;
      won: number;
      lost: number;
      other: number;
      staked: number;
      returned: number;
      open_stake: number;
    }[];
    return rows.map((r) => ({
      key: r.key,
      bets: r.bets,
      settled: r.settled,
      won: r.won,
      lost: r.lost,
      other: r.other,
      staked: r.staked,
      returned: r.returned,
      profit: r.returned - r.staked,
      roi: r.staked > 0 ? (r.returned - r.staked) / r.staked : Number.NaN,
      openStake: r.open_stake,
    }));
  }

  /** Every cash movement of an account, oldest first (for audits and the conservation tests). */
  cashEntries(
    account: string = DEFAULT_ACCOUNT,
  ): { kind: string; amount: MinorUnits; betId: string | null }[] {
    return (
      this.db
        .prepare('SELECT kind, amount, bet_id FROM cash WHERE account = ? ORDER BY seq')
        .all(account) as {
        kind: string;
        amount: number;
        bet_id: string | null;
      }[]
    ).map((r) => ({ kind: r.kind, amount: r.amount, betId: r.bet_id }));
  }

  private oddsOf(row: BetRow): Odds {
    return oddsFromRatio(row.odds_num, row.odds_den);
  }

  private toBet(row: BetRow): Bet {
    return {
      id: row.id,
      account: row.account,
      sport: row.sport,
      eventId: row.event_id,
      homeTeam: row.home_team,
      awayTeam: row.away_team,
      market: row.market as BetMarket,
      selection: row.selection,
      line: row.line,
      bookmaker: row.bookmaker,
      oddsText: row.odds_text,
      odds: this.oddsOf(row),
      commissionBps: row.commission_bps,
      stake: row.stake,
      status: row.status as BetStatus,
      payout: row.payout,
      profit: row.payout === null ? null : row.payout - row.stake,
      currency: this.currency,
      placedAt: row.placed_at,
      settledAt: row.settled_at,
      note: row.note,
    };
  }
}

/** Decimal text of a bet's exact price (for tables). */
export function betOddsText(bet: Bet): string {
  return formatDecimalOdds(bet.odds);
}
