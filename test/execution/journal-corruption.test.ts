import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { NeuralTraderError } from '../../src/core/errors.js';
import { accountJournalPath } from '../../src/execution/account-names.js';
import { Journal } from '../../src/execution/journal.js';
import { checksumOf, ORDER_CHECKED_COLUMNS } from '../../src/execution/journal-check.js';
import { OrderManager } from '../../src/execution/order-manager.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';
import { runCli } from '../helpers/cli.js';

/**
 * Fault injection on the order journal: each kind of damage must be refused with a clear error that
 * names the file, by the library and by the CLI, and nothing may be written to the damaged file (its
 * bytes and its WAL are compared before and after). A journal whose fills do not add up must stop
 * trading, not be "repaired" by a fresh account.
 */

const root = mkdtempSync(join(tmpdir(), 'nt-journal-corrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

const T0 = Date.UTC(2024, 0, 2, 15);

/** A home whose default account holds filled orders (3 + 5 bought, 2 sold) and one resting limit order. */
async function journalWithFills(): Promise<{ cliHome: string; ntHome: string; path: string }> {
  counter++;
  const cliHome = join(root, `h${counter}`);
  const ntHome = join(cliHome, 'nt');
  mkdirSync(ntHome, { recursive: true });
  const journal = Journal.open(ntHome);
  const broker = new PaperBroker();
  broker.feedBar('AAPL', { timestamp: T0, open: 100, high: 100, low: 100, close: 100, volume: 1e9 });
  const manager = new OrderManager({ broker, journal });
  await manager.submitOrder({
    symbol: 'AAPL',
    side: 'buy',
    quantity: 3,
    type: 'market',
    clientOrderId: 'fill-3',
  });
  await manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 5, type: 'market' });
  await manager.submitOrder({ symbol: 'AAPL', side: 'sell', quantity: 2, type: 'market' });
  await manager.submitOrder({
    symbol: 'AAPL',
    side: 'buy',
    quantity: 1,
    type: 'limit',
    limitPrice: 50,
    timeInForce: 'gtc',
  });
  await manager.close();
  journal.close();
  return { cliHome, ntHome, path: accountJournalPath(ntHome, 'paper') };
}

/** A crash image: the journal and its WAL as a killed process leaves them (50 commits not checkpointed). */
async function crashImage(): Promise<{ cliHome: string; ntHome: string; path: string }> {
  counter++;
  const live = join(root, `live${counter}`);
  const journal = Journal.open(live);
  const broker = new PaperBroker();
  broker.feedBar('AAPL', { timestamp: T0, open: 100, high: 100, low: 100, close: 100, volume: 1e9 });
  const manager = new OrderManager({ broker, journal });
  for (let i = 0; i < 50; i++) {
    await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'market',
      clientOrderId: `w-${i}`,
    });
  }
  const source = accountJournalPath(live, 'paper');
  const cliHome = join(root, `h${counter}`);
  const ntHome = join(cliHome, 'nt');
  const path = accountJournalPath(ntHome, 'paper');
  mkdirSync(join(ntHome, 'accounts'), { recursive: true });
  copyFileSync(source, path);
  copyFileSync(`${source}-wal`, `${path}-wal`);
  await manager.close();
  journal.close();
  return { cliHome, ntHome, path };
}

function fingerprint(path: string): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(path));
  const wal = `${path}-wal`;
  hash.update(existsSync(wal) ? readFileSync(wal) : Buffer.alloc(0));
  return hash.digest('hex');
}

function withDb(path: string, fn: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    fn(db);
  } finally {
    db.close();
  }
}

type Damage = (path: string) => void;

