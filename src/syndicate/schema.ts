/**
 * The syndicate ledger's tables. One file holds any number of syndicates; every row carries its
 * syndicate id. Money columns are INTEGER minor units.
 *
 * The journal is the audit table: one immutable, hash-chained entry per applied operation holding
 * who, when, the idempotency key and request fingerprint, the parameters and result, and the
 * operation's postings (the double-entry lines, grouped into transfers by transfer number). The
 * `postings` view lists those lines as rows for SQL. Audit entries, votes and distribution lines are
 * append-only (triggers refuse UPDATE and DELETE); a correction is a new, reversing transfer. Mutable
 * rows are state derived from the journal (account balances, syndicate totals, statuses), which
 * `verifyLedger` recomputes from the postings.
 *
 * The layout is shaped by what a commit costs: SQLite writes every B-tree page an operation dirtied to
 * the WAL, so a ledger operation that only moves money (a deposit) dirties one page: its journal
 * entry, appended in rowid order (the chain's order). Account balances, syndicate totals and the index
 * of idempotency keys are derived from the journal and stored as a checkpoint (`checkpoint_id` names
 * the last entry it includes) every thousand operations and on close; loading a syndicate folds the
 * entries after it (store.ts). The time-weighted capital that distributions need is
 * kept incrementally on each capital account rather than by indexing postings.
 */
export const SCHEMA_VERSION = 2;

const OLD_WRITER =
  'this syndicate ledger was converted to a newer format while this process had it open; restart it with the newer neural-trader';

/**
 * Version 2 stores balances as checkpoints (syndicates.checkpoint_id names the last journal entry they
 * include) and the idempotency keys up to them in op_keys. A version 1 file kept balances current at
 * every commit, so its checkpoint is its last entry, and indexed every key on the journal.
 */
export const MIGRATE_1_TO_2 = `
ALTER TABLE syndicates ADD COLUMN checkpoint_id INTEGER NOT NULL DEFAULT -1;
UPDATE syndicates SET checkpoint_id = (SELECT COALESCE(MAX(id), 0) FROM audit);
INSERT INTO op_keys (syndicate_id, op_key, entry) SELECT syndicate_id, op_key, id FROM audit;
DROP INDEX IF EXISTS audit_key;
`;

/**
 * A process of an earlier version that opened the file before it was converted keeps writing the old
 * way: balances rewritten in place and no checkpoint. Folding its entries on top of those balances
 * would count them twice, so the file refuses such writes: an operation's old-style update of the
 * syndicate row moves the audit head without a checkpoint, and an old-style new syndicate has none.
 * (This version moves the head only in a checkpoint, which always names the entry it includes.)
 */
export const SCHEMA_GUARDS = `
CREATE TRIGGER IF NOT EXISTS syndicates_old_writer_update BEFORE UPDATE OF audit_seq ON syndicates
WHEN NEW.audit_seq <> OLD.audit_seq AND NEW.checkpoint_id = OLD.checkpoint_id
BEGIN SELECT RAISE(ABORT, '${OLD_WRITER}'); END;
CREATE TRIGGER IF NOT EXISTS syndicates_old_writer_insert BEFORE INSERT ON syndicates
WHEN NEW.checkpoint_id < 0
BEGIN SELECT RAISE(ABORT, '${OLD_WRITER}'); END;
`;

const APPEND_ONLY = ['audit', 'votes', 'distribution_lines'];

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS syndicates (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  clock INTEGER NOT NULL,
  rules TEXT NOT NULL,
  rules_rev INTEGER NOT NULL DEFAULT 1,
  period_start INTEGER NOT NULL,
  total_debits INTEGER NOT NULL DEFAULT 0,
  total_credits INTEGER NOT NULL DEFAULT 0,
  assets INTEGER NOT NULL DEFAULT 0,
  equity INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0,
  capital INTEGER NOT NULL DEFAULT 0,
  clearing INTEGER NOT NULL DEFAULT 0,
  next_member INTEGER NOT NULL DEFAULT 1,
  next_allocation INTEGER NOT NULL DEFAULT 1,
  next_withdrawal INTEGER NOT NULL DEFAULT 1,
  next_proposal INTEGER NOT NULL DEFAULT 1,
  next_distribution INTEGER NOT NULL DEFAULT 1,
  next_transfer INTEGER NOT NULL DEFAULT 1,
  audit_seq INTEGER NOT NULL DEFAULT 0,
  audit_head TEXT NOT NULL,
  checkpoint_id INTEGER NOT NULL DEFAULT -1
);

