import { ValidationError } from '../core/errors.js';
import type { MinorUnits } from '../core/money.js';
import { grossReturn, type Odds, oddsFromRatio, parseDecimalOdds } from './odds.js';

/**
 * Sure bets ("arbs") across bookmakers: when the best price for every outcome of one market, each at
 * whichever bookmaker offers it, has inverse odds summing to less than 1, stakes proportional to the
 * inverse odds pay the same whatever happens and more than they cost. Exchange prices count after their
 * commission on winnings.
 */

export interface BookmakerQuote {
  bookmaker: string;
  /** Decimal odds per outcome, in the event's outcome order; 0 or NaN = outcome not offered. */
  prices: readonly number[];
  /** Commission on net winnings for exchange prices (0.02 = 2%); 0 for bookmakers. */
  commission?: number;
}

export interface ArbitrageEvent {
  eventId: string;
  /** Outcome names of one complete market, e.g. [home, draw, away] or [over 2.5, under 2.5]. */
  outcomes: readonly string[];
  quotes: readonly BookmakerQuote[];
}

export interface ArbitrageLeg {
  outcome: string;
  bookmaker: string;
  /** Quoted decimal odds. */
  odds: number;
  /** Odds after commission (equal to `odds` for bookmakers). */
  effectiveOdds: number;
  commission: number;
}

export interface ArbitrageStakes {
  /** Stake per leg in minor units, each a multiple of the increment. */
  stakes: MinorUnits[];
  /** What each leg returns if it wins (stake included), rounded down to the minor unit. */
  payouts: MinorUnits[];
  totalStake: MinorUnits;
  /** The smallest payout minus the total stake: what the arb is guaranteed to make after rounding. */
  guaranteedProfit: MinorUnits;
  /** Largest payout minus smallest: how unequal rounding left the legs. */
  payoutSpread: MinorUnits;
  increment: MinorUnits;
}

export interface ArbitrageOpportunity {
  eventId: string;
  legs: ArbitrageLeg[];
  /** Sum of inverse effective odds of the legs (< 1 for an arbitrage). */
  impliedSum: number;
  /** Guaranteed return on the total stake before rounding: 1 / impliedSum - 1. */
  profitMargin: number;
  /** Present when a bankroll was given. */
  stakes?: ArbitrageStakes;
}

export interface FindArbitrageOptions {
  /** Report only opportunities returning at least this fraction of turnover (default 0). */
  minProfitMargin?: number;
  /** Total to spread over the legs, in minor units; adds `stakes` to each opportunity. */
  bankroll?: MinorUnits;
  /** Round stakes to multiples of this many minor units (default 1; e.g. 100 = whole dollars). */
  increment?: MinorUnits;
}

function commissionOf(quote: BookmakerQuote, eventId: string): number {
  const c = quote.commission ?? 0;
  if (!(Number.isFinite(c) && c >= 0 && c < 1)) {
    throw new ValidationError(
      `commission: event ${eventId}, ${quote.bookmaker}: must be a fraction in [0, 1), got ${c}`,
      { field: 'commission' },
    );
  }
  return c;
}

/**
 * Scan events for arbitrage. Per event and outcome the best effective price wins (ties: the first quote
 * listed). Linear in events x bookmakers x outcomes, allocation only for events that are arbs.
 */
export function findArbitrage(
  events: readonly ArbitrageEvent[],
  options: FindArbitrageOptions = {},
): ArbitrageOpportunity[] {
  const minMargin = options.minProfitMargin ?? 0;
  const found: ArbitrageOpportunity[] = [];
  let bestPrice = new Float64Array(8);
  let bestQuote = new Int32Array(8);
  for (const event of events) {
    const n = event.outcomes.length;
    if (n < 2) {
      throw new ValidationError(`outcomes: event ${event.eventId} needs at least two outcomes`, {
        field: 'outcomes',
      });
    }
    if (bestPrice.length < n) {
      bestPrice = new Float64Array(n);
      bestQuote = new Int32Array(n);
    }
    bestPrice.fill(0, 0, n);
    bestQuote.fill(-1, 0, n);
    for (let q = 0; q < event.quotes.length; q++) {
      const quote = event.quotes[q];
      if (quote.prices.length !== n) {
        throw new ValidationError(
          `prices: event ${event.eventId}, ${quote.bookmaker}: ${quote.prices.length} prices for ${n} outcomes`,
          { field: 'prices' },
        );
      }
      const keep = 1 - (quote.commission ? commissionOf(quote, event.eventId) : 0);
      for (let i = 0; i < n; i++) {
        const price = quote.prices[i];
        if (price === 0 || Number.isNaN(price)) continue; // not offered
        if (!(price > 1) || price === Number.POSITIVE_INFINITY) {
          throw new ValidationError(
            `prices: event ${event.eventId}, ${quote.bookmaker}, ${event.outcomes[i]}: odds must be more than 1, got ${price}`,
            { field: 'prices', hint: 'decimal odds include the stake; use 0 for an outcome not offered' },
          );
        }
        const effective = 1 + (price - 1) * keep;
        if (effective > bestPrice[i]) {
          bestPrice[i] = effective;
          bestQuote[i] = q;
        }
      }
    }
    let impliedSum = 0;
    for (let i = 0; i < n; i++) impliedSum += bestPrice[i] > 0 ? 1 / bestPrice[i] : Number.POSITIVE_INFINITY;
    const margin = 1 / impliedSum - 1;
    if (!(impliedSum < 1) || margin < minMargin) continue;
    const legs: ArbitrageLeg[] = [];
    for (let i = 0; i < n; i++) {
      const quote = event.quotes[bestQuote[i]];
      legs.push({
        outcome: event.outcomes[i],
        bookmaker: quote.bookmaker,
        odds: quote.prices[i],
        effectiveOdds: bestPrice[i],
        commission: quote.commission ?? 0,
      });
    }
    const opportunity: ArbitrageOpportunity = {
      eventId: event.eventId,
      legs,
      impliedSum,
      profitMargin: margin,
    };
    if (options.bankroll !== undefined) {
      opportunity.stakes = arbitrageStakes(
        legs.map((leg) => exactEffectiveOdds(leg.odds, leg.commission)),
        options.bankroll,
        options.increment ?? 1,
      );
    }
    found.push(opportunity);
  }
  return found.sort((a, b) => b.profitMargin - a.profitMargin);
}

