import { describe, expect, it } from 'vitest';
import {
  normalizeSymbol,
  parseIdentifier,
  parseStrictNumber,
  parseSymbolList,
} from '../../src/core/inputs.js';

describe('shared input parsers', () => {
  it('normalises symbols and refuses odd ones', () => {
    expect(normalizeSymbol(' aapl ')).toBe('AAPL');
    expect(normalizeSymbol('btc/usd')).toBe('BTC/USD');
    expect(normalizeSymbol('DJ30:MSFT')).toBe('DJ30:MSFT');
    expect(() => normalizeSymbol('')).toThrow(/required/);
    expect(() => normalizeSymbol('A B')).toThrow(/is not a symbol/);
    expect(() => normalizeSymbol('X'.repeat(33))).toThrow(/longer than 32/);
  });

  it('reads symbol lists written with spaces, commas or both', () => {
    expect(parseSymbolList('KO,PG')).toEqual(['KO', 'PG']);
    expect(parseSymbolList(['ko', 'pg'])).toEqual(['KO', 'PG']);
    expect(parseSymbolList(['KO, PG'])).toEqual(['KO', 'PG']);
    expect(() => parseSymbolList('KO,ko')).toThrow(/listed twice/);
    expect(() => parseSymbolList(' , ')).toThrow(/at least one/);
  });

  it('accepts decimal numbers only', () => {
    expect(parseStrictNumber('10', 'qty')).toBe(10);
    expect(parseStrictNumber('.5', 'qty')).toBe(0.5);
    expect(parseStrictNumber('1e-3', 'rate')).toBe(0.001);
    expect(() => parseStrictNumber('0x10', 'qty')).toThrow('qty: "0x10" is not a decimal number');
    expect(() => parseStrictNumber('', 'qty')).toThrow(/not a decimal/);
    expect(() => parseStrictNumber('Infinity', 'qty')).toThrow(/not a decimal/);
    expect(() => parseStrictNumber('1e3', 'qty', { allowExponent: false })).toThrow(/not a decimal number/);
    expect(() => parseStrictNumber('0', 'qty', { min: 0, exclusiveMin: true })).toThrow(/more than 0/);
    expect(() => parseStrictNumber('1.5', 'bars', { integer: true })).toThrow(/whole number/);
    expect(() => parseStrictNumber(Number.NaN, 'qty')).toThrow(/finite/);
  });

  it('bounds identifiers', () => {
    expect(parseIdentifier('my-order.1', 'client_order_id')).toBe('my-order.1');
    expect(() => parseIdentifier('a\nb', 'client_order_id')).toThrow(/characters ids may not use/);
    expect(() => parseIdentifier('x'.repeat(65), 'client_order_id')).toThrow(/longer than 64/);
    expect(() => parseIdentifier('', 'account')).toThrow(/empty/);
  });
});
