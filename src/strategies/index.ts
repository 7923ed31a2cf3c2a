export type { AdaptiveDecision, AdaptiveParams, AdaptiveSkillSpec, PriorOutcome } from './adaptive.js';
export { AdaptiveStrategy, adaptiveParams } from './adaptive.js';
export type { ExposureSignal } from './base.js';
export { ExposureStrategy, isExposureSignal, signalFromChange } from './base.js';
export { checkRequiredColumns, seriesHasColumn } from './columns.js';
export type { EnhancedMomentumParams } from './enhanced-momentum.js';
export { EnhancedMomentumStrategy, enhancedMomentumParams } from './enhanced-momentum.js';
export type { EnsembleMember, EnsembleMemberSpec, EnsembleParams } from './ensemble.js';
export { EnsembleStrategy, ensembleParams } from './ensemble.js';
export type { BarReader, SignalColumns, SignalData } from './input.js';
export { SeriesCursor, toSignalColumns } from './input.js';
export type { MeanReversionParams } from './mean-reversion.js';
export { MeanReversionStrategy, meanReversionParams } from './mean-reversion.js';
export type { MirrorParams, MirrorTarget, MirrorTrade } from './mirror.js';
export { MirrorStrategy, mirrorParams, mirrorSymbols } from './mirror.js';
export type { MomentumParams } from './momentum.js';
export { MomentumStrategy, momentumParams } from './momentum.js';
export type { PairsOptions, PairsParams } from './pairs.js';
export { PairsStrategy, pairsParams } from './pairs.js';
// Prefixed aliases: these generic names would otherwise collide in the package's root export.
export type {
  ParamGrid as StrategyParamGrid,
  ParamSpec as StrategyParamSpec,
  ParamType as StrategyParamType,
} from './params.js';
export { paramsSchema as strategyParamsSchema } from './params.js';
export type {
  ParamRange as StrategyParamRange,
  RegisteredStrategy,
  StrategyDefinition,
  StrategyFactory,
} from './registry.js';
export {
  createStrategy,
  defineStrategy,
  getStrategyDefinition,
  listStrategies,
  parseStrategyParams,
  registerStrategy,
  strategyParamSpace,
} from './registry.js';
export type { SmaCrossoverParams } from './sma-crossover.js';
export { SmaCrossoverStrategy, smaCrossoverParams } from './sma-crossover.js';
export type {
  BarColumn,
  ColumnRequirement,
  PortfolioView,
  Signal,
  SignalGenerator,
  Strategy,
  StrategyContext,
  StrategyOrder,
} from './types.js';
