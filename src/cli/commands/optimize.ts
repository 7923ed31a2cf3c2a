import type { Command } from 'commander';
import {
  DEFAULT_BORROW_FEE_RATE,
  DEFAULT_COMMISSION_RATE,
  DEFAULT_INITIAL_CAPITAL,
  DEFAULT_MARGIN_INTEREST_RATE,
  DEFAULT_SLIPPAGE_BPS,
} from '../../core/defaults.js';
import { loadCliConfig } from '../context.js';
import type { OptimizeFlags } from '../optimize-command.js';

export function register(program: Command): void {
  program
    .command('optimize')
    .description("grid or random search over a strategy's parameters (parallel), or walk-forward analysis")
    .option(
      '--strategy <name>',
      'strategy name (see `npx neural-trader strategies list`); required unless --resume',
    )
    .option('--symbols <symbols...>', 'symbols to trade, e.g. KO PG or KO,PG; required unless --resume')
    .option('--start <date>', 'first date, YYYY-MM-DD')
    .option('--end <date>', 'last date, YYYY-MM-DD')
    .option(
      '--range <name=spec...>',
      "parameters to vary: name=min:max:step or name=a,b,c; default: the strategy's own grid",
    )
    .option('-p, --param <name=value...>', 'fixed strategy parameters, e.g. --param allowShort=true')
    .option(
      '--params-file <file>',
      'fixed strategy parameters from a JSON object file (--param overrides it)',
    )
    .option('--method <grid|random>', 'search method', 'grid')
    .option('--samples <n>', 'parameter sets for random search', '50')
    .option('--seed <n>', 'seed for random search', '42')
    .option(
      '--metric <name>',
      'ranking metric (sharpeRatio, sortinoRatio, calmarRatio, totalReturn, annualizedReturn, profitFactor, winRate, maxDrawdown)',
      'sharpeRatio',
    )
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--capital <amount>', 'initial capital', String(DEFAULT_INITIAL_CAPITAL))
    .option('--commission <rate>', 'commission as a fraction of notional', String(DEFAULT_COMMISSION_RATE))
    .option('--slippage <bps>', 'slippage in basis points', String(DEFAULT_SLIPPAGE_BPS))
    .option(
      '--margin-rate <rate>',
      `annual interest on negative cash (default ${DEFAULT_MARGIN_INTEREST_RATE}; 0 = off)`,
    )
    .option(
      '--borrow-fee <rate>',
      `annual fee on short market value (default ${DEFAULT_BORROW_FEE_RATE}; 0 = off)`,
    )
    .option('--provider <name>', 'market data provider', 'sample')
    .option('--walk-forward', 'walk-forward analysis instead of one optimisation')
    .option('--in-sample <bars>', 'walk-forward: bars per in-sample window', '504')
    .option('--out-of-sample <bars>', 'walk-forward: bars per out-of-sample window', '126')
    .option('--anchored', 'walk-forward: in-sample windows all start at the first bar')
    .option('--top <n>', 'rows to print', '10')
    .option('--json', 'print the full result as JSON')
    .option('--output <file>', 'also write the full result as JSON to this file')
    .option(
      '--queue [url]',
      'run the trials on worker processes through Redis: redis://[:password@]host:6379[/db][?prefix=name] ' +
        '(rediss:// for TLS; no URL: NEURAL_TRADER_QUEUE_URL)',
    )
    .option('--resume <sweep-id>', 'finish a queue sweep whose coordinator stopped (with --queue)')
    .action(async (flags: OptimizeFlags) => {
      const config = await loadCliConfig(program);
      const { runOptimizeCommand } = await import('../optimize-command.js');
      await runOptimizeCommand(flags, config);
    });
}
