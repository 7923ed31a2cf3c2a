import { ValidationError } from '../core/errors.js';
import { type Currency, type MinorUnits, parseMoney, USD } from '../core/money.js';
import { type ArbitrageOpportunity, findArbitrage } from './arbitrage.js';
import { DEFAULT_VALUE_THRESHOLD } from './defaults.js';
import {
  type EvaluationModel,
  type RollingEvaluation,
  type RollingEvaluationOptions,
  rollingEvaluation,
} from './evaluation.js';
import { effectiveBackOdds } from './exchange.js';
import { arbitrageEventsFromFeed, valueCandidatesFromFeed } from './feed-markets.js';
import type { GoalsModel } from './goals/dixon-coles.js';
import type { BetLedger, EventSettlement } from './ledger.js';
import { type DemarginedMarket, MARGIN_METHODS, type MarginMethod, removeMargin } from './margin.js';
import {
  convertOdds,
  impliedProbability,
  type OddsConversion,
  type OddsFormat,
  parseOdds,
  probabilityValue,
} from './odds.js';
import type { OddsEvent, ScoreEvent } from './odds-api.js';
import {
  checkStakingLimits,
  DEFAULT_STAKING_LIMITS,
  growthExclusive,
  kellyFraction,
  kellyIndependent,
  kellyMutuallyExclusive,
  type StakingLimits,
} from './staking.js';
import { expectedValue, findValueBets, type ValueBet } from './value.js';
import { type ValueBacktest, valueBacktest } from './value-backtest.js';

/**
 * The computations behind the CLI commands and MCP tools, each returning plain data with the assumptions
 * it used, so that both faces only parse, call and format.
 */

export interface PriceReport {
  prices: (OddsConversion & { input: string })[];
  /** Present for two or more prices (one complete market). */
  overround: number | null;
  methods: (DemarginedMarket | { method: MarginMethod; error: string })[];
}

/** Conversions of each price and, for a complete market, its margin removed by every method. */
export function priceReport(prices: readonly (string | number)[], format?: OddsFormat): PriceReport {
  if (prices.length === 0) throw new ValidationError('prices: give at least one price', { field: 'prices' });
  const odds = prices.map((p, i) => parseOdds(p, format, `prices[${i}]`));
  const rows = odds.map((o, i) => ({ input: String(prices[i]), ...convertOdds(o) }));
  if (odds.length < 2) return { prices: rows, overround: null, methods: [] };
  const decimals = odds.map((o) => o.decimal);
  const methods = MARGIN_METHODS.map((method) => {
    try {
      return removeMargin(decimals, method);
    } catch (error) {
      return { method, error: (error as Error).message };
    }
  });
  return { prices: rows, overround: decimals.reduce((a, o) => a + 1 / o, 0) - 1, methods };
}

export type KellyMode = 'exclusive' | 'independent';

export interface KellyReportInput {
  prices: readonly (string | number)[];
  probabilities: readonly number[];
  format?: OddsFormat;
  /** exclusive: outcomes of one event (default); independent: one bet on each of several events. */
  mode?: KellyMode;
  limits?: Partial<StakingLimits>;
  /** Bankroll in major units (stakes are rounded down to the minor unit). */
  bankroll?: string | number;
  currency?: Currency;
}

export interface KellyReportRow {
  odds: number;
  probability: number;
  /** Expected profit per unit staked. */
  expectedValue: number;
  fullKelly: number;
  /** After the multiplier and caps. */
  fraction: number;
  stake: MinorUnits | null;
}

export interface KellyReport {
  mode: KellyMode;
  rows: KellyReportRow[];
  totalFraction: number;
  /** Expected log growth per round at full Kelly. */
  fullKellyGrowth: number;
  bankroll: MinorUnits | null;
  currency: Currency;
  limits: StakingLimits;
  notes: string[];
}

