export { alignSeries, bucketStart, resampleSeries, resampleToTradingDays } from './bar-ops.js';
export type { Bar, BarRecord, BarSeriesColumns } from './bars.js';
export { BarSeries } from './bars.js';
export type { Annualisation, AnnualisationOptions, MarketCalendar } from './calendar.js';
export {
  annualisationOf,
  countTradingDays,
  inferCalendar,
  isIntraday,
  lastBarOfEachDay,
  MARKET_CALENDARS,
  MS_PER_YEAR,
  nominalPeriodsPerYear,
  parseMarketCalendar,
  timeframeOfSpacing,
  tradingDay,
  tradingDaysPerYear,
} from './calendar.js';
export type { Config, LoadConfigOptions } from './config.js';
export {
  ALPACA_DATA_URL,
  ALPACA_LIVE_URL,
  ALPACA_PAPER_URL,
  getConfig,
  isAlpacaLiveUrl,
  loadConfig,
  POLYGON_URL,
  redactedConfig,
  setConfig,
} from './config.js';
export {
  DEFAULT_ACCOUNT,
  DEFAULT_BORROW_FEE_RATE,
  DEFAULT_COMMISSION_RATE,
  DEFAULT_CURRENCY_CODE,
  DEFAULT_INITIAL_CAPITAL,
  DEFAULT_MARGIN_INTEREST_RATE,
  DEFAULT_MAX_LEVERAGE,
  DEFAULT_MAX_ORDER_NOTIONAL,
  DEFAULT_MAX_ORDER_QUANTITY,
  DEFAULT_MIN_ORDER_QUANTITY,
  DEFAULT_SLIPPAGE_BPS,
} from './defaults.js';
export type { ErrorCode, NeuralTraderErrorOptions } from './errors.js';
export {
  ConfigError,
  DataError,
  isNeuralTraderError,
  NeuralTraderError,
  ProviderError,
  ValidationError,
} from './errors.js';
export type { IdentifierOptions, StrictNumberOptions } from './inputs.js';
export {
  MAX_SYMBOL_LENGTH,
  normalizeSymbol,
  parseIdentifier,
  parseStrictNumber,
  parseSymbolList,
} from './inputs.js';
export type { KeyCase } from './json-view.js';
export { toJsonView } from './json-view.js';
export type { Logger, LogLevel } from './log.js';
export { createLogger, setLogLevel, setLogSink } from './log.js';
export type { Currency, MinorUnits, ParseMoneyOptions } from './money.js';
export { currency, formatMoney, parseMoney, splitByWeights, toMajor, USD } from './money.js';
export type { Fill, OrderRequest, PreTradeCheck, PreTradeContext, PreTradeRejection } from './orders.js';
export { OrderStatus, OrderType, Side, signedQuantity, TimeInForce } from './orders.js';
// Performance figures (drawdownCurve/drawdownStats and currentDrawdown are exported by backtest and risk).
export type { ReturnMoments } from './performance.js';
export {
  annualisedGrowth,
  annualisedRatio,
  maxDrawdown,
  returnMoments,
  safeRatio,
  sharpeRatio,
  simpleReturns,
  sortinoRatio,
} from './performance.js';
export { redact, registerSecret } from './redact.js';
export type { OpenDatabaseOptions, SqliteDatabase } from './sqlite.js';
export {
  damagedFileError,
  isBusyError,
  isCorruptionError,
  openDatabase,
  sqliteError,
  sqliteHeaderProblem,
} from './sqlite.js';
export { walProblem } from './sqlite-wal.js';
export {
  parseParamAssignments,
  parseParamValue,
  readParamsFile,
  strategyParamsFromFlags,
} from './strategy-params.js';
export type { DateBound, EpochMs } from './time.js';
export {
  allMidnightUtc,
  DATE_FORMS,
  formatDate,
  formatInstant,
  formatTimestamp,
  MS_PER_DAY,
  parseDate,
  parseDateBound,
  parseDateRange,
  timestampFormatter,
  tryParseDate,
  tryParseDateBound,
} from './time.js';
export type { Timeframe } from './timeframe.js';
export { parseTimeframe, TIMEFRAME_MS, TIMEFRAMES } from './timeframe.js';
