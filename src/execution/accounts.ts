import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { openDatabase } from '../core/sqlite.js';
import type { EpochMs } from '../core/time.js';
import { Portfolio, type PortfolioMetrics } from '../portfolio/portfolio.js';
import { accountJournalPath, accountsDirectory, parseAccountName } from './account-names.js';
import { type AccountSettings, Journal } from './journal.js';
import { type JournalCheckCounts, JournalIntegrityError, verifyJournal } from './journal-check.js';
import { AccountInUseError, isLeaseLive, type LeaseHolder } from './lease.js';
import { samplePrice } from './session.js';

/**
 * Accounts as a user sees them: every account under a home with its cash, equity, orders, clock and
 * owner (`account list`, `account show`), the book of one account valued the same way for every face
 * (`portfolio show`, the MCP portfolio tools), and `resetAccount`, which returns an account to its
 * starting cash.
 */

/** How a position was valued. */
export interface PositionMark {
  price: number;
  /** "last close in the bundled sample data (2018-05-11)", "last replayed bar (2014-06-30)", ... */
  source: string;
  timestamp?: EpochMs;
}

/** An account's book: positions rebuilt from its journaled fills, each marked to a stated price. */
export interface AccountBook {
  settings: AccountSettings;
  journal: string;
  portfolio: Portfolio;
  metrics: PortfolioMetrics;
  marks: Record<string, PositionMark>;
  fills: number;
  orders: number;
  openOrders: number;
}

/**
 * Value the account in `journal`: every fill applied in journal order, each position marked to the
 * price the account last saw (a replay's last bar, saved when it stopped), else for paper accounts the
 * latest close of the bundled sample data (the price the paper broker trades at), else its last fill.
 * A replay's book therefore equals the equity its `trade` run reported.
 */
export async function accountBook(journal: Journal): Promise<AccountBook> {
  const settings = journal.settings;
  const portfolio = new Portfolio(settings.initialCapital);
  const fills = journal.listFills();
  for (const fill of fills) portfolio.applyFill(fill);
  const saved = new Map(journal.listMarks().map((m) => [m.symbol, m]));
  const marks: Record<string, PositionMark> = {};
  for (const position of portfolio.positions()) {
    const mark = saved.get(position.symbol);
    if (mark) {
      marks[position.symbol] = {
        price: mark.price,
        timestamp: mark.timestamp,
        source: `last price the account saw (${new Date(mark.timestamp).toISOString().slice(0, 10)})`,
      };
    } else {
      const reference = settings.broker === 'paper' ? await samplePrice(position.symbol) : undefined;
      marks[position.symbol] = reference
        ? { price: reference.price, timestamp: reference.timestamp, source: reference.source }
        : { price: position.lastPrice, source: 'last fill price' };
    }
    portfolio.mark(position.symbol, marks[position.symbol].price);
  }
  const counts = journal.countOrders();
  return {
    settings,
    journal: journal.path,
    portfolio,
    metrics: portfolio.calculateMetrics(),
    marks,
    fills: fills.length,
    orders: counts.total,
    openOrders: counts.open,
  };
}

/** One line of `account list`. */
export interface AccountSummary {
  account: string;
  journal: string;
  broker?: string;
  kind?: string;
  initialCapital?: number;
  cash?: number;
  equity?: number;
  orders?: number;
  openOrders?: number;
  fills?: number;
  positions?: number;
  /** The market time the account reached (bar time of a replay). */
  marketClock?: EpochMs;
  createdAt?: EpochMs;
  resetAt?: EpochMs;
  /** The process that owns it now, if one does. */
  owner?: LeaseHolder;
  /** Why the journal could not be read (damaged, newer version): the account is listed anyway. */
  problem?: string;
}

/** Read one account without owning it (read-only: works while another process trades it). */
export async function describeAccount(
  home: string,
  name: string,
): Promise<AccountSummary & { book?: AccountBook }> {
  const account = parseAccountName(name);
  const path = accountJournalPath(home, account);
  const journal = new Journal(path, { account, readonly: true });
  try {
    const book = await accountBook(journal);
    const holder = journal.lease.holder();
    return {
      account,
      journal: path,
      broker: book.settings.broker,
      kind: book.settings.kind,
      initialCapital: book.settings.initialCapital,
      cash: book.metrics.cash,
      equity: book.metrics.equity,
      orders: book.orders,
      openOrders: book.openOrders,
      fills: book.fills,
      positions: book.metrics.positionCount,
      marketClock: journal.marketClock(),
      createdAt: book.settings.createdAt,
      resetAt: book.settings.resetAt,
      owner: holder && isLeaseLive(holder) ? holder : undefined,
      book,
    };
  } finally {
    journal.close();
  }
}