/** Exact effective odds 1 + (o - 1)(1 - c) as a ratio, with o and c read as the decimals they print as. */
export function exactEffectiveOdds(odds: number, commission = 0): Odds {
  const o = parseDecimalOdds(odds);
  if (commission === 0) return o;
  const c = parseDecimalOdds(1 + commission, 'commission'); // (cd + cn) / cd, i.e. 1 + c exactly
  const cn = c.numerator - c.denominator;
  const cd = c.denominator;
  // 1 + (n - d)/d * (cd - cn)/cd = (d*cd + (n - d)(cd - cn)) / (d*cd)
  return oddsFromRatio(
    o.denominator * cd + (o.numerator - o.denominator) * (cd - cn),
    o.denominator * cd,
    'odds',
  );
}

/** Largest number of legs for which every floor/ceil rounding combination is tried. */
const EXHAUSTIVE_ROUNDING_LEGS = 10;

/**
 * Stakes for legs at `odds` that spend at most `bankroll` minor units and pay as equally as possible:
 * ideal stakes bankroll * (1/o_i) / sum(1/o); each is then rounded to a multiple of `increment`. For up
 * to 10 legs every floor/ceiling combination within the bankroll is tried and the one with the largest
 * guaranteed profit kept; beyond that, each stake is rounded to the nearest increment.
 */
export function arbitrageStakes(
  odds: readonly Odds[],
  bankroll: MinorUnits,
  increment: MinorUnits = 1,
): ArbitrageStakes {
  if (!Number.isSafeInteger(bankroll) || bankroll <= 0) {
    throw new ValidationError(`bankroll: must be a positive amount, got ${bankroll} minor units`, {
      field: 'bankroll',
    });
  }
  if (!Number.isSafeInteger(increment) || increment <= 0 || increment > bankroll) {
    throw new ValidationError(
      `increment: must be a whole number of minor units in [1, bankroll], got ${increment}`,
      {
        field: 'increment',
      },
    );
  }
  const n = odds.length;
  let inverseSum = 0;
  for (const o of odds) inverseSum += o.denominator / o.numerator;
  const ideal = odds.map((o) => (bankroll * (o.denominator / o.numerator)) / inverseSum / increment);
  const evaluate = (units: readonly number[]) => {
    const stakes = units.map((u) => u * increment);
    const payouts = stakes.map((s, i) => grossReturn(s, odds[i]));
    const totalStake = stakes.reduce((a, b) => a + b, 0);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const p of payouts) {
      if (p < min) min = p;
      if (p > max) max = p;
    }
    return {
      stakes,
      payouts,
      totalStake,
      guaranteedProfit: min - totalStake,
      payoutSpread: max - min,
      increment,
    };
  };
  if (n > EXHAUSTIVE_ROUNDING_LEGS) return evaluate(ideal.map((u) => Math.round(u)));
  let best: ArbitrageStakes | undefined;
  const floors = ideal.map((u) => Math.floor(u));
  // Only legs whose ideal stake is not already a whole number of increments can round two ways.
  const roundable = floors.map((_, i) => i).filter((i) => ideal[i] > floors[i]);
  for (let mask = 0; mask < 1 << roundable.length; mask++) {
    const units = floors.slice();
    roundable.forEach((leg, bit) => {
      if (mask & (1 << bit)) units[leg] += 1;
    });
    if (units.some((u) => u <= 0)) continue;
    const candidate = evaluate(units);
    if (candidate.totalStake > bankroll) continue;
    if (
      !best ||
      candidate.guaranteedProfit > best.guaranteedProfit ||
      (candidate.guaranteedProfit === best.guaranteedProfit && candidate.payoutSpread < best.payoutSpread)
    ) {
      best = candidate;
    }
  }
  if (!best) {
    throw new ValidationError(
      `bankroll: ${bankroll} minor units is too small to stake every leg in multiples of ${increment}`,
      { field: 'bankroll', hint: 'raise the bankroll or lower the rounding increment' },
    );
  }
  return best;
}
