import type { Command } from 'commander';
import { loadCliConfig } from '../context.js';

/**
 * `memory stats|search|episodes|skills|export|import`: the agent memory (episodes of backtests, trades,
 * bets and decisions with their market states, and a skill library) in NEURAL_TRADER_HOME/memory/memory.db
 * or the file given with --db.
 */
interface DbFlags {
  db?: string;
  json?: boolean;
}

interface FilterFlags {
  onlySymbol?: string;
  strategy?: string;
  kind?: string;
  from?: string;
  to?: string;
  outcome?: string;
}

async function openStore(program: Command, flags: DbFlags) {
  const config = await loadCliConfig(program);
  const { MemoryStore, defaultMemoryPath } = await import('../../memory/store.js');
  return MemoryStore.open({ path: flags.db ?? defaultMemoryPath(config.home) });
}

function addFilterOptions(command: Command): Command {
  return command
    .option('--only-symbol <symbol>', 'only episodes of this symbol')
    .option('--strategy <name>', 'only episodes of this strategy')
    .option('--kind <kind>', 'only backtest, trade, bet or decision episodes')
    .option('--from <date>', 'only states observed on or after this date')
    .option('--to <date>', 'only states observed on or before this date')
    .option('--outcome <sign>', 'only outcomes that are positive, negative or known');
}

function filterText(flags: FilterFlags) {
  return {
    symbol: flags.onlySymbol,
    strategy: flags.strategy,
    kind: flags.kind,
    from: flags.from,
    to: flags.to,
    outcome: flags.outcome,
  };
}

const fixed = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined || !Number.isFinite(x) ? '' : Number(x.toFixed(digits));

