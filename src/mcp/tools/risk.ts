import { z } from 'zod';
import type { BarSeries } from '../../core/bars.js';
import { DEFAULT_RISK_LOOKBACK_DAYS } from '../../core/defaults.js';
import { ValidationError } from '../../core/errors.js';
import type { OddsFormat } from '../../sports/odds.js';
import { dateArg, enumArg, integerArg, nonNegativeNumberArg, symbolArg } from '../args.js';
import {
  checkBarsRequested,
  checkMonteCarloDraws,
  formatCount,
  MAX_BARS_PER_SYMBOL,
  MAX_MONTE_CARLO_DRAWS,
} from '../limits.js';
import { type AnyToolSpec, defineTool, type McpRuntime, READ_ONLY } from '../tool.js';
import { providerArg } from './data.js';
import { markPositions, tradingDesk } from './desk.js';
import { priceArg } from './sports.js';

/**
 * Risk: VaR/CVaR, correlation, Kelly sizing and stress tests from the risk library. A portfolio is
 * either given (`positions`: symbol -> signed quantity) or, by default, the account the order tools
 * trade. Price histories come from the data library (bundled sample data by default).
 */
const VAR_METHODS = ['historical', 'parametric', 'cornish-fisher', 'monte-carlo'] as const;

/** Positions one risk call may analyse. */
const MAX_POSITIONS = 500;

const positionsArg = z
  .record(z.string().max(32), z.number().finite())
  .refine((positions) => Object.keys(positions).length <= MAX_POSITIONS, {
    error: `at most ${MAX_POSITIONS} positions`,
  })
  .optional()
  .describe('Symbol -> signed quantity (negative = short); default: the positions of the traded account');

const intradayArg = enumArg(
  ['resample', 'scale'],
  'Intraday bars to a daily figure: resample = daily closes (default); scale = bar returns x measured bars per day',
).default('resample');

const historyArgs = {
  start_date: dateArg('First date of the price history YYYY-MM-DD').optional(),
  end_date: dateArg('Last date of the price history YYYY-MM-DD (default: latest available)').optional(),
  lookback_days: integerArg(
    `Without start_date: use this many most recent trading days of bars (default ${DEFAULT_RISK_LOOKBACK_DAYS})`,
    30,
    20_000,
  ).default(DEFAULT_RISK_LOOKBACK_DAYS),
  provider: providerArg.default('sample'),
};

interface HistoryArgs {
  start_date?: string;
  end_date?: string;
  lookback_days: number;
  provider: string;
}

async function priceHistories(symbols: readonly string[], args: HistoryArgs, signal: AbortSignal) {
  const { fetchMarketData } = await import('../../data/index.js');
  const series = await Promise.all(
    symbols.map((symbol) =>
      fetchMarketData(symbol, args.start_date, args.end_date, args.provider, { signal }),
    ),
  );
  const { startOfLastTradingDays } = await import('../../core/calendar.js');
  const prices: Record<string, BarSeries> = {};
  for (const s of series) {
    // lookback_days counts trading days: for intraday bars, every bar of the last N trading days.
    prices[s.symbol] =
      args.start_date === undefined
        ? s.slice(startOfLastTradingDays(s.timestamps, s.timeframe, args.lookback_days))
        : s;
  }
  return prices;
}

/** The portfolio a risk call analyses: positions, cash and where they came from. */
interface AnalysedPortfolio {
  positions: Record<string, number>;
  cash: number;
  source: string;
}

/** Refuse a history request too large to load (checked before anything is fetched). */
function checkHistorySize(args: HistoryArgs): void {
  checkBarsRequested({ start: args.start_date, end: args.end_date });
}

/**
 * The positions to analyse: the given ones, else the traded account's, resolved on the event loop (the
 * journal lives there) by prepare() and handed to the worker that computes.
 */
