import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALPACA_PAPER_URL, loadConfig, redactedConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { redact } from '../../src/core/redact.js';

const load = (env: Record<string, string>) => loadConfig({ env, envFile: false, applyLogLevel: false });

describe('config', () => {
  it('defaults: paper endpoint, live trading off, home under the user directory', () => {
    const config = load({});
    expect(config.alpaca.baseUrl).toBe(ALPACA_PAPER_URL);
    expect(config.alpaca.isLiveEndpoint).toBe(false);
    expect(config.liveTrading).toBe(false);
    expect(config.home).toMatch(/\.neural-trader$/);
    expect(config.logLevel).toBe('warn');
  });

  it('RUST_LOG is an alias for LOG_LEVEL (LOG_LEVEL wins)', () => {
    expect(load({ RUST_LOG: 'debug' }).logLevel).toBe('debug');
    expect(load({ RUST_LOG: 'neural_trader=info,warn' }).logLevel).toBe('warn');
    expect(load({ RUST_LOG: 'neural_trader=info' }).logLevel).toBe('info');
    expect(load({ RUST_LOG: 'debug', LOG_LEVEL: 'error' }).logLevel).toBe('error');
  });

  it('LIVE_TRADING must be said explicitly', () => {
    expect(load({ NEURAL_TRADER_LIVE_TRADING: 'true' }).liveTrading).toBe(true);
    expect(load({ NEURAL_TRADER_LIVE_TRADING: 'no' }).liveTrading).toBe(false);
    expect(() => load({ NEURAL_TRADER_LIVE_TRADING: 'maybe' })).toThrow(/NEURAL_TRADER_LIVE_TRADING/);
  });

  it('a bad URL names the key', () => {
    expect(() => load({ ALPACA_BASE_URL: 'not a url' })).toThrow(ConfigError);
    expect(() => load({ ALPACA_BASE_URL: 'not a url' })).toThrow(/^ALPACA_BASE_URL:/);
    try {
      load({ POLYGON_BASE_URL: '::' });
    } catch (error) {
      expect((error as ConfigError).field).toBe('POLYGON_BASE_URL');
    }
  });

  it('reads .env and lets the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-config-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'ALPACA_BASE_URL=https://api.alpaca.markets\nLOG_LEVEL=info\n');
    const config = loadConfig({ env: { LOG_LEVEL: 'error' }, envFile: file, applyLogLevel: false });
    expect(config.alpaca.isLiveEndpoint).toBe(true);
    expect(config.logLevel).toBe('error');
    expect(config.envFile).toBe(file);
    expect(() => loadConfig({ env: {}, envFile: join(dir, 'missing.env') })).toThrow(ConfigError);
  });

  it('redactedConfig never contains a secret; redact scrubs registered secrets', () => {
    const secret = 'sk-test-9f8e7d6c5b4a';
    const config = load({
      ALPACA_API_KEY: 'AKTESTKEY12345',
      ALPACA_SECRET_KEY: secret,
      POLYGON_API_KEY: secret,
    });
    const text = JSON.stringify(redactedConfig(config));
    expect(text).not.toContain(secret);
    expect(text).not.toContain('AKTESTKEY12345');
    expect(text).toContain('(set, 20 chars)');
    expect(redact(`failed with key ${secret}`)).toBe('failed with key ***');
  });
});
