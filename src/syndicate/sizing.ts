import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { normalizeSymbol } from '../core/inputs.js';
import { type Currency, formatMoney, type MinorUnits } from '../core/money.js';
import { kellyCriterionBinary, kellyCriterionContinuous } from '../risk/kelly.js';
import type { SyndicateRules } from './rules.js';
import { ALLOCATION_METHODS, type AllocationMethod, type Opportunity } from './types.js';

/**
 * How much of the bankroll an opportunity gets: the sizing method's amount, then the bankroll rules as
 * caps (max per allocation, daily exposure, concentration per sport/market/symbol, cash reserve), with
 * the stop-loss able to forbid new allocations altogether. Pure: the ledger gathers the book figures,
 * this decides, so `simulate` and `allocate` can never disagree.
 *
 * Sizing methods, as fractions of the bankroll:
 *  - kelly: bets f = kellyFraction x (p - (1 - p) / (odds - 1)); trades f = kellyFraction x mu / sigma^2,
 *    capped at 1 (no leverage); no edge gives 0;
 *  - fixed: fixedFraction;
 *  - confidence: the fraction of the highest confidence tier the opportunity reaches (0 below all tiers);
 *  - risk_parity: riskBudget / sigma, where sigma is the standard deviation of the return per unit
 *    allocated (trades: the volatility given; bets: odds x sqrt(p (1 - p))), capped at 1.
 * Amounts are rounded down to whole minor units, after a relative tolerance of 1e-12 for binary
 * floating point (0.0625 x 20,000.00 is 1,250.00, not 1,249.99).
 */
export interface SizingBook {
  /** The syndicate's total equity (cash + open allocations at cost + marks). */
  bankroll: MinorUnits;
  /** Cash not earmarked for pending withdrawals. */
  freeCash: MinorUnits;
  /** Sum of the members' capital accounts (the stop-loss is a fraction of it). */
  capital: MinorUnits;
  /** Realised and marked result since the last distribution. */
  undistributed: MinorUnits;
  /** Allocations opened earlier on the same UTC day. */
  allocatedToday: MinorUnits;
  /** Open allocations (at cost) in the opportunity's sport, market and symbol. */
  openInSport: MinorUnits;
  openInMarket: MinorUnits;
  openInSymbol: MinorUnits;
}

export interface AllocationLimit {
  /** Rule name: max_per_allocation, daily_exposure, concentration:sport:<x>, ..., cash_reserve. */
  rule: string;
  /** The most this rule still allows for one allocation now. */
  headroom: MinorUnits;
}

export interface SizingResult {
  method: AllocationMethod;
  /** The method's fraction of the bankroll, before caps. */
  fraction: number;
  /** The method's amount, before caps. */
  methodAmount: MinorUnits;
  /** The most the bankroll rules allow for one allocation now: the smallest headroom (0 under the stop-loss). */
  limit: MinorUnits;
  /** The rule that sets `limit`. */
  limitRule: string;
  /** The amount to allocate: the method's amount within the limit (never negative). */
  amount: MinorUnits;
  /** What set `amount`: the method's name, a rule name, or stop_loss. */
  boundBy: string;
  limits: AllocationLimit[];
  /** Allocations above this need an approved large_allocation vote. */
  voteAbove: MinorUnits;
  needsVote: boolean;
  stopLoss: boolean;
  warnings: string[];
}

const probability = z
  .number()
  .finite()
  .gt(0, { error: 'must be above 0' })
  .lt(1, { error: 'must be below 1' });
const label = z.string().trim().min(1).max(100);

const opportunitySchema = z.strictObject({
  kind: z.enum(['bet', 'trade'], { error: 'expected "bet" or "trade"' }),
  reference: z.string().trim().min(1).max(128).optional(),
  description: z.string().max(500).optional(),
  sport: label.optional(),
  market: label.optional(),
  symbol: z.string().optional(),
  decimalOdds: z
    .number()
    .finite()
    .gt(1, { error: 'decimal odds must be above 1 (2.0 is even money)' })
    .max(10_000)
    .optional(),
  winProbability: probability.optional(),
  expectedReturn: z.number().finite().gt(-1).lt(100).optional(),
  volatility: z.number().finite().gt(0, { error: 'must be above 0' }).lt(100).optional(),
  confidence: z.number().finite().min(0).max(1).optional(),
});

/** Check an opportunity (from any face) and normalise its keys (sport lower-case, symbol upper-case). */
export function parseOpportunity(input: unknown, field = 'opportunity'): Opportunity {
  const parsed = opportunitySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [field, ...issue.path.map(String)].join('.');
    throw new ValidationError(`${path}: ${issue.message}`, {
      field: path,
      hint: 'a bet needs market, decimalOdds and winProbability; a trade needs symbol, expectedReturn and volatility',
    });
  }
  const o = parsed.data;
  const need = (name: keyof Opportunity, what: string) => {
    if (o[name] === undefined) {
      throw new ValidationError(`${field}.${name}: a ${o.kind} needs ${what}`, { field: `${field}.${name}` });
    }
  };
  if (o.kind === 'bet') {
    need('market', 'the market it is in (e.g. EPL:ARS-CHE:1X2)');
    need('decimalOdds', 'decimal odds (e.g. 2.1)');
    need('winProbability', 'an estimated win probability (e.g. 0.52)');
  } else {
    need('symbol', 'a symbol (e.g. AAPL)');
    need('expectedReturn', 'an expected return over the holding period (e.g. 0.02)');
    need('volatility', 'the volatility over the holding period (e.g. 0.1)');
  }
  return {
    ...o,
    sport: o.sport?.toLowerCase(),
    symbol: o.symbol === undefined ? undefined : normalizeSymbol(o.symbol, `${field}.symbol`),
  };
}

