import { describe, expect, it } from 'vitest';
import { toJsonView } from '../../src/core/json-view.js';

const DAY = Date.UTC(1995, 0, 3);

describe('the JSON conventions of the faces', () => {
  it('CLI JSON: camelCase keys, ISO dates, parameter names untouched', () => {
    const view = toJsonView(
      {
        start: DAY,
        timestamps: new Float64Array([DAY, DAY + 86_400_000]),
        positions: [{ symbol: 'KO', average_cost: 10, created_at: DAY }],
        fills: [{ timestamp: DAY, price: 1 }],
        params: { entry_threshold: 2 },
        bars: 2,
        elapsedMs: 12.5,
      },
      'camel',
    );
    expect(view).toEqual({
      start: '1995-01-03',
      timestamps: ['1995-01-03', '1995-01-04'],
      positions: [{ symbol: 'KO', averageCost: 10, createdAt: '1995-01-03' }],
      fills: [{ timestamp: '1995-01-03', price: 1 }],
      params: { entry_threshold: 2 },
      bars: 2,
      elapsedMs: 12.5,
    });
  });

  it('never mixes dates and instants in one document, and leaves non-timestamps alone', () => {
    const view = toJsonView(
      { bars: [{ timestamp: DAY }, { timestamp: DAY + 1_800_000 }], end: 'open', endIndex: 5, time: 42 },
      'camel',
    ) as { bars: { timestamp: string }[]; end: string; endIndex: number; time: number };
    expect(view.bars.map((b) => b.timestamp)).toEqual(['1995-01-03T00:00:00Z', '1995-01-03T00:30:00Z']);
    expect(view.end).toBe('open');
    expect(view.endIndex).toBe(5);
    // 42 ms after 1970 under a time-like name is not a timestamp anyone means.
    expect(view.time).toBe(42);
  });

  it('symbols and upper-case keys are data, not field names', () => {
    expect(toJsonView({ positions: { 'DJ30:MSFT': 1, BRK_B: 2 }, ALPACA_API_KEY: '***' }, 'snake')).toEqual({
      positions: { 'DJ30:MSFT': 1, BRK_B: 2 },
      ALPACA_API_KEY: '***',
    });
  });
});
