import { describe, expect, it } from 'vitest';
import { formatCell, renderKeyValues, renderTable } from '../../src/cli/output.js';

describe('CLI tables', () => {
  it('prints quantities without padding zeros and aligns each column on one number of decimals', () => {
    expect(formatCell(1991)).toBe('1991');
    // Float noise from fills (1991.0000000001) is not a fractional quantity.
    expect(formatCell(1991.0000000001)).toBe('1991');
    expect(formatCell(0.5)).toBe('0.5');
    expect(formatCell(-0.00001)).toBe('0');
    const text = renderTable([
      { quantity: 1991, price: 10.5 },
      { quantity: 2.25, price: 101.25 },
    ]);
    expect(text.split('\n')[2]).toBe('    1991   10.50');
    expect(text.split('\n')[3]).toBe('    2.25  101.25');
    // Money asks for its currency decimals: 98114.1 is 98114.10, a whole amount stays whole.
    expect(formatCell(98114.1, 2)).toBe('98114.10');
    expect(formatCell(1991.0000000001, 2)).toBe('1991');
    expect(renderTable([{ quantity: 10, cash: 1885.9 }], undefined, 2).split('\n')[2]).toBe(
      '      10  1885.90',
    );
    // In a money column (fixed decimals) a whole amount keeps them, so the decimal points line up; a
    // column of whole values (quantities) stays whole.
    const money = renderTable(
      [
        { quantity: 100, cvar: 2617.95 },
        { quantity: 200, cvar: 2402.0000000001 },
      ],
      undefined,
      2,
    ).split('\n');
    expect(money.slice(2)).toEqual(['     100  2617.95', '     200  2402.00', '']);
  });

  it('labels percents: a `_pct` field is printed with a % sign, everything else as a number', () => {
    expect(renderKeyValues({ return_pct: 12.3456, cash: 669.61, positions: undefined })).toBe(
      'return_pct  12.35%\ncash        669.61\n',
    );
  });
});
