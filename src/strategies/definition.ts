import type { z } from 'zod';
import { type ParamSpec, paramsSchema } from './params.js';
import type { SignalGenerator, Strategy } from './types.js';

/**
 * What a registered strategy is: its parameters, symbol count and constructor. Kept apart from the
 * registry's table so that strategy modules outside src/strategies (neural-trend) can define themselves
 * without importing the registry that lists them.
 */

/** A strategy as the registry, the CLI, the optimiser and the MCP server see it. */
export type RegisteredStrategy = Strategy & Partial<SignalGenerator>;

/** Lets a definition build other strategies (the ensemble builds its members). */
export interface StrategyFactory {
  createStrategy(name: string, params: Record<string, unknown>): RegisteredStrategy;
}

export interface StrategyDefinition {
  name: string;
  description: string;
  params: readonly ParamSpec[];
  /** How many symbols the strategy trades. maxSymbols undefined = no upper limit. */
  minSymbols: number;
  maxSymbols?: number;
  /** zod schema of the parameters (without `symbols`); defaults filled in, CLI strings coerced. */
  schema: z.ZodType<Record<string, unknown>>;
  /** Symbols to use when none are given (e.g. mirror takes them from its trades). */
  defaultSymbols?(params: Record<string, unknown>): string[];
  /** Build an instance from validated parameters plus `symbols`. */
  create(
    params: Record<string, unknown> & { symbols: string[] },
    factory: StrategyFactory,
  ): RegisteredStrategy;
}

/** Build a definition whose schema is derived from its parameter specs. */
export function defineStrategy(
  definition: Omit<StrategyDefinition, 'schema'> & { schema?: StrategyDefinition['schema'] },
): StrategyDefinition {
  return { ...definition, schema: definition.schema ?? paramsSchema(definition.params) };
}
