import { z } from 'zod';
import { dateArg, enumArg, integerArg, nameArg, paramsArg, symbolArg } from '../args.js';
import { type AnyToolSpec, defineTool, type McpRuntime, READ_ONLY } from '../tool.js';

/**
 * The agent memory as tools: store an episode (a backtest, trade, bet or decision with its market
 * state), recall the most similar past states and what followed them, search the skill library, record
 * an outcome (of an episode, or of a skill), and the memory's statistics. The database is
 * NEURAL_TRADER_HOME/memory/memory.db, as for the CLI.
 */
const WRITES = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

async function withStore<T>(
  runtime: McpRuntime,
  fn: (store: import('../../memory/store.js').MemoryStore) => Promise<T> | T,
): Promise<T> {
  const { MemoryStore, defaultMemoryPath } = await import('../../memory/store.js');
  const store = MemoryStore.open({ path: defaultMemoryPath(runtime.config.home) });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

const stateArg = z
  .array(z.number())
  .max(4096)
  .describe('The state vector: 32 numbers (a normalised market-state embedding)');
const kindArg = enumArg(['backtest', 'trade', 'bet', 'decision'] as const, 'What the episode records');
const outcomeArgs = {
  reward: z.number().describe('The learning signal, e.g. the return as a fraction (0.02 = 2%)'),
  pnl: z.number().optional().describe('Profit or loss in account currency'),
  horizon_bars: integerArg('Bars between the state and the outcome', 0, 1_000_000).optional(),
  known_at: dateArg('When the outcome became known (default: now)').optional(),
};
const filterArgs = {
  only_symbol: symbolArg('Only episodes of this symbol').optional(),
  strategy: nameArg('Only episodes of this strategy').optional(),
  kind: kindArg.optional(),
  from: dateArg('Only states observed on or after this date').optional(),
  to: dateArg('Only states observed on or before this date').optional(),
  outcome: enumArg(
    ['positive', 'negative', 'known'] as const,
    'Only outcomes of this sign (or any known)',
  ).optional(),
};

const episodeShape = z.object({
  id: z.number(),
  kind: z.string(),
  time: z.string(),
  action: z.string(),
  symbol: z.string().optional(),
  strategy: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  outcome: z
    .object({
      reward: z.number(),
      pnl: z.number().optional(),
      horizon_bars: z.number().optional(),
      known_at: z.string(),
    })
    .optional(),
  critique: z.string().optional(),
  skill_id: z.number().optional(),
  key: z.string().optional(),
  created_at: z.string(),
});
const skillShape = z.object({
  id: z.number(),
  name: z.string(),
  strategy: z.string(),
  params: z.record(z.string(), z.unknown()),
  description: z.string().optional(),
  uses: z.number(),
  successes: z.number(),
  success_rate: z.number(),
  reward_mean: z.number(),
  reward_variance: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
  has_state: z.boolean(),
  distance: z.number().optional(),
});

const parseTime = async (text: string | undefined, bound: 'start' | 'end', field: string) => {
  if (text === undefined) return undefined;
  const { parseDateBound } = await import('../../core/time.js');
  return parseDateBound(text, bound, field);
};

const storeEpisode = defineTool({
  name: 'store_episode',
  title: 'Store an episode',
  description:
    'Store an experience in the agent memory: its state (32 numbers, or the market state of `symbol` at ' +
    '`date` from the bundled data), the action, strategy and parameters, optionally its outcome (reward, ' +
    'P&L, horizon) and a critique. With `key`, storing the same key again returns the first episode and ' +
    'writes nothing.',
  toolset: 'memory',
  input: {
    kind: kindArg,
    action: z.string().min(1).max(200).describe('What was done, e.g. buy, sell, hold, back home'),
    state: stateArg.optional(),
    symbol: symbolArg(
      'The symbol the episode is about (and whose market state is used when no state is given)',
    ).optional(),
    date: dateArg(
      'With symbol and no state: the market state at the last bar on or before this date',
    ).optional(),
    time: dateArg('When the state was observed (default: the bar of symbol/date)').optional(),
    strategy: nameArg('Strategy that acted').optional(),
    params: paramsArg.optional(),
    outcome: z.object(outcomeArgs).optional().describe('The outcome, if already known'),
    critique: z.string().max(10_000).optional().describe('Reflection: what went right or wrong'),
    skill_id: integerArg(
      'The skill that made the decision (its statistics follow the outcome)',
      1,
      2 ** 31,
    ).optional(),
    key: z.string().min(1).max(200).optional().describe('Idempotency key'),
  },
  output: { episode: episodeShape },
  hints: WRITES,
  async run(args, { runtime }) {
    const { storeEpisodeRequest } = await import('../../memory/requests.js');
    const knownAt = await parseTime(args.outcome?.known_at, 'start', 'known_at');
    return withStore(runtime, async (store) => ({
      episode: await storeEpisodeRequest(store, {
        kind: args.kind,
        action: args.action,
        state: args.state,
        symbol: args.symbol,
        date: args.date,
        time: args.time,
        strategy: args.strategy,
        params: args.params,
        critique: args.critique,
        skillId: args.skill_id,
        key: args.key,
        outcome: args.outcome
          ? {
              reward: args.outcome.reward,
              pnl: args.outcome.pnl,
              horizonBars: args.outcome.horizon_bars,
              knownAt,
            }
          : undefined,
      }),
    }));
  },
});

const recallSimilarStates = defineTool({
  name: 'recall_similar_states',
  title: 'Recall similar market states',
  description:
    'The k stored episodes whose states are nearest (Euclidean) to a query state, what happened after ' +
    'them, and summary statistics of those outcomes. The query is a state vector, the market state of ' +
    '`symbol` at `date` (bundled data), or a stored episode. Filters: symbol, strategy, kind, time ' +
    'range, outcome sign. method exact (sqlite-vec), approximate (HNSW index, no filters) or auto.',
  toolset: 'memory',
  input: {
    state: stateArg.optional(),
    symbol: symbolArg('Query: the market state of this symbol').optional(),
    date: dateArg('Query: at the last bar on or before this date (default: the latest bar)').optional(),
    benchmark: symbolArg('Benchmark for the correlation features').optional(),
    episode_id: integerArg("Query: a stored episode's state", 1, 2 ** 31).optional(),
    k: integerArg('How many neighbours', 1, 1000).optional(),
    method: enumArg(['exact', 'approximate', 'auto'] as const, 'Search method (default auto)').optional(),
    ...filterArgs,
  },
  output: {
    query: z.object({ source: z.string(), time: z.string().optional() }),
    method: z.string(),
    k: z.number(),
    neighbours: z.array(z.object({ episode: episodeShape, distance: z.number() })),
    summary: z.object({
      count: z.number(),
      with_outcome: z.number(),
      mean_reward: z.number().nullable(),
      median_reward: z.number().nullable(),
      std_reward: z.number().nullable(),
      win_rate: z.number().nullable(),
      mean_pnl: z.number().nullable(),
      total_pnl: z.number().nullable(),
      mean_distance: z.number().nullable(),
    }),
    warnings: z.array(z.string()),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const { recallSimilar } = await import('../../memory/requests.js');
    return withStore(runtime, async (store) => ({
      ...(await recallSimilar(store, {
        state: args.state,
        symbol: args.symbol,
        date: args.date,
        benchmark: args.benchmark,
        episodeId: args.episode_id,
        k: args.k,
        method: args.method,
        filter: {
          symbol: args.only_symbol,
          strategy: args.strategy,
          kind: args.kind,
          from: args.from,
          to: args.to,
          outcome: args.outcome,
        },
      })),
    }));
  },
});

const searchSkills = defineTool({
  name: 'search_skills',
  title: 'Search skills',
  description:
    'Skills (strategy configurations with usage count, success rate and reward statistics), best mean ' +
    'reward first, or nearest to a state. With select: "thompson" or "ucb", also chooses one for the ' +
    'market state of `symbol` at `date`, conditioned on the outcomes skills had in similar past states.',
  toolset: 'memory',
  input: {
    text: z.string().max(200).optional().describe('Match name, strategy or description'),
    strategy: nameArg('Only this strategy').optional(),
    min_uses: integerArg('Only skills used at least this often', 0, 2 ** 31).optional(),
    k: integerArg('How many', 1, 1000).optional(),
    symbol: symbolArg('Condition on the market state of this symbol').optional(),
    date: dateArg('At the last bar on or before this date').optional(),
    select: enumArg(['thompson', 'ucb'] as const, 'Also choose one skill by this method').optional(),
    seed: integerArg('Thompson sampling seed (default 42)', 0, 2 ** 31 - 1).optional(),
  },
  output: {
    skills: z.array(skillShape),
    selected: z
      .object({
        skill: skillShape,
        method: z.string(),
        neighbours_used: z.number(),
        scores: z.array(
          z.object({
            skill_id: z.number(),
            name: z.string(),
            effective_count: z.number(),
            mean: z.number(),
            score: z.number().nullable(),
          }),
        ),
      })
      .nullable(),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const { resolveState } = await import('../../memory/requests.js');
    return withStore(runtime, async (store) => {
      const state = args.symbol
        ? (await resolveState({ symbol: args.symbol, date: args.date }, store)).state
        : undefined;
      const skills = store.searchSkills({
        text: args.text,
        strategy: args.strategy,
        minUses: args.min_uses,
        k: args.k,
        state,
      });
      const selected = args.select
        ? store.selectSkill({ state, method: args.select, seed: args.seed })
        : null;
      return { skills, selected };
    });
  },
});

const recordOutcome = defineTool({
  name: 'record_outcome',
  title: 'Record an outcome',
  description:
    "Record what came of an episode (episode_id: its reward, P&L, horizon; its skill's statistics follow) " +
    "or add an outcome to a skill's statistics directly (skill: name or id). Give exactly one of them.",
  toolset: 'memory',
  input: {
    episode_id: integerArg('The episode whose outcome this is', 1, 2 ** 31).optional(),
    skill: z
      .union([z.string().min(1).max(100), z.number().int().min(1)])
      .optional()
      .describe('A skill name or id'),
    success: z.boolean().optional().describe('Count as a success (default: reward > 0)'),
    ...outcomeArgs,
  },
  output: { episode: episodeShape.nullable(), skill: skillShape.nullable() },
  hints: WRITES,
  async run(args, { runtime }) {
    const { ValidationError } = await import('../../core/errors.js');
    if ((args.episode_id === undefined) === (args.skill === undefined)) {
      throw new ValidationError('give exactly one of episode_id or skill', { field: 'episode_id' });
    }
    const knownAt = await parseTime(args.known_at, 'start', 'known_at');
    return withStore(runtime, (store) => {
      if (args.episode_id !== undefined) {
        const episode = store.recordOutcome(args.episode_id, {
          reward: args.reward,
          pnl: args.pnl,
          horizonBars: args.horizon_bars,
          knownAt,
          success: args.success,
        });
        return { episode, skill: episode.skillId === undefined ? null : store.getSkill(episode.skillId) };
      }
      return {
        episode: null,
        skill: store.updateSkillStats(args.skill as string | number, {
          reward: args.reward,
          success: args.success,
        }),
      };
    });
  },
});

const getMemoryStats = defineTool({
  name: 'get_memory_stats',
  title: 'Memory statistics',
  description:
    'What the agent memory holds: episodes by kind, how many have outcomes, skills, time span, index state.',
  toolset: 'memory',
  input: {},
  output: {
    path: z.string(),
    dimension: z.number(),
    embedding: z.string(),
    normalisation_source: z.string(),
    episodes: z.number(),
    episodes_by_kind: z.record(z.string(), z.number()),
    with_outcome: z.number(),
    skills: z.number(),
    first_at: z.string().nullable(),
    last_at: z.string().nullable(),
    approximate_index: z.object({
      file: z.string(),
      present: z.boolean(),
      rows: z.number().nullable(),
      in_step: z.boolean(),
    }),
  },
  hints: READ_ONLY,
  async run(_args, { runtime }) {
    return withStore(runtime, (store) => ({ ...store.stats() }));
  },
});

export const memoryTools: readonly AnyToolSpec[] = [
  storeEpisode,
  recallSimilarStates,
  searchSkills,
  recordOutcome,
  getMemoryStats,
];
