import type { Command } from 'commander';
import { DEFAULT_RISK_LOOKBACK_DAYS } from '../../core/defaults.js';
import type { Cell } from '../output.js';

/**
 * Risk commands: `risk var`, `risk report`, `risk stress`, `risk kelly`. A portfolio file (JSON, see
 * src/risk/portfolio-file.ts) names positions, cash and where their price history comes from. Only flags
 * are defined here; the risk library and the data layer are imported inside the actions.
 */
interface PortfolioFlags {
  portfolio: string;
  json?: boolean;
  output?: string;
}

/** --output FILE writes the full JSON result to a file (the table still goes to stdout). */
async function writeOutput(flags: PortfolioFlags, value: unknown): Promise<void> {
  if (!flags.output) return;
  const { writeJsonFile } = await import('../output.js');
  writeJsonFile(flags.output, value);
  process.stderr.write(`wrote ${flags.output}\n`);
}

interface VarFlags extends PortfolioFlags {
  intraday: string;
  confidence: string;
  method: string;
  horizon: string;
  simulations: string;
  seed: string;
  distribution: string;
  df: string;
  covariance: string;
  meanAdjusted?: boolean;
}

interface ReportFlags extends PortfolioFlags {
  intraday: string;
  confidence: string;
  horizon: string;
  simulations: string;
  seed: string;
}

interface StressFlags extends PortfolioFlags {
  intraday: string;
  shock: string;
  confidence: string;
}

interface KellyFlags {
  winProb?: string;
  odds?: string;
  symbol?: string;
  riskFree: string;
  start?: string;
  end?: string;
  lookbackDays?: string;
  provider: string;
  intraday: string;
  fraction: string;
  bankroll?: string;
  json?: boolean;
}

async function numberFlag(
  raw: string,
  flag: string,
  check: (value: number) => boolean,
  expected: string,
): Promise<number> {
  const [{ parseStrictNumber }, { ValidationError }] = await Promise.all([
    import('../../core/inputs.js'),
    import('../../core/errors.js'),
  ]);
  // Plain decimals only (never 0x10 or Infinity), as every other command reads numbers; the range message
  // below says what the flag means.
  let value = Number.NaN;
  try {
    value = parseStrictNumber(raw, `--${flag}`);
  } catch {}
  if (!Number.isFinite(value) || !check(value)) {
    throw new ValidationError(`--${flag}: expected ${expected}, got "${raw}"`, { field: flag });
  }
  return value;
}

async function choiceFlag<T extends string>(raw: string, flag: string, choices: readonly T[]): Promise<T> {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  const { ValidationError } = await import('../../core/errors.js');
  throw new ValidationError(`--${flag}: unknown value "${raw}"`, {
    field: flag,
    hint: `use one of ${choices.join(', ')}`,
  });
}

const intradayFlag = (raw: string) => choiceFlag(raw, 'intraday', ['resample', 'scale'] as const);
const fractionFlag = (raw: string) =>
  numberFlag(raw, 'fraction', (v) => v > 0 && v <= 1, 'a fraction of Kelly in (0, 1]');
const confidenceFlag = (raw: string) =>
  numberFlag(raw, 'confidence', (v) => v > 0 && v < 1, 'a number between 0 and 1 (exclusive), e.g. 0.95');
const horizonFlag = (raw: string) =>
  numberFlag(raw, 'horizon', (v) => Number.isInteger(v) && v >= 1, 'a whole number of days >= 1');
const simulationsFlag = (raw: string) =>
  numberFlag(
    raw,
    'simulations',
    (v) => Number.isInteger(v) && v >= 100 && v <= 10_000_000,
    'a whole number from 100 to 10,000,000',
  );
const seedFlag = (raw: string) => numberFlag(raw, 'seed', (v) => Number.isInteger(v), 'an integer');

const money = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const pct = (v: number | undefined) =>
  v !== undefined && Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : 'n/a';
/** Table cells stay numbers (right-aligned, printed with 2 decimals); percentages in percent units. */
const cash = (v: number) => Math.round(v * 100) / 100;
const percent = (v: number | undefined) => (v === undefined ? Number.NaN : Math.round(v * 10_000) / 100);

/** Load and resolve the portfolio file, fetching histories through the data layer. */
async function loadPortfolio(program: Command, path: string) {
  await loadCliConfig(program);
  const { readPortfolioFile, resolvePortfolioFile } = await import('../../risk/index.js');
  const { fetchMarketData } = await import('../../data/index.js');
  const file = readPortfolioFile(path);
  return resolvePortfolioFile(file, (symbol, start, end, provider) =>
    fetchMarketData(symbol, start, end, provider),
  );
}

