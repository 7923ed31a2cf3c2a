export type { PortfolioMetrics, Position, RebalanceOptions } from './portfolio.js';
export { maxDrawdownOfCurve, Portfolio, sharpeOfCurve } from './portfolio.js';
