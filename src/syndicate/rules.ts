import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { type Currency, formatMoney, type MinorUnits, parseMoney } from '../core/money.js';
import {
  ALLOCATION_METHODS,
  type AllocationMethod,
  DISTRIBUTION_METHODS,
  type DistributionMethod,
  VOTE_WEIGHTINGS,
  type VoteWeighting,
} from './types.js';

/**
 * A syndicate's rules: how allocations are sized and capped, how profit is shared, how members leave
 * and how votes are decided. Fractions are of the bankroll (the syndicate's total equity: cash + open
 * allocations at cost + marks) unless said otherwise. Every syndicate starts from DEFAULT_SYNDICATE_RULES
 * with the overrides given at creation; later changes go through a `change_rules` proposal.
 */
export interface ConfidenceTier {
  /** Lowest confidence (0..1) that earns this tier. */
  minConfidence: number;
  /** Fraction of the bankroll to allocate at this tier. */
  fraction: number;
}

export interface ContributionTier {
  name: string;
  /** Capital (minor units) a member needs to reach this tier. */
  minCapital: MinorUnits;
  /** Weight multiplier of the tier in `tiered` distributions. */
  multiplier: number;
}

export interface SyndicateRules {
  /** Sizing method when an allocation names none. */
  allocationMethod: AllocationMethod;
  /** Fraction of full Kelly (0.25 = quarter Kelly). */
  kellyFraction: number;
  /** `fixed` method: this fraction of the bankroll per allocation. */
  fixedFraction: number;
  /** `confidence` method: tiers by confidence, highest first. */
  confidenceTiers: ConfidenceTier[];
  /** `risk_parity` method: each allocation carries this fraction of the bankroll in standard deviation. */
  riskBudget: number;
  /** Largest single allocation. */
  maxAllocationFraction: number;
  /** Sum of allocations opened on one UTC day. */
  dailyExposureFraction: number;
  /** Open allocations in one sport, one market or one symbol. */
  maxConcentrationFraction: number;
  /** Cash kept free of allocations (after pending withdrawals). */
  cashReserveFraction: number;
  /**
   * Stop-loss: no new allocations while the undistributed result (realised + marked, since the last
   * distribution) is a loss of at least this fraction of the members' capital.
   */
  stopLossFraction: number;
  /** Allocations above this need an approved `large_allocation` vote. */
  voteAboveFraction: number;
  /** Distribution method when a distribution names none. */
  distributionMethod: DistributionMethod;
  /** `hybrid` method: shares of the amount split by capital, by performance and equally (sum 1). */
  hybridWeights: { capital: number; performance: number; equal: number };
  /** Contribution tiers, lowest first (first tier at 0). */
  tiers: ContributionTier[];
  /** Withhold tax from distributions by member jurisdiction. */
  withholdTax: boolean;
  /** Rates (fractions) per jurisdiction that override the illustrative table. */
  withholdingRates: Record<string, number>;
  /** Days after a member's first deposit during which ordinary withdrawals are refused. */
  lockupDays: number;
  /** Days between an ordinary withdrawal request and its payment. */
  noticeDays: number;
  /** Largest withdrawal request, as a fraction of the syndicate's equity. */
  maxWithdrawalFraction: number;
  /** Emergency withdrawals skip notice and lock-up; this fraction of the amount goes to the other members. */
  emergencyPenaltyFraction: number;
  /** Withdrawals above this fraction of the syndicate's equity need approval by another lead or senior analyst. */
  withdrawalApprovalAboveFraction: number;
  /** Vote weighting when a proposal names none. */
  voteWeighting: VoteWeighting;
  /** Share of the electorate's weight that must vote for a decision. */
  quorum: number;
  /** A proposal passes when its yes weight exceeds this share of the electorate's weight. */
  threshold: number;
  /** Days a proposal stays open. */
  proposalTtlDays: number;
}

/** The defaults, in one place; every face reads them from here. */
export const DEFAULT_SYNDICATE_RULES: Readonly<SyndicateRules> = Object.freeze({
  allocationMethod: 'kelly',
  kellyFraction: 0.25,
  fixedFraction: 0.02,
  confidenceTiers: [
    { minConfidence: 0.8, fraction: 0.05 },
    { minConfidence: 0.6, fraction: 0.03 },
    { minConfidence: 0.4, fraction: 0.01 },
  ],
  riskBudget: 0.01,
  maxAllocationFraction: 0.05,
  dailyExposureFraction: 0.2,
  maxConcentrationFraction: 0.25,
  cashReserveFraction: 0.1,
  stopLossFraction: 0.2,
  voteAboveFraction: 0.03,
  distributionMethod: 'hybrid',
  hybridWeights: { capital: 0.5, performance: 0.3, equal: 0.2 },
  // Thresholds in minor units of the syndicate's currency (USD cents: 1,000.00 / 10,000.00 / 50,000.00).
  tiers: [
    { name: 'bronze', minCapital: 0, multiplier: 1 },
    { name: 'silver', minCapital: 100_000, multiplier: 1.1 },
    { name: 'gold', minCapital: 1_000_000, multiplier: 1.25 },
    { name: 'platinum', minCapital: 5_000_000, multiplier: 1.5 },
  ],
  withholdTax: false,
  withholdingRates: {},
  lockupDays: 30,
  noticeDays: 7,
  maxWithdrawalFraction: 0.5,
  emergencyPenaltyFraction: 0.1,
  withdrawalApprovalAboveFraction: 0.1,
  voteWeighting: 'capital',
  quorum: 0.5,
  threshold: 0.5,
  proposalTtlDays: 7,
});

