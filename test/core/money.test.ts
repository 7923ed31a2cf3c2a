import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currency, formatMoney, parseMoney, splitByWeights } from '../../src/core/money.js';
import { openDatabase } from '../../src/core/sqlite.js';

describe('money', () => {
  it('parses decimal text exactly and refuses what a ledger cannot book', () => {
    expect(parseMoney('1234.5')).toBe(123450);
    expect(parseMoney(0.1)).toBe(10);
    expect(parseMoney('0.10')).toBe(10);
    expect(parseMoney('-3.25', undefined, { allowNegative: true })).toBe(-325);
    expect(parseMoney('5', currency('jpy'))).toBe(5);
    expect(() => parseMoney('10.005')).toThrow(/more decimals than USD/);
    expect(() => parseMoney('1e3')).toThrow(/not a decimal amount/);
    expect(() => parseMoney('0x10')).toThrow(/not a decimal amount/);
    expect(() => parseMoney(0)).toThrow(/more than zero/);
    expect(() => parseMoney(-1)).toThrow(/must be positive/);
    expect(() => parseMoney(Number.NaN)).toThrow(/finite/);
    expect(() => currency('XYZ')).toThrow(/unknown currency/);
  });

  it('formats minor units back to the same text', () => {
    expect(formatMoney(123450)).toBe('1234.50');
    expect(formatMoney(-5)).toBe('-0.05');
    expect(formatMoney(7, currency('JPY'))).toBe('7');
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (minor) => {
        expect(parseMoney(formatMoney(minor), undefined, { allowNegative: true, allowZero: true })).toBe(
          minor,
        );
      }),
    );
  });

  it('splits an amount exactly, largest remainder first, ties to the lower index', () => {
    expect(splitByWeights(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(splitByWeights(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(splitByWeights(10, [0, 1])).toEqual([0, 10]);
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (total, weights) => {
          fc.pre(weights.some((w) => w > 0));
          const parts = splitByWeights(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          parts.forEach((p, i) => {
            if (weights[i] === 0) expect(p).toBe(0);
            expect(Number.isInteger(p)).toBe(true);
          });
        },
      ),
    );
  });
});

describe('openDatabase', () => {
  it('refuses an empty or foreign file naming it, and never replaces it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-sqlite-'));
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    expect(() => openDatabase(empty, { kind: 'order journal' })).toThrow(`order journal ${empty} is empty`);
    const foreign = join(dir, 'foreign.db');
    writeFileSync(foreign, 'x'.repeat(4096));
    expect(() => openDatabase(foreign, { kind: 'bet ledger' })).toThrow(
      /bet ledger .* is not a SQLite database/,
    );
    const fresh = openDatabase(join(dir, 'new.db'), { kind: 'bar cache', check: true });
    expect(fresh.pragma('journal_mode', { simple: true })).toBe('wal');
    fresh.close();
  });
});
