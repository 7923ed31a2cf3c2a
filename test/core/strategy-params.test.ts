import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NeuralTraderError, ValidationError } from '../../src/core/errors.js';
import {
  parseParamAssignments,
  parseParamValue,
  readParamsFile,
  strategyParamsFromFlags,
} from '../../src/core/strategy-params.js';
import { createStrategy } from '../../src/strategies/registry.js';

describe('strategy parameters from the command line', () => {
  it('reads numbers, booleans, lists, words and JSON', () => {
    expect(parseParamValue('20')).toBe(20);
    expect(parseParamValue('1e-3')).toBe(0.001);
    expect(parseParamValue('true')).toBe(true);
    expect(parseParamValue('zscore')).toBe('zscore');
    expect(parseParamValue('1.5,2,2.5')).toEqual([1.5, 2, 2.5]);
    expect(parseParamValue('[{"name":"momentum","weight":2}]')).toEqual([{ name: 'momentum', weight: 2 }]);
    expect(parseParamValue('{"a": 1}')).toEqual({ a: 1 });
    // Hex and other JavaScript number forms stay text; the strategy schema then names them.
    expect(parseParamValue('0x10')).toBe('0x10');
  });

  it('refuses unreadable assignments, repeated names and bad JSON with one line', () => {
    expect(() => parseParamAssignments(['lookback'])).toThrow(/--param: cannot read "lookback"/);
    expect(() => parseParamAssignments(['=3'])).toThrow(ValidationError);
    expect(() => parseParamAssignments(['fast=5', 'fast=6'])).toThrow(/fast is given twice/);
    expect(() => parseParamAssignments(['members=[{"name": momentum}]'])).toThrow(
      /--param members: not valid JSON/,
    );
  });

  it('builds ensemble and mirror strategies whose members and trades come as JSON flags', () => {
    const params = parseParamAssignments([
      'members=[{"name":"sma-crossover","params":{"fast":5,"slow":20}},{"name":"momentum","weight":2}]',
      'threshold=0.5',
    ]);
    const ensemble = createStrategy('ensemble', { ...params, symbols: ['spx'] });
    expect(ensemble.symbols).toEqual(['SPX']);
    const mirror = createStrategy(
      'mirror',
      parseParamAssignments(['trades=[{"date":"2019-01-02","symbol":"KO","side":"buy","quantity":10}]']),
    );
    expect(mirror.symbols).toEqual(['KO']);
  });

  it('reads a params file, with --param flags overriding it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-params-'));
    const file = join(dir, 'p.json');
    writeFileSync(file, '{"lookback": 30, "entryThreshold": 1.5}');
    expect(strategyParamsFromFlags(['lookback=40'], file)).toEqual({ lookback: 40, entryThreshold: 1.5 });
    writeFileSync(join(dir, 'list.json'), '[1, 2]');
    expect(() => readParamsFile(join(dir, 'list.json'))).toThrow(/must hold one JSON object/);
    writeFileSync(join(dir, 'bad.json'), '{lookback: 3}');
    expect(() => readParamsFile(join(dir, 'bad.json'))).toThrow(/is not valid JSON/);
    expect(() => readParamsFile(join(dir, 'missing.json'))).toThrow(NeuralTraderError);
    expect(() => readParamsFile(join(dir, 'missing.json'))).toThrow(/cannot read .*missing\.json \(ENOENT\)/);
  });
});
