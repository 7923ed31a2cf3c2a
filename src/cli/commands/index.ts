import type { Command } from 'commander';

/**
 * The command table. Each capability registers its commands from its own module; a run imports only the
 * module of the command it was asked for, so `neural-trader --help` and every command start without
 * loading the other nine. The summaries here are what the root `--help` lists; each module carries the
 * full description and flags of its commands (`neural-trader <command> --help`).
 */
interface CommandModule {
  register(program: Command): void;
}

interface CommandEntry {
  /** Top-level command names the module registers, with their one-line summaries. */
  commands: Readonly<Record<string, string>>;
  load(): Promise<CommandModule>;
}

export const COMMAND_TABLE: readonly CommandEntry[] = [
  {
    commands: {
      'market-data': 'print or save bars for a symbol from a provider (default: the bundled sample data)',
      data: 'bundled datasets and imported CSV files',
    },
    load: () => import('./data.js'),
  },
  {
    commands: { strategies: 'list the built-in trading strategies and their parameters' },
    load: () => import('./strategies.js'),
  },
  {
    commands: {
      backtest: 'backtest a registered strategy on historical bars (bundled sample data by default)',
    },
    load: () => import('./backtest.js'),
  },
  {
    commands: {
      optimize: "grid or random search over a strategy's parameters (parallel), or walk-forward analysis",
    },
    load: () => import('./optimize.js'),
  },
  {
    commands: { worker: 'run optimisation trials from a Redis queue (see optimize --queue)' },
    load: () => import('./worker.js'),
  },
  {
    commands: {
      order: 'submit, cancel and list orders (paper by default)',
      trade: 'run a strategy on streaming bars (paper with replayed sample data by default)',
    },
    load: () => import('./execution.js'),
  },
  {
    commands: { portfolio: 'an account as booked in its execution journal' },
    load: () => import('./portfolio.js'),
  },
  {
    commands: { account: 'paper accounts: list, show, reset to starting cash' },
    load: () => import('./account.js'),
  },
  {
    commands: { risk: 'Value at Risk, stress tests, limits and Kelly sizing' },
    load: () => import('./risk.js'),
  },
  {
    commands: { neural: 'neural forecasting: N-HiTS, N-BEATS, LSTM, Transformer' },
    load: () => import('./neural.js'),
  },
  {
    commands: {
      sports: 'sports betting: odds maths, arbitrage, value bets, Kelly, goals models, bet ledger, backtest',
    },
    load: () => import('./sports.js'),
  },
  {
    commands: {
      syndicate: 'pooled funds: double-entry ledger, roles, allocation rules, payouts, withdrawals, votes',
    },
    load: () => import('./syndicate.js'),
  },
  {
    commands: { memory: 'agent memory: episodes with market states, similar-state search, skills' },
    load: () => import('./memory.js'),
  },
  {
    commands: { mcp: 'Model Context Protocol server: every capability as tools for AI assistants' },
    load: () => import('./mcp.js'),
  },
  {
    commands: { config: 'print the effective configuration (.env + environment) with secrets redacted' },
    load: () => import('./config.js'),
  },
];

/** The first argument that is not a global option: the command being run (undefined for bare --help). */
export function requestedCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--env') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    // `neural-trader help backtest` is help for backtest.
    if (arg === 'help') return args[i + 1];
    return arg;
  }
  return undefined;
}

/**
 * Register the commands a run needs: the real module of the requested command, or, when no known command
 * was named (root help, a typo), a summary entry for every command so help and "did you mean" work.
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const name = requestedCommand(args);
  const entry = COMMAND_TABLE.find((e) => name !== undefined && name in e.commands);
  if (entry) {
    (await entry.load()).register(program);
    return;
  }
  for (const e of COMMAND_TABLE) {
    for (const [command, summary] of Object.entries(e.commands))
      program.command(command).description(summary);
  }
}
