import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recallSimilar } from '../../src/memory/requests.js';
import { MemoryStore } from '../../src/memory/store.js';
import { runCli } from '../helpers/cli.js';
import {
  callError,
  callOk,
  connectStdio,
  makeSandbox,
  type Sandbox,
  type StdioSession,
} from '../mcp/helpers.js';

/** The same memory through the library, the CLI and MCP: same answers to the digit. */
describe('memory faces: library, CLI and MCP agree', () => {
  let sandbox: Sandbox;
  let session: StdioSession;
  const cli = (args: string[]) => runCli(args, sandbox.cwd, { NEURAL_TRADER_HOME: sandbox.home });
  const dbPath = () => join(sandbox.home, 'memory', 'memory.db');

  beforeAll(async () => {
    sandbox = makeSandbox();
    const run = cli([
      'backtest',
      '-s',
      'sma-crossover',
      '--symbols',
      'SPX',
      '--start',
      '2004',
      '--end',
      '2012',
      '--memory',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/memory: \d+ new episodes/);
    session = await connectStdio(sandbox);
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    sandbox?.cleanup();
  });

  it('recall: the CLI --json, the MCP tool and the library return the same neighbours and summary', async () => {
    const first = MemoryStore.open({ path: dbPath() });
    const trade = first.listEpisodes({ kind: 'trade', from: Date.UTC(2008, 0, 1) }, 1000).at(-1);
    first.close();
    const date = new Date(trade?.time as number).toISOString().slice(0, 10);
    const args = ['memory', 'search', '--symbol', 'SPX', '--date', date, '-k', '7', '--json'];
    const viaCli = cli(args);
    expect(viaCli.code, viaCli.stderr).toBe(0);
    const c = JSON.parse(viaCli.stdout);
    const m = await callOk(session.client, 'recall_similar_states', { symbol: 'SPX', date, k: 7 });
    const store = MemoryStore.open({ path: dbPath() });
    const lib = await recallSimilar(store, { symbol: 'SPX', date, k: 7 });
    store.close();
    const ids = lib.neighbours.map((n) => n.episode.id);
    expect(ids.length).toBe(7);
    expect(c.neighbours.map((n: { episode: { id: number } }) => n.episode.id)).toEqual(ids);
    expect((m.neighbours as { episode: { id: number } }[]).map((n) => n.episode.id)).toEqual(ids);
    expect(c.neighbours.map((n: { distance: number }) => n.distance)).toEqual(
      lib.neighbours.map((n) => n.distance),
    );
    expect((m.neighbours as { distance: number }[]).map((n) => n.distance)).toEqual(
      lib.neighbours.map((n) => n.distance),
    );
    expect(c.summary.meanReward).toBe(lib.summary.meanReward);
    expect((m.summary as { mean_reward: number }).mean_reward).toBe(lib.summary.meanReward);
    // The trade decided on that date is its own nearest state.
    expect(lib.neighbours[0].distance).toBe(0);
    expect(lib.neighbours[0].episode.id).toBe(trade?.id);
    // Filters by outcome sign through both faces.
    const neg = await callOk(session.client, 'recall_similar_states', {
      symbol: 'SPX',
      date,
      k: 5,
      outcome: 'negative',
    });
    for (const n of neg.neighbours as { episode: { outcome: { reward: number } } }[])
      expect(n.episode.outcome.reward).toBeLessThan(0);
    const negCli = JSON.parse(
      cli([...args.slice(0, -1), '--outcome', 'negative', '-k', '5', '--json']).stdout,
    );
    expect(negCli.neighbours.map((n: { episode: { id: number } }) => n.episode.id)).toEqual(
      (neg.neighbours as { episode: { id: number } }[]).map((n) => n.episode.id),
    );
  });

  it('store_episode, record_outcome and skills through MCP; bad input refused with nothing written', async () => {
    const before = (await callOk(session.client, 'get_memory_stats')).episodes as number;
    const stored = await callOk(session.client, 'store_episode', {
      kind: 'decision',
      action: 'buy',
      symbol: 'SPX',
      date: '2010-06-01',
      strategy: 'momentum',
      critique: 'bought the dip',
    });
    const id = (stored.episode as { id: number }).id;
    expect((stored.episode as { time: string }).time).toBe('2010-06-01T00:00:00Z');
    const outcome = await callOk(session.client, 'record_outcome', {
      episode_id: id,
      reward: 0.03,
      pnl: 300,
    });
    expect((outcome.episode as { outcome: { reward: number } }).outcome.reward).toBe(0.03);
    expect(
      await callError(session.client, 'store_episode', {
        kind: 'decision',
        action: 'x',
        state: [1, 2, 3],
        time: '2010',
      }),
    ).toMatch(/state: expected 32 numbers, got 3/);
    const nan = await callError(session.client, 'store_episode', {
      kind: 'decision',
      action: 'x',
      time: '2010',
      state: Array(32).fill(1e39),
    });
    expect(nan).toMatch(/state\[0\]/);
    expect(await callError(session.client, 'record_outcome', { episode_id: 999999, reward: 1 })).toMatch(
      /no episode with id 999999/,
    );
    expect(await callError(session.client, 'recall_similar_states', { symbol: 'SPX', k: 0 })).toMatch(/k/);
    expect(await callError(session.client, 'recall_similar_states', { symbol: 'SPX', k: 100000 })).toMatch(
      /k/,
    );
    expect((await callOk(session.client, 'get_memory_stats')).episodes).toBe(before + 1);

    const created = cli([
      'memory',
      'skills',
      'create',
      '--name',
      'trend',
      '--strategy',
      'sma-crossover',
      '--param',
      'fast=10',
      'slow=50',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    await callOk(session.client, 'record_outcome', { skill: 'trend', reward: 0.02 });
    await callOk(session.client, 'record_outcome', { skill: 'trend', reward: -0.01 });
    const skills = await callOk(session.client, 'search_skills', {
      select: 'ucb',
      symbol: 'SPX',
      date: '2010-06-01',
    });
    const skill = (
      skills.skills as { name: string; uses: number; reward_mean: number; reward_variance: number }[]
    )[0];
    expect(skill).toMatchObject({ name: 'trend', uses: 2 });
    expect(skill.reward_mean).toBeCloseTo(0.005, 15);
    expect(skill.reward_variance).toBeCloseTo(0.00045, 15);
    const listed = JSON.parse(cli(['memory', 'skills', 'list', '--json']).stdout);
    expect(listed[0].rewardMean).toBe(skill.reward_mean);
    expect(listed[0].rewardVariance).toBe(skill.reward_variance);
  });

  it('trade --memory records each fill once, closing fills with their realised outcome', () => {
    const args = ['trade', '--strategy', 'sma-crossover', '--symbols', 'SPX', '--param', 'fast=5', 'slow=20'];
    const run = cli([
      ...args,
      '--start',
      '2010-01-01',
      '--bars',
      '200',
      '--account',
      'mem-test',
      '--memory',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/memory: (\d+) new trade episodes/);
    const trades = JSON.parse(
      cli([
        'memory',
        'episodes',
        '--strategy',
        'sma-crossover',
        '--kind',
        'trade',
        '--from',
        '2009-12',
        '--to',
        '2011',
        '--json',
      ]).stdout,
    );
    expect(trades.length).toBeGreaterThan(1);
    const sells = trades.filter((t: { action: string }) => t.action === 'sell');
    expect(sells.length).toBeGreaterThan(0);
    for (const s of sells) expect(Number.isFinite(s.outcome.pnl)).toBe(true);
    // The same account's fills again: nothing new.
    const again = cli(['memory', 'stats', '--json']);
    const count = JSON.parse(again.stdout).episodes;
    const rerun = cli([
      ...args,
      '--account',
      'mem-test',
      '--start',
      '2010-11-01',
      '--bars',
      '5',
      '--memory',
      '--json',
    ]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const added = Number(rerun.stderr.match(/memory: (\d+) new trade episodes \((\d+) fills\)/)?.[1]);
    const fills = Number(rerun.stderr.match(/memory: (\d+) new trade episodes \((\d+) fills\)/)?.[2]);
    expect(fills).toBeGreaterThan(added); // earlier fills of the account were seen again and not stored twice
    expect(JSON.parse(cli(['memory', 'stats', '--json']).stdout).episodes).toBe(count + added);
  }, 60_000);

  it('CLI: stats, episodes, export and import round trip; mistakes are one error line', () => {
    const stats = JSON.parse(cli(['memory', 'stats', '--json']).stdout);
    expect(stats.episodes).toBeGreaterThan(10);
    const listed = JSON.parse(
      cli(['memory', 'episodes', '--kind', 'trade', '--limit', '3', '--json']).stdout,
    );
    expect(listed).toHaveLength(3);
    const file = join(sandbox.cwd, 'memory.json');
    expect(cli(['memory', 'export', file]).code).toBe(0);
    const other = join(sandbox.cwd, 'copy.db');
    const imported = cli(['memory', 'import', file, '--db', other]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(new RegExp(`imported ${stats.episodes} episodes`));
    const copy = JSON.parse(cli(['memory', 'stats', '--db', other, '--json']).stdout);
    expect(copy.episodes).toBe(stats.episodes);
    expect(copy.skills).toBe(stats.skills);
    // Importing again skips every keyed episode, and refuses the existing skill: nothing written.
    const again = cli(['memory', 'import', file, '--db', other]);
    expect(again.code, again.stdout + again.stderr).not.toBe(0);
    expect(again.stderr).toMatch(/^error: import: skill "trend" already exists/);
    expect(JSON.parse(cli(['memory', 'stats', '--db', other, '--json']).stdout).episodes).toBe(
      stats.episodes,
    );
    for (const args of [
      ['memory', 'search', '--symbol', 'SPX', '-k', '0'],
      ['memory', 'search', '--state', '[1,2]'],
      ['memory', 'episodes', '--id', '424242'],
      ['memory', 'search', '--symbol', 'SPX', '--kind', 'dream'],
    ]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
