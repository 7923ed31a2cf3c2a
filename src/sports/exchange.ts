import { ValidationError } from '../core/errors.js';
import { decimalOddsValue } from './odds.js';

/**
 * Betting-exchange maths (Betfair-style back and lay with commission on net winnings). Backing at odds o
 * for stake S wins S(o - 1)(1 - c) or loses S; laying at odds o for a backer's stake L wins L(1 - c) if
 * the selection loses and pays the liability L(o - 1) if it wins. Commission is charged on net winnings
 * only (per market in reality; per bet here).
 */

function commissionValue(commission: number): number {
  if (!(Number.isFinite(commission) && commission >= 0 && commission < 1)) {
    throw new ValidationError(`commission: must be a fraction in [0, 1), got ${commission}`, {
      field: 'commission',
      hint: 'e.g. 0.02 for 2% (Betfair charges 2-5% of net winnings)',
    });
  }
  return commission;
}

function stakeValue(stake: number, field = 'stake'): number {
  if (!(Number.isFinite(stake) && stake > 0)) {
    throw new ValidationError(`${field}: a stake must be a finite amount above 0, got ${stake}`, { field });
  }
  return stake;
}

/** The bookmaker-equivalent decimal odds of backing at `odds` with `commission` on winnings. */
export function effectiveBackOdds(odds: number, commission: number): number {
  return 1 + (decimalOddsValue(odds) - 1) * (1 - commissionValue(commission));
}

/**
 * Laying at `odds` is backing "the selection does not win"; its bookmaker-equivalent decimal odds are
 * 1 + (1 - c) / (odds - 1) per unit of liability.
 */
export function effectiveLayOdds(odds: number, commission: number): number {
  return 1 + (1 - commissionValue(commission)) / (decimalOddsValue(odds) - 1);
}

/** What a lay of backer's stake `layStake` at `odds` risks: layStake * (odds - 1). */
export function layLiability(layStake: number, odds: number): number {
  return stakeValue(layStake, 'layStake') * (decimalOddsValue(odds) - 1);
}

export interface BackLayPosition {
  backStake: number;
  backOdds: number;
  layStake: number;
  layOdds: number;
  commission: number;
  /** Money at risk on the lay side. */
  layLiability: number;
  /** Net result if the selection wins: back winnings (after commission) minus the lay liability. */
  profitIfWins: number;
  /** Net result if it loses: lay winnings (after commission) minus the back stake. */
  profitIfLoses: number;
}

/**
 * The lay stake that makes a back bet's result the same whichever way the selection goes ("matched
 * betting", "hedging", or a back/lay arbitrage when the back price beats the lay price enough to cover the
 * commission): L = S * o_back / (o_lay - c) when commission applies to the exchange side only.
 */
export function hedgeBackWithLay(
  backStake: number,
  backOdds: number,
  layOdds: number,
  commission = 0,
  backCommission = 0,
): BackLayPosition {
  const stake = stakeValue(backStake, 'backStake');
  const ob = decimalOddsValue(backOdds, 'backOdds');
  const ol = decimalOddsValue(layOdds, 'layOdds');
  const c = commissionValue(commission);
  const cb = commissionValue(backCommission);
  // Equal results: S(ob-1)(1-cb) - L(ol-1) = L(1-c) - S  =>  L = S((ob-1)(1-cb) + 1) / (ol - c).
  const layStake = (stake * ((ob - 1) * (1 - cb) + 1)) / (ol - c);
  const liability = layStake * (ol - 1);
  return {
    backStake: stake,
    backOdds: ob,
    layStake,
    layOdds: ol,
    commission: c,
    layLiability: liability,
    profitIfWins: stake * (ob - 1) * (1 - cb) - liability,
    profitIfLoses: layStake * (1 - c) - stake,
  };
}
