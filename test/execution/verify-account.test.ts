import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountJournalPath } from '../../src/execution/account-names.js';
import { Journal } from '../../src/execution/journal.js';
import { checksumOf, ORDER_CHECKED_COLUMNS } from '../../src/execution/journal-check.js';
import {
  callOk,
  connectStdio,
  makeSandbox,
  runCli,
  type Sandbox,
  type StdioSession,
} from '../mcp/helpers.js';

/**
 * `account verify` (CLI) and `verify_account` (MCP) run the journal's full integrity check on demand
 * and give the same report: what was checked and every problem. A mismatch exits non-zero on the CLI.
 * Verification never trusts the seal that lets an ordinary open skip row checksums.
 */

let sandbox: Sandbox;
let session: StdioSession;
let path: string;

beforeAll(async () => {
  sandbox = makeSandbox();
  for (const quantity of ['3', '5']) {
    const r = await runCli(sandbox, [
      'order',
      'submit',
      '--symbol',
      'AAPL',
      '--side',
      'buy',
      '--quantity',
      quantity,
    ]);
    expect(r.code, r.stderr).toBe(0);
  }
  path = accountJournalPath(sandbox.home, 'paper');
  session = await connectStdio(sandbox);
});

afterAll(async () => {
  await session?.close();
  sandbox?.cleanup();
});

async function cliReport(args: string[] = []) {
  const r = await runCli(sandbox, ['account', 'verify', ...args, '--json']);
  return { code: r.code, stderr: r.stderr, report: JSON.parse(r.stdout) as Record<string, unknown> };
}

describe('account verification on demand', () => {
  it('a sound journal: what was checked, ok, exit 0, the same through the CLI and MCP', async () => {
    const cli = await cliReport();
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.report).toMatchObject({
      account: 'paper',
      journal: path,
      ok: true,
      orders: 2,
      fills: 2,
      positions: 1,
      problems: [],
    });
    expect(cli.report.checks).toContain('row checksums of every order and fill');
    const mcp = await callOk(session.client, 'verify_account', { account: 'paper' });
    expect(mcp).toEqual(cli.report);

    const text = await runCli(sandbox, ['account', 'verify', '--account', 'paper']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/orders_checked\s+2/);
    expect(text.stdout).toMatch(/fills_checked\s+2/);
    expect(text.stdout).toMatch(/result\s+ok/);
  });

  it('an unknown account is one error line and exit 1', async () => {
    const r = await runCli(sandbox, ['account', 'verify', '--account', 'nope']);
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([expect.stringMatching(/^error: no account nope/)]);
  });

  it('a journal whose seal was forged over a changed price is still caught (verify checks every row)', async () => {
    // Change a fill's price without its checksum, then seal the damaged bytes as if a clean close had
    // left them: an ordinary open trusts the seal and skips row checksums; verify must not.
    const db = new Database(path);
    db.prepare('UPDATE fills SET price = price + 1 WHERE rowid = (SELECT MIN(rowid) FROM fills)').run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const stat = statSync(path);
    const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    writeFileSync(
      `${path}.sealed`,
      JSON.stringify({ version: 1, size: stat.size, mtimeMs: stat.mtimeMs, sha256 }),
    );
    Journal.open(sandbox.home, { readonly: true }).close(); // the ordinary (sealed) open does not see it

    const cli = await cliReport();
    expect(cli.code).toBe(1);
    expect(cli.report.ok).toBe(false);
    expect(cli.report.problems).toEqual([
      expect.stringMatching(/^fill \S+: row checksum does not match its fields$/),
    ]);
    const errors = cli.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(path);
    expect(await callOk(session.client, 'verify_account', {})).toEqual(cli.report);
  });

  it('an order whose filled quantity no longer matches its fills: every problem reported, exit 1', async () => {
    const db = new Database(path);
    const row = db.prepare('SELECT * FROM orders ORDER BY rowid LIMIT 1').get() as Record<string, unknown>;
    db.prepare('UPDATE orders SET filled_quantity = 2, checksum = ? WHERE id = ?').run(
      checksumOf({ ...row, filled_quantity: 2 }, ORDER_CHECKED_COLUMNS),
      row.id,
    );
    db.close();
    const cli = await cliReport();
    expect(cli.code).toBe(1);
    const problems = cli.report.problems as string[];
    expect(problems).toContain(`order ${row.id}: filled quantity 2 but its fills add up to 3`);
    expect(problems.some((p) => /row checksum does not match/.test(p))).toBe(true);
    const text = await runCli(sandbox, ['account', 'verify']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/result\s+FAILED \(2 problems\)/);
    expect(text.stdout).toContain(`  - order ${row.id}: filled quantity 2 but its fills add up to 3`);
    expect(await callOk(session.client, 'verify_account', { account: 'paper' })).toEqual(cli.report);
  });
});
