import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/neural-trader.js');

function cli(args: string[], env: Record<string, string>, cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cwd, NEURAL_TRADER_HOME: join(cwd, 'nt'), ...env },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('neural-trader config', () => {
  const secret = 'SECRETVALUE-4f1d2c9a8b7e';

  it('redacts secrets passed via the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-cli-config-'));
    const r = cli(['config'], { ALPACA_SECRET_KEY: secret, ALPACA_API_KEY: 'AKIDENTIFIER99' }, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ALPACA_SECRET_KEY\s+\*\*\* \(set, 24 chars\)/);
    expect(r.stdout).toMatch(/ALPACA_BASE_URL\s+https:\/\/paper-api\.alpaca\.markets/);
    expect(r.stdout).toMatch(/NEURAL_TRADER_LIVE_TRADING\s+false/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    expect(`${r.stdout}${r.stderr}`).not.toContain('AKIDENTIFIER99');
    const json = cli(['config', '--json'], { POLYGON_API_KEY: secret }, dir);
    expect(JSON.parse(json.stdout).POLYGON_API_KEY).toBe('*** (set, 24 chars)');
    expect(json.stdout).not.toContain(secret);
  });

  it('redacts secrets read from --env and names a bad key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-cli-config-'));
    const envFile = join(dir, 'custom.env');
    writeFileSync(envFile, `POLYGON_API_KEY=${secret}\nALPACA_BASE_URL=not-a-url\n`);
    const r = cli(['--env', envFile, 'config'], {}, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: ALPACA_BASE_URL: /m);
    expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    writeFileSync(envFile, `POLYGON_API_KEY=${secret}\nRUST_LOG=debug\n`);
    const ok = cli(['--env', envFile, 'config'], {}, dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/LOG_LEVEL\s+debug/);
    expect(`${ok.stdout}${ok.stderr}`).not.toContain(secret);
  });

  it('names a missing --env file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-cli-config-'));
    const r = cli(['--env', join(dir, 'missing.env'), 'config'], {}, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: env file not found: .*missing\.env/m);
    expect(r.stdout).toBe('');
  });
});
