// Technical indicators: each with a streaming class (O(1) `update`, `value`, `isReady`, `reset`) and a
// batch function over Float64Arrays (same length as the input, NaN during warm-up).
export type { CachedIndicator, IndicatorSource, SignalInput } from './cache.js';
export {
  CACHED_INDICATORS,
  computeSignalInput,
  IndicatorCache,
  indicatorCache,
  signalInputKey,
  uncachedIndicators,
} from './cache.js';
export type { AdxResult } from './directional.js';
export { Adx, Atr, adx, atr, trueRange, trueRangeOf } from './directional.js';
export type { DonchianResult } from './extremes.js';
export { DonchianChannel, donchian, RollingMax, RollingMin, rollingMax, rollingMin } from './extremes.js';
export type { MacdResult } from './macd.js';
export { Macd, macd } from './macd.js';
export { Roc, roc } from './momentum.js';
export { Ema, ema, Sma, sma, WilderAverage, Wma, wilderAverage, wma } from './moving-averages.js';
export type { RollingOlsResult } from './regression.js';
export { RollingOls, rollingOls } from './regression.js';
export { Rsi, rsi } from './rsi.js';
export type { BollingerResult, Ddof } from './statistics.js';
export { BollingerBands, bollingerBands, RollingStd, rollingStd, ZScore, zScore } from './statistics.js';
export type { StochasticResult } from './stochastic.js';
export { Stochastic, stochastic } from './stochastic.js';
export { Obv, obv, RollingVwap, rollingVwap, Vwap, vwap } from './volume.js';
