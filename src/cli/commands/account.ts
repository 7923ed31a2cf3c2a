import type { Command } from 'commander';
import { loadCliConfig } from '../context.js';
import { accountFlag, isoTime, numberFlag } from '../trading-flags.js';

/**
 * `account list|show|verify|reset`: the paper accounts under NEURAL_TRADER_HOME, each with its own journal,
 * cash and clock. `reset` returns an account to its starting cash after a confirmation (or --yes).
 */

async function list(program: Command, flags: { json?: boolean }): Promise<void> {
  const config = await loadCliConfig(program);
  const { listAccounts } = await import('../../execution/accounts.js');
  const { describeHolder } = await import('../../execution/lease.js');
  const { printJson, printTable } = await import('../output.js');
  const accounts = await listAccounts(config.home);
  if (flags.json) {
    printJson(
      accounts.map((a) => ({
        ...a,
        marketClock: isoTime(a.marketClock),
        createdAt: isoTime(a.createdAt),
        resetAt: isoTime(a.resetAt),
        owner: a.owner ? describeHolder(a.owner) : null,
      })),
    );
    return;
  }
  if (accounts.length === 0) {
    process.stdout.write(`no accounts yet in ${config.home} (the first order creates "paper")\n`);
    return;
  }
  printTable(
    accounts.map((a) => ({
      account: a.account,
      kind: a.kind ?? '',
      cash: a.cash,
      equity: a.equity,
      orders: a.orders,
      open: a.openOrders,
      positions: a.positions,
      clock: isoTime(a.marketClock),
      owner: a.owner ? `pid ${a.owner.pid}` : a.problem ? `DAMAGED: ${a.problem}` : '',
    })),
    undefined,
    2,
  );
}

async function show(program: Command, name: string | undefined, flags: { json?: boolean }): Promise<void> {
  const config = await loadCliConfig(program);
  const { describeAccount } = await import('../../execution/accounts.js');
  const { describeHolder } = await import('../../execution/lease.js');
  const { printJson, printTable, renderKeyValues } = await import('../output.js');
  const account = await accountFlag(name, 'paper');
  const { book, ...summary } = await describeAccount(config.home, account);
  const settings = book?.settings;
  const values = {
    account: summary.account,
    broker: summary.broker,
    kind: summary.kind,
    journal: summary.journal,
    initialCapital: summary.initialCapital,
    commissionRate: settings?.commissionRate,
    slippageBps: settings?.slippageBps,
    cash: summary.cash,
    equity: summary.equity,
    orders: summary.orders,
    openOrders: summary.openOrders,
    fills: summary.fills,
    marketClock: isoTime(summary.marketClock),
    createdAt: isoTime(summary.createdAt),
    resetAt: isoTime(summary.resetAt),
    owner: summary.owner ? describeHolder(summary.owner) : null,
  };
  const positions = (book?.portfolio.positions() ?? []).map((p) => ({
    symbol: p.symbol,
    quantity: p.quantity,
    averageCost: p.averageCost,
    lastPrice: p.lastPrice,
    pricedBy: book?.marks[p.symbol]?.source,
  }));
  if (flags.json) {
    printJson({ ...values, positions });
    return;
  }
  // Rates keep their digits (0.001 is not 0.00); money is shown to the cent.
  const rows = Object.entries({ ...values, commissionRate: String(values.commissionRate ?? '') })
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]);
  process.stdout.write(renderKeyValues(Object.fromEntries(rows), 2));
  if (positions.length > 0) {
    process.stdout.write('\n');
    printTable(
      positions.map((p) => ({
        symbol: p.symbol,
        quantity: p.quantity,
        average_cost: p.averageCost,
        last_price: p.lastPrice,
        priced_by: p.pricedBy,
      })),
      undefined,
      2,
    );
  }
}

