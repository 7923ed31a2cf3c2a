import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { auditHash } from '../../src/syndicate/audit.js';
import { canonicalJson, sha256Hex } from '../../src/syndicate/canonical.js';
import type { SyndicateLedger } from '../../src/syndicate/index.js';
import { cleanupHomes, DAY, deposit, S, seededLedger, T0 } from './helpers.js';

afterEach(cleanupHomes);

/** Seven audit entries: create, five member additions, then deposits from #7 on. */
function booked(): SyndicateLedger {
  const l = seededLedger();
  deposit(l, 'alice', '1000', T0); // #7
  deposit(l, 'bob', '500', T0 + DAY); // #8
  deposit(l, 'carol', '250', T0 + 2 * DAY); // #9
  return l;
}

/** Open the file as an attacker would: with the append-only triggers dropped. */
function tamper(l: SyndicateLedger, sql: string, ...params: unknown[]): void {
  l.close();
  const db = new Database(l.path);
  db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
  db.prepare(sql).run(...params);
  db.close();
}

async function reopen(l: SyndicateLedger): Promise<SyndicateLedger> {
  const { SyndicateLedger } = await import('../../src/syndicate/index.js');
  return new SyndicateLedger(l.path);
}

describe('audit log', () => {
  it('chains every operation by SHA-256 over the previous hash and the canonical entry', () => {
    const l = booked();
    const v = l.verify({ syndicateId: S });
    expect(v.ok).toBe(true);
    expect(v.audit.entries).toBe(9);
    expect(v.audit.head).toBe(l.status({ syndicateId: S, actor: 'olga' }).audit.head);
    // Recompute entry #8 independently from its stored fields.
    l.close();
    const db = new Database(l.path, { readonly: true });
    const rows = db.prepare('SELECT * FROM audit WHERE syndicate_id = ? ORDER BY seq').all(S) as Record<
      string,
      string | number
    >[];
    db.close();
    const e = rows[7];
    expect(e).toMatchObject({ seq: 8, action: 'deposit', actor: 'bob', op_key: `dep-bob-${T0 + DAY}-500` });
    const entry = {
      syndicateId: S,
      seq: 8,
      at: e.at,
      actor: 'bob',
      action: 'deposit',
      key: e.op_key,
      fingerprint: e.fingerprint,
      details: JSON.parse(e.details as string),
      postings: JSON.parse(e.postings as string),
    };
    expect(sha256Hex(rows[6].hash + canonicalJson(entry))).toBe(e.hash);
    expect(JSON.parse(e.details as string).params).toEqual({ amount: 50_000 });
  });

  it('hashes exactly SHA-256(previous hash + canonical JSON of the entry), however the entry is built', () => {
    fc.assert(
      fc.property(
        fc.record({
          syndicateId: fc.string(),
          seq: fc.integer(),
          at: fc.integer(),
          actor: fc.string(),
          action: fc.string(),
          key: fc.string(),
          fingerprint: fc.string(),
          details: fc.jsonValue(),
          postings: fc.array(
            fc.tuple(
              fc.integer(),
              fc.string(),
              fc.string(),
              fc.integer(),
              fc.integer(),
              fc.option(fc.string()),
              fc.option(fc.integer()),
            ),
          ),
        }),
        fc.string(),
        (entry, prev) => {
          expect(auditHash(prev, entry)).toBe(sha256Hex(prev + canonicalJson(entry)));
        },
      ),
    );
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 1.5, y: -0 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"d":{"y":0,"z":1.5}}',
    );
  });

  it('detects an edited entry and names it', async () => {
    const l = booked();
    tamper(
      l,
      "UPDATE audit SET details = replace(details, '50000', '90000') WHERE syndicate_id = ? AND seq = 8",
      S,
    );
    const v = (await reopen(l)).verify({ syndicateId: S });
    expect(v.ok).toBe(false);
    expect(v.audit.problem).toMatchObject({ seq: 8, action: 'deposit', actor: 'bob' });
    expect(v.audit.problem?.reason).toBe(
      'audit entry #8 (deposit by bob at 2024-01-02): its content does not match its hash; the entry was edited',
    );
  });

  it('detects an edited entry whose own hash was recomputed: the next entry no longer links to it', async () => {
    const l = booked();
    l.close();
    const db = new Database(l.path);
    db.exec('DROP TRIGGER audit_no_update');
    const row = db.prepare('SELECT * FROM audit WHERE syndicate_id = ? AND seq = 8').get(S) as Record<
      string,
      string | number
    >;
    const details = JSON.parse(String(row.details).replace('50000', '90000'));
    const forged = sha256Hex(
      row.prev_hash +
        canonicalJson({
          syndicateId: S,
          seq: 8,
          at: row.at,
          actor: row.actor,
          action: row.action,
          key: row.op_key,
          fingerprint: row.fingerprint,
          details,
          postings: JSON.parse(row.postings as string),
        }),
    );
    db.prepare('UPDATE audit SET details = ?, hash = ? WHERE syndicate_id = ? AND seq = 8').run(
      canonicalJson(details),
      forged,
      S,
    );
    db.close();
    const v = (await reopen(l)).verify({ syndicateId: S });
    expect(v.audit.problem?.seq).toBe(9);
    expect(v.audit.problem?.reason).toMatch(
      /audit entry #9 \(deposit by carol at 2024-01-03\): does not link to the entry before it/,
    );
  });

  it('detects removed entries, at the end too', async () => {
    const l = booked();
    tamper(l, 'DELETE FROM audit WHERE syndicate_id = ? AND seq = 9', S);
    const v = (await reopen(l)).verify({ syndicateId: S });
    expect(v.audit.problem?.reason).toBe(
      'the log ends at entry #8 but the syndicate recorded 9 entries; entries were removed from the end',
    );
    const m = booked();
    tamper(m, 'DELETE FROM audit WHERE syndicate_id = ? AND seq = 3', S);
    expect((await reopen(m)).verify({ syndicateId: S }).audit.problem?.reason).toMatch(
      /audit entry #4 .*expected entry #3 here/,
    );
  });

  it('finds an edited posting twice: the entry no longer matches its hash, and the ledger no longer balances', async () => {
    const l = booked();
    tamper(
      l,
      `UPDATE audit SET postings = replace(postings, '"member:bob:capital",0,50000', '"member:bob:capital",0,50001')
       WHERE syndicate_id = ? AND seq = 8`,
      S,
    );
    const v = (await reopen(l)).verify({ syndicateId: S });
    expect(v.ok).toBe(false);
    expect(v.audit.problem?.reason).toMatch(
      /audit entry #8 \(deposit by bob at 2024-01-02\): its content does not match its hash/,
    );
    expect(v.ledger.problems).toContain('transfer 2 does not balance: debits 500.00, credits 500.01');
    expect(v.ledger.problems).toContain(
      'account member:bob:capital: cached debits/credits 0.00/500.00 differ from its postings 0.00/500.01',
    );
  });
});
