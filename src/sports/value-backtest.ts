import { ValidationError } from '../core/errors.js';
import { Random } from '../core/random.js';
import {
  DEFAULT_BACKTEST_BANKROLL,
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_BOOTSTRAP_SEED,
  DEFAULT_FLAT_STAKE,
  DEFAULT_VALUE_THRESHOLD,
} from './defaults.js';
import type { MatchForecast } from './evaluation.js';
import { DEFAULT_STAKING_LIMITS, planStakes, type StakeEventInput, type StakingLimits } from './staking.js';

/**
 * A value-betting backtest on the rolling evaluation's out-of-sample forecasts: in every match week, bet
 * the 1X2 outcomes whose model probability times the quoted price exceeds 1 + threshold, at that price.
 * Two staking plans over the same bets: flat (the same stake on every bet, with no bankroll limit, so its
 * ROI is the plain average return per bet) and fractional Kelly (exclusive-outcome Kelly per match, caps
 * per bet, match and week, bankroll stop), the bankroll updated after each week. ROI = profit / amount staked; its 95% interval is a percentile bootstrap over match
 * weeks (whole weeks are resampled, so bets of one week stay together).
 */
export type StakingPlanName = 'flat' | 'kelly';

export interface ValueBacktestOptions {
  /** Forecaster whose probabilities pick the bets (default dixon-coles). */
  model?: string;
  /** Smallest expected value per unit staked to bet (default DEFAULT_VALUE_THRESHOLD). */
  threshold?: number;
  /** Starting bankroll in units (default 100). */
  bankroll?: number;
  /** Flat stake in units (default 1). */
  flatStake?: number;
  limits?: Partial<StakingLimits>;
  bootstrapResamples?: number;
  seed?: number;
}

export interface StakingResult {
  plan: StakingPlanName;
  bets: number;
  staked: number;
  profit: number;
  /** profit / staked. */
  roi: number;
  /** 95% percentile-bootstrap interval of the ROI over match weeks. */
  roiInterval: [number, number];
  /** Fraction of bets that won. */
  hitRate: number;
  averageOdds: number;
  finalBankroll: number;
  /** Largest fall of the bankroll from a peak, in units. */
  maxDrawdown: number;
  /** True when the bankroll stop ended betting early. */
  stopped: boolean;
}

export interface ValueBacktest {
  model: string;
  threshold: number;
  matches: number;
  weeks: number;
  results: StakingResult[];
  assumptions: {
    prices: string;
    commission: string;
    selection: string;
    flatStake: number;
    startingBankroll: number;
    kelly: StakingLimits;
    interval: string;
  };
}

interface BetRecord {
  week: number;
  stake: number;
  profit: number;
  won: boolean;
  odds: number;
}

const OUTCOME_NAMES = ['home', 'draw', 'away'] as const;

