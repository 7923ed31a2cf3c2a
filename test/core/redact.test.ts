import { afterEach, describe, expect, it } from 'vitest';
import { isAlpacaLiveUrl } from '../../src/core/config.js';
import { clearSecretsForTests, redact, registerSecret } from '../../src/core/redact.js';

afterEach(() => clearSecretsForTests());

describe('redact', () => {
  it('removes registered secrets and credential shapes', () => {
    registerSecret('PKPLANTED123456');
    expect(redact('echo: key PKPLANTED123456 in the body')).toBe('echo: key *** in the body');
    expect(redact('Authorization: Bearer abcdef123')).toBe('Authorization: ***');
    expect(redact('https://x/?api_key=zzzz&x=1')).toBe('https://x/?api_key=***&x=1');
    expect(redact('{"secret":"s3cr3t"}')).toBe('{"secret":"***"}');
    expect(redact('APCA-API-SECRET-KEY: hunter22')).toBe('APCA-API-SECRET-KEY: ***');
  });

  it('leaves placeholders in hints readable (no ALPACA_API_KEY=*** artefacts)', () => {
    expect(redact('send "Authorization: Bearer <token>"')).toBe('send "Authorization: Bearer <token>"');
    expect(redact('put ALPACA_API_KEY=... in .env')).toBe('put ALPACA_API_KEY=... in .env');
    expect(redact('token: $NEURAL_TRADER_MCP_TOKEN')).toBe('token: $NEURAL_TRADER_MCP_TOKEN');
  });
});

describe('the live-trading gate reads the URL host exactly', () => {
  it.each([
    ['https://paper-api.alpaca.markets', false],
    ['https://paper-api.alpaca.markets/v2', false],
    ['https://PAPER-API.alpaca.markets:443/', false],
    ['https://api.alpaca.markets', true],
    ['https://api.alpaca.markets/paper-api.alpaca.markets/..', true],
    ['https://api.alpaca.markets/?next=https://paper-api.alpaca.markets', true],
    ['https://paper-api.alpaca.markets@api.alpaca.markets/', true],
    ['https://broker-api.alpaca.markets', true],
    ['https://paper-api.alpaca.markets.example.com', false],
    ['http://127.0.0.1:8080', false],
    ['not a url', false],
  ])('%s is live: %s', (url, live) => {
    expect(isAlpacaLiveUrl(url)).toBe(live);
  });
});
