export type { BacktestAssumptions } from './assumptions.js';
export {
  assumptionsOf,
  backtestAssumptions,
  backtestWarnings,
  describeAssumptions,
  describeDataSource,
} from './assumptions.js';
export type { BacktestRunOptions } from './backtester.js';
export { Backtester, resolveRunOptions } from './backtester.js';
export { BacktestEngine, runBacktest } from './engine.js';
export type { BarPrices, CommissionModel } from './fill-models.js';
export {
  applySlippage,
  executionPrice,
  fixedCommission,
  maxAffordableQuantity,
  noCommission,
  percentCommission,
  perShareCommission,
  slippedFillPrice,
} from './fill-models.js';
export type { BacktestMetrics, CurveMetrics, TradeMetrics } from './metrics.js';
export {
  buyAndHoldCurve,
  curveMetrics,
  drawdownCurve,
  drawdownStats,
  periodsPerYearFor,
  tradeMetrics,
} from './metrics.js';
export { backtest } from './named.js';
export { resolveBacktestOptions, toCommissionModel } from './options.js';
export type { BacktestPresetName } from './presets.js';
export { getBacktestPreset, presets } from './presets.js';
export { RoundTripTracker } from './trades.js';
export type {
  BacktestCancellation,
  BacktestFill,
  BacktestOptions,
  BacktestRejection,
  BacktestResult,
  EquityObserver,
  OpenTrade,
  ResolvedBacktestOptions,
  RoundTripTrade,
} from './types.js';
