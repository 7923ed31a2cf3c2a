import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NeuralTraderError } from '../../src/core/errors.js';
import { Random } from '../../src/core/random.js';
import { MemoryStore } from '../../src/memory/store.js';

const dirs: string[] = [];
const stores: MemoryStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openStore(): MemoryStore {
  const dir = mkdtempSync(join(tmpdir(), 'nt-memory-'));
  dirs.push(dir);
  const store = MemoryStore.open({ path: join(dir, 'memory.db') });
  stores.push(store);
  return store;
}

function randomVector(random: Random): number[] {
  return Array.from({ length: 32 }, () => random.normal());
}

const SYMBOLS = ['AAA', 'BBB', 'CCC'];
const STRATEGIES = ['momentum', 'mean-reversion'];

function fill(
  store: MemoryStore,
  n: number,
  seed = 7,
): { id: number; state: Float32Array; symbol: string; strategy: string; at: number; reward?: number }[] {
  const random = new Random(seed);
  const inputs = Array.from({ length: n }, (_, i) => {
    const reward = i % 5 === 0 ? undefined : random.normal() / 10;
    return {
      kind: 'decision' as const,
      time: 1_000_000_000_000 + i * 86_400_000,
      action: 'buy',
      symbol: SYMBOLS[i % 3],
      strategy: STRATEGIES[i % 2],
      state: randomVector(random),
      outcome: reward === undefined ? undefined : { reward, pnl: reward * 1000 },
    };
  });
  const stored = store.storeEpisodes(inputs);
  return stored.map((e, i) => ({
    id: e.id,
    state: Float32Array.from(inputs[i].state),
    symbol: inputs[i].symbol,
    strategy: inputs[i].strategy,
    at: inputs[i].time,
    reward: inputs[i].outcome?.reward,
  }));
}

/** Brute force: float64 Euclidean distances over the stored float32 values, nearest first (ties by id). */
function bruteForce(rows: ReturnType<typeof fill>, query: Float32Array, k: number) {
  return rows
    .map((r) => {
      let s = 0;
      for (let i = 0; i < 32; i++) s += (r.state[i] - query[i]) ** 2;
      return { id: r.id, distance: Math.sqrt(s) };
    })
    .sort((a, b) => a.distance - b.distance || a.id - b.id)
    .slice(0, k);
}

