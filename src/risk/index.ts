// Public surface of src/risk: VaR/CVaR, sizing, dependence, stress tests, limits and circuit breakers.

export {
  inverseNormalCdf,
  normalCdf as standardNormalCdf,
  normalPdf as standardNormalPdf,
} from '../core/normal.js';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerTrip,
  type TripReason,
} from './circuit-breaker.js';
export {
  beta as calculateBeta,
  correlationFromCovariance,
  correlationMatrix,
  covarianceMatrix,
  ledoitWolfCovariance,
  type RiskContribution,
  riskContributions,
  type ShrunkCovariance,
} from './dependence.js';
export {
  checkConfidence,
  DEFAULT_MIN_OBSERVATIONS,
  INTRADAY_RETURNS,
  type IntradayReturns,
  type PreparedPortfolio,
  type PrepareOptions,
  type PriceHistory,
  preparePortfolio,
  type ReturnBasis,
  type RiskPortfolio,
  type RiskPosition,
} from './inputs.js';
export {
  type BinaryKellyInput,
  type BinaryKellyResult,
  calculatePositionSize,
  type HistoryKellyOptions,
  type HistoryKellyResult,
  kellyCriterion,
  kellyCriterionBinary,
  kellyCriterionContinuous,
  kellyCriterionMultiAsset,
  kellyFromHistory,
  type MultiAssetKellyOptions,
  type MultiAssetKellyResult,
} from './kelly.js';
export {
  checkRiskLimits,
  currentDrawdown,
  type LimitPosition,
  type LimitSnapshot,
  type RiskLimitMeasures,
  type RiskLimitName,
  type RiskLimitReport,
  type RiskLimits,
  type RiskLimitViolation,
} from './limits.js';
export {
  cholesky,
  choleskySolve,
  type Eigendecomposition,
  jacobiEigen,
  matrixFromRows,
  matrixToRows,
  nearestPositiveDefinite,
  type PositiveDefiniteResult,
  type SymmetricMatrix,
} from './matrix.js';
export {
  type HistoryFetcher,
  type PortfolioFile,
  parsePortfolioFile,
  portfolioFileSchema,
  type ResolvedPortfolio,
  readPortfolioFile,
  resolvePortfolioFile,
} from './portfolio-file.js';
export { type PreTradeLimits, riskLimitsCheck } from './pre-trade.js';
export {
  DEFAULT_RISK_LIMITS,
  holdingsValueHistory,
  type RiskReport,
  type RiskReportOptions,
  riskReport,
} from './report.js';
export { HISTORICAL_SCENARIOS, type HistoricalScenario } from './scenarios.js';
export { type MonteCarloDistribution, simulateCorrelatedReturns } from './simulation.js';
export {
  betasToProxy,
  type HistoricalStressOptions,
  type HypotheticalStressOptions,
  historicalStressTests,
  hypotheticalStressTests,
  type ScenarioPositionResult,
  type SeriesLoader,
  type StressResult,
  stressValueWarning,
  windowReturn as scenarioWindowReturn,
} from './stress.js';
export { summarizeTail, type TailSummary, tailCount } from './tail.js';
export {
  calculateCVaR,
  calculateVaR,
  calculateVar,
  cornishFisherMonotone,
  cornishFisherQuantile,
  cornishFisherTailMean,
  portfolioCovariance,
  VAR_METHODS,
  type VarContribution,
  VarMethod,
  type VarOptions,
  type VarResult,
  varOfPrepared,
} from './var.js';
