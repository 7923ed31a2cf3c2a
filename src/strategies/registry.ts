import { ValidationError } from '../core/errors.js';
import { parseSymbolList } from '../core/inputs.js';
import { neuralTrendDefinition } from '../neural/neural-trend.js';
import { type AdaptiveSkillSpec, AdaptiveStrategy, adaptiveParams } from './adaptive.js';
import { isExposureSignal } from './base.js';
import {
  defineStrategy,
  type RegisteredStrategy,
  type StrategyDefinition,
  type StrategyFactory,
} from './definition.js';
import {
  type EnhancedMomentumParams,
  EnhancedMomentumStrategy,
  enhancedMomentumParams,
} from './enhanced-momentum.js';
import { type EnsembleMemberSpec, EnsembleStrategy, ensembleParams } from './ensemble.js';
import { type MeanReversionParams, MeanReversionStrategy, meanReversionParams } from './mean-reversion.js';
import { MirrorStrategy, mirrorParams, mirrorSymbols } from './mirror.js';
import { type MomentumParams, MomentumStrategy, momentumParams } from './momentum.js';
import { PairsStrategy, pairsParams } from './pairs.js';
import { gridValues, type ParamSpec, parseParams } from './params.js';
import { type SmaCrossoverParams, SmaCrossoverStrategy, smaCrossoverParams } from './sma-crossover.js';

export type { RegisteredStrategy, StrategyDefinition, StrategyFactory } from './definition.js';
export { defineStrategy };

const smaCrossover = defineStrategy({
  name: 'sma-crossover',
  description: 'Long when the fast SMA crosses above the slow SMA; flat (or short) on the cross below.',
  params: smaCrossoverParams,
  minSymbols: 1,
  maxSymbols: 1,
  create: ({ symbols, ...params }) =>
    new SmaCrossoverStrategy(symbols[0], params as Partial<SmaCrossoverParams>),
});

const momentum = defineStrategy({
  name: 'momentum',
  description: 'Long when the lookback return exceeds the threshold; flat (or short) below its negative.',
  params: momentumParams,
  minSymbols: 1,
  maxSymbols: 1,
  create: ({ symbols, ...params }) => new MomentumStrategy(symbols[0], params as Partial<MomentumParams>),
});

const enhancedMomentum = defineStrategy({
  name: 'enhanced-momentum',
  description: 'Momentum with a volatility cap, volatility-targeted sizing and a volume confirmation filter.',
  params: enhancedMomentumParams,
  minSymbols: 1,
  maxSymbols: 1,
  create: ({ symbols, ...params }) =>
    new EnhancedMomentumStrategy(symbols[0], params as Partial<EnhancedMomentumParams>),
});

const meanReversion = defineStrategy({
  name: 'mean-reversion',
  description:
    'Buy k standard deviations below the rolling mean (Bollinger or z-score), exit back at the mean.',
  params: meanReversionParams,
  minSymbols: 1,
  maxSymbols: 1,
  create: ({ symbols, ...params }) =>
    new MeanReversionStrategy(symbols[0], params as Partial<MeanReversionParams>),
});

const pairs = defineStrategy({
  name: 'pairs',
  description: 'Statistical arbitrage on two symbols: rolling OLS hedge ratio, trade the spread z-score.',
  params: pairsParams,
  minSymbols: 2,
  maxSymbols: 2,
  create: ({ symbols, lookback, entryThreshold, ...options }) =>
    new PairsStrategy(symbols, lookback as number, entryThreshold as number, options),
});

