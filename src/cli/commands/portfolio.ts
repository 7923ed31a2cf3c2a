import type { Command } from 'commander';
import { loadCliConfig } from '../context.js';

/**
 * `portfolio show`: an account as its journal books it (cash, positions at average cost, P&L),
 * rebuilt from every journaled fill and marked to the price the account last saw (a replay's last bar),
 * else for paper the last close of the bundled sample data, else the last fill price. The same
 * valuation as `account show`, the MCP portfolio tools and a `trade` run's summary.
 */
interface ShowFlags {
  broker?: string;
  account?: string;
  json?: boolean;
}

async function show(program: Command, flags: ShowFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { accountJournalPath } = await import('../../execution/account-names.js');
  const { accountBook } = await import('../../execution/accounts.js');
  const { Journal } = await import('../../execution/journal.js');
  const { printJson, printTable, renderKeyValues } = await import('../output.js');
  const { accountFlag, brokerFlag, isoTime } = await import('../trading-flags.js');
  const broker = flags.broker === undefined ? undefined : await brokerFlag(flags.broker);
  const account = await accountFlag(flags.account, broker ?? 'paper');
  const path = accountJournalPath(config.home, account);
  const { existsSync } = await import('node:fs');
  if (!existsSync(path) && flags.account === undefined) {
    // The default account before its first order: its starting state, without creating a file.
    const { DEFAULT_INITIAL_CAPITAL } = await import('../../core/defaults.js');
    if (flags.json) {
      printJson({
        account,
        journal: null,
        initialCapital: DEFAULT_INITIAL_CAPITAL,
        cash: DEFAULT_INITIAL_CAPITAL,
        equity: DEFAULT_INITIAL_CAPITAL,
        positions: [],
      });
    } else {
      process.stdout.write(`account ${account} has no orders yet (cash ${DEFAULT_INITIAL_CAPITAL})\n`);
    }
    return;
  }
  const journal = new Journal(path, { account, readonly: true });
  try {
    const book = await accountBook(journal);
    if (broker !== undefined && book.settings.broker !== broker) {
      const { ValidationError } = await import('../../core/errors.js');
      throw new ValidationError(`--broker: account ${account} books ${book.settings.broker}, not ${broker}`, {
        field: 'broker',
      });
    }
    const { metrics, portfolio } = book;
    const positions = portfolio.positions().map((p) => ({
      symbol: p.symbol,
      quantity: p.quantity,
      average_cost: p.averageCost,
      last_price: p.lastPrice,
      market_value: p.quantity * p.lastPrice,
      unrealized_pnl: p.quantity * (p.lastPrice - p.averageCost),
      realized_pnl: p.realizedPnl,
      priced_by: book.marks[p.symbol]?.source,
    }));
    const clock = journal.marketClock();
    if (flags.json) {
      printJson({
        account,
        broker: book.settings.broker,
        kind: book.settings.kind,
        journal: journal.path,
        initialCapital: portfolio.initialCapital,
        cash: metrics.cash,
        equity: metrics.equity,
        realizedPnl: metrics.realizedPnl,
        unrealizedPnl: metrics.unrealizedPnl,
        commissions: metrics.commissions,
        totalPnl: metrics.totalPnl,
        return: portfolio.initialCapital > 0 ? metrics.totalPnl / portfolio.initialCapital : 0,
        marketClock: isoTime(clock),
        fills: book.fills,
        openOrders: book.openOrders,
        positions: positions.map((p) => ({
          symbol: p.symbol,
          quantity: p.quantity,
          averageCost: p.average_cost,
          lastPrice: p.last_price,
          marketValue: p.market_value,
          unrealizedPnl: p.unrealized_pnl,
          realizedPnl: p.realized_pnl,
          pricedBy: p.priced_by,
        })),
      });
      return;
    }
    process.stdout.write(
      renderKeyValues(
        {
          account,
          broker: book.settings.broker,
          kind: book.settings.kind,
          journal: journal.path,
          initial_capital: portfolio.initialCapital,
          cash: metrics.cash,
          equity: metrics.equity,
          realized_pnl: metrics.realizedPnl,
          unrealized_pnl: metrics.unrealizedPnl,
          commissions: metrics.commissions,
          return_pct: metrics.returnPct,
          market_clock: isoTime(clock),
          fills: book.fills,
          open_orders: book.openOrders,
        },
        2,
      ),
    );
    process.stdout.write('\n');
    if (positions.length === 0) process.stdout.write('no open positions\n');
    else printTable(positions, undefined, 2);
  } finally {
    journal.close();
  }
}

export function register(program: Command): void {
  const portfolio = program.command('portfolio').description('an account as booked in its execution journal');
  portfolio
    .command('show')
    .description('cash, positions, P&L rebuilt from journaled fills')
    .option('--account <name>', 'account to show (default: paper)')
    .option('--broker <broker>', 'paper or alpaca (picks its default account when --account is not given)')
    .option('--json', 'print JSON')
    .action(async (flags: ShowFlags) => show(program, flags));
}