export function parseAllocationMethod(input: string, field = 'method'): AllocationMethod {
  const method = String(input).trim().toLowerCase().replace(/-/g, '_');
  if (!(ALLOCATION_METHODS as readonly string[]).includes(method)) {
    throw new ValidationError(`${field}: unknown allocation method "${String(input).slice(0, 40)}"`, {
      field,
      hint: `use one of ${ALLOCATION_METHODS.join(', ')}`,
    });
  }
  return method as AllocationMethod;
}

/** Standard deviation of the return per unit allocated. */
function unitVolatility(o: Opportunity): number {
  if (o.kind === 'trade') return o.volatility as number;
  const p = o.winProbability as number;
  return (o.decimalOdds as number) * Math.sqrt(p * (1 - p));
}

function methodFraction(
  o: Opportunity,
  method: AllocationMethod,
  rules: Readonly<SyndicateRules>,
  warnings: string[],
): number {
  switch (method) {
    case 'kelly': {
      const f =
        o.kind === 'bet'
          ? kellyCriterionBinary({
              winProbability: o.winProbability as number,
              decimalOdds: o.decimalOdds as number,
              fraction: rules.kellyFraction,
            }).stake
          : kellyCriterionContinuous(
              o.expectedReturn as number,
              o.volatility as number,
              0,
              rules.kellyFraction,
            );
      if (!(f > 0)) {
        warnings.push('Kelly finds no edge at these odds and probability: it allocates nothing');
        return 0;
      }
      if (f > 1) {
        warnings.push(
          `Kelly asks for ${(f * 100).toFixed(0)}% of the bankroll; capped at 100% (no leverage)`,
        );
        return 1;
      }
      return f;
    }
    case 'fixed':
      return rules.fixedFraction;
    case 'confidence': {
      if (o.confidence === undefined) {
        throw new ValidationError(
          'opportunity.confidence: the confidence method needs a confidence in [0, 1]',
          {
            field: 'opportunity.confidence',
          },
        );
      }
      const tier = rules.confidenceTiers.find((t) => (o.confidence as number) >= t.minConfidence);
      if (!tier) {
        warnings.push(`confidence ${o.confidence} is below every confidence tier: it allocates nothing`);
        return 0;
      }
      return tier.fraction;
    }
    case 'risk_parity':
      return Math.min(1, rules.riskBudget / unitVolatility(o));
  }
}

/** Floor / ceiling to whole minor units, forgiving the last bits of binary floating point. */
export function floorUnits(x: number): MinorUnits {
  return Math.floor(x * (1 + 1e-12));
}

export function ceilUnits(x: number): MinorUnits {
  return Math.ceil(x * (1 - 1e-12));
}

/** Size an opportunity against the rules and the book. */
export function sizeAllocation(
  o: Opportunity,
  method: AllocationMethod,
  rules: Readonly<SyndicateRules>,
  book: Readonly<SizingBook>,
  ccy: Currency,
): SizingResult {
  const warnings: string[] = [];
  const bankroll = Math.max(0, book.bankroll);
  const fraction = methodFraction(o, method, rules, warnings);
  const methodAmount = floorUnits(fraction * bankroll);
  const cap = (f: number) => floorUnits(f * bankroll);
  const limits: AllocationLimit[] = [
    { rule: 'max_per_allocation', headroom: cap(rules.maxAllocationFraction) },
    { rule: 'daily_exposure', headroom: cap(rules.dailyExposureFraction) - book.allocatedToday },
  ];
  if (o.sport)
    limits.push({
      rule: `concentration:sport:${o.sport}`,
      headroom: cap(rules.maxConcentrationFraction) - book.openInSport,
    });
  if (o.market)
    limits.push({
      rule: `concentration:market:${o.market}`,
      headroom: cap(rules.maxConcentrationFraction) - book.openInMarket,
    });
  if (o.symbol)
    limits.push({
      rule: `concentration:symbol:${o.symbol}`,
      headroom: cap(rules.maxConcentrationFraction) - book.openInSymbol,
    });
  limits.push({
    rule: 'cash_reserve',
    headroom: book.freeCash - ceilUnits(rules.cashReserveFraction * bankroll),
  });
  for (const limit of limits) limit.headroom = Math.max(0, limit.headroom);

  let limit = limits[0].headroom;
  let limitRule = limits[0].rule;
  for (const l of limits) {
    if (l.headroom < limit) {
      limit = l.headroom;
      limitRule = l.rule;
    }
  }
  const stopLoss = book.capital > 0 && book.undistributed <= -rules.stopLossFraction * book.capital;
  if (stopLoss) {
    limit = 0;
    limitRule = 'stop_loss';
  }
  const amount = Math.min(methodAmount, limit);
  const boundBy = methodAmount <= limit ? method : limitRule;
  if (stopLoss) {
    warnings.push(
      `stop-loss: the result since the last distribution is ${formatMoney(book.undistributed, ccy)}, at least ` +
        `${(rules.stopLossFraction * 100).toFixed(1)}% of members' capital; no new allocations until it is distributed`,
    );
  }
  if (bankroll === 0) warnings.push('the syndicate has no bankroll yet: deposit first');
  if (boundBy !== method && boundBy !== 'stop_loss' && methodAmount > 0) {
    warnings.push(
      `${method} asked for ${formatMoney(methodAmount, ccy)}; capped by ${boundBy} at ${formatMoney(amount, ccy)}`,
    );
  }
  const voteAbove = cap(rules.voteAboveFraction);
  return {
    method,
    fraction,
    methodAmount,
    limit,
    limitRule,
    amount,
    boundBy,
    limits,
    voteAbove,
    needsVote: amount > voteAbove,
    stopLoss,
    warnings,
  };
}
