import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeAlpacaDataServer,
  type FakePolygonServer,
  startFakeAlpacaDataServer,
  startFakePolygonServer,
} from '../fakes/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = resolve(ROOT, 'bin/neural-trader.js');
const KEY = 'PKCLITESTKEY1234567';
const SECRET = 'CliSecretValue-0987654321-abcdef';
const POLYGON_KEY = 'CliPolygonKey-112233445566';

let alpaca: FakeAlpacaDataServer;
let polygon: FakePolygonServer;
const temps: string[] = [];

beforeAll(async () => {
  alpaca = await startFakeAlpacaDataServer({ keyId: KEY, secretKey: SECRET, pageSize: 10 });
  polygon = await startFakePolygonServer({ apiKey: POLYGON_KEY, pageSize: 10 });
});

afterAll(async () => {
  await alpaca.close();
  await polygon.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  alpaca.reset();
  polygon.reset();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nt-cli-remote-'));
  temps.push(dir);
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawn the real CLI asynchronously (the fake servers live in this process), cwd in a temp dir so no .env is read. */
function cli(args: string[], env: Record<string, string>, cwd = tempDir()): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', NEURAL_TRADER_HOME: cwd, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

const ALPACA_ARGS = [
  'market-data',
  '--provider',
  'alpaca',
  '--symbol',
  'AAPL',
  '--start',
  '2024-01-02',
  '--end',
  '2024-01-31',
  '--json',
];

describe('neural-trader market-data --provider alpaca|polygon', () => {
  it('prints Alpaca bars as JSON, then serves the repeat from the cache without HTTP', async () => {
    const home = tempDir();
    const env = {
      ALPACA_API_KEY: KEY,
      ALPACA_SECRET_KEY: SECRET,
      ALPACA_DATA_URL: alpaca.url,
      NEURAL_TRADER_HOME: home,
    };
    const first = await cli(ALPACA_ARGS, env, home);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const parsed = JSON.parse(first.stdout);
    expect(parsed.symbol).toBe('AAPL');
    expect(parsed.bars.length).toBe(22);
    expect(parsed.bars[0].date).toBe('2024-01-02');
    expect(parsed.bars.at(-1).date).toBe('2024-01-31');
    expect(alpaca.barRequests().length).toBe(3);

    alpaca.reset();
    const second = await cli(ALPACA_ARGS, env, home);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual(parsed);
    expect(alpaca.requests.length).toBe(0);
  });

  it('without keys: exit 1 and one error line naming ALPACA_API_KEY', async () => {
    const run = await cli(ALPACA_ARGS, { ALPACA_DATA_URL: alpaca.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const errorLines = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errorLines.length).toBe(1);
    expect(errorLines[0]).toContain('ALPACA_API_KEY');
    expect(run.stderr).toContain('.env');
    expect(alpaca.requests.length).toBe(0);
  });

  it('with rejected keys (401): exit 1, an authentication error, and no secret anywhere in the output', async () => {
    const wrongSecret = 'WrongCliSecret-5555666677778888';
    const run = await cli(ALPACA_ARGS, {
      ALPACA_API_KEY: KEY,
      ALPACA_SECRET_KEY: wrongSecret,
      ALPACA_DATA_URL: alpaca.url,
      LOG_LEVEL: 'trace',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: alpaca: authentication failed (HTTP 401)');
    expect(run.stderr).toContain('ALPACA_SECRET_KEY');
    for (const secret of [KEY, wrongSecret, SECRET]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });

  it('prints Polygon bars as a table', async () => {
    const run = await cli(
      [
        'market-data',
        '--provider',
        'polygon',
        '--symbol',
        'MSFT',
        '--start',
        '2024-01-02',
        '--end',
        '2024-01-31',
      ],
      { POLYGON_API_KEY: POLYGON_KEY, POLYGON_BASE_URL: polygon.url },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2024-01-02');
    expect(run.stdout).toContain('2024-01-31');
    expect(polygon.aggRequests().length).toBe(3);
    expect(polygon.requests.every((r) => !r.url.includes(POLYGON_KEY))).toBe(true);
  });
});