/** One `warning:` line on stderr per warning of a result (table and --json alike; stdout stays parseable). */
async function printWarnings(warnings: readonly string[]): Promise<void> {
  const flags = await import('../flags.js');
  flags.printWarnings(warnings);
}

async function loadCliConfig(program: Command): Promise<void> {
  const { loadCliConfig: load } = await import('../context.js');
  await load(program);
}

async function varAction(program: Command, flags: VarFlags): Promise<void> {
  const { VAR_METHODS, calculateVaR, preparePortfolio, varOfPrepared } = await import('../../risk/index.js');
  const confidence = await confidenceFlag(flags.confidence);
  const horizonDays = await horizonFlag(flags.horizon);
  const simulations = await simulationsFlag(flags.simulations);
  const seed = await seedFlag(flags.seed);
  const methods = [...VAR_METHODS, 'all'] as const;
  const method = await choiceFlag(flags.method, 'method', methods);
  const distribution = await choiceFlag(flags.distribution, 'distribution', [
    'normal',
    'student-t',
    'bootstrap',
  ] as const);
  const degreesOfFreedom = await numberFlag(flags.df, 'df', (v) => v > 2, 'degrees of freedom > 2');
  const covariance = await choiceFlag(flags.covariance, 'covariance', ['sample', 'ledoit-wolf'] as const);
  const intraday = await intradayFlag(flags.intraday);
  const { portfolio } = await loadPortfolio(program, flags.portfolio);
  const options = {
    intraday,
    horizonDays,
    simulations,
    seed,
    distribution,
    degreesOfFreedom,
    covariance,
    meanAdjusted: flags.meanAdjusted === true,
  };
  const results =
    method === 'all'
      ? (() => {
          const prepared = preparePortfolio(portfolio, options);
          return VAR_METHODS.map((m) => varOfPrepared(prepared, confidence, m, options));
        })()
      : [calculateVaR(portfolio, confidence, method, options)];
  await writeOutput(flags, method === 'all' ? results : results[0]);
  await printWarnings([...new Set(results.flatMap((r) => r.warnings))]);
  if (flags.json) {
    const { printJson } = await import('../output.js');
    printJson(method === 'all' ? results : results[0]);
    return;
  }
  const { printTable, renderKeyValues } = await import('../output.js');
  const first = results[0];
  const header: Record<string, Cell> = {
    'portfolio value': money(first.portfolioValue),
    confidence: `${(confidence * 100).toFixed(2)}%`,
    horizon: first.horizon.description,
    'returns used': first.observations,
  };
  if (first.scenarios !== undefined && method !== 'all') header.scenarios = first.scenarios;
  if (first.seed !== undefined && method !== 'all') header.seed = `${first.seed} (${first.distribution})`;
  process.stdout.write(renderKeyValues(header));
  process.stdout.write('\n');
  printTable(
    results.map((r) => ({
      method: r.method,
      VaR: cash(r.var),
      'VaR %': percent(r.varFraction),
      CVaR: cash(r.cvar),
      'CVaR %': percent(r.cvarFraction),
    })),
    undefined,
    2,
  );
  if (method !== 'all') {
    process.stdout.write('\nContributions (sum to VaR / CVaR)\n');
    printTable(
      first.contributions.map((c) => ({
        symbol: c.symbol,
        quantity: c.quantity,
        price: cash(c.price),
        exposure: cash(c.exposure),
        VaR: cash(c.var),
        CVaR: cash(c.cvar),
      })),
      undefined,
      2,
    );
  }
}