CREATE TABLE IF NOT EXISTS members (
  syndicate_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  status TEXT NOT NULL,
  jurisdiction TEXT NOT NULL,
  join_seq INTEGER NOT NULL,
  joined_at INTEGER NOT NULL,
  first_deposit_at INTEGER,
  PRIMARY KEY (syndicate_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS accounts (
  syndicate_id TEXT NOT NULL,
  code TEXT NOT NULL,
  member_id TEXT,
  class TEXT NOT NULL,
  debits INTEGER NOT NULL DEFAULT 0,
  credits INTEGER NOT NULL DEFAULT 0,
  -- Capital accounts: integral of the balance (minor units x ms) from the period start to tw_anchor.
  tw_accum REAL NOT NULL DEFAULT 0,
  tw_anchor INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (syndicate_id, code)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS accounts_class ON accounts(syndicate_id, class);

CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY,
  syndicate_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  op_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  details TEXT NOT NULL,
  -- JSON array of [transfer, kind, account, debit, credit, memo, reverses]
  postings TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- Idempotency keys of the journal entries up to each syndicate's checkpoint (written with it); the keys
-- of later entries are read from the journal tail when a syndicate is loaded. A unique index on the
-- journal itself would add a second B-tree page to every commit.
CREATE TABLE IF NOT EXISTS op_keys (
  syndicate_id TEXT NOT NULL,
  op_key TEXT NOT NULL,
  entry INTEGER NOT NULL,
  PRIMARY KEY (syndicate_id, op_key)
) WITHOUT ROWID;

CREATE VIEW IF NOT EXISTS postings AS
SELECT a.syndicate_id AS syndicate_id, a.seq AS seq, a.op_key AS op_key, a.at AS at,
  json_extract(p.value, '$[0]') AS transfer, json_extract(p.value, '$[1]') AS kind,
  json_extract(p.value, '$[2]') AS account, json_extract(p.value, '$[3]') AS debit,
  json_extract(p.value, '$[4]') AS credit, json_extract(p.value, '$[5]') AS memo,
  json_extract(p.value, '$[6]') AS reverses
FROM audit a, json_each(a.postings) p;

CREATE TABLE IF NOT EXISTS allocations (
  syndicate_id TEXT NOT NULL,
  id TEXT NOT NULL,
  op_key TEXT NOT NULL,
  originator TEXT NOT NULL,
  kind TEXT NOT NULL,
  reference TEXT,
  sport TEXT,
  market TEXT,
  symbol TEXT,
  opportunity TEXT NOT NULL,
  method TEXT NOT NULL,
  amount INTEGER NOT NULL,
  bound_by TEXT NOT NULL,
  proposal_id TEXT,
  status TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  mark INTEGER NOT NULL DEFAULT 0,
  settled_at INTEGER,
  returned INTEGER,
  fees INTEGER,
  pnl INTEGER,
  PRIMARY KEY (syndicate_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS allocations_open ON allocations(syndicate_id, status);

-- Running exposures that allocation sizing reads by key: day:<epoch day> (allocated that UTC day) and
-- sport:<x>, market:<y>, symbol:<z> (open allocations at cost). verifyLedger recomputes them.
CREATE TABLE IF NOT EXISTS exposures (
  syndicate_id TEXT NOT NULL,
  key TEXT NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (syndicate_id, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS withdrawals (
  syndicate_id TEXT NOT NULL,
  id TEXT NOT NULL,
  member TEXT NOT NULL,
  amount INTEGER NOT NULL,
  from_profit INTEGER NOT NULL,
  from_capital INTEGER NOT NULL,
  emergency INTEGER NOT NULL,
  penalty INTEGER NOT NULL,
  earmark_transfer INTEGER NOT NULL,
  status TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  available_at INTEGER NOT NULL,
  decided_by TEXT,
  decided_at INTEGER,
  paid_at INTEGER,
  PRIMARY KEY (syndicate_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS proposals (
  syndicate_id TEXT NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  proposer TEXT NOT NULL,
  weighting TEXT NOT NULL,
  quorum REAL NOT NULL,
  threshold REAL NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  total_weight INTEGER NOT NULL,
  yes INTEGER NOT NULL DEFAULT 0,
  no INTEGER NOT NULL DEFAULT 0,
  abstain INTEGER NOT NULL DEFAULT 0,
  outcome TEXT,
  decided_at INTEGER,
  PRIMARY KEY (syndicate_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS electorate (
  syndicate_id TEXT NOT NULL,
  proposal_id TEXT NOT NULL,
  member TEXT NOT NULL,
  weight INTEGER NOT NULL,
  PRIMARY KEY (syndicate_id, proposal_id, member)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS votes (
  syndicate_id TEXT NOT NULL,
  proposal_id TEXT NOT NULL,
  member TEXT NOT NULL,
  choice TEXT NOT NULL,
  weight INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (syndicate_id, proposal_id, member)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS distributions (
  syndicate_id TEXT NOT NULL,
  id TEXT NOT NULL,
  op_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  method TEXT NOT NULL,
  amount INTEGER NOT NULL,
  tax INTEGER NOT NULL,
  period_start INTEGER NOT NULL,
  period_end INTEGER NOT NULL,
  PRIMARY KEY (syndicate_id, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS distribution_lines (
  syndicate_id TEXT NOT NULL,
  distribution_id TEXT NOT NULL,
  member TEXT NOT NULL,
  weight REAL NOT NULL,
  gross INTEGER NOT NULL,
  tax INTEGER NOT NULL,
  net INTEGER NOT NULL,
  rate_ppm INTEGER NOT NULL,
  jurisdiction TEXT NOT NULL,
  PRIMARY KEY (syndicate_id, distribution_id, member)
) WITHOUT ROWID;

${APPEND_ONLY.map(
  (table) => `
CREATE TRIGGER IF NOT EXISTS ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only: corrections are new reversing entries'); END;
CREATE TRIGGER IF NOT EXISTS ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only: corrections are new reversing entries'); END;`,
).join('\n')}
`;
