import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { describeToolError } from '../../src/mcp/errors.js';
import { renderData, toPlainJson } from '../../src/mcp/format.js';
import { orderStateUnknown } from '../../src/mcp/tools/desk.js';

describe('toPlainJson', () => {
  it('turns typed arrays, Maps and non-finite numbers into plain JSON', () => {
    const plain = toPlainJson({
      values: new Float64Array([1.5, Number.NaN]),
      byName: new Map([['a', 1]]),
      ratio: Number.POSITIVE_INFINITY,
      nested: { x: Number.NaN },
    });
    expect(plain).toEqual({ values: [1.5, null], by_name: { a: 1 }, ratio: null, nested: { x: null } });
  });

  it('follows the MCP convention: snake_case fields, ISO dates, parameter names kept', () => {
    const day = Date.UTC(2024, 0, 2);
    const plain = toPlainJson({
      sharpeRatio: 1.2,
      entryTime: day,
      timestamps: new Float64Array([day, day + 86_400_000]),
      params: { entryThreshold: 2 },
      bestParams: { fast: 5 },
    });
    expect(plain).toEqual({
      sharpe_ratio: 1.2,
      entry_time: '2024-01-02',
      timestamps: ['2024-01-02', '2024-01-03'],
      params: { entryThreshold: 2 },
      best_params: { fast: 5 },
    });
    // One intraday timestamp makes every timestamp of the result a full instant: a series never mixes.
    expect(toPlainJson({ start: day, end: day + 30 * 60_000 })).toEqual({
      start: '2024-01-02T00:00:00Z',
      end: '2024-01-02T00:30:00Z',
    });
  });
});

describe('renderData', () => {
  it('renders scalars as aligned key/values and record arrays as tables', () => {
    const text = renderData({
      symbol: 'AAPL',
      return_pct: 12.3456789,
      trades: [
        { side: 'buy', quantity: 10, price: 101.25 },
        { side: 'sell', quantity: 10, price: 99.5 },
      ],
    });
    expect(text).toContain('symbol      AAPL');
    expect(text).toContain('return_pct  12.345679');
    expect(text).toMatch(/trades \(2\)\nside\s+quantity\s+price\n/);
    expect(text).toMatch(/buy\s+10\s+101\.25/);
  });

  it('abbreviates long tables in the text form', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ i }));
    const text = renderData({ rows });
    expect(text).toContain('(60 more rows)');
    expect(text).toMatch(/\b99\n$/);
  });

  it('shows missing numbers as n/a', () => {
    expect(renderData({ sharpe: null })).toContain('sharpe  n/a');
  });
});

describe('describeToolError', () => {
  it('prefixes the field and appends the hint of library errors', () => {
    const error = new ValidationError('unknown "foo"; valid: pairs, sma-crossover', {
      field: 'strategy',
      hint: 'call list_strategies',
    });
    expect(describeToolError(error)).toEqual({
      text: 'strategy: unknown "foo"; valid: pairs, sma-crossover\nhint: call list_strategies',
      expected: true,
    });
  });

  it('does not repeat a field the message already names', () => {
    const error = new ValidationError('quantity: must be > 0', { field: 'quantity' });
    expect(describeToolError(error).text).toBe('quantity: must be > 0');
  });

  it('a broker timeout says the order may exist and how to check, without retrying', () => {
    const { text } = describeToolError(orderStateUnknown('abc-1', new Error('socket timeout')));
    expect(text).toMatch(/MAY HAVE BEEN PLACED \(client_order_id abc-1\): socket timeout/);
    expect(text).toMatch(/hint: call get_orders with client_order_id "abc-1"/);
  });

  it('marks unexpected errors as internal', () => {
    expect(describeToolError(new TypeError('x is undefined'))).toEqual({
      text: 'internal error: x is undefined',
      expected: false,
    });
  });
});
