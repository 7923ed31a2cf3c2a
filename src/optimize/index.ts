export type { OptimizationMetric, OptimizeInput, OptimizeResult, RankedTrial } from './optimizer.js';
export {
  metricDirection,
  OPTIMIZATION_METRICS,
  optimizeStrategy,
  rankTrials,
  validateMetric,
} from './optimizer.js';
export { defaultWorkerCount, shutdownWorkerPool, workerPoolSize } from './pool.js';
export type { QueuedSweep, SweepSettings, TrialQueue } from './queue.js';
export type { NumericRange, ParamDimension, ParamSet, ParamSpace, ParamValue } from './space.js';
export {
  dimensionValues,
  gridCombinations,
  parseDimension,
  parseSpace,
  randomCombinations,
} from './space.js';
export type { PlainBacktestOptions, Trial } from './trial.js';
export type { WalkForwardInput, WalkForwardResult, WalkForwardWindow } from './walk-forward.js';
export { walkForward, walkForwardWindows } from './walk-forward.js';
