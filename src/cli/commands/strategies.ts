import type { Command } from 'commander';
import type { StrategyParamSpec as ParamSpec, StrategyDefinition } from '../../strategies/index.js';

/**
 * `strategies list` and `strategies info NAME`: what each built-in strategy does, how many symbols it
 * trades and its parameters with defaults, ranges and optimisation grids. Flags only here; the
 * strategy library (which loads zod) is imported inside the actions.
 */
interface JsonFlag {
  json?: boolean;
}

/** A parameter as JSON: the spec without its internal item schema. */
function paramJson(spec: ParamSpec): Record<string, unknown> {
  const { item: _item, ...rest } = spec;
  return rest;
}

function definitionJson(definition: StrategyDefinition): Record<string, unknown> {
  return {
    name: definition.name,
    description: definition.description,
    minSymbols: definition.minSymbols,
    maxSymbols: definition.maxSymbols ?? null,
    params: definition.params.map(paramJson),
  };
}

function symbolsText(definition: StrategyDefinition): string {
  const { minSymbols: min, maxSymbols: max } = definition;
  if (max === min) return String(min);
  return max === undefined ? `${min}+` : `${min}-${max}`;
}

function defaultText(spec: ParamSpec): string {
  if (spec.type === 'list') {
    const list = (spec.default as unknown[] | undefined) ?? [];
    if (list.length === 0) return '[]';
    const names = list.map((item) =>
      item && typeof item === 'object' && 'name' in item ? String(item.name) : '?',
    );
    return `[${names.join(',')}]`;
  }
  return String(spec.default);
}

function allowedText(spec: ParamSpec): string {
  if (spec.type === 'choice') return (spec.choices ?? []).join(' | ');
  if (spec.type === 'boolean') return 'true | false';
  if (spec.type === 'list') return 'JSON list';
  return `${spec.min ?? '-inf'}..${spec.max ?? 'inf'}`;
}

export function register(program: Command): void {
  const strategies = program
    .command('strategies')
    .description('List the built-in trading strategies and their parameters');

  strategies
    .command('list')
    .description('List every strategy with its parameters and defaults')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: JsonFlag) => {
      const { listStrategies } = await import('../../strategies/index.js');
      const { printJson, printTable } = await import('../output.js');
      const definitions = listStrategies();
      if (flags.json) {
        printJson(definitions.map(definitionJson));
        return;
      }
      printTable(
        definitions.map((d) => ({
          name: d.name,
          symbols: symbolsText(d),
          parameters: d.params.map((p) => `${p.name}=${defaultText(p)}`).join(' '),
          description: d.description,
        })),
      );
    });

  strategies
    .command('info')
    .description(
      'Show one strategy: what it does, its parameters (type, default, range) and optimisation grid',
    )
    .argument('<name>', 'strategy name, e.g. pairs')
    .option('--json', 'print JSON instead of tables')
    .action(async (name: string, flags: JsonFlag) => {
      const { getStrategyDefinition, strategyParamSpace } = await import('../../strategies/index.js');
      const { printJson, printTable, renderKeyValues } = await import('../output.js');
      const definition = getStrategyDefinition(name);
      const space = strategyParamSpace(name);
      if (flags.json) {
        printJson({ ...definitionJson(definition), paramSpace: space });
        return;
      }
      process.stdout.write(
        renderKeyValues({
          name: definition.name,
          description: definition.description,
          symbols: symbolsText(definition),
        }),
      );
      process.stdout.write('\nparameters\n');
      printTable(
        definition.params.map((p) => ({
          name: p.name,
          type: p.type,
          default: defaultText(p),
          allowed: allowedText(p),
          description: p.description,
        })),
      );
      if (space.length > 0) {
        process.stdout.write('\noptimisation grid (default)\n');
        printTable(
          space.map((r) => ({
            name: r.name,
            min: String(r.min),
            max: String(r.max),
            step: String(r.step),
            points: r.values.length,
          })),
        );
      }
    });
}