export function register(program: Command): void {
  const memory = program
    .command('memory')
    .description('Agent memory: episodes with market states, similar-state search, a skill library');

  memory
    .command('stats')
    .description('What the memory holds: episodes by kind, outcomes, skills, the approximate index')
    .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
    .option('--json', 'print JSON')
    .action(async (flags: DbFlags) => {
      const store = await openStore(program, flags);
      try {
        const stats = store.stats();
        const output = await import('../output.js');
        if (flags.json) output.printJson(stats);
        else {
          const { timestampFormatter } = await import('../../core/time.js');
          const times = [stats.firstAt, stats.lastAt].filter((t): t is number => t !== null);
          const format = timestampFormatter(times);
          process.stdout.write(
            output.renderKeyValues({
              path: stats.path,
              episodes: stats.episodes,
              by_kind:
                Object.entries(stats.episodesByKind)
                  .map(([k, n]) => `${k}:${n}`)
                  .join(' ') || '(none)',
              with_outcome: stats.withOutcome,
              skills: stats.skills,
              first: stats.firstAt === null ? '' : format(stats.firstAt),
              last: stats.lastAt === null ? '' : format(stats.lastAt),
              embedding: `${stats.embedding} (${stats.dimension} features)`,
              approximate_index: stats.approximateIndex.inStep
                ? 'in step'
                : stats.approximateIndex.present
                  ? 'stale (rebuilt on next use)'
                  : 'not built',
            }),
          );
        }
      } finally {
        store.close();
      }
    });

  addFilterOptions(
    memory
      .command('search')
      .description(
        'The k stored states most similar to a market state, what happened after them, and a summary',
      )
      .option('--symbol <symbol>', "query: this symbol's market state (bundled sample data by default)")
      .option('--date <date>', 'query: at the last bar on or before this date (default: the latest bar)')
      .option('--benchmark <symbol>', 'benchmark for the correlation features (e.g. DJIA)')
      .option('--provider <name>', 'data provider for --symbol (default sample)')
      .option('--episode <id>', "query: a stored episode's state")
      .option('--state <json>', 'query: the state vector as a JSON list of 32 numbers')
      .option('-k, --k <n>', 'how many neighbours (1..1000)', '10')
      .option(
        '--method <method>',
        'exact, approximate or auto (approximate for large unfiltered stores)',
        'auto',
      )
      .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
      .option('--json', 'print JSON'),
  ).action(
    async (
      flags: DbFlags &
        FilterFlags & {
          symbol?: string;
          date?: string;
          benchmark?: string;
          provider?: string;
          episode?: string;
          state?: string;
          k: string;
          method: string;
        },
    ) => {
      const { countFlag, printWarnings } = await import('../flags.js');
      const { recallSimilar } = await import('../../memory/requests.js');
      const { parseStateJson } = await import('../../memory/cli-input.js');
      const k = countFlag('k', flags.k) as number;
      const episodeId = countFlag('episode', flags.episode);
      const store = await openStore(program, flags);
      try {
        const result = await recallSimilar(store, {
          filter: filterText(flags),
          state: flags.state === undefined ? undefined : parseStateJson(flags.state),
          symbol: flags.symbol,
          date: flags.date,
          benchmark: flags.benchmark,
          provider: flags.provider,
          episodeId,
          k,
          method: flags.method as 'exact' | 'approximate' | 'auto',
        });
        const output = await import('../output.js');
        if (flags.json) output.printJson(result);
        else {
          const { timestampFormatter } = await import('../../core/time.js');
          const format = timestampFormatter(result.neighbours.map((n) => n.episode.time));
          process.stdout.write(`query: ${result.query.source}; ${result.method} search, k=${result.k}\n`);
          if (result.neighbours.length > 0) {
            process.stdout.write(
              output.renderTable(
                result.neighbours.map((n) => ({
                  id: n.episode.id,
                  distance: fixed(n.distance),
                  time: format(n.episode.time),
                  kind: n.episode.kind,
                  symbol: n.episode.symbol ?? '',
                  strategy: n.episode.strategy ?? '',
                  action: n.episode.action,
                  reward: fixed(n.episode.outcome?.reward),
                  pnl: fixed(n.episode.outcome?.pnl, 2),
                })),
              ),
            );
          }
          const s = result.summary;
          process.stdout.write(
            `\noutcomes: ${s.withOutcome} of ${s.count} known; mean reward ${fixed(s.meanReward)}, median ${fixed(s.medianReward)}, ` +
              `std ${fixed(s.stdReward)}, win rate ${s.winRate === null ? 'n/a' : `${(s.winRate * 100).toFixed(1)}%`}, total pnl ${fixed(s.totalPnl, 2)}\n`,
          );
        }
        printWarnings(result.warnings);
      } finally {
        store.close();
      }
    },
  );

  addFilterOptions(
    memory
      .command('episodes')
      .description('Stored episodes, newest first (or one with --id)')
      .option('--id <id>', 'show this episode')
      .option('--limit <n>', 'how many (default 20)', '20')
      .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
      .option('--json', 'print JSON'),
  ).action(async (flags: DbFlags & FilterFlags & { id?: string; limit: string }) => {
    const { countFlag } = await import('../flags.js');
    const { parseFilter } = await import('../../memory/requests.js');
    const id = countFlag('id', flags.id);
    const limit = countFlag('limit', flags.limit) as number;
    const filter = parseFilter(filterText(flags));
    const store = await openStore(program, flags);
    try {
      const episodes = id === undefined ? store.listEpisodes(filter, limit) : [store.getEpisode(id)];
      const output = await import('../output.js');
      if (flags.json) output.printJson(id === undefined ? episodes : episodes[0]);
      else {
        const { timestampFormatter } = await import('../../core/time.js');
        const format = timestampFormatter(episodes.map((e) => e.time));
        output.printTable(
          episodes.map((e) => ({
            id: e.id,
            time: format(e.time),
            kind: e.kind,
            symbol: e.symbol ?? '',
            strategy: e.strategy ?? '',
            action: e.action,
            reward: fixed(e.outcome?.reward),
            pnl: fixed(e.outcome?.pnl, 2),
            critique: e.critique ?? '',
          })),
        );
      }
    } finally {
      store.close();
    }
  });

  const skills = memory
    .command('skills')
    .description('The skill library: strategy configurations with outcome statistics');
  const skillRows = (list: import('../../memory/types.js').Skill[]) =>
    list.map((s) => ({
      id: s.id,
      name: s.name,
      strategy: s.strategy,
      params: JSON.stringify(s.params),
      uses: s.uses,
      success_pct: Number((s.successRate * 100).toFixed(2)),
      reward_mean: fixed(s.rewardMean, 6),
      reward_var: fixed(s.rewardVariance, 8),
    }));

  skills
    .command('list')
    .description('Skills, best mean reward first')
    .option('--text <text>', 'match name, strategy or description')
    .option('--strategy <name>', 'only this strategy')
    .option('--min-uses <n>', 'only skills used at least this often')
    .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
    .option('--json', 'print JSON')
    .action(async (flags: DbFlags & { text?: string; strategy?: string; minUses?: string }) => {
      const { countFlag } = await import('../flags.js');
      const minUses = countFlag('min-uses', flags.minUses, 0);
      const store = await openStore(program, flags);
      try {
        const list = store.searchSkills({ text: flags.text, strategy: flags.strategy, minUses, k: 1000 });
        const output = await import('../output.js');
        if (flags.json) output.printJson(list);
        else output.printTable(skillRows(list));
      } finally {
        store.close();
      }
    });

  skills
    .command('create')
    .description('Add a skill: a strategy with fixed parameters')
    .requiredOption('--name <name>', 'unique name, e.g. trend-10-50')
    .requiredOption('--strategy <name>', 'registered strategy, e.g. sma-crossover')
    .option('-p, --param <key=value...>', 'strategy parameters, e.g. --param fast=10 slow=50')
    .option('--description <text>', 'what it is for')
    .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
    .option('--json', 'print JSON')
    .action(
      async (flags: DbFlags & { name: string; strategy: string; param?: string[]; description?: string }) => {
        const { strategyParamsFromFlags } = await import('../../core/strategy-params.js');
        const { parseStrategyParams } = await import('../../strategies/registry.js');
        const params = strategyParamsFromFlags(flags.param, undefined);
        parseStrategyParams(flags.strategy, params); // refuse unknown strategies and bad parameters first
        const store = await openStore(program, flags);
        try {
          const skill = store.createSkill({
            name: flags.name,
            strategy: flags.strategy,
            params,
            description: flags.description,
          });
          const output = await import('../output.js');
          if (flags.json) output.printJson(skill);
          else output.printTable(skillRows([skill]));
        } finally {
          store.close();
        }
      },
    );

  skills
    .command('update')
    .description("Add one outcome to a skill's statistics")
    .argument('<skill>', 'skill name or id')
    .requiredOption('--reward <x>', 'the reward, e.g. the return as a fraction (0.02 = 2%)')
    .option('--success <bool>', 'count it as a success (default: reward > 0)')
    .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
    .option('--json', 'print JSON')
    .action(async (skill: string, flags: DbFlags & { reward: string; success?: string }) => {
      const { numberFlag } = await import('../flags.js');
      const reward = numberFlag('reward', flags.reward) as number;
      const success =
        flags.success === undefined ? undefined : ['true', '1', 'yes'].includes(flags.success.toLowerCase());
      const store = await openStore(program, flags);
      try {
        const updated = store.updateSkillStats(/^\d+$/.test(skill) ? Number(skill) : skill, {
          reward,
          success,
        });
        const output = await import('../output.js');
        if (flags.json) output.printJson(updated);
        else output.printTable(skillRows([updated]));
      } finally {
        store.close();
      }
    });

  skills
    .command('select')
    .description('Choose a skill for a market state by Thompson sampling (seeded) or UCB')
    .option('--symbol <symbol>', "condition on this symbol's market state")
    .option('--date <date>', 'at the last bar on or before this date')
    .option('--method <method>', 'thompson or ucb', 'thompson')
    .option('--seed <n>', 'Thompson sampling seed', '42')
    .option('-k, --k <n>', 'neighbouring past states to condition on', '50')
    .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
    .option('--json', 'print JSON')
    .action(
      async (
        flags: DbFlags & { symbol?: string; date?: string; method: string; seed: string; k: string },
      ) => {
        const { countFlag } = await import('../flags.js');
        const seed = countFlag('seed', flags.seed, 0) as number;
        const k = countFlag('k', flags.k) as number;
        const store = await openStore(program, flags);
        try {
          let state: Float32Array | undefined;
          if (flags.symbol) {
            const { resolveState } = await import('../../memory/requests.js');
            state = (await resolveState({ symbol: flags.symbol, date: flags.date }, store)).state;
          }
          const choice = store.selectSkill({ state, method: flags.method as 'thompson' | 'ucb', seed, k });
          const output = await import('../output.js');
          if (flags.json) output.printJson(choice);
          else {
            process.stdout.write(
              `selected: ${choice.skill.name} (${choice.method}, ${choice.neighboursUsed} neighbour outcomes)\n`,
            );
            output.printTable(
              choice.scores.map((s) => ({
                skill: s.name,
                evidence: fixed(s.effectiveCount, 3),
                mean: fixed(s.mean, 6),
                score: fixed(s.score, 6),
              })),
            );
          }
        } finally {
          store.close();
        }
      },
    );

  memory
    .command('experiment')
    .description(
      'Walk-forward: the adaptive selector vs the best single skill chosen in-sample, after costs, on test windows',
    )
    .requiredOption('--symbols <symbols...>', 'symbols, e.g. SPX or DJ30:KO DJ30:PG')
    .option('--start <date>', 'first date')
    .option('--end <date>', 'last date')
    .option('--provider <name>', 'data provider (default sample)')
    .option('--train-bars <n>', 'training window in bars (default 756, about 3 years)')
    .option('--test-bars <n>', 'test window in bars (default 252, about 1 year)')
    .option('--commission <rate>', 'commission as a fraction of notional (default: the backtest default)')
    .option('--slippage <bps>', 'slippage in basis points against each fill (default: the backtest default)')
    .option('--json', 'print JSON (every fold)')
    .action(
      async (flags: {
        symbols: string[];
        start?: string;
        end?: string;
        provider?: string;
        trainBars?: string;
        testBars?: string;
        commission?: string;
        slippage?: string;
        json?: boolean;
      }) => {
        await loadCliConfig(program);
        const { countFlag, numberFlag, symbolsFlag } = await import('../flags.js');
        const { walkForwardAdaptive } = await import('../../memory/experiment.js');
        const result = await walkForwardAdaptive({
          symbols: symbolsFlag(flags.symbols),
          start: flags.start,
          end: flags.end,
          provider: flags.provider,
          trainBars: countFlag('train-bars', flags.trainBars),
          testBars: countFlag('test-bars', flags.testBars),
          commission: numberFlag('commission', flags.commission, { min: 0, max: 0.999999 }),
          slippageBps: numberFlag('slippage', flags.slippage, { min: 0, max: 10_000 }),
        });
        const output = await import('../output.js');
        if (flags.json) {
          output.printJson(result);
          return;
        }
        const s = result.summary;
        const pct = (x: number) => Number((x * 100).toFixed(2));
        process.stdout.write(`skills: ${result.skills.join(' ')}\n`);
        process.stdout.write(
          output.renderTable([
            {
              contender: 'adaptive selector',
              mean_test_return_pct: pct(s.meanAdaptive),
              sharpe: fixed(s.sharpeAdaptive, 3),
            },
            {
              contender: 'best single (in-sample)',
              mean_test_return_pct: pct(s.meanBestInSample),
              sharpe: fixed(s.sharpeBestInSample, 3),
            },
            { contender: 'buy & hold', mean_test_return_pct: pct(s.meanBuyAndHold), sharpe: '' },
            { contender: 'best single (hindsight)', mean_test_return_pct: pct(s.meanHindsight), sharpe: '' },
          ]),
        );
        process.stdout.write(
          `\nadaptive beat the in-sample choice in ${s.adaptiveWins} of ${s.folds} test windows\n`,
        );
        const { describeAssumptions } = await import('../../backtest/assumptions.js');
        process.stdout.write(`${describeAssumptions(result.assumptions)}\n`);
      },
    );

  memory
    .command('export')
    .description('Write every episode (with its state vector) and skill to a JSON file')
    .argument('<file>', 'output file')
    .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
    .action(async (file: string, flags: DbFlags) => {
      const files = await import('../../core/files.js');
      files.checkWritablePath(file);
      const store = await openStore(program, flags);
      try {
        const doc = store.exportAll();
        files.writeFileAtomic(file, `${JSON.stringify(doc)}\n`);
        process.stdout.write(
          `exported ${doc.episodes.length} episodes and ${doc.skills.length} skills to ${file}\n`,
        );
      } finally {
        store.close();
      }
    });

  memory
    .command('import')
    .description(
      'Add the episodes and skills of an export (all or nothing; episodes with known keys are skipped)',
    )
    .argument('<file>', 'a file written by `memory export`')
    .option('--db <file>', 'memory database (default NEURAL_TRADER_HOME/memory/memory.db)')
    .action(async (file: string, flags: DbFlags) => {
      const { readExport } = await import('../../memory/cli-input.js');
      const doc = readExport(file);
      const config = await loadCliConfig(program);
      const { MemoryStore, defaultMemoryPath } = await import('../../memory/store.js');
      // A new database adopts the export's normalisation, so its vectors stay comparable.
      const store = MemoryStore.open({
        path: flags.db ?? defaultMemoryPath(config.home),
        normalisation: doc.normalisation,
      });
      try {
        const result = store.importAll(doc);
        process.stdout.write(
          `imported ${result.episodes} episodes (${result.skipped} already present) and ${result.skills} skills into ${store.path}\n`,
        );
      } finally {
        store.close();
      }
    });
}
