import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as sqliteVec from 'sqlite-vec';
import type { z } from 'zod';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { openDatabase, type SqliteDatabase, sqliteError } from '../core/sqlite.js';
import type { EpochMs } from '../core/time.js';
import { AnnIndex, type AnnParameters, DEFAULT_ANN_PARAMETERS } from './ann.js';
import {
  checkNormalisation,
  EMBEDDING_DIMENSION,
  EMBEDDING_VERSION,
  type Normalisation,
} from './embedding.js';
import { DEFAULT_NORMALISATION } from './normalisation-defaults.js';
import {
  type ArmScore,
  addOutcome,
  chooseArm,
  type NeighbourOutcome,
  rewardVariance,
  type SelectionMethod,
  type SkillStats,
  successRate,
} from './selection.js';
import {
  type Episode,
  type EpisodeFilter,
  type EpisodeInput,
  type EpisodeKind,
  episodeInputSchema,
  MAX_K,
  type MemoryStats,
  type Outcome,
  type OutcomeInput,
  type OutcomeSummary,
  outcomeSchema,
  type SearchMethod,
  type SimilarEpisode,
  type SimilarResult,
  type Skill,
  type SkillInput,
  skillInputSchema,
} from './types.js';

const KIND = 'memory database';
const SCHEMA_VERSION = '1';

/** The memory database under a home directory: NEURAL_TRADER_HOME/memory/memory.db. */
export function defaultMemoryPath(home: string): string {
  return join(home, 'memory', 'memory.db');
}

export interface OpenMemoryOptions {
  /** The database file (created when missing). */
  path: string;
  /** Normalisation for a new database (default: DEFAULT_NORMALISATION); an existing one keeps its own. */
  normalisation?: Normalisation;
  /** Row count from which `auto` search uses the approximate index (default 50 000). */
  approximateFrom?: number;
  /** Settings of the approximate index (default DEFAULT_ANN_PARAMETERS). */
  ann?: AnnParameters;
  /** FULL also survives a power cut (default NORMAL: survives the process being killed). */
  synchronous?: 'NORMAL' | 'FULL';
}

export interface RetrieveOptions {
  k?: number;
  filter?: EpisodeFilter;
  method?: SearchMethod;
}

export interface SelectSkillOptions {
  /** The current state; without it the choice uses the skills' global statistics only. */
  state?: ArrayLike<number>;
  method?: SelectionMethod;
  /** Seed of Thompson sampling (default 42), so a choice is reproducible. */
  seed?: number;
  /** Neighbouring past states the choice is conditioned on (default 50). */
  k?: number;
  /** UCB exploration constant (default 1). */
  exploration?: number;
  /** Only these skills (ids); default all. */
  skillIds?: number[];
}

export interface SkillChoice {
  skill: Skill;
  method: SelectionMethod;
  /** Neighbour outcomes of the candidate skills the choice used. */
  neighboursUsed: number;
  scores: (Omit<ArmScore, 'arm'> & { skillId: number; name: string })[];
}

interface EpisodeRow {
  id: number;
  kind: EpisodeKind;
  at: number;
  action: string;
  symbol: string | null;
  strategy: string | null;
  params: string | null;
  reward: number | null;
  pnl: number | null;
  horizon_bars: number | null;
  known_at: number | null;
  critique: string | null;
  skill_id: number | null;
  key: string | null;
  created_at: number;
}

interface SkillRow {
  id: number;
  name: string;
  strategy: string;
  params: string;
  description: string | null;
  uses: number;
  successes: number;
  reward_mean: number;
  reward_m2: number;
  state: Buffer | null;
  created_at: number;
  updated_at: number;
}

/** Parse with zod; the first problem becomes one ValidationError naming the field. */
export function parseWith<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length ? issue.path.join('.') : what;
  const message = issue.message.startsWith(`${field}:`) ? issue.message : `${field}: ${issue.message}`;
  throw new ValidationError(`${what}: ${message}`, { field });
}

/** A state vector of the store's dimension with finite entries, as float32; refused otherwise. */
export function checkVector(state: ArrayLike<number>, dimension: number, field = 'state'): Float32Array {
  if (state === null || typeof state !== 'object' || typeof state.length !== 'number') {
    throw new ValidationError(`${field}: expected ${dimension} numbers`, { field });
  }
  if (state.length !== dimension) {
    throw new ValidationError(`${field}: expected ${dimension} numbers, got ${state.length}`, {
      field,
      hint: 'compute it with embedMarketState() or `npx neural-trader memory search --symbol X --date D`',
    });
  }
  const out = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    const x = state[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || !Number.isFinite(Math.fround(x))) {
      throw new ValidationError(`${field}[${i}]: ${String(x)} is not a finite number`, {
        field: `${field}[${i}]`,
      });
    }
    out[i] = x;
  }
  return out;
}

export function checkK(k: number | undefined, fallback = 10): number {
  const value = k ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_K) {
    throw new ValidationError(`k: ${value} must be a whole number from 1 to ${MAX_K}`, { field: 'k' });
  }
  return value;
}

const signOf = (reward: number | null | undefined) =>
  reward === null || reward === undefined ? 0n : reward > 0 ? 1n : reward < 0 ? -1n : 0n;

function toEpisode(row: EpisodeRow): Episode {
  const episode: Episode = {
    id: row.id,
    kind: row.kind,
    time: row.at,
    action: row.action,
    createdAt: row.created_at,
  };
  if (row.symbol) episode.symbol = row.symbol;
  if (row.strategy) episode.strategy = row.strategy;
  if (row.params) episode.params = JSON.parse(row.params) as Record<string, unknown>;
  if (row.reward !== null && row.known_at !== null) {
    const outcome: Outcome = { reward: row.reward, knownAt: row.known_at };
    if (row.pnl !== null) outcome.pnl = row.pnl;
    if (row.horizon_bars !== null) outcome.horizonBars = row.horizon_bars;
    episode.outcome = outcome;
  }
  if (row.critique !== null) episode.critique = row.critique;
  if (row.skill_id !== null) episode.skillId = row.skill_id;
  if (row.key !== null) episode.key = row.key;
  return episode;
}

