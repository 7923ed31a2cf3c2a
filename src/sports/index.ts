// Public surface of src/sports: odds maths, arbitrage and value, staking, goals models and their
// evaluation against the market, The Odds API feed and the bet ledger.
export {
  type ArbitrageEvent,
  type ArbitrageLeg,
  type ArbitrageOpportunity,
  type ArbitrageStakes,
  arbitrageStakes,
  type BookmakerQuote,
  exactEffectiveOdds,
  type FindArbitrageOptions,
  findArbitrage,
} from './arbitrage.js';
export { bookmakerTitle, isExchange, KNOWN_BOOKMAKERS, parseBookmaker } from './bookmakers.js';
export {
  BUNDLED_SOCCER_SOURCE,
  bundledSoccerFile,
  type LoadSoccerOptions,
  loadSoccerMatches,
  parseSoccerCsv,
  type SoccerMatch,
} from './data.js';
export * from './defaults.js';
export {
  EVALUATION_MODELS,
  type EvaluationModel,
  type EvaluationRow,
  type MatchForecast,
  type RollingEvaluation,
  type RollingEvaluationOptions,
  rollingEvaluation,
} from './evaluation.js';
export {
  type BackLayPosition,
  effectiveBackOdds,
  effectiveLayOdds,
  hedgeBackWithLay,
  layLiability,
} from './exchange.js';
export {
  arbitrageEventsFromFeed,
  type FeedMarketOptions,
  type FeedValueCandidates,
  matchTeam,
  normaliseTeamName,
  valueCandidatesFromFeed,
} from './feed-markets.js';
export {
  type FitGoalsOptions,
  fitGoalsModel,
  type GoalsMatch,
  GoalsModel,
  type GoalsModelData,
  type GoalsModelKind,
  type TeamRating,
} from './goals/dixon-coles.js';
export {
  type EloOptions,
  EloRatings,
  fitOrderedLogit,
  type OrderedLogit,
  orderedLogitProbabilities,
} from './goals/elo.js';
export {
  DEFAULT_MAX_GOALS,
  dixonColesMatrix,
  fairOddsOfResults,
  type MatchOutcomeProbabilities,
  poissonProbabilities,
  type ResultProbabilities,
  ScoreMatrix,
} from './goals/score-matrix.js';
export {
  type FitLeagueOptions,
  type FittedLeagueModel,
  fitLeagueModel,
  type GoalsModelFile,
  leagueEloTable,
  loadGoalsModel,
  type MatchPrediction,
  modelPath,
  predictMatch,
  saveGoalsModel,
} from './league-model.js';
export {
  type AccountStatus,
  BET_STATUSES,
  type Bet,
  BetLedger,
  type BetLedgerOptions,
  type BetStatus,
  betOddsText,
  betPayout,
  defaultLedgerPath,
  type EventSettlement,
  PERFORMANCE_GROUPS,
  type PerformanceGroup,
  type PerformanceRow,
  type PlaceBetRequest,
  type PlaceBetResult,
  type SettledStatus,
  type SettleOptions,
} from './ledger.js';
export {
  type DemarginedMarket,
  MARGIN_METHODS,
  type MarginMethod,
  overround,
  parseMarginMethod,
  removeMargin,
  shinProbability,
} from './margin.js';
export {
  brierScore,
  type ForecastScores,
  logLoss,
  rankedProbabilityScore,
  ScoreAccumulator,
} from './metrics.js';
export {
  convertOdds,
  decimalOddsValue,
  formatAmericanOdds,
  formatDecimalOdds,
  formatFractionalOdds,
  formatOdds,
  grossReturn,
  impliedProbability,
  isExactDecimal,
  ODDS_FORMATS,
  type Odds,
  type OddsConversion,
  type OddsFormat,
  oddsFromRatio,
  parseAmericanOdds,
  parseDecimalOdds,
  parseFractionalOdds,
  parseOdds,
  probabilityValue,
  toAmericanOdds,
} from './odds.js';
export {
  type BookmakerPrices,
  type HistoricalOdds,
  type MarketPrices,
  ODDS_API_REGIONS,
  OddsApiClient,
  type OddsApiClientOptions,
  type OddsApiRegion,
  type OddsApiResult,
  type OddsEvent,
  type OddsQuery,
  type OddsQuota,
  type OutcomePrice,
  type ScoreEvent,
  type Sport,
  type SportEvent,
} from './odds-api.js';
export { defaultOddsCachePath, OddsCache } from './odds-cache.js';
export {
  BET_MARKETS,
  type BetMarket,
  type BetSelection,
  checkSelection,
  isQuarterLine,
  parseBetMarket,
  returnPerUnit,
  type Score,
  type ScoreResult,
  settleSelection,
} from './settlement.js';
export { type SimulatedLeague, type SimulatedLeagueOptions, simulateLeague } from './simulate.js';
export {
  type BetPrice,
  checkStakingLimits,
  growthExclusive,
  type KellyAllocation,
  kellyFraction,
  kellyIndependent,
  kellyMutuallyExclusive,
  MAX_INDEPENDENT_BETS,
  type MutuallyExclusiveKelly,
  type PlannedStake,
  planStakes,
  type StakeEventInput,
  type StakePlan,
  type StakingLimits,
} from './staking.js';
export {
  type ClosingLineValue,
  closingLineValue,
  expectedValue,
  expectedValueOfOutcomes,
  type FindValueBetsOptions,
  findValueBets,
  type PricedOutcome,
  type ValueBet,
  type ValueBetCandidate,
} from './value.js';
export {
  type StakingPlanName,
  type StakingResult,
  type ValueBacktest,
  type ValueBacktestOptions,
  valueBacktest,
} from './value-backtest.js';