export function kellyReport(input: KellyReportInput): KellyReport {
  const mode = input.mode ?? 'exclusive';
  if (input.prices.length === 0)
    throw new ValidationError('odds: give at least one price', { field: 'odds' });
  if (input.prices.length !== input.probabilities.length) {
    throw new ValidationError(
      `probabilities: ${input.probabilities.length} probabilities for ${input.prices.length} prices`,
      { field: 'probabilities', hint: 'give one probability per price, in the same order' },
    );
  }
  const limits = checkStakingLimits({ ...DEFAULT_STAKING_LIMITS, ...input.limits });
  const currency = input.currency ?? USD;
  const bankroll =
    input.bankroll === undefined ? null : parseMoney(input.bankroll, currency, { field: 'bankroll' });
  const bets = input.prices.map((p, i) => ({
    odds: parseOdds(p, input.format, `odds[${i}]`).decimal,
    probability: probabilityValue(input.probabilities[i], `probabilities[${i}]`),
  }));
  const full = mode === 'independent' ? kellyIndependent(bets) : kellyMutuallyExclusive(bets);
  const notes: string[] = [];
  let fractions = full.fractions.map((f) => f * limits.kellyMultiplier);
  if (fractions.some((f) => f > limits.maxBetFraction)) {
    notes.push(`per-bet cap ${limits.maxBetFraction} applied`);
    fractions = fractions.map((f) => Math.min(f, limits.maxBetFraction));
  }
  const total = fractions.reduce((a, b) => a + b, 0);
  const cap = mode === 'exclusive' ? limits.maxEventFraction : limits.maxDayFraction;
  if (total > cap) {
    notes.push(`${mode === 'exclusive' ? 'per-event' : 'per-day'} cap ${cap} applied`);
    fractions = fractions.map((f) => (f * cap) / total);
  }
  if (full.fractions.every((f) => f === 0)) notes.push('no edge: Kelly stakes nothing');
  const rows = bets.map((b, i) => ({
    odds: b.odds,
    probability: b.probability,
    expectedValue: b.probability * b.odds - 1,
    fullKelly: full.fractions[i],
    fraction: fractions[i],
    // Rounded down to the minor unit, after absorbing float noise (0.3 - 0.75/3 is 0.04999999...).
    stake: bankroll === null ? null : Math.floor(bankroll * fractions[i] + 1e-6),
  }));
  return {
    mode,
    rows,
    totalFraction: fractions.reduce((a, b) => a + b, 0),
    fullKellyGrowth: full.growthRate,
    bankroll,
    currency,
    limits,
    notes,
  };
}

export interface BetKellyInput {
  /** Your probability that the bet wins, in [0, 1]. */
  probability: number;
  /** The price in any format: decimal 2.5, American "+150", fractional "3/2". */
  price: string | number;
  format?: OddsFormat;
  /** Fraction of full Kelly, in (0, 1] (default 1: full Kelly). */
  fraction?: number;
  /** The name errors give the price (default "odds"; the CLI says "--odds"). */
  priceField?: string;
}

export interface BetKelly {
  decimalOdds: number;
  /** 1 / decimal odds (the bookmaker's margin included). */
  impliedProbability: number;
  /** Expected profit per unit staked: p o - 1. */
  expectedValue: number;
  /** (p o - 1) / (o - 1), or 0 without an edge. */
  fullKelly: number;
  fraction: number;
  /** fraction x fullKelly, uncapped. */
  stake: number;
  /** Expected log growth of the bankroll per bet at `stake`. */
  growthRate: number;
}

/**
 * Kelly for one bet at a price in any format, uncapped: the single-outcome case of `kellyReport` (the same
 * exclusive-outcome code, so every face sizing one bet agrees to the last digit). Used by the risk
 * toolset's `calculate_kelly_criterion` and `risk kelly --odds`.
 */
export function betKelly(input: BetKellyInput): BetKelly {
  const fraction = input.fraction ?? 1;
  if (!(Number.isFinite(fraction) && fraction > 0 && fraction <= 1)) {
    throw new ValidationError(`fraction: must be a fraction of full Kelly in (0, 1], got ${fraction}`, {
      field: 'fraction',
      hint: 'use 0.5 for half Kelly',
    });
  }
  const odds = parseOdds(input.price, input.format, input.priceField ?? 'odds');
  const bet = { probability: probabilityValue(input.probability, 'probability'), odds: odds.decimal };
  const [fullKelly] = kellyMutuallyExclusive([bet]).fractions;
  const stake = fullKelly * fraction;
  return {
    decimalOdds: odds.decimal,
    impliedProbability: impliedProbability(odds),
    expectedValue: bet.probability * bet.odds - 1,
    fullKelly,
    fraction,
    stake,
    growthRate: growthExclusive([bet], [stake]),
  };
}

export interface BetValueInput {
  /** Your probability that the bet wins, in [0, 1]. */
  probability: number;
  /** The price taken, in any format. */
  price: string | number;
  format?: OddsFormat;
  /** Commission on net winnings (exchanges), in [0, 1) (default 0). */
  commission?: number;
  /** Every outcome of the market (any format), to compare with its de-margined probability. */
  marketPrices?: readonly (string | number)[];
  /** Index of the bet in `marketPrices`. */
  selection?: number;
  /** Margin removal for the market (default shin). */
  method?: MarginMethod;
}

