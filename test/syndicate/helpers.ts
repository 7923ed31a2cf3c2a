import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { SyndicateLedger } from '../../src/syndicate/index.js';

export const DAY = 86_400_000;
/** 2024-01-01T00:00:00Z: every test's clock starts here. */
export const T0 = Date.UTC(2024, 0, 1);
export const S = 'club';

const homes: string[] = [];

/** A ledger in a fresh temp home. The wall clock is pinned (operations without `at` get T0 + 1000 days). */
export function freshLedger(): SyndicateLedger {
  const home = mkdtempSync(join(tmpdir(), 'nt-syndicate-'));
  homes.push(home);
  return SyndicateLedger.open(home, { now: () => T0 + 1000 * DAY });
}

export function cleanupHomes(): void {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
}

/** Lead alice, senior bob, junior jim, contributors carol and dave, observer olga; deposits at T0. */
export function seededLedger(rules: Record<string, unknown> = {}): SyndicateLedger {
  const l = freshLedger();
  l.createSyndicate({
    key: 'create',
    syndicateId: S,
    actor: 'alice',
    at: T0,
    rules: { lockupDays: 30, ...rules },
  });
  const add = (id: string, role: string, jurisdiction = 'NONE') =>
    l.addMember({
      key: `add-${id}`,
      syndicateId: S,
      actor: 'alice',
      member: { id, role, jurisdiction },
      at: T0,
    });
  add('bob', 'senior_analyst', 'GB');
  add('jim', 'junior_analyst');
  add('carol', 'contributing_member', 'US');
  add('dave', 'contributing_member');
  add('olga', 'observer');
  return l;
}

/** seededLedger with alice 10,000, bob 5,000, carol 2,500 and dave 2,500 deposited at T0 (20,000 in all). */
export function fundedLedger(rules: Record<string, unknown> = {}): SyndicateLedger {
  const l = seededLedger(rules);
  deposit(l, 'alice', '10000', T0);
  deposit(l, 'bob', '5000', T0);
  deposit(l, 'carol', '2500', T0);
  deposit(l, 'dave', '2500', T0);
  return l;
}

export function deposit(
  l: SyndicateLedger,
  actor: string,
  amount: string,
  at: number,
  key = `dep-${actor}-${at}-${amount}`,
) {
  return l.deposit({ key, syndicateId: S, actor, amount, at });
}

/**
 * A digest of everything stored in the ledger file (every row of every table, in primary-key order),
 * read through a second connection, so "nothing was written" can be checked exactly.
 */
export function stateDigest(l: SyndicateLedger): string {
  return fileDigest(l.path);
}

/** The same digest for a ledger file by path (for files written by the CLI or the MCP server). */
export function fileDigest(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const hash = createHash('sha256');
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[];
    for (const { name } of tables) {
      hash.update(`#${name}\n`);
      const rows = (db.prepare(`SELECT * FROM ${name}`).all() as unknown[])
        .map((row) => JSON.stringify(row))
        .sort();
      for (const row of rows) hash.update(`${row}\n`);
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

/** Run `fn`, expect one NeuralTraderError matching `pattern`, and expect the file unchanged. */
export function expectRefused(l: SyndicateLedger, fn: () => unknown, pattern: RegExp): Error {
  const before = stateDigest(l);
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the call to be refused').toBeInstanceOf(Error);
  const error = caught as Error & { code?: string };
  expect(error.name, error.stack).toMatch(/NeuralTraderError|ValidationError|LedgerInvariantError/);
  expect(error.message).toMatch(pattern);
  expect(error.message.split('\n')).toHaveLength(1);
  expect(stateDigest(l)).toBe(before);
  return error;
}

export function expectBalanced(l: SyndicateLedger): void {
  const v = l.verify({ syndicateId: S });
  expect(v.ledger.problems).toEqual([]);
  expect(v.audit.problem).toBeUndefined();
  expect(v.ok).toBe(true);
}

/** Money text to minor units (2 decimals), for arithmetic in assertions. */
export const cents = (text: string) => Math.round(Number(text) * 100);
