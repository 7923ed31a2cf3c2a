/**
 * neural-trader: the library entry. Each capability's public surface lives in its folder's index.ts.
 */

export * from './backtest/index.js';
export * from './core/index.js';
export * from './data/index.js';
export * from './distributed/index.js';
export * from './execution/index.js';
export * from './indicators/index.js';
export * from './mcp/index.js';
export * from './memory/index.js';
export * from './neural/index.js';
export * from './optimize/index.js';
export * from './portfolio/index.js';
export * from './report/index.js';
export * from './risk/index.js';
export * from './sports/index.js';
export * from './strategies/index.js';
export * from './syndicate/index.js';
