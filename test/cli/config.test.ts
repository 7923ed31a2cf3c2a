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

  it('prints the MCP server settings (NEURAL_TRADER_MCP_*): set values, defaults marked, the token masked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-cli-config-'));
    const token = 'mcp-token-7d3e9f1a2b4c6d8e';
    const defaults = cli(['config'], {}, dir);
    expect(defaults.code).toBe(0);
    expect(defaults.stdout).toMatch(/^NEURAL_TRADER_MCP_WORKERS\s+\d+ \(default: one per core, 2 to 8\)$/m);
    expect(defaults.stdout).toMatch(/^NEURAL_TRADER_MCP_QUEUE\s+256 \(default: /m);
    expect(defaults.stdout).toMatch(/^NEURAL_TRADER_MCP_MAX_SESSIONS\s+128 \(default: /m);
    expect(defaults.stdout).toMatch(/^NEURAL_TRADER_MCP_SESSION_IDLE_SECONDS\s+900 \(default: /m);
    expect(defaults.stdout).toMatch(
      /^NEURAL_TRADER_MCP_TIME_LIMITS\s+\(each tool's own: 30 s quick, 120 s heavy/m,
    );
    const set = cli(
      ['config', '--json'],
      {
        NEURAL_TRADER_MCP_TOKEN: token,
        NEURAL_TRADER_MCP_WORKERS: '3',
        NEURAL_TRADER_MCP_QUEUE: '10',
        NEURAL_TRADER_MCP_MAX_SESSIONS: '5',
        NEURAL_TRADER_MCP_SESSION_IDLE_SECONDS: '60',
        NEURAL_TRADER_MCP_TIME_LIMITS: 'neural_train=1800, *=60',
      },
      dir,
    );
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      NEURAL_TRADER_MCP_TOKEN: '*** (set, 26 chars)',
      NEURAL_TRADER_MCP_WORKERS: '3',
      NEURAL_TRADER_MCP_QUEUE: '10',
      NEURAL_TRADER_MCP_MAX_SESSIONS: '5',
      NEURAL_TRADER_MCP_SESSION_IDLE_SECONDS: '60',
      NEURAL_TRADER_MCP_TIME_LIMITS: 'neural_train=1800,*=60',
    });
    expect(`${set.stdout}${set.stderr}`).not.toContain(token);
    // A limit list the server could not read is the server's one-line error, here already.
    const bad = cli(['config'], { NEURAL_TRADER_MCP_TIME_LIMITS: 'neural_train=forever' }, dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: NEURAL_TRADER_MCP_TIME_LIMITS: cannot read "neural_train=forever"/);
    expect(bad.stdout).toBe('');
  });

  it('names a missing --env file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-cli-config-'));
    const r = cli(['--env', join(dir, 'missing.env'), 'config'], {}, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: env file not found: .*missing\.env/m);
    expect(r.stdout).toBe('');
  });
});