export interface BetValue {
  decimalOdds: number;
  /** 1 / decimal odds (margin included). */
  impliedProbability: number;
  /** Expected profit per unit staked after commission. */
  expectedValue: number;
  /** 1 / probability: the price at which the bet breaks even (null for probability 0). */
  fairOdds: number | null;
  /** Full Kelly fraction at the price after commission; 0 without an edge. */
  kellyFraction: number;
  /** The market's de-margined probability of the selection (null without marketPrices). */
  marketProbability: number | null;
  /** probability - marketProbability (null without marketPrices). */
  edge: number | null;
  commission: number;
}

/** Expected value, fair price and Kelly fraction of one bet, optionally against its de-margined market. */
export function betValue(input: BetValueInput): BetValue {
  const commission = input.commission ?? 0;
  const odds = parseOdds(input.price, input.format, 'odds');
  const p = probabilityValue(input.probability, 'probability');
  const ev = expectedValue(p, odds.decimal, commission);
  let marketProbability: number | null = null;
  if (input.marketPrices) {
    const count = input.marketPrices.length;
    if (
      input.selection === undefined ||
      !Number.isInteger(input.selection) ||
      input.selection < 0 ||
      input.selection >= count
    ) {
      throw new ValidationError(`selection: give the index (0..${count - 1}) of the bet in market_odds`, {
        field: 'selection',
      });
    }
    const prices = input.marketPrices.map((o, i) => parseOdds(o, input.format, `market_odds[${i}]`).decimal);
    marketProbability = removeMargin(prices, input.method ?? 'shin').probabilities[input.selection];
  }
  return {
    decimalOdds: odds.decimal,
    impliedProbability: impliedProbability(odds),
    expectedValue: ev,
    fairOdds: p > 0 ? 1 / p : null,
    kellyFraction: kellyFraction(p, effectiveBackOdds(odds.decimal, commission)),
    marketProbability,
    edge: marketProbability === null ? null : p - marketProbability,
    commission,
  };
}

export interface FeedArbitrageOptions {
  market?: string;
  /** Total stake per opportunity, in major units. */
  bankroll?: string | number;
  /** Stake rounding, in major units (default the minor unit). */
  increment?: string | number;
  minProfitMargin?: number;
  exchangeCommission?: number;
  currency?: Currency;
}

export interface FeedArbitrage {
  opportunities: (ArbitrageOpportunity & {
    homeTeam: string | null;
    awayTeam: string | null;
    commenceTime: number;
  })[];
  eventsScanned: number;
  currency: Currency;
  assumptions: { market: string; exchangeCommission: number; rounding: string };
}

export function arbitrageFromFeed(
  events: readonly OddsEvent[],
  options: FeedArbitrageOptions = {},
): FeedArbitrage {
  const currency = options.currency ?? USD;
  const market = options.market ?? 'h2h';
  const exchangeCommission = options.exchangeCommission ?? 0.02;
  if (!(Number.isFinite(exchangeCommission) && exchangeCommission >= 0 && exchangeCommission < 1)) {
    throw new ValidationError(`commission: must be a fraction in [0, 1), got ${exchangeCommission}`, {
      field: 'commission',
    });
  }
  const bankroll =
    options.bankroll === undefined
      ? undefined
      : parseMoney(options.bankroll, currency, { field: 'bankroll' });
  const increment =
    options.increment === undefined ? 1 : parseMoney(options.increment, currency, { field: 'increment' });
  const scanned = arbitrageEventsFromFeed(events, { market, exchangeCommission });
  const found = findArbitrage(scanned, { bankroll, increment, minProfitMargin: options.minProfitMargin });
  const byId = new Map(events.map((e) => [e.id, e]));
  return {
    opportunities: found.map((o) => {
      const event = byId.get(o.eventId.split('@')[0]);
      return {
        ...o,
        homeTeam: event?.homeTeam ?? null,
        awayTeam: event?.awayTeam ?? null,
        commenceTime: event?.commenceTime ?? 0,
      };
    }),
    eventsScanned: scanned.length,
    currency,
    assumptions: {
      market,
      exchangeCommission,
      rounding: 'stakes in multiples of the increment, payouts rounded down to the minor unit',
    },
  };
}

export interface FeedValueReport {
  bets: (ValueBet & { match?: string })[];
  unmatched: { eventId: string; homeTeam: string | null; awayTeam: string | null }[];
  assumptions: { threshold: number; method: MarginMethod; prices: string };
}

