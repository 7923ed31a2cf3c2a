import { Backtester } from '../backtest/backtester.js';
import type { BacktestResult } from '../backtest/types.js';
import { ValidationError } from '../core/errors.js';
import { fetchMarketData } from '../data/registry.js';
import { DEFAULT_ADAPTIVE_SKILLS } from '../strategies/adaptive.js';
import { createStrategy } from '../strategies/registry.js';

/**
 * Walk-forward experiment: does the adaptive selector beat the best single skill chosen in-sample,
 * after costs?
 *
 * For each symbol, every candidate skill and the adaptive strategy (choosing among the same skills) are
 * backtested once over the whole history with the backtester's default commission and slippage. All are
 * causal, so one run gives every fold: the history is cut into a training window of `trainBars` followed
 * by a test window of `testBars`, rolled forward by `testBars`. For each fold the single skill with the
 * best Sharpe ratio on the training window is "the best single strategy chosen in-sample"; its return on
 * the test window is compared with the adaptive strategy's on the same bars (the adaptive strategy has
 * learned only from outcomes known before each of its decisions). Buy-and-hold and the best skill in
 * hindsight (chosen on the test window itself: not achievable) are shown for scale.
 */
export interface ExperimentOptions {
  symbols: string[];
  provider?: string;
  start?: string;
  end?: string;
  trainBars?: number;
  testBars?: number;
  skills?: { name: string; params?: Record<string, unknown> }[];
  /** Parameters of the adaptive strategy besides its skills. */
  adaptive?: Record<string, unknown>;
  /** Costs of every backtest (default: the backtester's defaults). */
  commission?: number;
  slippageBps?: number;
}

export interface FoldResult {
  symbol: string;
  trainStart: number;
  testStart: number;
  testEnd: number;
  chosenInSample: string;
  adaptiveReturn: number;
  bestInSampleReturn: number;
  buyAndHoldReturn: number;
  hindsightReturn: number;
}

export interface ExperimentResult {
  folds: FoldResult[];
  summary: {
    folds: number;
    adaptiveWins: number;
    /** Mean test-window return (fraction) of each contender. */
    meanAdaptive: number;
    meanBestInSample: number;
    meanBuyAndHold: number;
    meanHindsight: number;
    /** Annualised Sharpe of the concatenated daily test-window returns. */
    sharpeAdaptive: number;
    sharpeBestInSample: number;
  };
  skills: string[];
  assumptions: BacktestResult['assumptions'];
}

const label = (s: { name: string; params?: Record<string, unknown> }) =>
  `${s.name}(${Object.entries(s.params ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',')})`;

function dailyReturns(equity: Float64Array, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from + 1; i <= to; i++) out.push(equity[i] / equity[i - 1] - 1);
  return out;
}

function sharpe(returns: number[]): number {
  if (returns.length < 2) return Number.NaN;
  const m = returns.reduce((a, b) => a + b, 0) / returns.length;
  const v = returns.reduce((a, r) => a + (r - m) ** 2, 0) / (returns.length - 1);
  return v > 0 ? (m / Math.sqrt(v)) * Math.sqrt(252) : Number.NaN;
}

export async function walkForwardAdaptive(options: ExperimentOptions): Promise<ExperimentResult> {
  const trainBars = options.trainBars ?? 756;
  const testBars = options.testBars ?? 252;
  if (!Number.isInteger(trainBars) || trainBars < 130 || !Number.isInteger(testBars) || testBars < 20) {
    throw new ValidationError('trainBars must be a whole number >= 130 and testBars >= 20', {
      field: 'trainBars',
    });
  }
  const skills = options.skills ?? DEFAULT_ADAPTIVE_SKILLS;
  const folds: FoldResult[] = [];
  const adaptiveDaily: number[] = [];
  const bestDaily: number[] = [];
  let assumptions: BacktestResult['assumptions'] | undefined;
  for (const symbol of options.symbols) {
    const bars = await fetchMarketData(symbol, options.start, options.end, options.provider ?? 'sample');
    const run = async (name: string, params: Record<string, unknown>) =>
      new Backtester(createStrategy(name, { ...params, symbols: [bars.symbol] }), {
        commission: options.commission,
        slippageBps: options.slippageBps,
      })
        .setData(bars)
        .run();
    const skillRuns: BacktestResult[] = [];
    for (const skill of skills) skillRuns.push(await run(skill.name, skill.params ?? {}));
    const adaptiveRun = await run('adaptive', { ...(options.adaptive ?? {}), skills });
    assumptions ??= adaptiveRun.assumptions;
    const n = adaptiveRun.equity.length;
    for (let trainStart = 0; trainStart + trainBars + testBars <= n; trainStart += testBars) {
      const testStart = trainStart + trainBars;
      const testEnd = testStart + testBars - 1;
      const ret = (r: BacktestResult) => r.equity[testEnd] / r.equity[testStart] - 1;
      const trainSharpe = skillRuns.map((r) => {
        const s = sharpe(dailyReturns(r.equity, trainStart, testStart));
        return Number.isNaN(s) ? Number.NEGATIVE_INFINITY : s;
      });
      let best = 0;
      for (let j = 1; j < skills.length; j++) if (trainSharpe[j] > trainSharpe[best]) best = j;
      const closes = adaptiveRun.closes[bars.symbol];
      folds.push({
        symbol: bars.symbol,
        trainStart: adaptiveRun.timestamps[trainStart],
        testStart: adaptiveRun.timestamps[testStart],
        testEnd: adaptiveRun.timestamps[testEnd],
        chosenInSample: label(skills[best]),
        adaptiveReturn: ret(adaptiveRun),
        bestInSampleReturn: ret(skillRuns[best]),
        buyAndHoldReturn: closes[testEnd] / closes[testStart] - 1,
        hindsightReturn: Math.max(...skillRuns.map(ret)),
      });
      adaptiveDaily.push(...dailyReturns(adaptiveRun.equity, testStart, testEnd));
      bestDaily.push(...dailyReturns(skillRuns[best].equity, testStart, testEnd));
    }
  }
  if (folds.length === 0) {
    throw new ValidationError(`no fold fits: each needs ${trainBars + testBars} bars`, {
      field: 'trainBars',
      hint: 'use shorter windows or a longer history',
    });
  }
  const mean = (f: (x: FoldResult) => number) => folds.reduce((a, x) => a + f(x), 0) / folds.length;
  return {
    folds,
    summary: {
      folds: folds.length,
      adaptiveWins: folds.filter((f) => f.adaptiveReturn > f.bestInSampleReturn).length,
      meanAdaptive: mean((f) => f.adaptiveReturn),
      meanBestInSample: mean((f) => f.bestInSampleReturn),
      meanBuyAndHold: mean((f) => f.buyAndHoldReturn),
      meanHindsight: mean((f) => f.hindsightReturn),
      sharpeAdaptive: sharpe(adaptiveDaily),
      sharpeBestInSample: sharpe(bestDaily),
    },
    skills: skills.map(label),
    assumptions: assumptions as BacktestResult['assumptions'],
  };
}
