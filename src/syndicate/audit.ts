import { formatTimestamp } from '../core/time.js';
import { canonicalJson, GENESIS_HASH, sha256Hex } from './canonical.js';
import type { AuditRow, LedgerStore } from './store.js';

/**
 * The audit log: one entry per applied operation, naming who did what, when, with which idempotency
 * key, and its parameters and result. The entry is also the operation's idempotency record: its key is
 * unique per syndicate and its fingerprint (a hash of the request) tells a retry from a different
 * request reusing the key. Entries are hash-chained: each entry's hash is
 * SHA-256(previous hash + canonical JSON of the entry), so editing, inserting or deleting any entry
 * changes every hash after it. The syndicate row keeps the head hash and the entry count, so a
 * truncated tail is detected too. (Someone who can rewrite the whole file can rewrite the chain;
 * record the head hash that `audit verify` prints somewhere else to anchor it.)
 */
export interface AuditEntry {
  syndicateId: string;
  seq: number;
  at: number;
  actor: string;
  action: string;
  key: string;
  /** SHA-256 of the canonical request (kind, actor, normalised parameters). */
  fingerprint: string;
  /** { params, result }: the normalised request and the result returned to the caller. */
  details: unknown;
  /** The operation's double-entry lines: [transfer, kind, account, debit, credit, memo, reverses]. */
  postings: readonly (readonly (string | number | null)[])[];
}

/**
 * canonicalJson(entry), built from the already serialised details and postings so the (possibly large)
 * details are serialised once: the keys are written in sorted order, exactly as canonicalJson would.
 */
function entryText(entry: AuditEntry, detailsText: string, postingsText: string): string {
  const q = JSON.stringify;
  return (
    `{"action":${q(entry.action)},"actor":${q(entry.actor)},"at":${canonicalJson(entry.at)},"details":${detailsText},` +
    `"fingerprint":${q(entry.fingerprint)},"key":${q(entry.key)},"postings":${postingsText},` +
    `"seq":${canonicalJson(entry.seq)},"syndicateId":${q(entry.syndicateId)}}`
  );
}

/**
 * canonicalJson(postings): the lines are arrays of strings, finite integers and nulls, which have no
 * keys to sort, so JSON.stringify writes exactly the canonical text (and does it natively).
 */
function postingsJson(postings: AuditEntry['postings']): string {
  return JSON.stringify(postings);
}

/** SHA-256(previous hash + canonical JSON of the entry). */
export function auditHash(prevHash: string, entry: AuditEntry): string {
  return sha256Hex(prevHash + entryText(entry, canonicalJson(entry.details), canonicalJson(entry.postings)));
}

/**
 * Append an entry after `prevHash`; returns its hash and rowid. The caller records the new head. `detailsText`
 * is canonicalJson(entry.details) when the caller already has it (it serialised the parameters for the
 * fingerprint); the stored text and the hash are the same either way.
 */
export function appendAudit(
  store: LedgerStore,
  entry: AuditEntry,
  prevHash: string,
  detailsText = canonicalJson(entry.details),
): { hash: string; id: number } {
  const postingsText = postingsJson(entry.postings);
  const hash = sha256Hex(prevHash + entryText(entry, detailsText, postingsText));
  store.written();
  const info = store
    .stmt(
      `INSERT INTO audit (syndicate_id, seq, at, actor, action, op_key, fingerprint, details, postings, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      entry.syndicateId,
      entry.seq,
      entry.at,
      entry.actor,
      entry.action,
      entry.key,
      entry.fingerprint,
      detailsText,
      postingsText,
      prevHash,
      hash,
    );
  return { hash, id: Number(info.lastInsertRowid) };
}

export interface AuditProblem {
  /** The first entry that fails (0 when the problem is the chain's end). */
  seq: number;
  action?: string;
  actor?: string;
  reason: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** Hash of the last entry: record it elsewhere to anchor the chain. */
  head: string;
  problem?: AuditProblem;
}

/**
 * Recompute a syndicate's chain from its stored entries and compare with the stored hashes; check that
 * no two entries share an idempotency key and that the stored key index (op_keys, up to the
 * checkpoint) names each entry by its own key.
 */
export function verifyAuditChain(
  store: LedgerStore,
  syndicateId: string,
  expected: { seq: number; head: string; checkpointId: number },
): AuditVerification {
  const rows = store
    .stmt('SELECT * FROM audit WHERE syndicate_id = ? ORDER BY id')
    .iterate(syndicateId) as Iterable<AuditRow>;
  let prev = GENESIS_HASH;
  let count = 0;
  /** Entry rowid by idempotency key. */
  const keys = new Map<string, number>();
  let indexable = 0;
  const fail = (row: AuditRow | undefined, reason: string): AuditVerification => ({
    ok: false,
    entries: count,
    head: prev,
    problem: row ? { seq: row.seq, action: row.action, actor: row.actor, reason } : { seq: 0, reason },
  });
  for (const row of rows) {
    count++;
    const where = `audit entry #${row.seq} (${row.action} by ${row.actor} at ${formatTimestamp(row.at)})`;
    if (row.seq !== count)
      return fail(row, `${where}: expected entry #${count} here; entries were removed or reordered`);
    if (row.prev_hash !== prev)
      return fail(
        row,
        `${where}: does not link to the entry before it; an earlier entry was changed or removed`,
      );
    let details: unknown;
    let postings: AuditEntry['postings'];
    try {
      details = JSON.parse(row.details);
      postings = JSON.parse(row.postings);
    } catch {
      return fail(row, `${where}: its details or postings are not valid JSON; the entry was edited`);
    }
    const hash = auditHash(prev, {
      syndicateId: row.syndicate_id,
      seq: row.seq,
      at: row.at,
      actor: row.actor,
      action: row.action,
      key: row.op_key,
      fingerprint: row.fingerprint,
      details,
      postings,
    });
    if (hash !== row.hash)
      return fail(row, `${where}: its content does not match its hash; the entry was edited`);
    if (keys.has(row.op_key))
      return fail(row, `${where}: reuses the idempotency key "${row.op_key}" of an earlier entry`);
    keys.set(row.op_key, row.id);
    if (row.id <= expected.checkpointId) indexable++;
    prev = row.hash;
  }
  if (count !== expected.seq || prev !== expected.head) {
    return {
      ok: false,
      entries: count,
      head: prev,
      problem: {
        seq: count,
        reason: `the log ends at entry #${count} but the syndicate recorded ${expected.seq} entries; entries were removed from the end`,
      },
    };
  }
  const indexProblem = (reason: string): AuditVerification => ({
    ok: false,
    entries: count,
    head: prev,
    problem: { seq: 0, reason },
  });
  let indexed = 0;
  for (const [key, entry] of store
    .rawStmt('SELECT op_key, entry FROM op_keys WHERE syndicate_id = ?')
    .iterate(syndicateId) as Iterable<[string, number]>) {
    indexed++;
    if (keys.get(key) !== entry)
      return indexProblem(`the idempotency key index maps "${key}" to a journal entry with another key`);
  }
  if (indexed < indexable)
    return indexProblem(
      `the idempotency key index holds ${indexed} keys but the checkpoint covers ${indexable} entries`,
    );
  return { ok: true, entries: count, head: prev };
}
