import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { clearSecretsForTests, redact } from '../../src/core/redact.js';
import { parseQueueUrl } from '../../src/distributed/queue-url.js';

afterEach(() => clearSecretsForTests());

describe('parseQueueUrl', () => {
  it('reads host, port, database, prefix and TLS, with Redis defaults', () => {
    const plain = parseQueueUrl('redis://10.0.0.5');
    expect([plain.host, plain.port, plain.db, plain.tls, plain.prefix]).toEqual([
      '10.0.0.5',
      6379,
      0,
      false,
      'neural-trader',
    ]);
    const full = parseQueueUrl('rediss://queue.example.com:6380/3?prefix=team-a');
    expect([full.host, full.port, full.db, full.tls, full.prefix]).toEqual([
      'queue.example.com',
      6380,
      3,
      true,
      'team-a',
    ]);
    expect(full.redisOptions().tls).toEqual({ servername: 'queue.example.com' });
    expect(parseQueueUrl('redis://[::1]:7000').redisOptions().host).toBe('::1');
  });

  it('keeps the password out of everything printable and registers it with the redactor', () => {
    const target = parseQueueUrl('redis://app:s3cret%40pass@127.0.0.1:6379/2');
    expect(target.redisOptions()).toMatchObject({ username: 'app', password: 's3cret@pass', db: 2 });
    expect(target.display).toBe('redis://***@127.0.0.1:6379/2');
    for (const shown of [JSON.stringify(target), inspect(target, { depth: 5 }), String(target.display)]) {
      expect(shown).not.toContain('s3cret');
    }
    expect(redact('connect with s3cret@pass failed')).toBe('connect with *** failed');
  });

  it('refuses what is not a usable Redis URL in one line that never repeats the URL', () => {
    const cases: [string, RegExp][] = [
      ['http://:hunter22@host', /unsupported scheme "http:\/\/"/],
      ['hunter22', /not a Redis URL/],
      ['redis://:hunter22@host:99999', /port must be 1..65535|not a valid Redis URL/],
      ['redis://:hunter22@host/abc', /database number/],
      ['redis://:hunter22@host/0?password=x', /unknown setting "password"/],
      ['redis://:hunter22@host/0?prefix=a:b', /prefix must be/],
      ['redis://:hunter22@host/0#frag', /no #fragment/],
    ];
    for (const [url, message] of cases) {
      let error: Error | undefined;
      try {
        parseQueueUrl(url, '--queue');
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message, url).toMatch(message);
      expect(error?.message.startsWith('--queue: ')).toBe(true);
      expect(error?.message).not.toContain('hunter22');
    }
  });
});