describe('memory store: exact KNN', () => {
  it('returns exactly the brute-force neighbours, with and without filters', () => {
    const store = openStore();
    const rows = fill(store, 3000);
    const random = new Random(99);
    for (let q = 0; q < 20; q++) {
      const query = Float32Array.from(randomVector(random));
      const k = 1 + (q % 25);
      const exact = store.retrieveSimilar(query, { k, method: 'exact' });
      const reference = bruteForce(rows, query, k);
      expect(exact.method).toBe('exact');
      expect(exact.neighbours.map((n) => n.episode.id)).toEqual(reference.map((r) => r.id));
      for (const [i, n] of exact.neighbours.entries())
        expect(n.distance).toBeCloseTo(reference[i].distance, 4);
      // Filters: symbol, strategy, time range and outcome sign are applied inside the exact scan.
      const from = 1_000_000_000_000 + 500 * 86_400_000;
      const to = 1_000_000_000_000 + 2500 * 86_400_000;
      const filtered = store.retrieveSimilar(query, {
        k,
        method: 'exact',
        filter: { symbol: 'bbb', strategy: 'momentum', from, to, outcome: 'positive' },
      });
      const subset = rows.filter(
        (r) =>
          r.symbol === 'BBB' &&
          r.strategy === 'momentum' &&
          r.at >= from &&
          r.at <= to &&
          (r.reward ?? 0) > 0,
      );
      expect(filtered.neighbours.map((n) => n.episode.id)).toEqual(
        bruteForce(subset, query, k).map((r) => r.id),
      );
      const negative = store.retrieveSimilar(query, { k, filter: { outcome: 'negative' } });
      const negSubset = rows.filter((r) => (r.reward ?? 0) < 0);
      expect(negative.neighbours.map((n) => n.episode.id)).toEqual(
        bruteForce(negSubset, query, k).map((r) => r.id),
      );
      const known = store.retrieveSimilar(query, { k, filter: { outcome: 'known' } });
      const knownSubset = rows.filter((r) => r.reward !== undefined);
      expect(known.neighbours.map((n) => n.episode.id)).toEqual(
        bruteForce(knownSubset, query, k).map((r) => r.id),
      );
    }
  });

  it("summarises the neighbours' outcomes (mean, median, std, win rate, pnl)", () => {
    const store = openStore();
    const base = Array.from({ length: 32 }, () => 0);
    const rewards = [0.1, -0.05, 0.2, 0.0];
    rewards.forEach((reward, i) => {
      store.storeEpisode({
        kind: 'trade',
        time: 1000 + i,
        action: 'buy',
        state: base.map((x, j) => x + (j === 0 ? i : 0)),
        outcome: { reward, pnl: reward * 100 },
      });
    });
    store.storeEpisode({
      kind: 'trade',
      time: 2000,
      action: 'buy',
      state: base.map((x, j) => (j === 0 ? 4 : x)),
    });
    const result = store.retrieveSimilar(base, { k: 5 });
    expect(result.summary.count).toBe(5);
    expect(result.summary.withOutcome).toBe(4);
    expect(result.summary.meanReward).toBeCloseTo(0.0625, 12);
    expect(result.summary.medianReward).toBeCloseTo(0.05, 12);
    const m = 0.0625;
    const sd = Math.sqrt(rewards.reduce((a, r) => a + (r - m) ** 2, 0) / 3);
    expect(result.summary.stdReward).toBeCloseTo(sd, 12);
    expect(result.summary.winRate).toBe(0.5);
    expect(result.summary.totalPnl).toBeCloseTo(25, 9);
    expect(result.summary.meanDistance).toBeCloseTo((0 + 1 + 2 + 3 + 4) / 5, 6);
  });
});

describe('memory store: approximate index', () => {
  it('measures recall@10 against the exact search and keeps the index in step with inserts', () => {
    const store = openStore();
    fill(store, 5000, 3);
    const random = new Random(11);
    let hits = 0;
    const queries = 50;
    for (let q = 0; q < queries; q++) {
      const query = randomVector(random);
      const exact = new Set(
        store.retrieveSimilar(query, { k: 10, method: 'exact' }).neighbours.map((n) => n.episode.id),
      );
      const approx = store.retrieveSimilar(query, { k: 10, method: 'approximate' });
      expect(approx.method).toBe('approximate');
      for (const n of approx.neighbours) if (exact.has(n.episode.id)) hits++;
    }
    const recall = hits / (queries * 10);
    console.log(`approximate recall@10 on 5000 random 32-d vectors: ${recall.toFixed(3)}`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    // A new episode is searchable through the index at once (kept in step, not rebuilt).
    const fresh = Array.from({ length: 32 }, (_, i) => 50 + i);
    const e = store.storeEpisode({ kind: 'decision', time: 5, action: 'hold', state: fresh });
    const found = store.retrieveSimilar(fresh, { k: 1, method: 'approximate' });
    expect(found.neighbours[0].episode.id).toBe(e.id);
    expect(store.annIndex().size).toBe(store.count());
  });

  it('rebuilds the index file when it is missing or stale, and loads it when in step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-memory-ann-'));
    dirs.push(dir);
    const path = join(dir, 'memory.db');
    let store = MemoryStore.open({ path });
    fill(store, 200);
    store.retrieveSimilar(Array(32).fill(0), { method: 'approximate' });
    store.close();
    store = MemoryStore.open({ path });
    expect(store.annInStep()).toBe(true);
    // Another writer (no index loaded) adds rows: the saved index is stale now.
    store.storeEpisode({ kind: 'bet', time: 1, action: 'back home', state: Array(32).fill(9) });
    expect(store.annInStep()).toBe(false);
    const r = store.retrieveSimilar(Array(32).fill(9), { k: 1, method: 'approximate' });
    expect(r.neighbours[0].distance).toBe(0);
    expect(store.annInStep()).toBe(true);
    store.close();
    rmSync(`${path}.usearch`);
    store = MemoryStore.open({ path });
    stores.push(store);
    expect(store.annInStep()).toBe(false);
    expect(store.annIndex().size).toBe(201);
  });
});