export function valueBacktest(
  forecasts: readonly MatchForecast[],
  options: ValueBacktestOptions = {},
): ValueBacktest {
  const model = options.model ?? 'dixon-coles';
  const threshold = options.threshold ?? DEFAULT_VALUE_THRESHOLD;
  const start = options.bankroll ?? DEFAULT_BACKTEST_BANKROLL;
  const flatStake = options.flatStake ?? DEFAULT_FLAT_STAKE;
  const limits: StakingLimits = { ...DEFAULT_STAKING_LIMITS, ...options.limits };
  if (!(Number.isFinite(threshold) && threshold > -1)) {
    throw new ValidationError(`threshold: must be a number above -1, got ${threshold}`, {
      field: 'threshold',
    });
  }
  for (const [name, value] of Object.entries({ bankroll: start, flatStake })) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new ValidationError(`${name}: must be a finite amount above 0, got ${value}`, { field: name });
    }
  }
  if (forecasts.length > 0 && !(model in forecasts[0].probabilities)) {
    throw new ValidationError(`model: no forecasts by "${model}"`, {
      field: 'model',
      hint: `forecasters in this evaluation: ${Object.keys(forecasts[0].probabilities).join(', ')}`,
    });
  }
  // Match weeks in time order; every league's round r of a season counts as the same week.
  const weeks = new Map<number, MatchForecast[]>();
  for (const f of forecasts) {
    const list = weeks.get(f.week);
    if (list) list.push(f);
    else weeks.set(f.week, [f]);
  }
  const order = [...weeks.keys()].sort((a, b) => a - b);

  const flatBets: BetRecord[] = [];
  const kellyBets: BetRecord[] = [];
  let bankroll = start;
  let peak = start;
  let drawdown = 0;
  let stopped = false;
  let flatBankroll = start;
  let flatPeak = start;
  let flatDrawdown = 0;
  for (const week of order) {
    const events: StakeEventInput[] = [];
    const forecastOf = new Map<string, MatchForecast>();
    for (const f of weeks.get(week) as MatchForecast[]) {
      const p = f.probabilities[model];
      const value = [0, 1, 2].filter((i) => p[i] * f.odds[i] - 1 >= threshold);
      if (value.length === 0) continue;
      for (const i of value) {
        const won = f.outcome === i;
        flatBets.push({
          week,
          stake: flatStake,
          profit: won ? flatStake * (f.odds[i] - 1) : -flatStake,
          won,
          odds: f.odds[i],
        });
        flatBankroll += won ? flatStake * (f.odds[i] - 1) : -flatStake;
      }
      const eventId = `${f.league}|${f.season}|${f.homeTeam}|${f.awayTeam}`;
      forecastOf.set(eventId, f);
      events.push({
        eventId,
        day: String(week),
        outcomes: value.map((i) => ({ name: OUTCOME_NAMES[i], probability: p[i], odds: f.odds[i] })),
      });
    }
    flatPeak = Math.max(flatPeak, flatBankroll);
    flatDrawdown = Math.max(flatDrawdown, flatPeak - flatBankroll);
    if (stopped || events.length === 0) continue;
    const plan = planStakes(bankroll, events, limits, start);
    if (plan.stopped) {
      stopped = true;
      continue;
    }
    let change = 0;
    for (const s of plan.stakes) {
      const f = forecastOf.get(s.eventId) as MatchForecast;
      const won = OUTCOME_NAMES[f.outcome] === s.outcome;
      const profit = won ? s.stake * (s.odds - 1) : -s.stake;
      change += profit;
      kellyBets.push({ week, stake: s.stake, profit, won, odds: s.odds });
    }
    bankroll += change;
    peak = Math.max(peak, bankroll);
    drawdown = Math.max(drawdown, peak - bankroll);
  }
  const resamples = options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const seed = options.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const summarise = (
    plan: StakingPlanName,
    bets: BetRecord[],
    finalBankroll: number,
    maxDrawdown: number,
    planStopped: boolean,
  ): StakingResult => {
    const staked = bets.reduce((a, b) => a + b.stake, 0);
    const profit = bets.reduce((a, b) => a + b.profit, 0);
    return {
      plan,
      bets: bets.length,
      staked,
      profit,
      roi: staked > 0 ? profit / staked : Number.NaN,
      roiInterval: bootstrapRoi(bets, order, resamples, seed),
      hitRate: bets.length > 0 ? bets.filter((b) => b.won).length / bets.length : Number.NaN,
      averageOdds: bets.length > 0 ? bets.reduce((a, b) => a + b.odds, 0) / bets.length : Number.NaN,
      finalBankroll,
      maxDrawdown,
      stopped: planStopped,
    };
  };
  return {
    model,
    threshold,
    matches: forecasts.length,
    weeks: order.length,
    results: [
      summarise('flat', flatBets, flatBankroll, flatDrawdown, false),
      summarise('kelly', kellyBets, bankroll, drawdown, stopped),
    ],
    assumptions: {
      prices:
        'the quoted 1X2 prices of the data (bundled file: average of several bookmakers, not the best price)',
      commission: 'none',
      selection: `bet every outcome with ${model} probability x price - 1 >= ${threshold}`,
      flatStake,
      startingBankroll: start,
      kelly: limits,
      interval: `95% percentile bootstrap over match weeks, ${resamples} resamples, seed ${seed}`,
    },
  };
}

/** Percentile bootstrap of profit/staked, resampling whole weeks with replacement. */
function bootstrapRoi(
  bets: readonly BetRecord[],
  weeks: readonly number[],
  resamples: number,
  seed: number,
): [number, number] {
  if (bets.length === 0) return [Number.NaN, Number.NaN];
  const index = new Map(weeks.map((w, i) => [w, i]));
  const stake = new Float64Array(weeks.length);
  const profit = new Float64Array(weeks.length);
  for (const b of bets) {
    const i = index.get(b.week) as number;
    stake[i] += b.stake;
    profit[i] += b.profit;
  }
  const random = new Random(seed);
  const rois = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    let p = 0;
    for (let k = 0; k < weeks.length; k++) {
      const i = random.int(weeks.length);
      s += stake[i];
      p += profit[i];
    }
    rois[r] = s > 0 ? p / s : 0;
  }
  rois.sort();
  const at = (q: number) => rois[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return [at(0.025), at(0.975)];
}
