import { ValidationError } from '../core/errors.js';
import { type MinorUnits, splitByWeights } from '../core/money.js';
import { type SyndicateRules, tierFor } from './rules.js';
import type { DistributionMethod } from './types.js';
import { withholdingRatePpm, withholdingTax } from './withholding.js';

/**
 * Who gets how much of a distribution. Pure and exact: the amount is split in integer minor units with
 * `splitByWeights` (largest remainder), so the gross shares always sum to the amount; members are
 * listed in join order, so the leftover units of a split go to the largest fractional remainders with
 * ties to the member who joined first.
 *
 * Methods (weights):
 *  - capital: time-weighted capital over the period (capital x time held since the last distribution),
 *    so money that arrived yesterday earns a day's share, not a month's;
 *  - performance: realised P&L of the allocations the member originated in the period (losses count 0);
 *  - tiered: time-weighted capital x the multiplier of the member's contribution tier;
 *  - equal: one share per member with capital;
 *  - hybrid: the amount is first split exactly into capital / performance / equal parts by the
 *    hybridWeights rule (e.g. 50/30/20), then each part by its own weights.
 * When every performance weight is zero the performance part is split by time-weighted capital (one
 * warning says so); when the period has no length (distribution at the instant of the last one)
 * time-weighted capital falls back to the current capital balances.
 *
 * Withholding (optional): tax = floor(gross x rate) by the member's jurisdiction, net = gross - tax.
 */
export interface DistributionMember {
  id: string;
  jurisdiction: string;
  /** Integral of the capital balance over the period, in minor units x milliseconds. */
  timeWeightedCapital: number;
  /** Capital balance now. */
  capital: MinorUnits;
  /** Realised P&L of allocations the member originated in the period. */
  performance: MinorUnits;
}

export interface DistributionLine {
  member: string;
  jurisdiction: string;
  /** The member's share of the amount (gross / amount). */
  share: number;
  gross: MinorUnits;
  tax: MinorUnits;
  net: MinorUnits;
  ratePpm: number;
}

export interface ProfitSplit {
  lines: DistributionLine[];
  warnings: string[];
}

function capitalWeights(members: readonly DistributionMember[], warnings: string[]): number[] {
  const weights = members.map((m) => m.timeWeightedCapital);
  if (weights.some((w) => w > 0)) return weights;
  warnings.push('the period has no length: capital weights are the current capital balances');
  return members.map((m) => m.capital);
}

function weightsFor(
  method: Exclude<DistributionMethod, 'hybrid'>,
  members: readonly DistributionMember[],
  rules: Readonly<SyndicateRules>,
  warnings: string[],
): number[] {
  switch (method) {
    case 'capital':
      return capitalWeights(members, warnings);
    case 'tiered': {
      const base = capitalWeights(members, warnings);
      return base.map((w, i) => w * tierFor(rules, members[i].capital).multiplier);
    }
    case 'equal':
      return members.map(() => 1);
    case 'performance': {
      const weights = members.map((m) => Math.max(0, m.performance));
      if (weights.some((w) => w > 0)) return weights;
      warnings.push(
        'no member has positive attributed performance this period: the performance share follows capital',
      );
      return capitalWeights(members, warnings);
    }
  }
}

/** Split `amount` (> 0) between `members` (join order) by `method`, then withhold tax if asked. */
export function splitProfit(
  amount: MinorUnits,
  members: readonly DistributionMember[],
  method: DistributionMethod,
  rules: Readonly<SyndicateRules>,
  withhold: boolean,
): ProfitSplit {
  if (members.length === 0) {
    throw new ValidationError('distribute: no member holds capital, so there is nobody to distribute to', {
      field: 'syndicateId',
      hint: 'members deposit first',
    });
  }
  const warnings: string[] = [];
  let gross: MinorUnits[];
  if (method === 'hybrid') {
    const h = rules.hybridWeights;
    const parts = splitByWeights(amount, [h.capital, h.performance, h.equal]);
    const byPart = (['capital', 'performance', 'equal'] as const).map((m, i) =>
      parts[i] === 0
        ? members.map(() => 0)
        : splitByWeights(parts[i], weightsFor(m, members, rules, warnings)),
    );
    gross = members.map((_, i) => byPart[0][i] + byPart[1][i] + byPart[2][i]);
  } else {
    gross = splitByWeights(amount, weightsFor(method, members, rules, warnings));
  }
  const lines = members.map((m, i) => {
    const ratePpm = withhold ? withholdingRatePpm(m.jurisdiction, rules.withholdingRates) : 0;
    const tax = withholdingTax(gross[i], ratePpm);
    return {
      member: m.id,
      jurisdiction: m.jurisdiction,
      share: gross[i] / amount,
      gross: gross[i],
      tax,
      net: gross[i] - tax,
      ratePpm,
    };
  });
  return { lines, warnings: [...new Set(warnings)] };
}

export interface LossShare {
  member: string;
  /** Total loss charged to the member (fromProfit + fromCapital). */
  loss: MinorUnits;
  fromProfit: MinorUnits;
  fromCapital: MinorUnits;
}

/**
 * Charge a realised loss (> 0) to members in proportion to their equity (capital + profit), profit
 * first, then capital. No member is charged more than their equity; the caller guarantees the loss is
 * covered (it always is: cash covers pending withdrawals, so members' equity covers realised losses).
 */
export function splitLoss(
  loss: MinorUnits,
  members: readonly { id: string; capital: MinorUnits; profit: MinorUnits }[],
): LossShare[] {
  const equity = members.map((m) => m.capital + m.profit);
  const total = equity.reduce((a, b) => a + b, 0);
  if (loss > total) throw new RangeError(`splitLoss: loss ${loss} exceeds members' equity ${total}`);
  const shares = splitByWeights(loss, equity);
  // Rounding can put a unit on a member with no room left; move it to the next member who has room.
  let excess = 0;
  for (let i = 0; i < shares.length; i++) {
    if (shares[i] > equity[i]) {
      excess += shares[i] - equity[i];
      shares[i] = equity[i];
    }
  }
  for (let i = 0; excess > 0 && i < shares.length; i++) {
    const room = Math.min(excess, equity[i] - shares[i]);
    shares[i] += room;
    excess -= room;
  }
  return members.map((m, i) => {
    const fromProfit = Math.min(shares[i], m.profit);
    return { member: m.id, loss: shares[i], fromProfit, fromCapital: shares[i] - fromProfit };
  });
}