async function reportAction(program: Command, flags: ReportFlags): Promise<void> {
  const { riskReport } = await import('../../risk/index.js');
  const confidence = await confidenceFlag(flags.confidence);
  const horizonDays = await horizonFlag(flags.horizon);
  const simulations = await simulationsFlag(flags.simulations);
  const seed = await seedFlag(flags.seed);
  const intraday = await intradayFlag(flags.intraday);
  const { portfolio, benchmark, limits } = await loadPortfolio(program, flags.portfolio);
  const report = riskReport(portfolio, {
    confidence,
    horizonDays,
    simulations,
    seed,
    benchmark,
    limits,
    intraday,
  });
  await writeOutput(flags, report);
  await printWarnings(report.warnings);
  const { printJson, printTable, renderKeyValues } = await import('../output.js');
  if (flags.json) {
    printJson(report);
    return;
  }
  const corr = report.correlation;
  process.stdout.write(
    renderKeyValues({
      'portfolio value': money(report.portfolioValue),
      cash: money(report.cash),
      history: report.start
        ? `${report.start} .. ${report.end} (${report.observations} returns)`
        : `${report.observations} returns`,
      returns: report.returns.description,
      'volatility (1 day)': pct(report.dailyVolatility),
      'volatility (annual)': pct(report.annualVolatility),
      ...(report.beta ? { [`beta to ${report.beta.benchmark}`]: report.beta.value.toFixed(3) } : {}),
      'max drawdown': pct(report.maxDrawdown),
      'current drawdown': pct(report.currentDrawdown),
      'average correlation': Number.isFinite(corr.average) ? corr.average.toFixed(3) : 'n/a',
      ...(corr.min
        ? { 'lowest correlation': `${corr.min.value.toFixed(3)} (${corr.min.pair.join('/')})` }
        : {}),
      ...(corr.max
        ? { 'highest correlation': `${corr.max.value.toFixed(3)} (${corr.max.pair.join('/')})` }
        : {}),
    }),
  );
  process.stdout.write(
    `\nVaR and CVaR at ${(confidence * 100).toFixed(2)}%, ${report.horizon.description}\n`,
  );
  printTable(
    report.var.map((r) => ({
      method: r.method,
      VaR: cash(r.var),
      'VaR %': percent(r.varFraction),
      CVaR: cash(r.cvar),
      'CVaR %': percent(r.cvarFraction),
    })),
    undefined,
    2,
  );
  process.stdout.write('\nLargest risk contributors (Euler share of volatility)\n');
  const weights = new Map(report.positions.map((p) => [p.symbol, p]));
  printTable(
    report.riskContributors.slice(0, 10).map((c) => ({
      symbol: c.symbol,
      exposure: cash(weights.get(c.symbol)?.exposure ?? Number.NaN),
      'weight %': percent(weights.get(c.symbol)?.weight),
      'risk share %': percent(c.share),
    })),
    undefined,
    2,
  );
  process.stdout.write(
    `\nLimit check: ${report.limits.ok ? 'all limits met' : `${report.limits.violations.length} violation(s)`}\n`,
  );
  if (!report.limits.ok) {
    printTable(
      report.limits.violations.map((v) => ({
        limit: v.limit,
        value: Math.round(v.value * 10_000) / 10_000,
        threshold: v.threshold,
        message: v.message,
      })),
      undefined,
      4,
    );
  }
}

async function stressAction(program: Command, flags: StressFlags): Promise<void> {
  const {
    betasToProxy,
    historicalStressTests,
    hypotheticalStressTests,
    preparePortfolio,
    stressValueWarning,
  } = await import('../../risk/index.js');
  const equityShock = await numberFlag(
    flags.shock,
    'shock',
    (v) => v > -1 && v < 1,
    'a fractional move between -1 and 1, e.g. -0.2',
  );
  const confidence = await confidenceFlag(flags.confidence);
  const intraday = await intradayFlag(flags.intraday);
  const { portfolio, benchmark } = await loadPortfolio(program, flags.portfolio);
  const prepared = preparePortfolio(portfolio, { intraday });
  const { fetchMarketData } = await import('../../data/index.js');
  const { BarSeries } = await import('../../core/bars.js');
  // Scenario windows always come from the bundled real data, whatever provider the portfolio uses.
  const fallbackBetas =
    benchmark?.prices instanceof BarSeries ? betasToProxy(prepared, benchmark.prices) : undefined;
  const historical = await historicalStressTests(prepared, {
    loader: (symbol) => fetchMarketData(symbol, undefined, undefined, 'sample'),
    fallbackBetas,
  });
  const hypothetical = hypotheticalStressTests(prepared, { equityShock, confidence });
  const results = [...historical, ...hypothetical];
  const valueWarning = stressValueWarning(prepared);
  const warnings = [...prepared.warnings, ...(valueWarning ? [valueWarning] : [])];
  const out = { portfolioValue: prepared.value, scenarios: results, warnings };
  await writeOutput(flags, out);
  await printWarnings(warnings);
  const { printJson, printTable } = await import('../output.js');
  if (flags.json) {
    printJson(out);
    return;
  }
  process.stdout.write(`Portfolio value ${money(prepared.value)}\n\n`);
  printTable(
    results.map((r) => ({
      scenario: r.name,
      window: r.start ? `${r.start}..${r.end}` : '',
      proxy: r.proxy ?? '',
      'proxy %': r.proxy ? percent(r.proxyReturn) : undefined,
      'P&L': cash(r.pnl),
      'P&L %': percent(r.pnlFraction),
      'own history': r.positions
        ? `${r.positions.filter((p) => p.source === 'own').length}/${r.positions.length}`
        : '',
    })),
    undefined,
    2,
  );
  process.stdout.write(
    '\nPositions without their own history in a window move by beta x the proxy index (beta estimated on the\nportfolio history against that index, else against the benchmark, else 1). Use --json for per-position detail.\n',
  );
}

