import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const home = mkdtempSync(join(tmpdir(), 'nt-strategies-'));

/** Run the real CLI from a temp cwd (so no developer .env is read) with an isolated home. */
function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin/neural-trader.js'), ...args], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '', NEURAL_TRADER_HOME: home },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('neural-trader strategies', () => {
  it('list prints every strategy with its parameter defaults', () => {
    const { code, stdout } = cli('strategies', 'list');
    expect(code).toBe(0);
    for (const name of [
      'sma-crossover',
      'momentum',
      'enhanced-momentum',
      'mean-reversion',
      'pairs',
      'ensemble',
      'mirror',
    ]) {
      expect(stdout).toMatch(new RegExp(`^${name}\\s`, 'm'));
    }
    expect(stdout).toContain('fast=10 slow=30 allowShort=false percent=1');
    expect(stdout).toContain('lookback=20 entryThreshold=2 exitThreshold=0.5 stopThreshold=4');
  });

  it('list --json is machine readable', () => {
    const { code, stdout } = cli('strategies', 'list', '--json');
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as {
      name: string;
      minSymbols: number;
      params: { name: string; default: unknown }[];
    }[];
    const pairs = list.find((s) => s.name === 'pairs');
    expect(pairs?.minSymbols).toBe(2);
    expect(pairs?.params.find((p) => p.name === 'lookback')).toMatchObject({
      default: 20,
      min: 2,
      max: 500,
      type: 'integer',
    });
    expect(list.find((s) => s.name === 'mirror')).toMatchObject({ maxSymbols: null });
  });

  it('info shows parameters, ranges and the optimisation grid', () => {
    const { code, stdout } = cli('strategies', 'info', 'pairs');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^name\s+pairs$/m);
    expect(stdout).toMatch(/^lookback\s+integer\s+20\s+2\.\.500\s/m);
    expect(stdout).toMatch(/^sizing\s+choice\s+dollar-neutral\s+dollar-neutral \| hedge-ratio/m);
    expect(stdout).toMatch(/^lookback\s+10\s+60\s+5\s+11$/m);
    const json = JSON.parse(cli('strategies', 'info', 'sma-crossover', '--json').stdout);
    expect(json.name).toBe('sma-crossover');
    expect(json.paramSpace.find((r: { name: string }) => r.name === 'fast').values[0]).toBe(5);
  });

  it('an unknown name is a one-line error listing the valid names', () => {
    const { code, stdout, stderr } = cli('strategies', 'info', 'sma-cross');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('error: unknown strategy "sma-cross"');
    expect(stderr).toContain('hint: valid strategies: sma-crossover, momentum');
    expect(stderr).not.toContain('    at ');
  });
});
