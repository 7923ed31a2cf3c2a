import { describeAssumptions } from '../backtest/assumptions.js';
import type { Config } from '../core/config.js';
import { ValidationError } from '../core/errors.js';
import { strategyParamsFromFlags } from '../core/strategy-params.js';
import { formatTimestamp } from '../core/time.js';
import { fetchMarketData } from '../data/index.js';
import {
  type OptimizeResult,
  optimizeStrategy,
  type ParamDimension,
  parseSpace,
  validateMetric,
  type WalkForwardResult,
  walkForward,
} from '../optimize/index.js';
import { getStrategyDefinition, strategyParamSpace } from '../strategies/registry.js';
import { printWarnings, symbolsFlag } from './flags.js';
import { type Cell, printJson, printTable, writeJsonFile } from './output.js';
import { createProgress, type Progress } from './progress.js';
import { openQueue, queueReporter, queueUrlFromFlag } from './queue-mode.js';

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new ValidationError(`${flag}: expected a whole number >= 1, got "${value}"`, { field: flag });
  }
  return n;
}

function finiteNumber(
  value: string,
  flag: string,
  valid: (n: number) => boolean = () => true,
  expected = 'a number',
): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !valid(n))
    throw new ValidationError(`${flag}: expected ${expected}, got "${value}"`, { field: flag });
  return n;
}

/** The search space from --range flags, or the strategy's own default space. */
function resolveSpace(strategy: string, ranges: readonly string[]): Record<string, ParamDimension> {
  if (ranges.length > 0) return parseSpace(ranges);
  const space: Record<string, ParamDimension> = {};
  for (const range of strategyParamSpace(strategy)) {
    space[range.name] = {
      min: range.min,
      max: range.max,
      step: range.step,
      integer: range.type === 'integer',
    };
  }
  if (Object.keys(space).length === 0) {
    throw new ValidationError(`${strategy} has no numeric parameters to optimise by default`, {
      hint: 'give the values to try with --range name=min:max:step',
    });
  }
  return space;
}

/** The flags of `neural-trader optimize` (declared in commands/optimize.ts). */
export interface OptimizeFlags {
  strategy?: string;
  symbols?: string[];
  start?: string;
  end?: string;
  range?: string[];
  param?: string[];
  paramsFile?: string;
  method: string;
  samples: string;
  seed: string;
  metric: string;
  workers?: string;
  capital: string;
  commission: string;
  slippage: string;
  marginRate?: string;
  borrowFee?: string;
  provider: string;
  walkForward?: boolean;
  inSample: string;
  outOfSample: string;
  anchored?: boolean;
  top: string;
  json?: boolean;
  output?: string;
  queue?: string | boolean;
  resume?: string;
}