describe('memory store: skills', () => {
  it('matches a hand-computed sequence of outcomes (uses, successes, mean, sample variance)', () => {
    const store = openStore();
    const skill = store.createSkill({
      name: 'trend-10-30',
      strategy: 'sma-crossover',
      params: { fast: 10, slow: 30 },
    });
    expect(skill.uses).toBe(0);
    // rewards 0.02, -0.01, 0.04, 0.00 (success by default: reward > 0) then an explicit success with 0.
    let s = store.updateSkillStats(skill.id, { reward: 0.02 });
    expect([s.uses, s.successes, s.rewardMean, s.rewardVariance]).toEqual([1, 1, 0.02, 0]);
    s = store.updateSkillStats('trend-10-30', { reward: -0.01 });
    expect(s.uses).toBe(2);
    expect(s.successes).toBe(1);
    expect(s.rewardMean).toBeCloseTo(0.005, 15);
    expect(s.rewardVariance).toBeCloseTo(0.00045, 15); // ((0.015)^2 + (0.015)^2) / 1
    s = store.updateSkillStats(skill.id, { reward: 0.04 });
    s = store.updateSkillStats(skill.id, { reward: 0 });
    expect(s.uses).toBe(4);
    expect(s.successes).toBe(2);
    expect(s.successRate).toBe(0.5);
    expect(s.rewardMean).toBeCloseTo(0.0125, 15); // 0.05 / 4
    // deviations 0.0075, -0.0225, 0.0275, -0.0125: squares 0.00005625 + 0.00050625 + 0.00075625 +
    // 0.00015625 = 0.001475, / (4 - 1)
    expect(s.rewardVariance).toBeCloseTo(0.001475 / 3, 15);
    s = store.updateSkillStats(skill.id, { reward: 0, success: true });
    expect(s.successes).toBe(3);
    // An episode's outcome updates its skill too; replacing it is not counted twice.
    const e = store.storeEpisode({
      kind: 'decision',
      time: 1,
      action: 'buy',
      state: Array(32).fill(0),
      skillId: skill.id,
    });
    store.recordOutcome(e.id, { reward: 0.1 });
    expect(store.getSkill(skill.id).uses).toBe(6);
    store.recordOutcome(e.id, { reward: -0.1 });
    const after = store.getSkill(skill.id);
    expect(after.uses).toBe(6);
    expect(after.rewardMean).toBeCloseTo((0.02 - 0.01 + 0.04 + 0 + 0 - 0.1) / 6, 15);
  });

  it('selects by similarity: the skill that did well in states like this one', () => {
    const store = openStore();
    const a = store.createSkill({ name: 'a', strategy: 'momentum' });
    const b = store.createSkill({ name: 'b', strategy: 'mean-reversion' });
    const near = (c: number, i: number) => Array.from({ length: 32 }, (_, j) => c + ((i * 31 + j) % 7) / 100);
    for (let i = 0; i < 20; i++) {
      // Around state +1, a wins and b loses; around state -1, the reverse.
      store.storeEpisode({
        kind: 'decision',
        time: i,
        action: 'x',
        state: near(1, i),
        skillId: a.id,
        outcome: { reward: 0.02 },
      });
      store.storeEpisode({
        kind: 'decision',
        time: i,
        action: 'x',
        state: near(1, i + 50),
        skillId: b.id,
        outcome: { reward: -0.02 },
      });
      store.storeEpisode({
        kind: 'decision',
        time: i,
        action: 'x',
        state: near(-1, i),
        skillId: a.id,
        outcome: { reward: -0.02 },
      });
      store.storeEpisode({
        kind: 'decision',
        time: i,
        action: 'x',
        state: near(-1, i + 50),
        skillId: b.id,
        outcome: { reward: 0.02 },
      });
    }
    expect(store.selectSkill({ state: near(1, 3), method: 'ucb', k: 30 }).skill.name).toBe('a');
    expect(store.selectSkill({ state: near(-1, 3), method: 'ucb', k: 30 }).skill.name).toBe('b');
    const t1 = store.selectSkill({ state: near(1, 3), method: 'thompson', seed: 5, k: 30 });
    const t2 = store.selectSkill({ state: near(1, 3), method: 'thompson', seed: 5, k: 30 });
    expect(t1).toEqual(t2);
    expect(t1.skill.name).toBe('a');
    // Without a state, the global records are equal: UCB ties go to the first skill.
    expect(store.selectSkill({ method: 'ucb' }).skill.name).toBe('a');
    // An untried skill is tried first by UCB.
    store.createSkill({ name: 'c', strategy: 'momentum' });
    expect(store.selectSkill({ state: near(1, 3), method: 'ucb' }).skill.name).toBe('c');
  });
});