const CORRUPTIONS: [
  string,
  () => Promise<{ cliHome: string; ntHome: string; path: string }>,
  Damage,
  RegExp,
][] = [
  ['a 0-byte file', journalWithFills, (p) => writeFileSync(p, ''), /is empty \(0 bytes\)/],
  [
    'a truncated file',
    journalWithFills,
    (p) => writeFileSync(p, readFileSync(p).subarray(0, Math.floor(statSync(p).size * 0.6))),
    /damaged|integrity check|malformed/,
  ],
  [
    'a bad header',
    journalWithFills,
    (p) => {
      const bytes = readFileSync(p);
      bytes.write('SQLite format 2\u0000', 0, 'latin1');
      writeFileSync(p, bytes);
    },
    /not a SQLite database \(bad header\)/,
  ],
  [
    'a corrupt page',
    journalWithFills,
    (p) => {
      const bytes = readFileSync(p);
      // Page 3 onwards hold the tables' b-trees: scribble over a whole page in the middle of the file.
      const page = Math.max(2, Math.floor(bytes.length / 4096 / 2));
      bytes.fill(0x5a, page * 4096, page * 4096 + 4096);
      writeFileSync(p, bytes);
    },
    /damaged|integrity check|malformed/,
  ],
  [
    'one changed byte in a fill row (3 shares read as 99)',
    journalWithFills,
    (p) => {
      const bytes = readFileSync(p);
      // The fill record of client order "fill-3": ...fill-3 AAPL buy <quantity 3 stored as one byte>.
      const marker = Buffer.from('fill-3AAPLbuy\u0003', 'latin1');
      const at = bytes.indexOf(marker);
      expect(at).toBeGreaterThan(0);
      bytes[at + marker.length - 1] = 99;
      writeFileSync(p, bytes);
    },
    /fill .*row checksum does not match|filled quantity 3 but its fills add up to 99/,
  ],
  [
    'one changed byte in a fill price, on a sealed journal, size and mtime kept (100 read as 101)',
    journalWithFills,
    (p) => {
      // A clean close sealed the journal (journal-seal.ts): the full check is skipped only for the
      // same bytes, so a changed price that no cross-check sees is still caught by its row checksum.
      expect(existsSync(`${p}.sealed`)).toBe(true);
      const { atime, mtime } = statSync(p);
      const bytes = readFileSync(p);
      const marker = Buffer.from('fill-3AAPLbuy\u0003\u0064', 'latin1');
      const at = bytes.indexOf(marker);
      expect(at).toBeGreaterThan(0);
      bytes[at + marker.length - 1] = 101;
      writeFileSync(p, bytes);
      utimesSync(p, atime, mtime);
    },
    /fill .*row checksum does not match its fields/,
  ],
  [
    'an order whose filled quantity does not match its fills (checksums recomputed)',
    journalWithFills,
    (p) =>
      withDb(p, (db) => {
        const row = db.prepare("SELECT * FROM orders WHERE client_order_id = 'fill-3'").get() as Record<
          string,
          unknown
        >;
        const forged = { ...row, filled_quantity: 2 };
        db.prepare('UPDATE orders SET filled_quantity = 2, checksum = ? WHERE id = ?').run(
          checksumOf(forged, ORDER_CHECKED_COLUMNS),
          row.id,
        );
      }),
    /filled quantity 2 but its fills add up to 3/,
  ],
  [
    'a deleted fill (positions no longer add up)',
    journalWithFills,
    (p) => withDb(p, (db) => db.prepare("DELETE FROM fills WHERE client_order_id = 'fill-3'").run()),
    /position AAPL: booked 6 but the fills imply 3/,
  ],
  [
    'a damaged WAL header after a crash',
    crashImage,
    (p) => {
      const wal = readFileSync(`${p}-wal`);
      wal.fill(0x41, 0, 32);
      writeFileSync(`${p}-wal`, wal);
    },
    /write-ahead log .*-wal \(bad header\)/,
  ],
  [
    'a corrupt frame inside the WAL after a crash',
    crashImage,
    (p) => {
      const wal = readFileSync(`${p}-wal`);
      const frame = 24 + 4096;
      const middle = 32 + Math.floor((wal.length - 32) / frame / 2) * frame;
      wal.fill(0x41, middle + 24 + 100, middle + 24 + 300);
      writeFileSync(`${p}-wal`, wal);
    },
    /write-ahead log .*frame \d+ of \d+ is corrupt and committed frames follow it/,
  ],
  [
    "another SQLite file in the journal's place",
    journalWithFills,
    (p) => {
      rmSync(p);
      withDb(p, (db) => db.exec('CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES (1)'));
    },
    /is not an account journal/,
  ],
];

describe('a damaged journal is refused, naming the file, and nothing is written to it', () => {
  it.each(CORRUPTIONS)('%s', async (_name, build, damage, reason) => {
    const { cliHome, ntHome, path } = await build();
    damage(path);
    const before = fingerprint(path);

    // The library refuses it (no fresh account, no repair).
    let thrown: unknown;
    try {
      Journal.open(ntHome).close();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NeuralTraderError);
    expect((thrown as Error).message).toContain(path);
    expect((thrown as Error).message).toMatch(reason);

    // The CLI: one error line naming the file, non-zero exit, for a read and for an order.
    for (const args of [
      ['order', 'list', '--status', 'all'],
      ['order', 'submit', '--symbol', 'AAPL', '--side', 'buy', '--quantity', '1'],
      ['portfolio', 'show'],
    ]) {
      const r = runCli(args, cliHome);
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors, r.stderr).toHaveLength(1);
      expect(errors[0]).toContain(path);
      expect(r.stderr).not.toMatch(/\n\s+at |unexpected failure/);
    }
    // `account list` still works and reports the damaged account.
    const list = runCli(['account', 'list', '--json'], cliHome);
    expect(list.code, list.stderr).toBe(0);
    const accounts = JSON.parse(list.stdout) as { account: string; problem?: string }[];
    expect(accounts.find((a) => a.account === 'paper')?.problem).toContain(path);

    expect(fingerprint(path)).toBe(before);
  });

  it('a crash image whose WAL is intact (or ends in a partial frame) opens with every acknowledged order', async () => {
    const intact = await crashImage();
    const journal = Journal.open(intact.ntHome);
    expect(journal.listOrders()).toHaveLength(50);
    journal.close();

    const torn = await crashImage();
    const wal = readFileSync(`${torn.path}-wal`);
    // A process killed between writing a frame's header and its page leaves a partial last frame.
    writeFileSync(`${torn.path}-wal`, wal.subarray(0, wal.length - 2000));
    const reopened = Journal.open(torn.ntHome);
    expect(reopened.listOrders().length).toBeGreaterThanOrEqual(49);
    reopened.close();
  });
});
