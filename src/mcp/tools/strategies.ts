import { z } from 'zod';
import { type AnyToolSpec, defineTool, READ_ONLY } from '../tool.js';

/**
 * The strategy catalogue: names, descriptions, parameters (type, default, range, optimisation grid)
 * and how many symbols each trades, straight from the strategy registry.
 */
const paramInfo = z.object({
  name: z.string(),
  type: z.string(),
  default: z.unknown(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  choices: z.array(z.string()).nullable(),
  description: z.string(),
});

interface StrategyDefinitionLike {
  name: string;
  description: string;
  minSymbols: number;
  maxSymbols?: number;
  params: readonly {
    name: string;
    type: string;
    default: unknown;
    min?: number;
    max?: number;
    choices?: readonly string[];
    description: string;
  }[];
}

function symbolsRule(definition: StrategyDefinitionLike): string {
  const { minSymbols: min, maxSymbols: max } = definition;
  if (max === min) return `exactly ${min}`;
  if (max === undefined) return `at least ${min}`;
  return `${min} to ${max}`;
}

/** A strategy definition as JSON (shared with the neural-trader://strategies resource). */
export function describeStrategy(definition: StrategyDefinitionLike) {
  return {
    name: definition.name,
    description: definition.description,
    symbols: symbolsRule(definition),
    min_symbols: definition.minSymbols,
    max_symbols: definition.maxSymbols ?? null,
    parameters: definition.params.map((spec) => ({
      name: spec.name,
      type: spec.type,
      default: spec.default ?? null,
      min: spec.min ?? null,
      max: spec.max ?? null,
      choices: spec.choices ? [...spec.choices] : null,
      description: spec.description,
    })),
  };
}

const strategySummary = z.object({
  name: z.string(),
  description: z.string(),
  symbols: z.string().describe('How many symbols it trades'),
  parameters: z.string().describe('Parameter names with defaults'),
});

const listStrategiesTool = defineTool({
  name: 'list_strategies',
  title: 'List strategies',
  description:
    'Every built-in trading strategy with a one-line description, how many symbols it trades and its ' +
    'parameters with defaults. Use get_strategy_info for ranges and the optimisation grid.',
  toolset: 'strategies',
  input: {},
  output: { count: z.number(), strategies: z.array(strategySummary) },
  hints: READ_ONLY,
  async run() {
    const { listStrategies } = await import('../../strategies/index.js');
    const strategies = listStrategies().map((definition) => ({
      name: definition.name,
      description: definition.description,
      symbols: symbolsRule(definition),
      parameters: definition.params
        .map(
          (spec) =>
            `${spec.name}=${typeof spec.default === 'object' ? JSON.stringify(spec.default) : String(spec.default)}`,
        )
        .join(', '),
    }));
    return { count: strategies.length, strategies };
  },
});

const getStrategyInfo = defineTool({
  name: 'get_strategy_info',
  title: 'Strategy details',
  description:
    'Full description of one strategy: parameters (type, default, allowed range or choices), the default ' +
    'optimisation grid of its numeric parameters, and how many symbols it needs.',
  toolset: 'strategies',
  input: {
    strategy: z.string().min(1).describe('Strategy name from list_strategies, e.g. sma-crossover'),
  },
  output: {
    name: z.string(),
    description: z.string(),
    symbols: z.string(),
    min_symbols: z.number(),
    max_symbols: z.number().nullable(),
    parameters: z.array(paramInfo),
    optimisation_grid: z.array(
      z.object({ name: z.string(), min: z.number(), max: z.number(), step: z.number(), points: z.number() }),
    ),
  },
  hints: READ_ONLY,
  async run(args) {
    const { getStrategyDefinition, strategyParamSpace } = await import('../../strategies/index.js');
    const definition = getStrategyDefinition(args.strategy);
    return {
      ...describeStrategy(definition),
      optimisation_grid: strategyParamSpace(definition.name).map((range) => ({
        name: range.name,
        min: range.min,
        max: range.max,
        step: range.step,
        points: range.values.length,
      })),
    };
  },
});

export const strategyTools: readonly AnyToolSpec[] = [listStrategiesTool, getStrategyInfo];