const ensemble = defineStrategy({
  name: 'ensemble',
  description: 'Weighted vote of single-symbol member strategies (given by name and params).',
  params: ensembleParams,
  minSymbols: 1,
  maxSymbols: 1,
  create: ({ symbols, members, ...options }, factory) => {
    const built = (members as EnsembleMemberSpec[]).map((member, i) => {
      if (member.name === 'ensemble') {
        throw new ValidationError(`members.${i}.name: an ensemble cannot contain another ensemble`, {
          field: `members.${i}.name`,
        });
      }
      let strategy: RegisteredStrategy;
      try {
        strategy = factory.createStrategy(member.name, { ...(member.params ?? {}), symbols });
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(`members.${i} (${member.name}): ${error.message}`, {
            field: `members.${i}`,
            hint: error.hint,
          });
        }
        throw error;
      }
      if (!isExposureSignal(strategy)) {
        throw new ValidationError(`members.${i}.name: ${member.name} cannot vote in an ensemble`, {
          field: `members.${i}.name`,
          hint: 'members must be single-symbol strategies such as sma-crossover, momentum, enhanced-momentum or mean-reversion',
        });
      }
      return { signal: strategy, weight: member.weight ?? 1 };
    });
    return new EnsembleStrategy(symbols[0], built, options);
  },
});

const adaptive = defineStrategy({
  name: 'adaptive',
  description:
    'Picks among skills (member strategies) by the current market state, learning from outcomes known at the time.',
  params: adaptiveParams,
  minSymbols: 1,
  maxSymbols: 1,
  create: ({ symbols, skills, ...options }, factory) => {
    const members = (skills as AdaptiveSkillSpec[]).map((spec, i) => {
      if (spec.name === 'adaptive' || spec.name === 'ensemble') {
        throw new ValidationError(`skills.${i}.name: a skill must be a single strategy, not ${spec.name}`, {
          field: `skills.${i}.name`,
        });
      }
      const strategy = factory.createStrategy(spec.name, { ...(spec.params ?? {}), symbols });
      if (!isExposureSignal(strategy)) {
        throw new ValidationError(
          `skills.${i}.name: ${spec.name} cannot be a skill of the adaptive strategy`,
          {
            field: `skills.${i}.name`,
            hint: 'skills must be single-symbol strategies such as sma-crossover, momentum or mean-reversion',
          },
        );
      }
      return { signal: strategy, spec };
    });
    return new AdaptiveStrategy(symbols[0], members, options);
  },
});

const mirror = defineStrategy({
  name: 'mirror',
  description: "Copy another account's trades or target positions, scaled and delayed by N bars.",
  params: mirrorParams,
  minSymbols: 1,
  defaultSymbols: (p) => {
    const symbols = mirrorSymbols(p as Parameters<typeof mirrorSymbols>[0]);
    if (symbols.length === 0) {
      throw new ValidationError('trades: mirror needs at least one trade or target to copy', {
        field: 'trades',
        hint: 'pass trades: [{date, symbol, side, quantity}] or targets: [{date, symbol, targetQuantity}]',
      });
    }
    return symbols;
  },
  create: (p) => new MirrorStrategy(p),
});

/**
 * The built-in strategies, in listing order. A forecaster-driven `neural-trend` strategy belongs here
 * too: its module (src/neural/) exports a definition built with `defineStrategy`, and adding it is one
 * import plus one entry at the end of this array.
 */
const BUILTIN_STRATEGIES: StrategyDefinition[] = [
  smaCrossover,
  momentum,
  enhancedMomentum,
  meanReversion,
  pairs,
  ensemble,
  mirror,
  neuralTrendDefinition,
  adaptive,
];

const registry = new Map<string, StrategyDefinition>(BUILTIN_STRATEGIES.map((d) => [d.name, d]));

/** Add (or replace) a strategy definition, e.g. a user's own strategy. */
export function registerStrategy(definition: StrategyDefinition): void {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
    throw new ValidationError(
      `strategy name "${definition.name}" must be lower-case letters, digits and dashes`,
      {
        field: 'name',
      },
    );
  }
  registry.set(definition.name, definition);
}

export function listStrategies(): StrategyDefinition[] {
  return [...registry.values()];
}

function unknownStrategy(name: string): ValidationError {
  return new ValidationError(`unknown strategy "${name}"`, {
    field: 'strategy',
    hint: `valid strategies: ${[...registry.keys()].join(', ')}`,
  });
}

