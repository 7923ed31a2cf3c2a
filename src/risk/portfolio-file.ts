import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { BarSeries } from '../core/bars.js';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import type { PriceHistory, RiskPortfolio } from './inputs.js';
import type { RiskLimits } from './limits.js';

/**
 * The portfolio file the CLI reads (JSON):
 * {
 *   "cash": 10000,
 *   "positions": [{ "symbol": "KO", "quantity": 100 }, ...],
 *   "history": { "provider": "sample", "start": "1996-01-01", "end": "2000-12-29" },   // or "prices"
 *   "prices": { "KO": [52.1, 52.6, ...], ... },     // inline closes, oldest first, aligned
 *   "benchmark": "DJIA",                           // optional; with inline prices it must be in "prices"
 *   "limits": { "maxPositionWeight": 0.25, ... }  // optional RiskLimits
 * }
 */
const limitsSchema = z
  .object({
    maxPositionWeight: z.number().nonnegative().optional(),
    maxTopNWeight: z.number().nonnegative().optional(),
    topN: z.number().int().min(1).optional(),
    maxHerfindahl: z.number().nonnegative().optional(),
    maxGrossLeverage: z.number().nonnegative().optional(),
    maxNetLeverage: z.number().nonnegative().optional(),
    maxVar: z.number().nonnegative().optional(),
    maxDrawdown: z.number().nonnegative().optional(),
  })
  .strict();

export const portfolioFileSchema = z
  .object({
    cash: z.number().finite().default(0),
    positions: z
      .array(z.object({ symbol: z.string().min(1), quantity: z.number().finite() }).strict())
      .min(1, 'needs at least one position'),
    history: z
      .object({
        provider: z.string().min(1).default('sample'),
        start: z.string().optional(),
        end: z.string().optional(),
      })
      .strict()
      .optional(),
    prices: z.record(z.string(), z.array(z.number().finite().positive())).optional(),
    benchmark: z.string().min(1).optional(),
    limits: limitsSchema.optional(),
  })
  .strict()
  .refine((f) => f.history !== undefined || f.prices !== undefined, {
    message: 'give either "history" (to load prices from a provider) or inline "prices"',
    path: ['history'],
  });

export type PortfolioFile = z.infer<typeof portfolioFileSchema>;

/** Validate a parsed portfolio file; errors name the offending field (e.g. positions.1.quantity). */
export function parsePortfolioFile(data: unknown, source = 'portfolio'): PortfolioFile {
  const parsed = portfolioFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.') || '(root)';
    throw new ValidationError(`${source}: ${field}: ${issue.message}`, {
      field,
      hint: 'see the portfolio file format: {"cash", "positions": [{"symbol", "quantity"}], "history" or "prices", "benchmark"}',
    });
  }
  return parsed.data;
}

export function readPortfolioFile(path: string): PortfolioFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read portfolio file ${path}: ${(error as Error).message}`, {
      field: 'portfolio',
      hint: 'pass --portfolio with the path of a JSON portfolio file',
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`portfolio file ${path} is not valid JSON: ${(error as Error).message}`, {
      field: 'portfolio',
    });
  }
  return parsePortfolioFile(data, path);
}

/** Fetches a symbol's daily bars from a provider between two dates (the data layer's fetchMarketData). */
export type HistoryFetcher = (
  symbol: string,
  start: string | undefined,
  end: string | undefined,
  provider: string,
) => Promise<BarSeries>;

export interface ResolvedPortfolio {
  portfolio: RiskPortfolio;
  benchmark?: { symbol: string; prices: BarSeries | Float64Array };
  limits?: RiskLimits;
}

/** Turn a portfolio file into the risk library's input, loading histories through `fetch` when needed. */
export async function resolvePortfolioFile(
  file: PortfolioFile,
  fetch?: HistoryFetcher,
): Promise<ResolvedPortfolio> {
  const prices: Record<string, PriceHistory> = {};
  let benchmark: ResolvedPortfolio['benchmark'];
  if (file.prices) {
    for (const [symbol, closes] of Object.entries(file.prices)) prices[symbol] = Float64Array.from(closes);
    if (file.benchmark) {
      const b = file.prices[file.benchmark];
      if (!b) {
        throw new ValidationError(`benchmark ${file.benchmark} has no entry in "prices"`, {
          field: 'benchmark',
        });
      }
      benchmark = { symbol: file.benchmark, prices: Float64Array.from(b) };
    }
  }
  const missing = file.positions.map((p) => p.symbol).filter((s) => prices[s] === undefined);
  if (missing.length > 0 || (file.benchmark && !benchmark)) {
    if (!file.history) {
      throw new ValidationError(`no prices for ${missing.join(', ')}`, {
        field: 'prices',
        hint: 'add them to "prices" or give "history"',
      });
    }
    if (!fetch)
      throw new ValidationError('loading "history" needs a market data fetcher', { field: 'history' });
    const { provider, start, end } = file.history;
    const load = async (symbol: string, field: string) => {
      try {
        return await fetch(symbol, start, end, provider);
      } catch (error) {
        if (!(error instanceof NeuralTraderError)) throw error;
        throw new ValidationError(
          `${field}: cannot load the ${provider} history of ${symbol}: ${error.message}`,
          {
            field,
            hint: error.hint ?? 'check the symbol and the history dates',
            cause: error,
          },
        );
      }
    };
    const fieldOf = (symbol: string) =>
      `positions.${file.positions.findIndex((p) => p.symbol === symbol)}.symbol`;
    const loaded = await Promise.all(missing.map((s) => load(s, fieldOf(s))));
    missing.forEach((s, i) => {
      prices[s] = loaded[i];
    });
    if (file.benchmark && !benchmark)
      benchmark = { symbol: file.benchmark, prices: await load(file.benchmark, 'benchmark') };
  }
  return {
    portfolio: { positions: file.positions, prices, cash: file.cash },
    ...(benchmark ? { benchmark } : {}),
    ...(file.limits ? { limits: file.limits } : {}),
  };
}
