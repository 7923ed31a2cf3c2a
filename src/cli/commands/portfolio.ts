import type { Command } from 'commander';
import { loadCliConfig } from '../context.js';

/**
 * `portfolio show`: the account as the journal books it (cash, positions at average cost, P&L),
 * rebuilt from every journaled fill and marked to the latest known price (for paper: the last close of
 * the bundled sample data; otherwise the last fill price).
 */
interface ShowFlags {
  broker?: string;
  json?: boolean;
}

async function show(program: Command, flags: ShowFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { ValidationError } = await import('../../core/errors.js');
  const { Journal } = await import('../../execution/journal.js');
  const { samplePrice } = await import('../../execution/session.js');
  const { Portfolio } = await import('../../portfolio/portfolio.js');
  const { printJson, printTable, renderKeyValues } = await import('../output.js');
  const broker = flags.broker ?? 'paper';
  if (broker !== 'paper' && broker !== 'alpaca') {
    throw new ValidationError(`--broker: expected paper or alpaca, got "${broker}"`, { field: 'broker' });
  }
  const journal = Journal.open(config.home);
  try {
    const portfolio = new Portfolio(journal.initialCapital ?? 100_000);
    const fills = journal.listFills({ broker });
    for (const fill of fills) portfolio.applyFill(fill);
    const marks: Record<string, string> = {};
    for (const position of portfolio.positions()) {
      const reference = broker === 'paper' ? await samplePrice(position.symbol) : undefined;
      if (reference) {
        portfolio.mark(position.symbol, reference.price);
        marks[position.symbol] = reference.source;
      } else {
        marks[position.symbol] = 'last fill price';
      }
    }
    const metrics = portfolio.calculateMetrics();
    const open = journal.listOrders({ status: 'open', broker }).length;
    const positions = portfolio.positions().map((p) => ({
      symbol: p.symbol,
      quantity: p.quantity,
      average_cost: p.averageCost,
      last_price: p.lastPrice,
      market_value: p.quantity * p.lastPrice,
      unrealized_pnl: p.quantity * (p.lastPrice - p.averageCost),
      realized_pnl: p.realizedPnl,
      priced_by: marks[p.symbol],
    }));
    if (flags.json) {
      printJson({
        broker,
        journal: journal.path,
        initialCapital: portfolio.initialCapital,
        cash: metrics.cash,
        equity: metrics.equity,
        realizedPnl: metrics.realizedPnl,
        unrealizedPnl: metrics.unrealizedPnl,
        commissions: metrics.commissions,
        totalPnl: metrics.totalPnl,
        returnPct: metrics.returnPct,
        fills: fills.length,
        openOrders: open,
        positions,
      });
      return;
    }
    process.stdout.write(
      renderKeyValues(
        {
          broker,
          journal: journal.path,
          initial_capital: portfolio.initialCapital,
          cash: metrics.cash,
          equity: metrics.equity,
          realized_pnl: metrics.realizedPnl,
          unrealized_pnl: metrics.unrealizedPnl,
          commissions: metrics.commissions,
          return_pct: metrics.returnPct,
          fills: fills.length,
          open_orders: open,
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
  const portfolio = program
    .command('portfolio')
    .description('the account as booked in the execution journal');
  portfolio
    .command('show')
    .description('cash, positions, P&L rebuilt from journaled fills')
    .option('--broker <broker>', 'paper or alpaca', 'paper')
    .option('--json', 'print JSON')
    .action(async (flags: ShowFlags) => show(program, flags));
}