export async function runOptimizeCommand(flags: OptimizeFlags, config: Config): Promise<void> {
  if (flags.resume !== undefined) {
    return resumeOptimizeCommand(flags, queueUrlFromFlag(flags.queue, config));
  }
  if (flags.strategy === undefined || flags.symbols === undefined) {
    const missing = flags.strategy === undefined ? '--strategy' : '--symbols';
    throw new ValidationError(`${missing} is required`, {
      field: missing,
      hint: 'give --strategy NAME --symbols SYMBOL..., or --resume SWEEP_ID --queue URL to finish a queue sweep',
    });
  }
  const queueUrl = queueUrlFromFlag(flags.queue, config);
  if (queueUrl && flags.workers !== undefined) {
    printWarnings(['--workers is ignored with --queue: each worker sets its own --concurrency']);
  }
  const strategy = flags.strategy;
  getStrategyDefinition(strategy);
  const metric = validateMetric(flags.metric);
  if (flags.method !== 'grid' && flags.method !== 'random') {
    throw new ValidationError(`--method: unknown "${flags.method}"`, {
      field: 'method',
      hint: 'use grid or random',
    });
  }
  // Output flags are checked before the (possibly long) run, not after it.
  const top = positiveInt(flags.top, '--top');
  const space = resolveSpace(strategy, flags.range ?? []);
  const fixedParams = strategyParamsFromFlags(flags.param, flags.paramsFile);
  const series = [];
  for (const symbol of symbolsFlag(flags.symbols)) {
    series.push(await fetchMarketData(symbol, flags.start, flags.end, flags.provider as 'sample'));
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  // The total is known only once the space is expanded, so the bar is created on the first report.
  let progress: Progress | undefined;
  const label = flags.walkForward ? 'walk-forward' : 'optimise';
  // On a queue, the bar shows the rate and failures too, and the sweep's events are printed as lines.
  const reporter = queueUrl ? queueReporter(label) : undefined;
  const onProgress = (done: number, total: number) => {
    if (reporter) return reporter.onProgress(done, total);
    progress ??= createProgress(label, total);
    progress.update(done);
  };
  const queue = queueUrl ? await openQueue(queueUrl, { onEvent: reporter?.onEvent }) : undefined;
  const common = {
    strategy,
    series,
    fixedParams,
    space,
    method: flags.method,
    samples: positiveInt(flags.samples, '--samples'),
    seed: finiteNumber(flags.seed, '--seed'),
    metric,
    workers: flags.workers === undefined ? undefined : positiveInt(flags.workers, '--workers'),
    backtestOptions: {
      // Checked here, once, so a bad value is one error line instead of every trial failing.
      initialCapital: finiteNumber(flags.capital, '--capital', (n) => n > 0, 'a number > 0'),
      commission: finiteNumber(
        flags.commission,
        '--commission',
        (n) => n >= 0 && n < 1,
        'a rate in [0, 1), e.g. 0.001',
      ),
      slippageBps: finiteNumber(
        flags.slippage,
        '--slippage',
        (n) => n >= 0 && n <= 10_000,
        'basis points in [0, 10000]',
      ),
      marginInterestRate:
        flags.marginRate === undefined
          ? undefined
          : finiteNumber(
              flags.marginRate,
              '--margin-rate',
              (n) => n >= 0 && n <= 1,
              'an annual rate in [0, 1]',
            ),
      borrowFeeRate:
        flags.borrowFee === undefined
          ? undefined
          : finiteNumber(
              flags.borrowFee,
              '--borrow-fee',
              (n) => n >= 0 && n <= 1,
              'an annual rate in [0, 1]',
            ),
    },
    dataSource: flags.provider,
    signal: controller.signal,
    onProgress,
    queue,
  } as const;
  try {
    if (flags.walkForward) {
      const result = await walkForward({
        ...common,
        onProgress,
        inSampleBars: positiveInt(flags.inSample, '--in-sample'),
        outOfSampleBars: positiveInt(flags.outOfSample, '--out-of-sample'),
        anchored: Boolean(flags.anchored),
      });
      progress?.finish();
      reporter?.finish();
      if (flags.output) writeJsonFile(flags.output, result);
      if (flags.json) printJson(result);
      else printWalkForward(result);
    } else {
      const result = await optimizeStrategy({ ...common, onProgress });
      progress?.finish();
      reporter?.finish();
      refuseAllFailed(result);
      if (flags.output) writeJsonFile(flags.output, result);
      if (flags.json) printJson(result);
      else printOptimization(result, top);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Every parameter set failed: the request, not the market, is wrong; one error line, non-zero exit. */
function refuseAllFailed(result: OptimizeResult): void {
  const failed = result.trials.filter((t) => t.error);
  if (failed.length === 0 || failed.length < result.trials.length) return;
  throw new ValidationError(
    `every one of the ${failed.length} parameter sets failed; the first: ${failed[0].error}`,
    {
      hint: 'check the --range and --param values against `npx neural-trader strategies info NAME`',
    },
  );
}

/** `optimize --resume ID --queue URL`: the sweep is rebuilt from Redis; the output is the original run's. */
async function resumeOptimizeCommand(flags: OptimizeFlags, queueUrl: string | undefined): Promise<void> {
  if (!queueUrl) {
    throw new ValidationError('--resume needs --queue: the Redis URL the sweep was started on', {
      field: 'queue',
      hint: 'e.g. --resume sw-3f9a2c1d0b7e --queue redis://127.0.0.1:6379',
    });
  }
  const top = positiveInt(flags.top, '--top');
  const ignored = (['strategy', 'symbols', 'range', 'param', 'walkForward'] as const).filter(
    (name) => flags[name] !== undefined,
  );
  if (ignored.length > 0) {
    printWarnings([
      `--resume rebuilds the sweep from Redis; ${ignored.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} ignored`,
    ]);
  }
  const { parseQueueUrl, parseSweepId, resumeSweep } = await import('../distributed/index.js');
  parseQueueUrl(queueUrl, '--queue');
  const sweepId = parseSweepId(flags.resume as string, '--resume');
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const reporter = queueReporter('resume');
  try {
    const resumed = await resumeSweep({
      queue: queueUrl,
      sweepId,
      onEvent: reporter.onEvent,
      onProgress: reporter.onProgress,
      signal: controller.signal,
    });
    reporter.finish();
    if (flags.output) writeJsonFile(flags.output, resumed.result);
    if (flags.json) printJson(resumed.result);
    else if (resumed.kind === 'walk-forward') printWalkForward(resumed.result);
    else printOptimization(resumed.result, top);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function paramText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** Metrics that are fractions of capital (printed as percents in tables). */
const FRACTION_METRICS = new Set(['totalReturn', 'annualizedReturn', 'maxDrawdown', 'winRate']);

function printOptimization(result: OptimizeResult, top: number): void {
  process.stdout.write(
    `${result.strategy} on ${result.symbols.join('/')} ${formatTimestamp(result.start)}..${formatTimestamp(result.end)} ` +
      `(${result.bars} bars): ${result.trials.length} parameter sets, ${result.method} search, ` +
      `${result.workers} worker(s), ${result.elapsedMs.toFixed(0)} ms; ranked by ${result.metric}\n\n`,
  );
  // Returns and drawdowns are printed as percents (labelled %), ratios as plain numbers.
  const asPercent = FRACTION_METRICS.has(result.metric);
  const scoreColumn = asPercent ? `${result.metric} %` : result.metric;
  const percent = (x: number | undefined) => (x === undefined ? undefined : x * 100);
  const rows: Record<string, Cell>[] = result.trials.slice(0, top).map((t) => ({
    rank: t.rank,
    params: paramText(t.params),
    [scoreColumn]: asPercent ? percent(t.score) : t.score,
    ...(result.metric === 'totalReturn' ? {} : { 'return %': percent(t.metrics?.totalReturn) }),
    ...(result.metric === 'sharpeRatio' ? {} : { sharpe: t.metrics?.sharpeRatio }),
    ...(result.metric === 'maxDrawdown' ? {} : { 'max DD %': percent(t.metrics?.maxDrawdown) }),
    trades: t.metrics?.tradeCount,
    ...(t.error ? { error: t.error } : {}),
  }));
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  printTable(rows, columns);
  const failed = result.trials.filter((t) => t.error).length;
  if (failed > 0)
    process.stdout.write(
      `\n${failed} parameter set(s) failed (invalid combination); see --json for reasons\n`,
    );
  process.stdout.write(`\n${describeAssumptions(result.assumptions)}\n`);
}

function printWalkForward(result: WalkForwardResult): void {
  process.stdout.write(
    `walk-forward ${result.strategy} on ${result.symbols.join('/')}: ${result.windows.length} windows, ` +
      `${result.trialsRun} backtests, ${result.workers} worker(s), ${result.elapsedMs.toFixed(0)} ms\n\n`,
  );
  printTable(
    result.windows.map((w) => ({
      inSample: `${formatTimestamp(w.inSample.start)}..${formatTimestamp(w.inSample.end)}`,
      outOfSample: `${formatTimestamp(w.outOfSample.start)}..${formatTimestamp(w.outOfSample.end)}`,
      best: paramText(w.bestParams),
      [`IS ${result.metric}`]: w.inSampleScore,
      [`OOS ${result.metric}`]: w.outOfSampleScore,
      'OOS return %': w.outOfSampleReturn * 100,
    })),
  );
  const verdict = !Number.isFinite(result.efficiency)
    ? 'efficiency undefined (in-sample score is zero or missing)'
    : result.efficiency >= 0.5
      ? 'out-of-sample results hold up reasonably against in-sample ones'
      : 'out-of-sample results fall well short of in-sample ones: the optimisation is likely over-fitting';
  process.stdout.write(
    `\nstitched out-of-sample: total return ${(result.outOfSample.totalReturn * 100).toFixed(2)}%, ` +
      `Sharpe ${result.outOfSample.sharpeRatio.toFixed(2)}, max drawdown ${(result.outOfSample.maxDrawdown * 100).toFixed(2)}%\n` +
      `mean ${result.metric}: in-sample ${result.meanInSampleScore.toFixed(3)}, out-of-sample ${result.meanOutOfSampleScore.toFixed(3)}; ` +
      `efficiency ${Number.isFinite(result.efficiency) ? result.efficiency.toFixed(2) : 'n/a'}: ${verdict}\n` +
      `\n${describeAssumptions(result.assumptions)}\n`,
  );
}