export function getStrategyDefinition(name: string): StrategyDefinition {
  const definition = registry.get(name);
  if (!definition) throw unknownStrategy(name);
  return definition;
}

function symbolCount(definition: StrategyDefinition): string {
  const { minSymbols: min, maxSymbols: max } = definition;
  if (max === min) return `exactly ${min} symbol${min === 1 ? '' : 's'}`;
  if (max === undefined) return `at least ${min} symbol${min === 1 ? '' : 's'}`;
  return `${min} to ${max} symbols`;
}

function readSymbols(
  definition: StrategyDefinition,
  given: unknown,
  params: Record<string, unknown>,
): string[] {
  let symbols = given;
  if (symbols === undefined && definition.defaultSymbols) symbols = definition.defaultSymbols(params);
  if (symbols === undefined) symbols = [];
  const isList = Array.isArray(symbols) && symbols.every((s) => typeof s === 'string');
  if (typeof symbols !== 'string' && !isList) {
    throw new ValidationError(`symbols: expected a list of tickers, got ${JSON.stringify(symbols)}`, {
      field: 'symbols',
    });
  }
  // The same reading as every face: `KO PG`, `KO,PG` or ['ko', 'pg'] are KO and PG.
  const list =
    typeof symbols === 'string' || (symbols as string[]).length > 0
      ? parseSymbolList(symbols as string | string[], 'symbols')
      : [];
  const count = list.length;
  const { minSymbols, maxSymbols } = definition;
  if (count < minSymbols || (maxSymbols !== undefined && count > maxSymbols)) {
    throw new ValidationError(
      `symbols: ${definition.name} needs ${symbolCount(definition)}, got ${count}${count ? ` (${list.join(', ')})` : ''}`,
      {
        field: 'symbols',
        hint: definition.minSymbols === 2 ? 'e.g. symbols: ["KO", "PG"]' : 'e.g. symbols: ["AAPL"]',
      },
    );
  }
  return list;
}

/** Validate a strategy's parameters (unknown names, types, ranges) and fill in defaults. */
export function parseStrategyParams(name: string, params: Record<string, unknown>): Record<string, unknown> {
  const definition = getStrategyDefinition(name);
  return parseParams<Record<string, unknown>>(definition.name, definition.params, params, definition.schema);
}

/**
 * Build a strategy by name: `createStrategy('pairs', { symbols: ['KO', 'PG'], lookback: 20,
 * entryThreshold: 2.0 })`. Missing parameters take their defaults; any mistake is a ValidationError
 * that names the parameter, the value and what is allowed.
 */
export function createStrategy(name: string, params: Record<string, unknown> = {}): RegisteredStrategy {
  const definition = getStrategyDefinition(name);
  const parsed = parseParams<Record<string, unknown>>(
    definition.name,
    definition.params,
    params,
    definition.schema,
  );
  const symbols = readSymbols(definition, params.symbols, parsed);
  return definition.create({ ...parsed, symbols }, factory);
}

const factory: StrategyFactory = { createStrategy };

export interface ParamRange {
  name: string;
  type: 'integer' | 'number';
  min: number;
  max: number;
  step: number;
  /** Every grid point, min..max by step. */
  values: number[];
}

/**
 * The default optimisation search space of a strategy: for each numeric parameter with a grid, its
 * range, step and grid points (e.g. pairs lookback 10..60 step 5). Combinations that break a
 * cross-parameter rule (fast >= slow) are rejected by createStrategy with a ValidationError.
 */
export function strategyParamSpace(name: string): ParamRange[] {
  const definition = getStrategyDefinition(name);
  return definition.params
    .filter((spec) => (spec.type === 'integer' || spec.type === 'number') && spec.grid)
    .map((spec) => {
      const grid = spec.grid as NonNullable<ParamSpec['grid']>;
      const type = spec.type as 'integer' | 'number';
      return { name: spec.name, type, ...grid, values: gridValues(grid, type === 'integer') };
    });
}