/** Every account under `home`, sorted by name; a damaged journal is listed with its problem. */
export async function listAccounts(home: string): Promise<AccountSummary[]> {
  const directory = accountsDirectory(home);
  if (!existsSync(directory)) return [];
  const names = readdirSync(directory)
    .filter((file) => file.endsWith('.sqlite'))
    .map((file) => file.slice(0, -'.sqlite'.length))
    .sort();
  const summaries: AccountSummary[] = [];
  for (const name of names) {
    try {
      const { book: _book, ...summary } = await describeAccount(home, name);
      summaries.push(summary);
    } catch (error) {
      summaries.push({
        account: name,
        journal: join(directory, `${name}.sqlite`),
        problem: error instanceof NeuralTraderError ? error.message : String(error),
      });
    }
  }
  return summaries;
}

export interface ResetAccountOptions {
  /** A new starting cash (default: the account's own). */
  initialCapital?: number;
}

/**
 * Return an account to its starting cash: its orders, fills, positions and marks are deleted in one
 * transaction. Refused (AccountInUseError) while another live process owns the account; live broker
 * accounts cannot be reset (their money is at the broker).
 */
export function resetAccount(home: string, name: string, options: ResetAccountOptions = {}): AccountSettings {
  const account = parseAccountName(name);
  if (
    options.initialCapital !== undefined &&
    !(options.initialCapital > 0 && Number.isFinite(options.initialCapital))
  ) {
    throw new ValidationError(`capital: must be a positive number, got ${options.initialCapital}`, {
      field: 'capital',
    });
  }
  const journal = new Journal(accountJournalPath(home, account), { account, create: false });
  const owner = {};
  try {
    if (journal.settings.broker !== 'paper') {
      throw new NeuralTraderError(
        'UNSUPPORTED',
        `account ${account} books ${journal.settings.broker}; only paper accounts can be reset`,
        {
          field: 'account',
          hint: 'the money of a broker account is at the broker',
        },
      );
    }
    const holder = journal.lease.holder();
    if (holder && isLeaseLive(holder)) throw new AccountInUseError(account, holder);
    journal.lease.acquire(owner);
    return journal.reset({ initialCapital: options.initialCapital });
  } finally {
    journal.lease.release(owner);
    journal.close();
  }
}

/** The checks `verifyAccount` runs, in order (named in its report). */
export const ACCOUNT_CHECKS = [
  'file header',
  'write-ahead log frames',
  'SQLite quick_check',
  'row checksums of every order and fill',
  "fills against each order's filled quantity, side and symbol",
  'fills against the booked positions',
] as const;

/** What `verifyAccount` found: what it checked and, when the journal fails, every problem. */
export interface AccountVerification {
  account: string;
  journal: string;
  ok: boolean;
  /** Rows looked at (null when the file could not be read far enough to count them). */
  orders: number | null;
  fills: number | null;
  positions: number | null;
  checks: readonly string[];
  /** Every mismatch or damage found (empty when ok). */
  problems: string[];
}

/**
 * Run the journal's full integrity check on demand (`account verify`, MCP `verify_account`): the same
 * checks as opening a journal that has no seal (journal-check.ts), always in full (row checksums and
 * quick_check are never skipped here), on a read-only connection: nothing is written, and it works
 * while another process owns and trades the account. A missing account is a NOT_FOUND error; a journal
 * that fails is a report with `ok: false`, not an error.
 */
export function verifyAccount(home: string, name: string): AccountVerification {
  const account = parseAccountName(name);
  const path = accountJournalPath(home, account);
  if (!existsSync(path)) {
    throw new NeuralTraderError('NOT_FOUND', `no account ${account} (no journal ${path})`, {
      field: 'account',
      hint: 'list accounts with `npx neural-trader account list`',
    });
  }
  let counts: JournalCheckCounts | undefined;
  try {
    const db = openDatabase(path, {
      kind: 'order journal',
      readonly: true,
      check: true,
      verify: (checked) => {
        counts = verifyJournal(checked, path, { rows: true });
      },
    });
    db.close();
  } catch (error) {
    if (!(error instanceof NeuralTraderError)) throw error;
    const problems = error instanceof JournalIntegrityError ? [...error.problems] : [error.message];
    return {
      account,
      journal: path,
      ok: false,
      orders: null,
      fills: null,
      positions: null,
      checks: ACCOUNT_CHECKS,
      problems,
    };
  }
  return {
    account,
    journal: path,
    ok: true,
    orders: counts?.orders ?? 0,
    fills: counts?.fills ?? 0,
    positions: counts?.positions ?? 0,
    checks: ACCOUNT_CHECKS,
    problems: [],
  };
}