function analysedPortfolio(
  positions: Record<string, number> | undefined,
  cash: number | undefined,
  account: AnalysedPortfolio | undefined,
): AnalysedPortfolio {
  if (!positions && account) return account;
  const normalised: Record<string, number> = {};
  for (const [symbol, quantity] of Object.entries(positions ?? {}))
    normalised[symbol.trim().toUpperCase()] = quantity;
  return { positions: normalised, cash: cash ?? 0, source: 'given' };
}

async function accountPortfolio(
  runtime: McpRuntime,
  positions: Record<string, number> | undefined,
  cash: number | undefined,
): Promise<AnalysedPortfolio | undefined> {
  if (positions) return undefined;
  const desk = await tradingDesk(runtime);
  await markPositions(desk);
  const held: Record<string, number> = {};
  for (const p of desk.manager.portfolio.positions()) held[p.symbol] = p.quantity;
  if (Object.keys(held).length === 0) {
    throw new ValidationError('positions: the traded account holds no positions; pass positions to analyse', {
      field: 'positions',
      hint: 'e.g. {"KO": 100, "PG": 50}',
    });
  }
  return {
    positions: held,
    cash: cash ?? desk.manager.portfolio.cash,
    source: desk.live ? 'live account' : 'paper account',
  };
}

const riskAnalysis = defineTool({
  name: 'risk_analysis',
  title: 'Value at Risk',
  description:
    'Value at Risk and CVaR (expected shortfall) of a portfolio at a confidence level and horizon: ' +
    'historical, parametric, Cornish-Fisher or Monte Carlo, with per-position contributions. Positions are ' +
    'valued at the last close of their history. Default portfolio: the traded account.',
  toolset: 'risk',
  worker: {},
  timeLimitSeconds: 120,
  sizeLimit: `a price history of at most ${formatCount(MAX_BARS_PER_SYMBOL)} bars per symbol; Monte Carlo scenarios x positions at most ${formatCount(MAX_MONTE_CARLO_DRAWS)}`,
  input: {
    positions: positionsArg,
    cash: nonNegativeNumberArg(
      'Cash held besides the positions (default: 0, or the account cash)',
    ).optional(),
    confidence: z
      .number()
      .gt(0.5, { error: 'must be between 0.5 and 1 (exclusive), e.g. 0.95 or 0.99' })
      .lt(1, { error: 'must be between 0.5 and 1 (exclusive), e.g. 0.95 or 0.99' })
      .default(0.95)
      .describe('Confidence level (default 0.95)'),
    method: enumArg(
      [...VAR_METHODS, 'all'] as const,
      'VaR method (default historical); "all" adds every method side by side in by_method',
    ).default('historical'),
    horizon_days: integerArg('Holding period in trading days (default 1)', 1, 250).default(1),
    intraday: intradayArg,
    simulations: integerArg('Monte Carlo scenarios (default 10000)', 100, 1_000_000).default(10_000),
    seed: integerArg(
      'Monte Carlo seed (default 42): the same seed gives the same result',
      0,
      2 ** 31 - 1,
    ).optional(),
    ...historyArgs,
  },
  output: {
    source: z.string(),
    method: z.string(),
    confidence: z.number(),
    horizon_days: z.number(),
    horizon: z.string().describe('What the horizon is made of: daily returns, or scaled intraday returns'),
    portfolio_value: z.number(),
    var: z.number(),
    cvar: z.number(),
    // null when the portfolio value is at or below zero (a percent of it means nothing; see warnings).
    var_pct: z.number().nullable(),
    cvar_pct: z.number().nullable(),
    observations: z.number(),
    contributions: z.array(z.record(z.string(), z.unknown())),
    by_method: z
      .array(
        z.object({
          method: z.string(),
          var: z.number(),
          cvar: z.number(),
          var_pct: z.number().nullable(),
          cvar_pct: z.number().nullable(),
        }),
      )
      .optional()
      .describe('With method "all": every method on the same data (the top-level figures are the first)'),
    warnings: z.array(z.string()),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  checkSize(args) {
    checkHistorySize(args);
    if (args.method === 'monte-carlo' || args.method === 'all') {
      checkMonteCarloDraws(args.simulations, Object.keys(args.positions ?? {}).length || 1);
    }
  },
  prepare: (args, { runtime }) => accountPortfolio(runtime, args.positions, args.cash),
  async run(args, { prepared, signal }) {
    const { positions, cash, source } = analysedPortfolio(args.positions, args.cash, prepared);
    if (args.method === 'monte-carlo' || args.method === 'all') {
      checkMonteCarloDraws(args.simulations, Object.keys(positions).length);
    }
    const [prices, { calculateVaR, preparePortfolio, varOfPrepared }] = await Promise.all([
      priceHistories(Object.keys(positions), args, signal),
      import('../../risk/index.js'),
    ]);
    const options = {
      horizonDays: args.horizon_days,
      intraday: args.intraday,
      simulations: args.simulations,
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
    };
    // "all" prepares the returns once and runs every method on them, as `risk var --method all` does.
    const results =
      args.method === 'all'
        ? (() => {
            const prepared = preparePortfolio({ positions, prices, cash }, options);
            return VAR_METHODS.map((m) => varOfPrepared(prepared, args.confidence, m, options));
          })()
        : [calculateVaR({ positions, prices, cash }, args.confidence, args.method, options)];
    const result = results[0];
    const pct = (fraction: number) => (Number.isFinite(fraction) ? fraction * 100 : null);
    return {
      source,
      method: result.method,
      confidence: result.confidence,
      horizon_days: result.horizonDays,
      horizon: result.horizon.description,
      portfolio_value: result.portfolioValue,
      var: result.var,
      cvar: result.cvar,
      var_pct: result.varFraction * 100,
      cvar_pct: result.cvarFraction * 100,
      observations: result.observations,
      contributions: result.contributions as unknown as Record<string, unknown>[],
      ...(args.method === 'all'
        ? {
            by_method: results.map((r) => ({
              method: r.method,
              var: r.var,
              cvar: r.cvar,
              var_pct: pct(r.varFraction),
              cvar_pct: pct(r.cvarFraction),
            })),
          }
        : {}),
      warnings: [...new Set(results.flatMap((r) => r.warnings))],
    };
  },
});

const correlationAnalysis = defineTool({
  name: 'correlation_analysis',
  title: 'Correlation matrix',
  description:
    'Correlation matrix of daily returns of several symbols over their common dates (intraday bars are ' +
    'resampled to daily closes, as in risk_analysis), with the most and least correlated pairs. Useful to ' +
    'spot concentrated bets and pair-trading candidates.',
  toolset: 'risk',
  worker: {},
  timeLimitSeconds: 120,
  input: {
    symbols: z.array(symbolArg()).min(2, { error: 'give at least two symbols' }).max(50),
    intraday: intradayArg,
    ...historyArgs,
  },
  output: {
    symbols: z.array(z.string()),
    start: z.string(),
    end: z.string(),
    observations: z.number(),
    returns: z.string().describe('What one return spans (daily, resampled intraday or scaled bar returns)'),
    matrix: z.array(z.array(z.number().nullable())),
    pairs: z.array(z.object({ a: z.string(), b: z.string(), correlation: z.number().nullable() })),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  checkSize: checkHistorySize,
  async run(args, { signal }) {
    const unique = [...new Set(args.symbols)];
    if (unique.length < 2)
      throw new ValidationError('symbols: give at least two different symbols', { field: 'symbols' });
    const [prices, risk, { timestampFormatter }] = await Promise.all([
      priceHistories(unique, args, signal),
      import('../../risk/index.js'),
      import('../../core/time.js'),
    ]);
    // The risk library's alignment and return basis (the one risk_analysis and `risk report` use); a
    // quantity of 1 each only names the symbols, correlations do not depend on it.
    let prepared: ReturnType<typeof risk.preparePortfolio>;
    try {
      prepared = risk.preparePortfolio(
        { positions: Object.fromEntries(unique.map((symbol) => [symbol, 1])), prices },
        { intraday: args.intraday, minObservations: 2 },
      );
    } catch (error) {
      if (!(error instanceof ValidationError) || !/common|aligned|returns/.test(error.message)) throw error;
      throw new ValidationError(`symbols: too few common dates for ${unique.join(', ')} (${error.message})`, {
        field: 'symbols',
        hint: 'the sample datasets cover different years; pick symbols with overlapping history (e.g. Dow 30 members)',
      });
    }
    const matrix = risk.matrixToRows(risk.correlationMatrix(prepared.returns));
    const pairs: { a: string; b: string; correlation: number }[] = [];
    for (let i = 0; i < unique.length; i++) {
      for (let j = i + 1; j < unique.length; j++)
        pairs.push({ a: unique[i], b: unique[j], correlation: matrix[i][j] });
    }
    pairs.sort((x, y) => y.correlation - x.correlation);
    const timestamps = prepared.timestamps ?? new Float64Array(0);
    const format = timestampFormatter(timestamps);
    return {
      symbols: unique,
      start: format(timestamps[0]),
      end: format(timestamps[timestamps.length - 1]),
      observations: prepared.returns[0].length,
      returns: prepared.basis.description,
      matrix,
      pairs,
    };
  },
});

const ODDS_FORMATS = ['decimal', 'american', 'fractional'] as const satisfies readonly OddsFormat[];

const kellyTool = defineTool({
  name: 'calculate_kelly_criterion',
  title: 'Kelly criterion',
  description:
    'Kelly stake as a fraction of bankroll. Either a binary bet (win_probability with betting `odds` in any ' +
    'format - decimal 2.5, American "+150", fractional "3/2" - or with decimal_odds or net_odds: a sports bet ' +
    "or a fixed-target trade) or a continuous asset from a symbol's daily returns (mean/variance Kelly " +
    'leverage). `fraction` scales it (0.5 = half Kelly); no caps. For several outcomes of one event, bets ' +
    'on independent events or stake caps, use calculate_betting_kelly (sports toolset).',
  toolset: 'risk',
  worker: {},
  timeLimitSeconds: 120,
  input: {
    win_probability: z.number().gt(0).lt(1).optional().describe('Binary: probability of winning, in (0, 1)'),
    odds: priceArg.optional(),
    odds_format: enumArg(
      ODDS_FORMATS,
      'Binary: the format of `odds` (default: read from the text; a number is decimal)',
    ).optional(),
    decimal_odds: z
      .number()
      .gt(1)
      .optional()
      .describe('Binary: total return per unit staked, > 1 (2.0 = even money)'),
    net_odds: z
      .number()
      .gt(0)
      .optional()
      .describe('Binary: profit per unit staked on a win (decimal_odds - 1)'),
    symbol: symbolArg("Continuous: estimate from this symbol's daily returns").optional(),
    risk_free_rate: z.number().default(0).describe('Continuous: annual risk-free rate (default 0)'),
    fraction: z.number().gt(0).max(1).default(1).describe('Fraction of full Kelly, in (0, 1] (default 1)'),
    bankroll: nonNegativeNumberArg('Optional bankroll to size the stake in currency').optional(),
    intraday: intradayArg,
    ...historyArgs,
  },
  output: {
    kind: z.enum(['binary', 'continuous']),
    decimal_odds: z.number().nullable().describe('Binary: the price as decimal odds'),
    implied_probability: z
      .number()
      .nullable()
      .describe("Binary: the price's implied probability 1 / decimal odds (margin included)"),
    full_kelly: z.number(),
    stake_fraction: z.number(),
    stake_amount: z.number().nullable(),
    edge: z.number().nullable(),
    growth_rate: z.number().nullable(),
    annual_mean_return: z.number().nullable(),
    annual_volatility: z.number().nullable(),
    observations: z.number().nullable(),
    history: z
      .object({ start: z.string(), end: z.string() })
      .nullable()
      .describe('Continuous: the first and last bar of the history used'),
    convention: z
      .string()
      .nullable()
      .describe('Continuous: what the returns are and how they were annualised'),
    warnings: z.array(z.string()),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  checkSize: checkHistorySize,
  async run(args, { signal }) {
    const risk = await import('../../risk/index.js');
    const given = (['odds', 'decimal_odds', 'net_odds'] as const).filter((name) => args[name] !== undefined);
    if (given.length > 1) {
      throw new ValidationError(`${given[1]}: give one price of the bet, not ${given.join(' and ')}`, {
        field: given[1],
        hint: 'odds takes any format (2.5, "+150", "3/2"); decimal_odds and net_odds are plain numbers',
      });
    }
    if (args.win_probability === undefined && given.length > 0) {
      throw new ValidationError(`win_probability: give the probability of winning with ${given[0]}`, {
        field: 'win_probability',
        hint: 'e.g. {"win_probability": 0.45, "odds": "+150"}',
      });
    }
    if (args.odds_format !== undefined && args.odds === undefined) {
      throw new ValidationError('odds_format: it describes `odds`, which was not given', {
        field: 'odds_format',
      });
    }
    if (args.win_probability !== undefined && args.odds !== undefined) {
      const { betKelly } = await import('../../sports/index.js');
      const bet = betKelly({
        probability: args.win_probability,
        price: args.odds,
        format: args.odds_format,
        fraction: args.fraction,
      });
      return {
        kind: 'binary',
        decimal_odds: bet.decimalOdds,
        implied_probability: bet.impliedProbability,
        full_kelly: bet.fullKelly,
        stake_fraction: bet.stake,
        stake_amount: args.bankroll === undefined ? null : args.bankroll * bet.stake,
        edge: bet.expectedValue,
        growth_rate: bet.growthRate,
        annual_mean_return: null,
        annual_volatility: null,
        observations: null,
        history: null,
        convention: null,
        warnings: bet.fullKelly === 0 ? ['no edge at this price: Kelly stakes nothing'] : [],
      };
    }
    if (args.win_probability !== undefined) {
      if (args.decimal_odds === undefined && args.net_odds === undefined) {
        throw new ValidationError(
          'odds: give odds (any format), decimal_odds or net_odds with win_probability',
          {
            field: 'odds',
            hint: 'e.g. {"win_probability": 0.45, "odds": "+150"}',
          },
        );
      }
      const result = risk.kellyCriterionBinary({
        winProbability: args.win_probability,
        decimalOdds: args.decimal_odds,
        netOdds: args.net_odds,
        fraction: args.fraction,
      });
      const decimalOdds = 1 + result.netOdds;
      return {
        kind: 'binary',
        decimal_odds: decimalOdds,
        implied_probability: 1 / decimalOdds,
        full_kelly: result.fullKelly,
        stake_fraction: result.stake,
        stake_amount: args.bankroll === undefined ? null : args.bankroll * result.stake,
        edge: result.edge,
        growth_rate: result.growthRate,
        annual_mean_return: null,
        annual_volatility: null,
        observations: null,
        history: null,
        convention: null,
        warnings: [],
      };
    }
    if (!args.symbol) {
      throw new ValidationError(
        'win_probability: give win_probability and odds (binary) or symbol (continuous)',
        {
          field: 'win_probability',
          hint: 'e.g. {"win_probability": 0.45, "odds": "+150"} or {"symbol": "SPX"}',
        },
      );
    }
    const prices = await priceHistories([args.symbol], args, signal);
    const series = Object.values(prices)[0];
    const { timestampFormatter } = await import('../../core/time.js');
    const format = timestampFormatter([series.firstTimestamp, series.lastTimestamp]);
    const result = risk.kellyFromHistory(series, {
      riskFreeRate: args.risk_free_rate,
      fraction: args.fraction,
      intraday: args.intraday,
    });
    return {
      kind: 'continuous',
      decimal_odds: null,
      implied_probability: null,
      full_kelly: result.fullKelly,
      stake_fraction: result.stake,
      stake_amount: args.bankroll === undefined ? null : args.bankroll * result.stake,
      edge: null,
      growth_rate: null,
      annual_mean_return: result.annualMeanReturn,
      annual_volatility: result.annualVolatility,
      observations: result.observations,
      history: { start: format(series.firstTimestamp), end: format(series.lastTimestamp) },
      convention: result.convention,
      warnings: result.warnings,
    };
  },
});

const stressTest = defineTool({
  name: 'stress_test',
  title: 'Stress test',
  description:
    'Replay historical crashes (1987, 2000-02, 2008, 2020, ...) on a portfolio using the bundled index ' +
    'data and betas where a position has no history in the window, plus hypothetical shocks (a uniform ' +
    'equity move and stressed VaR with doubled volatility and correlation 0.9). Default portfolio: the ' +
    'traded account.',
  toolset: 'risk',
  worker: {},
  timeLimitSeconds: 120,
  input: {
    positions: positionsArg,
    cash: nonNegativeNumberArg('Cash held besides the positions').optional(),
    equity_shock: z
      .number()
      .gt(-1)
      .lt(1)
      .default(-0.2)
      .describe('Hypothetical uniform move of every position, e.g. -0.2 = -20%'),
    confidence: z
      .number()
      .gt(0.5)
      .lt(1)
      .default(0.99)
      .describe('Confidence of the stressed VaR (default 0.99)'),
    intraday: intradayArg,
    ...historyArgs,
  },
  output: {
    source: z.string(),
    portfolio_value: z.number(),
    scenarios: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        kind: z.string(),
        pnl: z.number(),
        // null when the book is worth <= 0 (see warnings)
        pnl_pct: z.number().nullable(),
        window: z.string().nullable(),
        description: z.string(),
      }),
    ),
    worst: z.object({ name: z.string(), pnl: z.number(), pnl_pct: z.number().nullable() }).nullable(),
    warnings: z.array(z.string()),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  checkSize: checkHistorySize,
  prepare: (args, { runtime }) => accountPortfolio(runtime, args.positions, args.cash),
  async run(args, { prepared: account, signal }) {
    const { positions, cash, source } = analysedPortfolio(args.positions, args.cash, account);
    const [prices, risk, { fetchMarketData }] = await Promise.all([
      priceHistories(Object.keys(positions), args, signal),
      import('../../risk/index.js'),
      import('../../data/index.js'),
    ]);
    const prepared = risk.preparePortfolio({ positions, prices, cash }, { intraday: args.intraday });
    // Scenario windows always come from the bundled real index data, whatever provider the portfolio uses.
    const historical = await risk.historicalStressTests(prepared, {
      loader: (symbol) => fetchMarketData(symbol, undefined, undefined, 'sample'),
    });
    const hypothetical = risk.hypotheticalStressTests(prepared, {
      equityShock: args.equity_shock,
      confidence: args.confidence,
    });
    const valueWarning = risk.stressValueWarning(prepared);
    const scenarios = [...historical, ...hypothetical].map((s) => ({
      id: s.id,
      name: s.name,
      kind: s.kind,
      pnl: s.pnl,
      pnl_pct: s.pnlFraction * 100,
      window: s.start && s.end ? `${s.start}..${s.end}` : null,
      description: s.description,
    }));
    const worst = scenarios.reduce<(typeof scenarios)[number] | undefined>(
      (w, s) => (w === undefined || s.pnl < w.pnl ? s : w),
      undefined,
    );
    return {
      source,
      portfolio_value: prepared.value,
      scenarios,
      worst: worst ? { name: worst.name, pnl: worst.pnl, pnl_pct: worst.pnl_pct } : null,
      warnings: [...prepared.warnings, ...(valueWarning ? [valueWarning] : [])],
    };
  },
});

export const riskTools: readonly AnyToolSpec[] = [riskAnalysis, correlationAnalysis, kellyTool, stressTest];