export function valueFromFeed(
  events: readonly OddsEvent[],
  model: GoalsModel,
  options: { threshold?: number; method?: MarginMethod; exchangeCommission?: number } = {},
): FeedValueReport {
  const threshold = options.threshold ?? DEFAULT_VALUE_THRESHOLD;
  const method = options.method ?? 'shin';
  const { candidates, unmatched } = valueCandidatesFromFeed(events, model, { ...options, method });
  const names = new Map(events.map((e) => [e.id, `${e.homeTeam ?? ''} v ${e.awayTeam ?? ''}`]));
  return {
    bets: findValueBets(candidates, { minExpectedValue: threshold, method }).map((b) => ({
      ...b,
      match: names.get(b.eventId),
    })),
    unmatched,
    assumptions: {
      threshold,
      method,
      prices:
        "best 1X2 price per outcome across the bookmakers in the feed (exchanges after commission); market = average of every bookmaker's de-margined book",
    },
  };
}

export interface SportsBacktestOptions extends RollingEvaluationOptions {
  /** Forecaster picking the value bets (default dixon-coles). */
  model?: EvaluationModel;
  threshold?: number;
  limits?: Partial<StakingLimits>;
  bootstrapResamples?: number;
  seed?: number;
}

export interface SportsBacktest {
  evaluation: Omit<RollingEvaluation, 'forecasts'>;
  backtest: ValueBacktest;
  /** Plain statements: does any model beat the market, is the ROI distinguishable from zero. */
  verdict: string[];
}

/** The rolling evaluation, then the value-betting backtest on its forecasts, with a plain verdict. */
export function sportsBacktest(options: SportsBacktestOptions = {}): SportsBacktest {
  const evaluation = rollingEvaluation(options);
  const backtest = valueBacktest(evaluation.forecasts, {
    model: options.model ?? 'dixon-coles',
    threshold: options.threshold,
    limits: options.limits,
    bootstrapResamples: options.bootstrapResamples,
    seed: options.seed,
  });
  const { forecasts: _forecasts, ...summary } = evaluation;
  return { evaluation: summary, backtest, verdict: verdictOf(evaluation, backtest) };
}

function verdictOf(evaluation: RollingEvaluation, backtest: ValueBacktest): string[] {
  const markets = evaluation.rows.filter((r) => r.kind === 'market');
  const models = evaluation.rows.filter((r) => r.kind === 'model');
  const out: string[] = [];
  if (markets.length > 0 && models.length > 0) {
    const bestMarket = markets.reduce((a, b) => (b.rps < a.rps ? b : a));
    const bestModel = models.reduce((a, b) => (b.rps < a.rps ? b : a));
    const beats = models.filter((m) => m.rps < bestMarket.rps && m.logLoss < bestMarket.logLoss);
    out.push(
      beats.length === 0
        ? `No model beats the market: the best model (${bestModel.name}, RPS ${bestModel.rps.toFixed(4)}) is worse than the de-margined prices (${bestMarket.name}, RPS ${bestMarket.rps.toFixed(4)}), averaged over the ${bestMarket.matches} matches scored.`
        : `${beats.map((m) => m.name).join(', ')} beat${beats.length === 1 ? 's' : ''} the best market forecast (${bestMarket.name}) on RPS and log loss.`,
    );
  }
  for (const r of backtest.results) {
    const [lo, hi] = r.roiInterval;
    const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
    const significance =
      r.bets === 0
        ? 'no bets'
        : hi < 0
          ? 'a loss distinguishable from zero'
          : lo > 0
            ? 'a profit distinguishable from zero'
            : 'not distinguishable from zero';
    out.push(
      `${r.plan} staking on ${backtest.model} value bets: ROI ${pct(r.roi)} over ${r.bets} bets, 95% interval ${pct(lo)} to ${pct(hi)}: ${significance}.`,
    );
  }
  return out;
}

export interface ScoreSettlement {
  settled: EventSettlement[];
  /** Completed events with open bets that could not be settled, and why. */
  skipped: { eventId: string; reason: string }[];
}

/**
 * Settle the ledger's open bets from feed scores: every completed event with a final score and open bets
 * is settled once (events still running, or without bets, are left alone).
 */
export function settleFromScores(ledger: BetLedger, scores: readonly ScoreEvent[]): ScoreSettlement {
  const open = new Set(ledger.listBets({ status: 'open' }).map((b) => b.eventId));
  const out: ScoreSettlement = { settled: [], skipped: [] };
  for (const event of scores) {
    if (!open.has(event.id) || !event.completed) continue;
    if (!event.score) {
      out.skipped.push({ eventId: event.id, reason: 'completed without a final score in the feed' });
      continue;
    }
    try {
      out.settled.push(ledger.settleEvent(event.id, event.score));
    } catch (error) {
      out.skipped.push({ eventId: event.id, reason: (error as Error).message });
    }
  }
  return out;
}
