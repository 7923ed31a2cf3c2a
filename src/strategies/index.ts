export type {
  PortfolioView,
  Signal,
  SignalGenerator,
  Strategy,
  StrategyContext,
  StrategyOrder,
} from './types.js';