function toSkill(row: SkillRow): Skill {
  const stats: SkillStats = {
    uses: row.uses,
    successes: row.successes,
    rewardMean: row.reward_mean,
    rewardM2: row.reward_m2,
  };
  const skill: Skill = {
    id: row.id,
    name: row.name,
    strategy: row.strategy,
    params: JSON.parse(row.params) as Record<string, unknown>,
    uses: row.uses,
    successes: row.successes,
    successRate: successRate(stats),
    rewardMean: row.reward_mean,
    rewardVariance: rewardVariance(stats),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    hasState: row.state !== null,
  };
  if (row.description !== null) skill.description = row.description;
  return skill;
}

const statsOf = (row: SkillRow): SkillStats => ({
  uses: row.uses,
  successes: row.successes,
  rewardMean: row.reward_mean,
  rewardM2: row.reward_m2,
});

/** Summary statistics of the outcomes of a set of neighbours. */
export function summariseOutcomes(neighbours: readonly SimilarEpisode[]): OutcomeSummary {
  const rewards: number[] = [];
  const pnls: number[] = [];
  for (const n of neighbours) {
    if (!n.episode.outcome) continue;
    rewards.push(n.episode.outcome.reward);
    if (n.episode.outcome.pnl !== undefined) pnls.push(n.episode.outcome.pnl);
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const sorted = [...rewards].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const meanReward = mean(rewards);
  return {
    count: neighbours.length,
    withOutcome: rewards.length,
    meanReward,
    medianReward:
      sorted.length === 0 ? null : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    stdReward:
      rewards.length > 1 && meanReward !== null
        ? Math.sqrt(rewards.reduce((a, r) => a + (r - meanReward) ** 2, 0) / (rewards.length - 1))
        : null,
    winRate: rewards.length ? rewards.filter((r) => r > 0).length / rewards.length : null,
    meanPnl: mean(pnls),
    totalPnl: pnls.length ? pnls.reduce((a, b) => a + b, 0) : null,
    meanDistance: mean(neighbours.map((n) => n.distance)),
  };
}

/**
 * The agent memory: episodes and skills in one SQLite file (WAL; every write one transaction,
 * committed before the call returns), their state vectors in a sqlite-vec `vec0` table in the same
 * file (exact KNN, with symbol/strategy/kind/time/outcome-sign metadata filters), and a usearch HNSW
 * index beside it for approximate search over large stores.
 */
export class MemoryStore {
  readonly path: string;
  readonly dimension: number;
  readonly normalisation: Normalisation;
  readonly approximateFrom: number;
  /** Settings of the approximate index. */
  annParameters: AnnParameters = DEFAULT_ANN_PARAMETERS;
  private readonly db: SqliteDatabase;
  private ann: AnnIndex | undefined;
  private annDirty = false;
  private closed = false;

  private constructor(
    path: string,
    db: SqliteDatabase,
    normalisation: Normalisation,
    approximateFrom: number,
  ) {
    this.path = path;
    this.db = db;
    this.dimension = EMBEDDING_DIMENSION;
    this.normalisation = normalisation;
    this.approximateFrom = approximateFrom;
  }

  static open(options: OpenMemoryOptions): MemoryStore {
    const path = options.path;
    const db = openDatabase(path, {
      kind: KIND,
      check: true,
      synchronous: options.synchronous,
      verify: (ro) => {
        const tables = ro
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'memory_meta'")
          .all();
        const any = ro.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
          n: number;
        };
        if (tables.length === 0 && any.n > 0) {
          throw new NeuralTraderError(
            'IO',
            `${KIND} ${path} is another kind of SQLite file (no memory_meta table)`,
            {
              field: path,
              hint: 'pass a different --db path; this file belongs to something else (nothing was written)',
            },
          );
        }
      },
    });
    try {
      sqliteVec.load(db);
      const normalisation = MemoryStore.initialise(db, path, options.normalisation);
      const store = new MemoryStore(path, db, normalisation, options.approximateFrom ?? 50_000);
      if (options.ann) store.annParameters = options.ann;
      return store;
    } catch (error) {
      db.close();
      throw sqliteError(error, KIND, path);
    }
  }

  private static initialise(
    db: SqliteDatabase,
    path: string,
    wanted: Normalisation | undefined,
  ): Normalisation {
    const init = db.transaction(() => {
      db.exec(`
        CREATE TABLE IF NOT EXISTS memory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS episodes (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('backtest', 'trade', 'bet', 'decision')),
          at INTEGER NOT NULL,
          action TEXT NOT NULL,
          symbol TEXT,
          strategy TEXT,
          params TEXT,
          reward REAL,
          pnl REAL,
          horizon_bars INTEGER,
          known_at INTEGER,
          critique TEXT,
          skill_id INTEGER REFERENCES skills(id),
          key TEXT UNIQUE,
          embedding BLOB NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS episodes_at ON episodes(at);
        CREATE INDEX IF NOT EXISTS episodes_skill ON episodes(skill_id);
        CREATE TABLE IF NOT EXISTS skills (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          strategy TEXT NOT NULL,
          params TEXT NOT NULL,
          description TEXT,
          uses INTEGER NOT NULL DEFAULT 0,
          successes INTEGER NOT NULL DEFAULT 0,
          reward_mean REAL NOT NULL DEFAULT 0,
          reward_m2 REAL NOT NULL DEFAULT 0,
          state BLOB,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS skill_outcomes (
          id INTEGER PRIMARY KEY,
          skill_id INTEGER NOT NULL REFERENCES skills(id),
          episode_id INTEGER REFERENCES episodes(id),
          reward REAL NOT NULL,
          success INTEGER NOT NULL,
          at INTEGER NOT NULL
        );
      `);
      db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS episode_vectors USING vec0(
          embedding float[${EMBEDDING_DIMENSION}] distance_metric=l2,
          kind text, symbol text, strategy text, at integer, outcome_sign integer)`,
      );
      const get = db.prepare('SELECT value FROM memory_meta WHERE key = ?');
      const set = db.prepare('INSERT OR REPLACE INTO memory_meta (key, value) VALUES (?, ?)');
      const version = get.get('schema_version') as { value: string } | undefined;
      if (!version) {
        const stats = checkNormalisation(wanted ?? DEFAULT_NORMALISATION);
        set.run('schema_version', SCHEMA_VERSION);
        set.run('dimension', String(EMBEDDING_DIMENSION));
        set.run('embedding', EMBEDDING_VERSION);
        set.run('normalisation', JSON.stringify(stats));
        return stats;
      }
      const dimension = (get.get('dimension') as { value: string }).value;
      const embedding = (get.get('embedding') as { value: string }).value;
      if (
        version.value !== SCHEMA_VERSION ||
        dimension !== String(EMBEDDING_DIMENSION) ||
        embedding !== EMBEDDING_VERSION
      ) {
        throw new NeuralTraderError(
          'IO',
          `${KIND} ${path} has schema ${version.value}, dimension ${dimension}, embedding ${embedding}; this version reads schema ${SCHEMA_VERSION}, dimension ${EMBEDDING_DIMENSION}, ${EMBEDDING_VERSION}`,
          {
            field: path,
            hint: 'export it with the version that wrote it, or move it aside to start a new one',
          },
        );
      }
      return JSON.parse((get.get('normalisation') as { value: string }).value) as Normalisation;
    });
    return init.immediate();
  }

  private guard<T>(fn: () => T): T {
    if (this.closed)
      throw new NeuralTraderError('IO', `${KIND} ${this.path} is closed`, { field: this.path });
    try {
      return fn();
    } catch (error) {
      throw sqliteError(error, KIND, this.path);
    }
  }

  // ---------------------------------------------------------------- episodes

  /** Store one episode (one transaction). With a `key` already stored, returns that episode unchanged. */
  storeEpisode(input: EpisodeInput): Episode {
    return this.storeEpisodes([input])[0];
  }

  /** Store several episodes atomically: all are validated first, then written in one transaction. */
  storeEpisodes(inputs: readonly EpisodeInput[]): Episode[] {
    const parsed = inputs.map((input, i) => {
      const what = inputs.length > 1 ? `episode ${i}` : 'episode';
      const p = parseWith(episodeInputSchema, input, what);
      return { p, vector: checkVector(p.state, this.dimension) };
    });
    return this.guard(() => {
      const now = Date.now();
      const findKey = this.db.prepare('SELECT * FROM episodes WHERE key = ?');
      const skillExists = this.db.prepare('SELECT id FROM skills WHERE id = ?');
      const insert = this.db.prepare(
        `INSERT INTO episodes (kind, at, action, symbol, strategy, params, reward, pnl, horizon_bars, known_at,
           critique, skill_id, key, embedding, created_at)
         VALUES (@kind, @at, @action, @symbol, @strategy, @params, @reward, @pnl, @horizon, @knownAt,
           @critique, @skillId, @key, @embedding, @createdAt)`,
      );
      const insertVector = this.db.prepare(
        'INSERT INTO episode_vectors (rowid, embedding, kind, symbol, strategy, at, outcome_sign) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const run = this.db.transaction(() => {
        const out: Episode[] = [];
        const added: { id: number; vector: Float32Array }[] = [];
        for (const { p, vector } of parsed) {
          if (p.key !== undefined) {
            const existing = findKey.get(p.key) as EpisodeRow | undefined;
            if (existing) {
              out.push(toEpisode(existing));
              continue;
            }
          }
          if (p.skillId !== undefined && !skillExists.get(p.skillId)) {
            throw new ValidationError(`skillId: no skill with id ${p.skillId}`, {
              field: 'skillId',
              hint: 'list skills with `npx neural-trader memory skills list`',
            });
          }
          const outcome = p.outcome;
          const symbol = p.symbol?.toUpperCase();
          const info = insert.run({
            kind: p.kind,
            at: p.time,
            action: p.action,
            symbol: symbol ?? null,
            strategy: p.strategy ?? null,
            params: p.params ? JSON.stringify(p.params) : null,
            reward: outcome?.reward ?? null,
            pnl: outcome?.pnl ?? null,
            horizon: outcome?.horizonBars ?? null,
            knownAt: outcome ? (outcome.knownAt ?? now) : null,
            critique: p.critique ?? null,
            skillId: p.skillId ?? null,
            key: p.key ?? null,
            embedding: Buffer.from(vector.buffer),
            createdAt: now,
          });
          const id = Number(info.lastInsertRowid);
          insertVector.run(
            BigInt(id),
            vector,
            p.kind,
            symbol ?? '',
            p.strategy ?? '',
            BigInt(p.time),
            signOf(outcome?.reward),
          );
          if (outcome && p.skillId !== undefined)
            this.applySkillOutcome(p.skillId, id, outcome.reward, outcome.success, outcome.knownAt ?? now);
          added.push({ id, vector });
          out.push(toEpisode(this.episodeRow(id)));
        }
        return { out, added };
      });
      const { out, added } = run.immediate();
      this.annAdd(added);
      return out;
    });
  }

  private episodeRow(id: number): EpisodeRow {
    return this.db.prepare('SELECT * FROM episodes WHERE id = ?').get(id) as EpisodeRow;
  }

  /** One episode by id; unknown ids are refused. */
  getEpisode(id: number): Episode {
    const checked = this.checkId(id, 'episode');
    return this.guard(() => {
      const row = this.db.prepare('SELECT * FROM episodes WHERE id = ?').get(checked) as
        | EpisodeRow
        | undefined;
      if (!row) throw this.notFound('episode', checked);
      return toEpisode(row);
    });
  }

  /** The stored state vector of an episode. */
  getEpisodeState(id: number): Float32Array {
    const checked = this.checkId(id, 'episode');
    return this.guard(() => {
      const row = this.db.prepare('SELECT embedding FROM episodes WHERE id = ?').get(checked) as
        | { embedding: Buffer }
        | undefined;
      if (!row) throw this.notFound('episode', checked);
      return new Float32Array(new Uint8Array(row.embedding).buffer);
    });
  }

  private checkId(id: number, what: string): number {
    if (!Number.isInteger(id) || id < 1) {
      throw new ValidationError(`${what} id ${String(id)} must be a whole number >= 1`, {
        field: `${what}Id`,
      });
    }
    return id;
  }

  private notFound(what: 'episode' | 'skill', id: number | string): NeuralTraderError {
    return new NeuralTraderError(
      'NOT_FOUND',
      `no ${what} ${typeof id === 'number' ? `with id ${id}` : `named "${id}"`} in ${this.path}`,
      {
        field: `${what}Id`,
        hint: `list them with \`npx neural-trader memory ${what === 'episode' ? 'episodes' : 'skills list'}\``,
      },
    );
  }

  /**
   * Record (or replace) the outcome of an episode; when the episode names a skill, that skill's
   * statistics are updated in the same transaction (a replaced outcome is not counted twice: the
   * skill's statistics are recomputed from its outcome log).
   */
  recordOutcome(episodeId: number, input: OutcomeInput): Episode {
    const id = this.checkId(episodeId, 'episode');
    const outcome = parseWith(outcomeSchema, input, 'outcome');
    return this.guard(() => {
      const run = this.db.transaction(() => {
        const row = this.db.prepare('SELECT * FROM episodes WHERE id = ?').get(id) as EpisodeRow | undefined;
        if (!row) throw this.notFound('episode', id);
        const knownAt = outcome.knownAt ?? Date.now();
        this.db
          .prepare('UPDATE episodes SET reward = ?, pnl = ?, horizon_bars = ?, known_at = ? WHERE id = ?')
          .run(outcome.reward, outcome.pnl ?? null, outcome.horizonBars ?? null, knownAt, id);
        this.db
          .prepare('UPDATE episode_vectors SET outcome_sign = ? WHERE rowid = ?')
          .run(signOf(outcome.reward), BigInt(id));
        if (row.skill_id !== null) {
          const replaced =
            this.db.prepare('DELETE FROM skill_outcomes WHERE episode_id = ?').run(id).changes > 0;
          this.db
            .prepare(
              'INSERT INTO skill_outcomes (skill_id, episode_id, reward, success, at) VALUES (?, ?, ?, ?, ?)',
            )
            .run(row.skill_id, id, outcome.reward, (outcome.success ?? outcome.reward > 0) ? 1 : 0, knownAt);
          if (replaced) this.recomputeSkill(row.skill_id);
          else this.bumpSkill(row.skill_id, outcome.reward, outcome.success ?? outcome.reward > 0);
        }
        return toEpisode(this.episodeRow(id));
      });
      return run.immediate();
    });
  }

  /** Episodes in time order (newest first), filtered. */
  listEpisodes(filter: EpisodeFilter = {}, limit = 50, offset = 0): Episode[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
      throw new ValidationError(`limit: ${limit} must be a whole number from 1 to 100000`, {
        field: 'limit',
      });
    }
    const { where, args } = this.sqlFilter(filter);
    return this.guard(() =>
      (
        this.db
          .prepare(`SELECT * FROM episodes ${where} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`)
          .all(...args, limit, Math.max(0, Math.floor(offset))) as EpisodeRow[]
      ).map(toEpisode),
    );
  }

  private sqlFilter(filter: EpisodeFilter): { where: string; args: (string | number)[] } {
    const { clauses, args } = columnFilter<number>(filter, (ms) => ms);
    if (filter.outcome === 'positive') clauses.push('reward > 0');
    if (filter.outcome === 'negative') clauses.push('reward < 0');
    if (filter.outcome === 'known') clauses.push('reward IS NOT NULL');
    return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', args };
  }

  // ---------------------------------------------------------------- similarity search

  /**
   * The k stored states nearest `state` (Euclidean distance), with their episodes and a summary of
   * their outcomes. `exact` is sqlite-vec's brute-force KNN (filters applied inside the scan);
   * `approximate` the HNSW index (no filters); `auto` (default) is approximate only for unfiltered
   * queries on stores of at least `approximateFrom` rows.
   */
  retrieveSimilar(state: ArrayLike<number>, options: RetrieveOptions = {}): SimilarResult {
    const vector = checkVector(state, this.dimension);
    const k = checkK(options.k);
    const filter = options.filter ?? {};
    const method = options.method ?? 'auto';
    if (!['exact', 'approximate', 'auto'].includes(method)) {
      throw new ValidationError(`method: ${String(method)} must be exact, approximate or auto`, {
        field: 'method',
      });
    }
    const filtered = Object.values(filter).some((v) => v !== undefined);
    const warnings: string[] = [];
    return this.guard(() => {
      let use: 'exact' | 'approximate' = 'exact';
      if (method === 'approximate') {
        if (filtered) warnings.push('filters need the exact search; the approximate index was not used');
        else use = 'approximate';
      } else if (method === 'auto' && !filtered && this.count() >= this.approximateFrom) use = 'approximate';
      const hits =
        use === 'approximate' ? this.annIndex().search(vector, k) : this.exactSearch(vector, k, filter);
      const byId = this.episodesById(hits.map((h) => h.id));
      const neighbours = hits.flatMap((h) => {
        const episode = byId.get(h.id);
        return episode ? [{ episode, distance: h.distance }] : [];
      });
      if (neighbours.length === 0)
        warnings.push('no stored episode matches; the memory is empty or the filters exclude all');
      return { method: use, k, neighbours, summary: summariseOutcomes(neighbours), warnings };
    });
  }

  private exactSearch(
    vector: Float32Array,
    k: number,
    filter: EpisodeFilter,
  ): { id: number; distance: number }[] {
    // vec0's integer metadata column compares with integers only, so the times are bound as BigInt.
    const metadata = columnFilter<bigint>(filter, (ms) => BigInt(ms));
    const clauses = ['embedding MATCH ?', 'k = ?', ...metadata.clauses];
    const args: unknown[] = [vector, k, ...metadata.args];
    if (filter.outcome === 'positive') clauses.push('outcome_sign = 1');
    if (filter.outcome === 'negative') clauses.push('outcome_sign = -1');
    if (filter.outcome === 'known') {
      // outcome_sign 0 is "no outcome yet" or a zero reward: resolve against the episodes table.
      const rows = this.db
        .prepare(
          `SELECT rowid AS id, distance FROM episode_vectors WHERE ${clauses.join(' AND ')} ORDER BY distance`,
        )
        .all(...args.slice(0, 1), MAX_K * 4, ...args.slice(2)) as { id: number; distance: number }[];
      const known = new Set(
        (
          this.db
            .prepare(
              'SELECT id FROM episodes WHERE reward IS NOT NULL AND id IN (SELECT value FROM json_each(?))',
            )
            .all(JSON.stringify(rows.map((r) => r.id))) as { id: number }[]
        ).map((r) => r.id),
      );
      return rows.filter((r) => known.has(r.id)).slice(0, k);
    }
    return this.db
      .prepare(
        `SELECT rowid AS id, distance FROM episode_vectors WHERE ${clauses.join(' AND ')} ORDER BY distance`,
      )
      .all(...args) as { id: number; distance: number }[];
  }

  private episodesById(ids: number[]): Map<number, Episode> {
    const map = new Map<number, Episode>();
    if (ids.length === 0) return map;
    const rows = this.db
      .prepare('SELECT * FROM episodes WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as EpisodeRow[];
    for (const row of rows) map.set(row.id, toEpisode(row));
    return map;
  }

  /** Number of stored episodes. */
  count(): number {
    return this.guard(() => (this.db.prepare('SELECT count(*) AS n FROM episodes').get() as { n: number }).n);
  }

  // ---------------------------------------------------------------- approximate index

  private annPath(): string {
    return `${this.path}.usearch`;
  }

  private annMeta(): { rows: number; maxId: number } | undefined {
    const row = this.db.prepare("SELECT value FROM memory_meta WHERE key = 'ann_saved'").get() as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as { rows: number; maxId: number }) : undefined;
  }

  private tableShape(): { rows: number; maxId: number } {
    const row = this.db
      .prepare('SELECT count(*) AS rows, coalesce(max(id), 0) AS maxId FROM episodes')
      .get() as {
      rows: number;
      maxId: number;
    };
    return row;
  }

  /** Whether the saved index file matches the table (same row count and largest id). */
  annInStep(): boolean {
    return this.guard(() => {
      const saved = this.annMeta();
      const shape = this.tableShape();
      return (
        existsSync(this.annPath()) &&
        saved !== undefined &&
        saved.rows === shape.rows &&
        saved.maxId === shape.maxId
      );
    });
  }

  /** The approximate index, loaded from its file when in step with the table, else rebuilt from it. */
  annIndex(): AnnIndex {
    if (this.ann) return this.ann;
    const shape = this.tableShape();
    if (this.annInStep()) {
      try {
        const loaded = AnnIndex.load(this.annPath(), this.dimension, this.annParameters);
        if (loaded.size === shape.rows) {
          this.ann = loaded;
          return loaded;
        }
      } catch {
        // An unreadable file is a stale cache: rebuilt below.
      }
    }
    this.rebuildAnn();
    return this.ann as unknown as AnnIndex;
  }

  /** Rebuild the approximate index from the table and save it. Returns the rows indexed. */
  rebuildAnn(): number {
    return this.guard(() => {
      const index = new AnnIndex(this.dimension, this.annParameters);
      const batch = 50_000;
      let last = 0;
      const page = this.db.prepare('SELECT id, embedding FROM episodes WHERE id > ? ORDER BY id LIMIT ?');
      for (;;) {
        const rows = page.all(last, batch) as { id: number; embedding: Buffer }[];
        if (rows.length === 0) break;
        const flat = new Float32Array(rows.length * this.dimension);
        rows.forEach((r, i) => {
          flat.set(new Float32Array(new Uint8Array(r.embedding).buffer), i * this.dimension);
        });
        index.add(
          rows.map((r) => r.id),
          flat,
        );
        last = rows[rows.length - 1].id;
      }
      this.ann = index;
      this.annDirty = true;
      this.saveAnn();
      return index.size;
    });
  }

  private annAdd(added: { id: number; vector: Float32Array }[]): void {
    if (!this.ann || added.length === 0) return;
    const flat = new Float32Array(added.length * this.dimension);
    for (const [i, a] of added.entries()) flat.set(a.vector, i * this.dimension);
    this.ann.add(
      added.map((a) => a.id),
      flat,
    );
    this.annDirty = true;
  }

  /** Save the approximate index if it changed, then record the table shape it matches. */
  saveAnn(): void {
    if (!this.ann || !this.annDirty) return;
    const shape = this.tableShape();
    if (this.ann.size !== shape.rows) {
      // Another process wrote meanwhile: the file would be stale; rebuild on next use instead.
      this.ann = undefined;
      this.annDirty = false;
      return;
    }
    this.ann.save(this.annPath());
    this.db
      .prepare("INSERT OR REPLACE INTO memory_meta (key, value) VALUES ('ann_saved', ?)")
      .run(JSON.stringify(shape));
    this.annDirty = false;
  }

  // ---------------------------------------------------------------- skills

  createSkill(input: SkillInput): Skill {
    const p = parseWith(skillInputSchema, input, 'skill');
    const state = p.state === undefined ? undefined : checkVector(p.state, this.dimension);
    return this.guard(() => {
      const now = Date.now();
      const run = this.db.transaction(() => {
        const existing = this.db.prepare('SELECT id FROM skills WHERE name = ?').get(p.name);
        if (existing) {
          throw new NeuralTraderError('CONFLICT', `skill "${p.name}" already exists in ${this.path}`, {
            field: 'name',
            hint: 'pick another name, or update its statistics with updateSkillStats / record_outcome',
          });
        }
        const info = this.db
          .prepare(
            'INSERT INTO skills (name, strategy, params, description, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            p.name,
            p.strategy,
            JSON.stringify(p.params),
            p.description ?? null,
            state ? Buffer.from(state.buffer) : null,
            now,
            now,
          );
        return this.skillRow(Number(info.lastInsertRowid)) as SkillRow;
      });
      return toSkill(run.immediate());
    });
  }

  private skillRow(id: number): SkillRow | undefined {
    return this.db.prepare('SELECT * FROM skills WHERE id = ?').get(id) as SkillRow | undefined;
  }

  /** A skill by id or name; unknown ones are refused. */
  getSkill(idOrName: number | string): Skill {
    return this.guard(() => toSkill(this.findSkillRow(idOrName)));
  }

  private findSkillRow(idOrName: number | string): SkillRow {
    if (typeof idOrName === 'number') {
      const id = this.checkId(idOrName, 'skill');
      const row = this.skillRow(id);
      if (!row) throw this.notFound('skill', id);
      return row;
    }
    const row = this.db.prepare('SELECT * FROM skills WHERE name = ?').get(idOrName) as SkillRow | undefined;
    if (!row) throw this.notFound('skill', idOrName);
    return row;
  }

  /**
   * Skills, best first: by similarity of their typical state to `state` when given, else by mean
   * reward; `text` matches name, strategy or description; `minUses` drops little-tried ones.
   */
  searchSkills(
    options: {
      text?: string;
      strategy?: string;
      state?: ArrayLike<number>;
      minUses?: number;
      k?: number;
    } = {},
  ): (Skill & { distance?: number })[] {
    const state = options.state === undefined ? undefined : checkVector(options.state, this.dimension);
    const k = checkK(options.k, 20);
    return this.guard(() => {
      const rows = this.db.prepare('SELECT * FROM skills ORDER BY id').all() as SkillRow[];
      const text = options.text?.toLowerCase();
      const matches = rows.filter(
        (r) =>
          (!text || [r.name, r.strategy, r.description ?? ''].some((s) => s.toLowerCase().includes(text))) &&
          (!options.strategy || r.strategy === options.strategy) &&
          r.uses >= (options.minUses ?? 0),
      );
      const scored = matches.map((r) => {
        const skill: Skill & { distance?: number } = toSkill(r);
        if (state && r.state) {
          const s = new Float32Array(new Uint8Array(r.state).buffer);
          let sum = 0;
          for (let i = 0; i < this.dimension; i++) sum += (s[i] - state[i]) ** 2;
          skill.distance = Math.sqrt(sum);
        }
        return skill;
      });
      scored.sort((a, b) =>
        state
          ? (a.distance ?? Number.POSITIVE_INFINITY) - (b.distance ?? Number.POSITIVE_INFINITY) || a.id - b.id
          : b.rewardMean - a.rewardMean || a.id - b.id,
      );
      return scored.slice(0, k);
    });
  }

  /** Add one outcome to a skill's statistics (uses, successes, reward mean and variance). */
  updateSkillStats(
    idOrName: number | string,
    outcome: { reward: number; success?: boolean; at?: EpochMs },
  ): Skill {
    const parsed = parseWith(
      outcomeSchema.pick({ reward: true, success: true }),
      { reward: outcome.reward, success: outcome.success },
      'outcome',
    );
    return this.guard(() => {
      const run = this.db.transaction(() => {
        const row = this.findSkillRow(idOrName);
        this.applySkillOutcome(row.id, null, parsed.reward, parsed.success, outcome.at ?? Date.now());
        return toSkill(this.skillRow(row.id) as SkillRow);
      });
      return run.immediate();
    });
  }

  private applySkillOutcome(
    skillId: number,
    episodeId: number | null,
    reward: number,
    success: boolean | undefined,
    at: number,
  ): void {
    const ok = success ?? reward > 0;
    this.db
      .prepare(
        'INSERT INTO skill_outcomes (skill_id, episode_id, reward, success, at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(skillId, episodeId, reward, ok ? 1 : 0, at);
    this.bumpSkill(skillId, reward, ok);
  }

  private bumpSkill(skillId: number, reward: number, success: boolean): void {
    const row = this.skillRow(skillId) as SkillRow;
    const next = addOutcome(statsOf(row), reward, success);
    this.writeSkillStats(skillId, next);
  }

  private recomputeSkill(skillId: number): void {
    const outcomes = this.db
      .prepare('SELECT reward, success FROM skill_outcomes WHERE skill_id = ? ORDER BY id')
      .all(skillId) as { reward: number; success: number }[];
    let stats: SkillStats = { uses: 0, successes: 0, rewardMean: 0, rewardM2: 0 };
    for (const o of outcomes) stats = addOutcome(stats, o.reward, o.success === 1);
    this.writeSkillStats(skillId, stats);
  }

  private writeSkillStats(skillId: number, s: SkillStats): void {
    this.db
      .prepare(
        'UPDATE skills SET uses = ?, successes = ?, reward_mean = ?, reward_m2 = ?, updated_at = ? WHERE id = ?',
      )
      .run(s.uses, s.successes, s.rewardMean, s.rewardM2, Date.now(), skillId);
  }

  /**
   * Choose a skill for the current state by Thompson sampling (seeded) or UCB, conditioned on the
   * outcomes the skills had in the k most similar stored states (see selection.ts for the formulas).
   */
  selectSkill(options: SelectSkillOptions = {}): SkillChoice {
    const method = options.method ?? 'thompson';
    if (method !== 'thompson' && method !== 'ucb') {
      throw new ValidationError(`method: ${String(method)} must be thompson or ucb`, { field: 'method' });
    }
    const k = checkK(options.k, 50);
    const state = options.state === undefined ? undefined : checkVector(options.state, this.dimension);
    const seed = options.seed ?? 42;
    if (!Number.isInteger(seed))
      throw new ValidationError(`seed: ${seed} must be a whole number`, { field: 'seed' });
    return this.guard(() => {
      let rows = this.db.prepare('SELECT * FROM skills ORDER BY id').all() as SkillRow[];
      if (options.skillIds) {
        const wanted = new Set(options.skillIds);
        for (const id of wanted) if (!rows.some((r) => r.id === id)) throw this.notFound('skill', id);
        rows = rows.filter((r) => wanted.has(r.id));
      }
      const armOf = new Map(rows.map((r, i) => [r.id, i]));
      const neighbours: NeighbourOutcome[] = [];
      if (state && rows.length > 0) {
        const hits = this.exactSearch(state, k, { outcome: 'known' });
        const byId = this.episodesById(hits.map((h) => h.id));
        for (const h of hits) {
          const e = byId.get(h.id);
          const arm = e?.skillId === undefined ? undefined : armOf.get(e.skillId);
          if (e?.outcome && arm !== undefined)
            neighbours.push({ arm, distance: h.distance, reward: e.outcome.reward });
        }
      }
      const { arm, scores } = chooseArm(
        rows.map(statsOf),
        neighbours,
        { method, exploration: options.exploration },
        new Random(seed),
      );
      return {
        skill: toSkill(rows[arm]),
        method,
        neighboursUsed: neighbours.length,
        scores: scores.map(({ arm: i, ...s }) => ({ skillId: rows[i].id, name: rows[i].name, ...s })),
      };
    });
  }

  /** Decision episodes with a known outcome and a strategy (what the adaptive strategy learns from). */
  decisionOutcomes(): {
    strategy: string;
    params?: Record<string, unknown>;
    state: Float32Array;
    reward: number;
    knownAt: number;
  }[] {
    return this.guard(() =>
      (
        this.db
          .prepare(
            "SELECT strategy, params, embedding, reward, known_at FROM episodes WHERE kind = 'decision' AND reward IS NOT NULL AND strategy IS NOT NULL ORDER BY known_at, id",
          )
          .all() as {
          strategy: string;
          params: string | null;
          embedding: Buffer;
          reward: number;
          known_at: number;
        }[]
      ).map((r) => ({
        strategy: r.strategy,
        params: r.params ? (JSON.parse(r.params) as Record<string, unknown>) : undefined,
        state: new Float32Array(new Uint8Array(r.embedding).buffer),
        reward: r.reward,
        knownAt: r.known_at,
      })),
    );
  }

  static defaultNormalisation(): Normalisation {
    return DEFAULT_NORMALISATION;
  }

  // ---------------------------------------------------------------- stats, export, import

  stats(): MemoryStats {
    return this.guard(() => {
      const byKind = this.db
        .prepare('SELECT kind, count(*) AS n FROM episodes GROUP BY kind ORDER BY kind')
        .all() as {
        kind: string;
        n: number;
      }[];
      const totals = this.db
        .prepare(
          'SELECT count(*) AS n, count(reward) AS known, min(at) AS first, max(at) AS last FROM episodes',
        )
        .get() as { n: number; known: number; first: number | null; last: number | null };
      const skills = (this.db.prepare('SELECT count(*) AS n FROM skills').get() as { n: number }).n;
      const saved = this.annMeta();
      return {
        path: this.path,
        dimension: this.dimension,
        embedding: EMBEDDING_VERSION,
        normalisationSource: this.normalisation.source,
        episodes: totals.n,
        episodesByKind: Object.fromEntries(byKind.map((r) => [r.kind, r.n])),
        withOutcome: totals.known,
        skills,
        firstAt: totals.first,
        lastAt: totals.last,
        approximateIndex: {
          file: this.annPath(),
          present: existsSync(this.annPath()),
          rows: saved?.rows ?? null,
          inStep: this.annInStep(),
        },
      };
    });
  }

  /** Everything as a plain JSON document (episodes with their vectors, skills with their outcome logs). */
  exportAll(): MemoryExport {
    return this.guard(() => {
      const episodes = (
        this.db.prepare('SELECT * FROM episodes ORDER BY id').all() as (EpisodeRow & { embedding: Buffer })[]
      ).map((row) => ({
        ...toEpisode(row),
        state: Array.from(new Float32Array(new Uint8Array(row.embedding).buffer)),
      }));
      const skills = (this.db.prepare('SELECT * FROM skills ORDER BY id').all() as SkillRow[]).map((row) => ({
        ...toSkill(row),
        state: row.state ? Array.from(new Float32Array(new Uint8Array(row.state).buffer)) : undefined,
        outcomes: (
          this.db
            .prepare(
              'SELECT episode_id, reward, success, at FROM skill_outcomes WHERE skill_id = ? ORDER BY id',
            )
            .all(row.id) as {
            episode_id: number | null;
            reward: number;
            success: number;
            at: number;
          }[]
        ).map((o) => ({
          episodeId: o.episode_id ?? undefined,
          reward: o.reward,
          success: o.success === 1,
          at: o.at,
        })),
      }));
      return {
        format: 'neural-trader-memory',
        version: 1,
        embedding: EMBEDDING_VERSION,
        dimension: this.dimension,
        normalisation: this.normalisation,
        episodes,
        skills,
      };
    });
  }

  /**
   * Add an export's skills and episodes (one transaction: all or nothing). Skills are matched by name
   * (an existing name is refused); episodes with a key already present are skipped.
   */
  importAll(doc: MemoryExport): { episodes: number; skipped: number; skills: number } {
    if (doc?.format !== 'neural-trader-memory' || doc.version !== 1) {
      throw new ValidationError('import: not a neural-trader memory export (format/version)', {
        field: 'format',
        hint: 'create one with `npx neural-trader memory export FILE`',
      });
    }
    if (doc.embedding !== EMBEDDING_VERSION || doc.dimension !== this.dimension) {
      throw new ValidationError(
        `import: vectors are ${doc.embedding} of dimension ${doc.dimension}; this memory holds ${EMBEDDING_VERSION} of dimension ${this.dimension}`,
        { field: 'embedding' },
      );
    }
    if (JSON.stringify(doc.normalisation) !== JSON.stringify(this.normalisation)) {
      throw new ValidationError('import: the export was normalised with other statistics than this memory', {
        field: 'normalisation',
        hint: "import into a new database (--db NEW.db), which adopts the export's normalisation",
      });
    }
    // Validate everything before writing anything.
    const skills = doc.skills.map((s, i) => {
      const p = parseWith(
        skillInputSchema,
        { name: s.name, strategy: s.strategy, params: s.params, description: s.description, state: s.state },
        `skills.${i}`,
      );
      return {
        p,
        state: p.state ? checkVector(p.state, this.dimension, `skills.${i}.state`) : undefined,
        outcomes: s.outcomes ?? [],
        oldId: s.id,
      };
    });
    const episodes = doc.episodes.map((e, i) => {
      const input = {
        kind: e.kind,
        state: e.state,
        time: e.time,
        action: e.action,
        symbol: e.symbol,
        strategy: e.strategy,
        params: e.params,
        outcome: e.outcome,
        critique: e.critique,
        key: e.key,
      };
      const p = parseWith(episodeInputSchema, input, `episodes.${i}`);
      return {
        p,
        vector: checkVector(p.state, this.dimension, `episodes.${i}.state`),
        oldSkill: e.skillId,
        oldId: e.id,
      };
    });
    return this.guard(() => {
      const run = this.db.transaction(() => {
        const skillMap = new Map<number, number>();
        const now = Date.now();
        for (const s of skills) {
          if (this.db.prepare('SELECT id FROM skills WHERE name = ?').get(s.p.name)) {
            throw new NeuralTraderError(
              'CONFLICT',
              `import: skill "${s.p.name}" already exists in ${this.path}`,
              {
                field: 'name',
                hint: 'import into a new database with --db, or rename the skill in the file',
              },
            );
          }
          const info = this.db
            .prepare(
              'INSERT INTO skills (name, strategy, params, description, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
            )
            .run(
              s.p.name,
              s.p.strategy,
              JSON.stringify(s.p.params),
              s.p.description ?? null,
              s.state ? Buffer.from(s.state.buffer) : null,
              now,
              now,
            );
          skillMap.set(s.oldId, Number(info.lastInsertRowid));
        }
        let added = 0;
        let skipped = 0;
        const episodeMap = new Map<number, number>();
        const ins = this.db.prepare(
          `INSERT INTO episodes (kind, at, action, symbol, strategy, params, reward, pnl, horizon_bars, known_at, critique, skill_id, key, embedding, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        const insVec = this.db.prepare(
          'INSERT INTO episode_vectors (rowid, embedding, kind, symbol, strategy, at, outcome_sign) VALUES (?, ?, ?, ?, ?, ?, ?)',
        );
        for (const { p, vector, oldSkill, oldId } of episodes) {
          if (p.key && this.db.prepare('SELECT id FROM episodes WHERE key = ?').get(p.key)) {
            skipped++;
            continue;
          }
          const symbol = p.symbol?.toUpperCase();
          const info = ins.run(
            p.kind,
            p.time,
            p.action,
            symbol ?? null,
            p.strategy ?? null,
            p.params ? JSON.stringify(p.params) : null,
            p.outcome?.reward ?? null,
            p.outcome?.pnl ?? null,
            p.outcome?.horizonBars ?? null,
            p.outcome ? (p.outcome.knownAt ?? now) : null,
            p.critique ?? null,
            oldSkill === undefined ? null : (skillMap.get(oldSkill) ?? null),
            p.key ?? null,
            Buffer.from(vector.buffer),
            now,
          );
          const id = Number(info.lastInsertRowid);
          episodeMap.set(oldId, id);
          insVec.run(
            BigInt(id),
            vector,
            p.kind,
            symbol ?? '',
            p.strategy ?? '',
            BigInt(p.time),
            signOf(p.outcome?.reward),
          );
          added++;
        }
        for (const s of skills) {
          const id = skillMap.get(s.oldId) as number;
          for (const o of s.outcomes) {
            this.db
              .prepare(
                'INSERT INTO skill_outcomes (skill_id, episode_id, reward, success, at) VALUES (?, ?, ?, ?, ?)',
              )
              .run(
                id,
                o.episodeId === undefined ? null : (episodeMap.get(o.episodeId) ?? null),
                o.reward,
                o.success ? 1 : 0,
                o.at,
              );
          }
          this.recomputeSkill(id);
        }
        return { episodes: added, skipped, skills: skills.length };
      });
      const result = run.immediate();
      this.ann = undefined; // rebuilt from the table on next use (the saved shape no longer matches)
      return result;
    });
  }

  /** Save the approximate index if it changed and close the database. */
  close(): void {
    if (this.closed) return;
    try {
      this.saveAnn();
    } finally {
      this.closed = true;
      this.db.close();
    }
  }
}

export interface MemoryExport {
  format: 'neural-trader-memory';
  version: 1;
  embedding: string;
  dimension: number;
  normalisation: Normalisation;
  episodes: (Episode & { state: number[] })[];
  skills: (Skill & {
    state?: number[];
    outcomes: { episodeId?: number; reward: number; success: boolean; at: number }[];
  })[];
}

/**
 * The clauses and arguments of an episode filter's plain columns (symbol, strategy, kind, time range),
 * which the episodes table and the vector table's metadata columns share; the outcome filter differs
 * between them and stays with each query. `time` converts the bounds to what the table compares with.
 */
function columnFilter<T>(
  filter: EpisodeFilter,
  time: (ms: number) => T,
): { clauses: string[]; args: (string | T)[] } {
  const clauses: string[] = [];
  const args: (string | T)[] = [];
  if (filter.symbol) {
    clauses.push('symbol = ?');
    args.push(filter.symbol.toUpperCase());
  }
  if (filter.strategy) {
    clauses.push('strategy = ?');
    args.push(filter.strategy);
  }
  if (filter.kind) {
    clauses.push('kind = ?');
    args.push(filter.kind);
  }
  if (filter.from !== undefined) {
    clauses.push('at >= ?');
    args.push(time(filter.from));
  }
  if (filter.to !== undefined) {
    clauses.push('at <= ?');
    args.push(time(filter.to));
  }
  return { clauses, args };
}
