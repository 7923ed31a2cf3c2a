import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { isNeuralTraderError } from '../../src/core/errors.js';
import { getLogLevel, type LogLevel, setLogLevel, setLogSink } from '../../src/core/log.js';
import { clearSecretsForTests } from '../../src/core/redact.js';
import { AlpacaProvider } from '../../src/data/alpaca.js';
import { BarCache } from '../../src/data/cache.js';
import { parseRetryAfter, stripSecretsFromUrl } from '../../src/data/http.js';
import { PolygonProvider } from '../../src/data/polygon.js';
import {
  type FakeAlpacaDataServer,
  type FakePolygonServer,
  startFakeAlpacaDataServer,
  startFakePolygonServer,
} from '../fakes/index.js';

const ALPACA_KEY = 'PKZZTOPSECRETKEYID77';
const ALPACA_SECRET = 'ZZsecretSECRETsecret0123456789abcdefXYZ';
const POLYGON_KEY = 'PolygonZZSecretKey55667788';
const SECRETS = [ALPACA_KEY, ALPACA_SECRET, POLYGON_KEY];

let alpacaServer: FakeAlpacaDataServer;
let polygonServer: FakePolygonServer;
let home: string;

beforeAll(async () => {
  alpacaServer = await startFakeAlpacaDataServer({
    keyId: ALPACA_KEY,
    secretKey: ALPACA_SECRET,
    pageSize: 3,
  });
  polygonServer = await startFakePolygonServer({ apiKey: POLYGON_KEY, pageSize: 3 });
  home = mkdtempSync(join(tmpdir(), 'nt-secrets-'));
});

afterAll(async () => {
  await alpacaServer.close();
  await polygonServer.close();
  rmSync(home, { recursive: true, force: true });
});

describe('http helpers', () => {
  it('strips keys from URLs', () => {
    expect(stripSecretsFromUrl('https://api.polygon.io/v2/aggs/x?apiKey=abc123456&limit=5')).toBe(
      'https://api.polygon.io/v2/aggs/x?limit=5',
    );
    expect(stripSecretsFromUrl('https://user:pass1234567@host.example/p?token=t&api_key=k&x=1')).toBe(
      'https://host.example/p?x=1',
    );
  });

  it('parses Retry-After as seconds or an HTTP-date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('no secret in logs or errors', () => {
  it('a full run with successes and every kind of failure never prints a key or secret', async () => {
    const lines: string[] = [];
    const previousSink = setLogSink((line) => lines.push(line));
    const previousLevel: LogLevel = getLogLevel();
    setLogLevel('trace');
    const cache = new BarCache({ path: join(home, 'cache', 'bars.sqlite') });
    const errors: string[] = [];
    const capture = async (run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        if (!isNeuralTraderError(error)) throw error;
        errors.push(error.toUserString(), String(error.stack), JSON.stringify(error));
      }
    };
    try {
      const config = loadConfig({
        env: {
          ALPACA_API_KEY: ALPACA_KEY,
          ALPACA_SECRET_KEY: ALPACA_SECRET,
          ALPACA_DATA_URL: alpacaServer.url,
          POLYGON_API_KEY: POLYGON_KEY,
          POLYGON_BASE_URL: polygonServer.url,
          NEURAL_TRADER_HOME: home,
        },
        envFile: false,
        applyLogLevel: false,
      });
      const common = { config, cache, sleep: async () => {}, timeoutMs: 300, maxRetries: 1 };
      const alpaca = new AlpacaProvider(common);
      const polygon = new PolygonProvider(common);
      // Config and the providers registered the secrets for redaction; forget them so this test checks
      // that nothing puts a secret into a message in the first place.
      clearSecretsForTests();
      const range = { start: '2024-01-02', end: '2024-01-31' };
      await capture(() => alpaca.fetchBars('AAPL', range));
      await capture(() => alpaca.fetchBars('BTC/USD', range));
      await capture(() => polygon.fetchBars('AAPL', range));
      const scripted = [
        { status: 429, body: { message: 'too many requests' }, headers: { 'retry-after': '1' } },
        { status: 500, body: { message: 'internal' } },
        { status: 500, body: { message: 'internal' } },
        { status: 401, body: { message: 'unauthorized.' } },
        { status: 403, body: { message: 'forbidden.' } },
        { status: 422, body: { code: 42210000, message: 'invalid timeframe' } },
        { status: 200, body: { bars: null }, delayMs: 1500 },
        { status: 200, body: { bars: null }, delayMs: 1500 },
        { status: 200, body: 'not json' },
      ];
      for (const reply of scripted) alpacaServer.script(reply);
      for (let i = 0; i < scripted.length; i++) {
        await capture(() => alpaca.fetchBars('MSFT', { ...range, refresh: true }));
      }
      polygonServer.script(
        { status: 401, body: { status: 'ERROR', error: 'Unknown API Key' } },
        { status: 429, body: {}, headers: { 'retry-after': '1' } },
        {
          status: 200,
          body: {
            status: 'OK',
            results: [],
            next_url: `http://elsewhere.invalid/v2/aggs/ticker/KO/range/1/day/1/2?cursor=x&apiKey=${POLYGON_KEY}`,
          },
        },
      );
      for (let i = 0; i < 3; i++) await capture(() => polygon.fetchBars('KO', { ...range, refresh: true }));
      // Wrong credentials end in errors too.
      await capture(() =>
        new AlpacaProvider({ ...common, secretKey: `${ALPACA_SECRET}-wrong` }).fetchBars('AAPL', {
          ...range,
          refresh: true,
        }),
      );
      await capture(() => new AlpacaProvider({ ...common, apiKey: '' }).fetchBars('AAPL', range));
    } finally {
      setLogSink(previousSink);
      setLogLevel(previousLevel);
      cache.close();
    }
    expect(lines.length).toBeGreaterThan(10);
    expect(errors.length).toBeGreaterThan(15);
    const everything = [...lines, ...errors].join('\n');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
    // The credentials were really sent (so the run exercised authenticated requests).
    expect(alpacaServer.requests.some((r) => r.headers['apca-api-secret-key'] === ALPACA_SECRET)).toBe(true);
  });
});