/** Continuous Kelly from a symbol's history (daily returns, annualised by the time model). */
async function continuousKellyAction(program: Command, flags: KellyFlags, symbol: string): Promise<void> {
  const fraction = await fractionFlag(flags.fraction);
  const riskFreeRate = await numberFlag(
    flags.riskFree,
    'risk-free',
    (v) => v > -1 && v < 1,
    'an annual rate, e.g. 0.02',
  );
  const intraday = await intradayFlag(flags.intraday);
  const { countFlag } = await import('../flags.js');
  const lookbackDays = countFlag('lookback-days', flags.lookbackDays) ?? DEFAULT_RISK_LOOKBACK_DAYS;
  await loadCliConfig(program);
  const [{ kellyFromHistory }, { fetchMarketData }, { startOfLastTradingDays }, output] = await Promise.all([
    import('../../risk/index.js'),
    import('../../data/index.js'),
    import('../../core/calendar.js'),
    import('../output.js'),
  ]);
  const fetched = await fetchMarketData(symbol, flags.start, flags.end, flags.provider);
  // Without --start: the last --lookback-days trading days, as MCP calculate_kelly_criterion reads them.
  const series =
    flags.start === undefined
      ? fetched.slice(startOfLastTradingDays(fetched.timestamps, fetched.timeframe, lookbackDays))
      : fetched;
  const result = kellyFromHistory(series, { riskFreeRate, fraction, intraday });
  await printWarnings(result.warnings);
  const { timestampFormatter } = await import('../../core/time.js');
  const format = timestampFormatter([series.firstTimestamp, series.lastTimestamp]);
  if (flags.json) {
    output.printJson({
      symbol: series.symbol,
      start: series.firstTimestamp,
      end: series.lastTimestamp,
      ...result,
    });
    return;
  }
  process.stdout.write(
    output.renderKeyValues({
      symbol: series.symbol,
      'annual mean return': pct(result.annualMeanReturn),
      'annual volatility': pct(result.annualVolatility),
      'full Kelly (leverage)': result.fullKelly.toFixed(4),
      [`stake (${fraction} Kelly)`]: result.stake.toFixed(4),
      history: `${format(series.firstTimestamp)} .. ${format(series.lastTimestamp)}${flags.start === undefined ? ` (the last ${lookbackDays} trading days)` : ''}`,
      returns: `${result.observations}`,
      convention: result.convention,
    }),
  );
}

async function kellyAction(program: Command, flags: KellyFlags): Promise<void> {
  if (flags.symbol !== undefined && flags.winProb === undefined) {
    await continuousKellyAction(program, flags, flags.symbol);
    return;
  }
  if (flags.winProb === undefined || flags.odds === undefined) {
    const { ValidationError } = await import('../../core/errors.js');
    throw new ValidationError('--win-prob: give --win-prob and --odds (a bet) or --symbol (an asset)', {
      field: 'win-prob',
      hint: 'e.g. --win-prob 0.55 --odds 2.0, or --symbol SPX',
    });
  }
  const winProbability = await numberFlag(
    flags.winProb,
    'win-prob',
    (v) => v > 0 && v < 1,
    'a probability between 0 and 1 (exclusive)',
  );
  const fraction = await fractionFlag(flags.fraction);
  const bankroll =
    flags.bankroll === undefined
      ? undefined
      : await numberFlag(flags.bankroll, 'bankroll', (v) => v > 0, 'a positive amount');
  // The price in any format, sized by the sports Kelly library (as MCP calculate_kelly_criterion `odds`).
  const { betKelly } = await import('../../sports/index.js');
  const result = betKelly({
    probability: winProbability,
    price: flags.odds,
    fraction,
    priceField: '--odds',
  });
  const out = {
    winProbability,
    decimalOdds: result.decimalOdds,
    impliedProbability: result.impliedProbability,
    netOdds: result.decimalOdds - 1,
    edge: result.expectedValue,
    fullKelly: result.fullKelly,
    fraction,
    stake: result.stake,
    growthRate: result.growthRate,
    ...(bankroll !== undefined ? { bankroll, stakeAmount: bankroll * result.stake } : {}),
  };
  const { printJson, renderKeyValues } = await import('../output.js');
  if (flags.json) {
    printJson(out);
    return;
  }
  process.stdout.write(
    renderKeyValues({
      'win probability': winProbability,
      'decimal odds': result.decimalOdds,
      'edge per unit staked': result.expectedValue.toFixed(4),
      'full Kelly': pct(result.fullKelly),
      [`stake (${fraction} Kelly)`]: pct(result.stake),
      'expected log growth per bet': result.growthRate.toFixed(6),
      ...(bankroll !== undefined ? { 'stake amount': money(bankroll * result.stake) } : {}),
    }),
  );
  if (result.fullKelly === 0) process.stdout.write('No edge at these odds: do not bet.\n');
}