async function reset(
  program: Command,
  name: string | undefined,
  flags: { yes?: boolean; capital?: string; json?: boolean },
): Promise<void> {
  const config = await loadCliConfig(program);
  const { describeAccount, resetAccount } = await import('../../execution/accounts.js');
  const { NeuralTraderError } = await import('../../core/errors.js');
  const { printJson, renderKeyValues } = await import('../output.js');
  const account = await accountFlag(name, 'paper');
  const capital = await numberFlag('capital', flags.capital, { min: 0, exclusiveMin: true });
  const before = await describeAccount(config.home, account);
  if (!flags.yes) {
    const what = `reset account ${account}: delete its ${before.orders} orders and ${before.fills} fills and return it to ${capital ?? before.initialCapital} cash`;
    if (!process.stdin.isTTY) {
      throw new NeuralTraderError('VALIDATION', `${what}? confirmation needed`, {
        field: 'yes',
        hint: `add --yes to confirm: npx neural-trader account reset ${account} --yes`,
      });
    }
    const { createInterface } = await import('node:readline/promises');
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(`${what}? type the account name to confirm: `);
    prompt.close();
    if (answer.trim().toLowerCase() !== account) {
      throw new NeuralTraderError(
        'VALIDATION',
        `account ${account} was not reset (confirmation did not match)`,
        {
          field: 'yes',
        },
      );
    }
  }
  const settings = resetAccount(config.home, account, { initialCapital: capital });
  const result = {
    account,
    deletedOrders: before.orders ?? 0,
    deletedFills: before.fills ?? 0,
    cash: settings.initialCapital,
    resetAt: isoTime(settings.resetAt),
  };
  if (flags.json) printJson(result);
  else
    process.stdout.write(
      renderKeyValues({
        account,
        deleted_orders: result.deletedOrders,
        deleted_fills: result.deletedFills,
        cash: result.cash,
        reset_at: result.resetAt,
      }),
    );
}

async function verify(
  program: Command,
  name: string | undefined,
  flags: { account?: string; json?: boolean },
): Promise<void> {
  const config = await loadCliConfig(program);
  const { verifyAccount } = await import('../../execution/accounts.js');
  const { NeuralTraderError } = await import('../../core/errors.js');
  const { printJson, renderKeyValues } = await import('../output.js');
  if (name !== undefined && flags.account !== undefined && name !== flags.account) {
    throw new NeuralTraderError(
      'VALIDATION',
      `account verify: two accounts given (${name} and --account ${flags.account})`,
      {
        field: 'account',
      },
    );
  }
  const account = await accountFlag(name ?? flags.account, 'paper');
  const report = verifyAccount(config.home, account);
  if (flags.json) {
    printJson(report);
  } else {
    process.stdout.write(
      renderKeyValues({
        account: report.account,
        journal: report.journal,
        orders_checked: report.orders,
        fills_checked: report.fills,
        positions_checked: report.positions,
        checks: report.checks.join('; '),
        result: report.ok
          ? 'ok'
          : `FAILED (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'})`,
      }),
    );
    for (const problem of report.problems) process.stdout.write(`  - ${problem}\n`);
  }
  if (!report.ok) {
    process.stderr.write(
      `error: account ${report.account} failed verification (${report.journal}): ${report.problems[0]}${report.problems.length > 1 ? ` (and ${report.problems.length - 1} more)` : ''}\n`,
    );
    process.exitCode = 1;
  }
}

export function register(program: Command): void {
  const account = program
    .command('account')
    .description('paper accounts: list them, show one, verify one, reset one to its starting cash');
  account
    .command('list')
    .description('every account under NEURAL_TRADER_HOME with cash, equity, orders, clock and owner')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => list(program, flags));
  account
    .command('show [name]')
    .description('one account (default: paper): settings, cash, equity, positions, owner')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, flags: { json?: boolean }) => show(program, name, flags));
  account
    .command('verify [name]')
    .description(
      "check an account's journal in full now: file, WAL, row checksums, fills against orders and positions",
    )
    .option('--account <name>', 'account to verify (default: paper; or give it as the argument)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, flags: { account?: string; json?: boolean }) =>
      verify(program, name, flags),
    );
  account
    .command('reset [name]')
    .description("delete an account's orders and fills and return it to its starting cash (asks first)")
    .option('--yes', 'do not ask for confirmation')
    .option('--capital <amount>', 'a new starting cash')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, flags: { yes?: boolean; capital?: string; json?: boolean }) =>
      reset(program, name, flags),
    );
}