describe('memory store: bad input is refused with one clear error and nothing written', () => {
  it.each([
    ['wrong dimension', { state: Array(31).fill(0) }, /state: expected 32 numbers, got 31/],
    ['NaN', { state: [...Array(31).fill(0), Number.NaN] }, /state\[31\]: NaN is not a finite number/],
    ['Infinity', { state: [Number.POSITIVE_INFINITY, ...Array(31).fill(0)] }, /state\[0\]: Infinity/],
    ['float32 overflow', { state: [1e300, ...Array(31).fill(0)] }, /state\[0\]/],
    ['NaN reward', { outcome: { reward: Number.NaN } }, /reward/],
    ['unknown kind', { kind: 'dream' }, /kind/],
    ['unknown skill', { skillId: 999 }, /no skill with id 999/],
    ['unknown field', { colour: 'red' }, /colour|unrecognized/i],
  ])('%s', (_name, patch, message) => {
    const store = openStore();
    const ok = { kind: 'decision', time: 1, action: 'buy', state: Array(32).fill(0) };
    store.storeEpisode({ ...ok, key: 'first' });
    expect(() => store.storeEpisode({ ...ok, ...patch } as never)).toThrow(message);
    // A batch with one bad episode writes none of them.
    expect(() => store.storeEpisodes([{ ...ok }, { ...ok, ...patch } as never])).toThrow(message);
    expect(store.count()).toBe(1);
    expect(store.exportAll().episodes.length).toBe(1);
  });

  it('k <= 0, fractional or huge, unknown ids', () => {
    const store = openStore();
    fill(store, 20);
    const q = Array(32).fill(0);
    for (const k of [0, -1, 1.5, 1001, 1e9]) {
      expect(() => store.retrieveSimilar(q, { k })).toThrow(/k: .* must be a whole number from 1 to 1000/);
    }
    expect(() => store.retrieveSimilar(Array(8).fill(0))).toThrow(/expected 32 numbers, got 8/);
    expect(() => store.getEpisode(12345)).toThrow(/no episode with id 12345/);
    const error = (() => {
      try {
        store.recordOutcome(12345, { reward: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NeuralTraderError);
    expect((error as NeuralTraderError).code).toBe('NOT_FOUND');
    expect(() => store.recordOutcome(0, { reward: 1 })).toThrow(/episode id 0 must be a whole number >= 1/);
    expect(() => store.updateSkillStats(77, { reward: 1 })).toThrow(/no skill with id 77/);
    expect(() => store.updateSkillStats('nope', { reward: 1 })).toThrow(/no skill named "nope"/);
    expect(() => store.selectSkill({ method: 'ucb' })).toThrow(/no skills to choose from/);
    expect(store.count()).toBe(20);
  });

  it('is idempotent by key and refuses a foreign SQLite file', () => {
    const store = openStore();
    const ok = { kind: 'trade' as const, time: 1, action: 'buy', state: Array(32).fill(0), key: 'k1' };
    const a = store.storeEpisode(ok);
    const b = store.storeEpisode({ ...ok, action: 'sell' });
    expect(b).toEqual(a);
    expect(store.count()).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'nt-memory-foreign-'));
    dirs.push(dir);
    const foreign = join(dir, 'other.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY)');
    db.close();
    expect(() => MemoryStore.open({ path: foreign })).toThrow(/another kind of SQLite file/);
    const check = new Database(foreign, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([
      { name: 'orders' },
    ]);
    check.close();
  });
});