const fraction = (open = false) =>
  z
    .number({ error: 'expected a number' })
    .finite()
    .min(0, { error: 'must be at least 0' })
    .max(1, { error: 'must be at most 1' })
    .refine((v) => !open || v > 0, { error: 'must be more than 0' });
const days = z.number({ error: 'expected a number of days' }).finite().min(0).max(3650);
const money = z.union([z.string(), z.number()]);

const rulesInput = z.strictObject({
  allocationMethod: z.enum(ALLOCATION_METHODS),
  kellyFraction: fraction(true),
  fixedFraction: fraction(true),
  confidenceTiers: z
    .array(z.strictObject({ minConfidence: fraction(), fraction: fraction() }))
    .min(1)
    .max(10),
  riskBudget: fraction(true),
  maxAllocationFraction: fraction(true),
  dailyExposureFraction: fraction(true),
  maxConcentrationFraction: fraction(true),
  cashReserveFraction: fraction().refine((v) => v < 1, { error: 'must be below 1' }),
  stopLossFraction: fraction(true),
  voteAboveFraction: fraction(true),
  distributionMethod: z.enum(DISTRIBUTION_METHODS),
  hybridWeights: z.strictObject({ capital: fraction(), performance: fraction(), equal: fraction() }),
  tiers: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,19}$/, { error: 'a short name such as gold' }),
        minCapital: money,
        multiplier: z.number().finite().positive().max(100),
      }),
    )
    .min(1)
    .max(10),
  withholdTax: z.boolean(),
  withholdingRates: z.record(z.string().regex(/^[A-Z]{2,8}$/, { error: 'a code such as US' }), fraction()),
  lockupDays: days,
  noticeDays: days,
  maxWithdrawalFraction: fraction(true),
  emergencyPenaltyFraction: fraction().refine((v) => v < 1, { error: 'must be below 1' }),
  withdrawalApprovalAboveFraction: fraction(),
  voteWeighting: z.enum(VOTE_WEIGHTINGS),
  quorum: fraction(),
  threshold: fraction().refine((v) => v >= 0.5 && v < 1, { error: 'must be at least 0.5 and below 1' }),
  proposalTtlDays: days.refine((v) => v > 0, { error: 'must be more than 0' }),
});

/** Rules as callers give them: any subset, money thresholds as decimal text or numbers. */
export type SyndicateRulesInput = Partial<Omit<SyndicateRules, 'tiers'>> & {
  tiers?: { name: string; minCapital: string | number; multiplier: number }[];
};

function toValidationError(error: z.ZodError, prefix: string): ValidationError {
  const issue = error.issues[0];
  const path = [prefix, ...issue.path.map(String)].join('.');
  return new ValidationError(`${path}: ${issue.message}`, {
    field: path,
    hint: 'see DEFAULT_SYNDICATE_RULES for every rule, its meaning and default',
  });
}

/** `base` with `changes` applied, every value checked; money thresholds are parsed in `ccy`. */
export function applyRuleChanges(
  base: Readonly<SyndicateRules>,
  changes: unknown,
  ccy: Currency,
  prefix = 'rules',
): SyndicateRules {
  if (changes === undefined || changes === null) return structuredClone(base) as SyndicateRules;
  const parsed = rulesInput.partial().safeParse(changes);
  if (!parsed.success) throw toValidationError(parsed.error, prefix);
  const input = parsed.data;
  const next: SyndicateRules = { ...(structuredClone(base) as SyndicateRules) };
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined || name === 'tiers') continue;
    (next as unknown as Record<string, unknown>)[name] = value;
  }
  if (input.withholdingRates) next.withholdingRates = { ...base.withholdingRates, ...input.withholdingRates };
  if (input.tiers) {
    next.tiers = input.tiers.map((tier, i) => ({
      name: tier.name,
      minCapital: parseMoney(tier.minCapital, ccy, {
        field: `${prefix}.tiers.${i}.minCapital`,
        allowZero: true,
      }),
      multiplier: tier.multiplier,
    }));
    if (next.tiers[0].minCapital !== 0) {
      throw new ValidationError(`${prefix}.tiers.0.minCapital: the first tier must start at 0`, {
        field: `${prefix}.tiers`,
      });
    }
    for (let i = 1; i < next.tiers.length; i++) {
      if (next.tiers[i].minCapital <= next.tiers[i - 1].minCapital) {
        throw new ValidationError(`${prefix}.tiers.${i}.minCapital: tiers must rise in capital`, {
          field: `${prefix}.tiers`,
        });
      }
    }
  }
  next.confidenceTiers = [...next.confidenceTiers].sort((a, b) => b.minConfidence - a.minConfidence);
  const hybrid = next.hybridWeights;
  if (Math.abs(hybrid.capital + hybrid.performance + hybrid.equal - 1) > 1e-9) {
    throw new ValidationError(`${prefix}.hybridWeights: capital + performance + equal must sum to 1`, {
      field: `${prefix}.hybridWeights`,
      hint: 'e.g. {"capital": 0.5, "performance": 0.3, "equal": 0.2}',
    });
  }
  return next;
}

/** The contribution tier a capital balance falls in. */
export function tierFor(rules: Readonly<SyndicateRules>, capital: MinorUnits): ContributionTier {
  let tier = rules.tiers[0];
  for (const candidate of rules.tiers) if (capital >= candidate.minCapital) tier = candidate;
  return tier;
}

/** Rules as JSON for people and programs: money thresholds as decimal text. */
export function rulesJson(rules: Readonly<SyndicateRules>, ccy: Currency): Record<string, unknown> {
  return {
    ...rules,
    tiers: rules.tiers.map((t) => ({ ...t, minCapital: formatMoney(t.minCapital, ccy) })),
  };
}
