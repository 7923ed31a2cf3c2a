import type { Command } from 'commander';
import { register as registerBacktest } from './backtest.js';
import { register as registerConfig } from './config.js';
import { register as registerData } from './data.js';
import { register as registerExecution } from './execution.js';
import { register as registerMcp } from './mcp.js';
import { register as registerNeural } from './neural.js';
import { register as registerOptimize } from './optimize.js';
import { register as registerPortfolio } from './portfolio.js';
import { register as registerRisk } from './risk.js';
import { register as registerStrategies } from './strategies.js';

/** Every capability contributes its commands from its own module. */
export function registerCommands(program: Command): void {
  registerData(program);
  registerStrategies(program);
  registerBacktest(program);
  registerOptimize(program);
  registerExecution(program);
  registerPortfolio(program);
  registerRisk(program);
  registerNeural(program);
  registerMcp(program);
  registerConfig(program);
}
