import { ValidationError } from '../core/errors.js';
import { type MarginMethod, removeMargin } from './margin.js';
import { decimalOddsValue, probabilityValue } from './odds.js';

/**
 * Expected value, closing-line value and value-bet detection. All figures are per unit staked (0.05 =
 * +5% of the stake), before any tax or exchange commission unless a commission is given.
 */

/** Expected profit per unit staked on a back bet: p * (odds - 1) * (1 - commission) - (1 - p). */
export function expectedValue(probability: number, decimalOdds: number, commission = 0): number {
  const p = probabilityValue(probability, 'probability');
  const o = decimalOddsValue(decimalOdds, 'odds');
  if (!(commission >= 0 && commission < 1)) {
    throw new ValidationError(`commission: must be in [0, 1), got ${commission}`, { field: 'commission' });
  }
  return p * (o - 1) * (1 - commission) - (1 - p);
}

/**
 * Expected value per unit of a bet whose result distribution includes halves (Asian handicaps and
 * quarter-line totals): win pays odds - 1, half-win (odds - 1) / 2, push 0, half-loss -1/2, loss -1.
 */
export function expectedValueOfOutcomes(
  outcome: { win: number; halfWin: number; push: number; halfLoss: number; loss: number },
  decimalOdds: number,
): number {
  const o = decimalOddsValue(decimalOdds, 'odds');
  return outcome.win * (o - 1) + (outcome.halfWin * (o - 1)) / 2 - outcome.halfLoss / 2 - outcome.loss;
}

export interface ClosingLineValue {
  /** Odds taken / fair closing odds - 1: the expected value of the bet if the closing price was right. */
  clv: number;
  /** Odds taken / closing odds of the same selection - 1 (margin included, as many tipsters quote it). */
  priceChange: number;
  /** De-margined closing probability of the selection. */
  closingProbability: number;
  method: MarginMethod;
}

/**
 * Closing-line value of a bet taken at `takenOdds` on outcome `selection` of a market that closed at
 * `closingOdds` (every outcome): the best available estimate of a bet's edge, because closing prices of
 * liquid markets are the most accurate public probabilities.
 */
export function closingLineValue(
  takenOdds: number,
  closingOdds: readonly number[],
  selection: number,
  method: MarginMethod = 'shin',
): ClosingLineValue {
  const taken = decimalOddsValue(takenOdds, 'takenOdds');
  if (!Number.isInteger(selection) || selection < 0 || selection >= closingOdds.length) {
    throw new ValidationError(`selection: no outcome ${selection} in a market of ${closingOdds.length}`, {
      field: 'selection',
    });
  }
  const fair = removeMargin(closingOdds, method);
  const closingProbability = fair.probabilities[selection];
  return {
    clv: taken * closingProbability - 1,
    priceChange: taken / closingOdds[selection] - 1,
    closingProbability,
    method,
  };
}

export interface PricedOutcome {
  /** Outcome name: "home", "draw", "away", "over 2.5", a team name. */
  name: string;
  /** Decimal odds offered. */
  odds: number;
  /** Where the price is offered (optional). */
  bookmaker?: string;
}

export interface ValueBetCandidate {
  eventId: string;
  /** Every outcome of the market, with the best price on offer for each. */
  outcomes: readonly PricedOutcome[];
  /** The model's probability of each outcome, same order (summing to about 1). */
  probabilities: readonly number[];
  /**
   * The market's own fair probabilities to compare with (e.g. the consensus of every bookmaker's
   * de-margined book); default: the offered prices de-margined by `method`.
   */
  marketProbabilities?: readonly number[];
}

export interface ValueBet {
  eventId: string;
  outcome: string;
  bookmaker?: string;
  odds: number;
  modelProbability: number;
  /** De-margined market probability of the outcome (same prices, `method`). */
  marketProbability: number;
  /** modelProbability * odds - 1: expected profit per unit staked if the model is right. */
  expectedValue: number;
  /** modelProbability - marketProbability. */
  edge: number;
  /** Full-Kelly fraction of bankroll for this bet alone. */
  kellyFraction: number;
}

export interface FindValueBetsOptions {
  /** Smallest expected value per unit to report (default 0.02 = 2%). */
  minExpectedValue?: number;
  /** How the market's own probabilities are de-margined for the comparison (default shin). */
  method?: MarginMethod;
}

/**
 * Value bets: outcomes whose model probability times the offered price exceeds 1 by at least the
 * threshold. The de-margined market probability is reported next to the model's so the size of the
 * disagreement is visible (a large one is more often a model error than a bookmaker error).
 */
export function findValueBets(
  candidates: readonly ValueBetCandidate[],
  options: FindValueBetsOptions = {},
): ValueBet[] {
  const threshold = options.minExpectedValue ?? 0.02;
  const method = options.method ?? 'shin';
  const found: ValueBet[] = [];
  for (const candidate of candidates) {
    if (candidate.probabilities.length !== candidate.outcomes.length) {
      throw new ValidationError(
        `probabilities: event ${candidate.eventId} has ${candidate.outcomes.length} outcomes but ${candidate.probabilities.length} probabilities`,
        { field: 'probabilities' },
      );
    }
    const prices = candidate.outcomes.map((o) => o.odds);
    const market = candidate.marketProbabilities ?? marketProbabilities(prices, method);
    candidate.outcomes.forEach((outcome, i) => {
      const p = probabilityValue(candidate.probabilities[i], `probabilities[${i}]`);
      const ev = p * outcome.odds - 1;
      if (ev < threshold) return;
      found.push({
        eventId: candidate.eventId,
        outcome: outcome.name,
        bookmaker: outcome.bookmaker,
        odds: outcome.odds,
        modelProbability: p,
        marketProbability: market[i],
        expectedValue: ev,
        edge: p - market[i],
        kellyFraction: Math.max(0, ev / (outcome.odds - 1)),
      });
    });
  }
  return found.sort((a, b) => b.expectedValue - a.expectedValue);
}

/**
 * Fair probabilities of offered prices. Best prices gathered across bookmakers can sum to less than 1 in
 * implied probability (an arbitrage), which Shin's model cannot describe; such a book is de-margined by
 * the power method instead, which handles both directions.
 */
function marketProbabilities(prices: readonly number[], method: MarginMethod): number[] {
  const booksum = prices.reduce((a, o) => a + 1 / o, 0);
  return removeMargin(prices, method === 'shin' && booksum < 1 ? 'power' : method).probabilities;
}
