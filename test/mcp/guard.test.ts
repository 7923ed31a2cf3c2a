import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../src/core/errors.js';
import { clearSecretsForTests, registerSecret } from '../../src/core/redact.js';
import { boundText, describeToolError, MAX_ERROR_TEXT, quoteInput } from '../../src/mcp/errors.js';
import { boundOutgoing, findUnsafeKey, refuseUnsafeRequest } from '../../src/mcp/guard.js';

afterEach(() => clearSecretsForTests());

function toolCall(argumentsJson: string): JSONRPCMessage {
  return JSON.parse(
    `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"run_backtest","arguments":${argumentsJson}}}`,
  ) as JSONRPCMessage;
}

describe('findUnsafeKey', () => {
  it('finds __proto__, constructor and prototype keys anywhere, as JSON.parse leaves them', () => {
    expect(findUnsafeKey(JSON.parse('{"strategy":"x","__proto__":{"polluted":1}}'))).toBe(
      'arguments.__proto__',
    );
    expect(findUnsafeKey(JSON.parse('{"params":{"constructor":{"prototype":1}}}'))).toBe(
      'arguments.params.constructor',
    );
    expect(findUnsafeKey(JSON.parse('{"list":[{"ok":1},{"prototype":2}]}'))).toBe(
      'arguments.list[1].prototype',
    );
    expect(findUnsafeKey(JSON.parse('{"symbols":["__proto__"],"note":"constructor"}'))).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('walks deep nesting without recursion', () => {
    let nested: unknown = { __proto__x: 1 };
    for (let i = 0; i < 100_000; i++) nested = { a: nested };
    expect(findUnsafeKey(nested)).toBeUndefined();
  });
});

describe('refuseUnsafeRequest', () => {
  it('answers a tool call carrying __proto__ with a tool error naming the path', () => {
    const answer = refuseUnsafeRequest(toolCall('{"strategy":"sma-crossover","__proto__":{"x":1}}')) as {
      id: number;
      result: { isError: boolean; content: { text: string }[] };
    };
    expect(answer.id).toBe(7);
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0].text).toMatch(
      /^arguments\.__proto__: "__proto__" is not a parameter name/,
    );
  });

  it('answers other requests with invalid params and lets clean messages through', () => {
    const prompt = JSON.parse(
      '{"jsonrpc":"2.0","id":"p","method":"prompts/get","params":{"name":"x","arguments":{"constructor":"y"}}}',
    );
    expect(refuseUnsafeRequest(prompt)).toMatchObject({ id: 'p', error: { code: -32602 } });
    expect(refuseUnsafeRequest(toolCall('{"strategy":"sma-crossover"}'))).toBeUndefined();
    const notification = JSON.parse('{"jsonrpc":"2.0","method":"notifications/x","params":{"__proto__":{}}}');
    expect(refuseUnsafeRequest(notification)).toBeUndefined();
  });
});

describe('bounded, redacted error text', () => {
  it('cuts every outgoing error text, the SDK’s own included, and redacts secrets', () => {
    registerSecret('sk-live-0123456789');
    const long = `Input validation error: Unrecognized key: "${'y'.repeat(100_000)}" sk-live-0123456789`;
    const error = boundOutgoing({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: long } }) as {
      error: { message: string };
    };
    expect(error.error.message.length).toBeLessThan(MAX_ERROR_TEXT + 40);
    const result = boundOutgoing({
      jsonrpc: '2.0',
      id: 2,
      result: {
        isError: true,
        content: [{ type: 'text', text: `key sk-live-0123456789 ${'z'.repeat(5000)}` }],
      },
    }) as { result: { content: { text: string }[] } };
    expect(result.result.content[0].text).not.toContain('sk-live');
    expect(result.result.content[0].text).toMatch(/\.\.\. \(\d+ more characters\)$/);
    const ok = {
      jsonrpc: '2.0',
      id: 3,
      result: { content: [{ type: 'text', text: 'x'.repeat(5000) }] },
    } as const;
    expect(boundOutgoing(ok as JSONRPCMessage)).toBe(ok);
  });

  it('quotes input briefly', () => {
    expect(quoteInput('abc')).toBe('"abc"');
    expect(quoteInput('x'.repeat(1_000_000))).toBe(`"${'x'.repeat(39)}...(1000002 characters)`);
    expect(boundText('short')).toBe('short');
  });
});

describe('describeToolError field names', () => {
  it('keeps setting names intact instead of rewriting them as camelCase', () => {
    const error = new ConfigError('alpaca: ALPACA_API_KEY and ALPACA_SECRET_KEY are not set', {
      field: 'ALPACA_API_KEY',
      hint: 'put ALPACA_API_KEY=... and ALPACA_SECRET_KEY=... in .env',
    });
    const { text } = describeToolError(error);
    expect(text).toMatch(
      /^alpaca: ALPACA_API_KEY and ALPACA_SECRET_KEY are not set\nhint: put ALPACA_API_KEY=/,
    );
    expect(text).not.toMatch(/_a_l_p|_k_e_y/);
    const other = describeToolError(
      new ConfigError('no key for the feed', { field: 'POLYGON_API_KEY' }),
    ).text;
    expect(other).toBe('POLYGON_API_KEY: no key for the feed');
  });

  it('still names camelCase library fields as snake_case tool arguments', () => {
    expect(describeToolError(new ValidationError('must be > 0', { field: 'limitPrice' })).text).toBe(
      'limit_price: must be > 0',
    );
  });
});