/** How intraday bars become a daily figure (the risk library's `intraday` option). */
const INTRADAY_OPTION = [
  '--intraday <how>',
  'intraday bars to a daily figure: resample (daily closes) | scale (bar returns x bars per day)',
  'resample',
] as const;

export function register(program: Command): void {
  const risk = program.command('risk').description('Value at Risk, stress tests, limits and Kelly sizing');

  risk
    .command('var')
    .description('Value at Risk and Expected Shortfall (CVaR) of a portfolio file')
    .requiredOption('--portfolio <file>', 'portfolio JSON file (positions, cash, history or prices)')
    .option('--confidence <level>', 'confidence level in (0, 1)', '0.95')
    .option('--method <method>', 'historical | parametric | cornish-fisher | monte-carlo | all', 'historical')
    .option('--horizon <days>', 'holding period in trading days', '1')
    .option(...INTRADAY_OPTION)
    .option('--simulations <n>', 'Monte Carlo scenarios', '10000')
    .option('--seed <n>', 'Monte Carlo seed', '42')
    .option('--distribution <name>', 'Monte Carlo returns: normal | student-t | bootstrap', 'normal')
    .option('--df <n>', 'Student-t degrees of freedom (> 2)', '5')
    .option('--covariance <estimator>', 'sample | ledoit-wolf', 'sample')
    .option('--mean-adjusted', 'subtract the expected P&L (parametric and normal/t Monte Carlo)')
    .option('--json', 'print JSON')
    .option('--output <file>', 'also write the JSON result to a file')
    .action((flags: VarFlags) => varAction(program, flags));

  risk
    .command('report')
    .description(
      'Every risk measure in one report: VaR/CVaR by method, volatility, beta, drawdown, correlation, contributors, limits',
    )
    .requiredOption('--portfolio <file>', 'portfolio JSON file')
    .option('--confidence <level>', 'confidence level in (0, 1)', '0.95')
    .option('--horizon <days>', 'holding period in trading days', '1')
    .option(...INTRADAY_OPTION)
    .option('--simulations <n>', 'Monte Carlo scenarios', '20000')
    .option('--seed <n>', 'Monte Carlo seed', '42')
    .option('--json', 'print JSON')
    .option('--output <file>', 'also write the JSON report to a file')
    .action((flags: ReportFlags) => reportAction(program, flags));

  risk
    .command('stress')
    .description('Historical scenarios (1987, 1998, 2000-02, 2001, 2008, 2020) and hypothetical shocks')
    .requiredOption('--portfolio <file>', 'portfolio JSON file')
    .option('--shock <move>', 'uniform equity shock', '-0.2')
    .option('--confidence <level>', 'confidence of the volatility and correlation stress VaRs', '0.99')
    .option(...INTRADAY_OPTION)
    .option('--json', 'print JSON')
    .option('--output <file>', 'also write the JSON results to a file')
    .action((flags: StressFlags) => stressAction(program, flags));

  risk
    .command('kelly')
    .description(
      'Kelly stake for a bet with win probability p at a price (decimal, American or fractional), or Kelly leverage of an asset from its history',
    )
    .option('--win-prob <p>', 'bet: probability of winning, in (0, 1)')
    .option('--odds <price>', 'bet: the price: decimal 2.0, American +100/-150 or fractional 1/1')
    .option('--symbol <ticker>', "asset: continuous Kelly from this symbol's daily returns")
    .option('--risk-free <rate>', 'asset: annual risk-free rate', '0')
    .option('--start <date>', 'asset: first date of the history (YYYY-MM-DD)')
    .option('--end <date>', 'asset: last date of the history (YYYY-MM-DD)')
    .option(
      '--lookback-days <n>',
      `asset, without --start: the most recent n trading days of history (default ${DEFAULT_RISK_LOOKBACK_DAYS})`,
    )
    .option('--provider <name>', 'asset: market data provider', 'sample')
    .option(...INTRADAY_OPTION)
    .option('--fraction <f>', 'fraction of full Kelly (0.5 = half Kelly)', '1')
    .option('--bankroll <amount>', 'also print the stake in currency')
    .option('--json', 'print JSON')
    .action((flags: KellyFlags) => kellyAction(program, flags));
}
