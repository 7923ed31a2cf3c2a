import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { parseDate } from '../core/time.js';
import { signalFromChange } from './base.js';
import { type SignalData, toSignalColumns } from './input.js';
import { type ParamSpec, parseParams } from './params.js';
import type { Signal, SignalGenerator, Strategy, StrategyContext } from './types.js';

/** One trade of the account being mirrored. */
export interface MirrorTrade {
  /** When it happened: YYYY-MM-DD, ISO timestamp or epoch ms. */
  date: string | number;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
}

/** A position the mirrored account held from `date` on. */
export interface MirrorTarget {
  date: string | number;
  symbol: string;
  /** Signed (negative = short). */
  targetQuantity: number;
}

export interface MirrorParams {
  trades: MirrorTrade[];
  targets: MirrorTarget[];
  /** Multiply every quantity by this (0.1 = copy at a tenth of the size). */
  scale: number;
  /** Act this many bars after the bar on which the trade becomes visible. */
  delayBars: number;
}

const dateSchema = z.union([z.string().min(1), z.number()], {
  error: 'expected a date (YYYY-MM-DD or epoch ms)',
});

export const mirrorTradeSchema = z.object({
  date: dateSchema,
  symbol: z.string({ error: 'expected a symbol' }).min(1),
  side: z.enum(['buy', 'sell'], { error: 'expected "buy" or "sell"' }),
  quantity: z.number({ error: 'expected a number' }).positive({ error: 'must be greater than 0' }),
});

export const mirrorTargetSchema = z.object({
  date: dateSchema,
  symbol: z.string({ error: 'expected a symbol' }).min(1),
  targetQuantity: z.number({ error: 'expected a number' }),
});

export const mirrorParams: readonly ParamSpec[] = [
  {
    name: 'trades',
    type: 'list',
    default: [],
    item: mirrorTradeSchema,
    description: 'trades to copy: [{date, symbol, side, quantity}]',
  },
  {
    name: 'targets',
    type: 'list',
    default: [],
    item: mirrorTargetSchema,
    description: 'positions to copy: [{date, symbol, targetQuantity}]',
  },
  {
    name: 'scale',
    type: 'number',
    default: 1,
    min: 0.000001,
    max: 1_000_000,
    description: 'multiply every quantity by this',
  },
  {
    name: 'delayBars',
    type: 'integer',
    default: 0,
    min: 0,
    max: 10_000,
    grid: { min: 0, max: 5, step: 1 },
    description: 'bars to wait after a trade becomes visible before copying it',
  },
];

interface MirrorEvent {
  timestamp: number;
  symbol: string;
  /** Trades: signed quantity to trade. Targets: signed quantity to hold. */
  quantity: number;
  isTarget: boolean;
}

/** The symbols a trade/target list touches, in order of first appearance. */
export function mirrorSymbols(params: {
  trades?: readonly { symbol: string }[];
  targets?: readonly { symbol: string }[];
}): string[] {
  const symbols: string[] = [];
  for (const item of [...(params.trades ?? []), ...(params.targets ?? [])]) {
    if (!symbols.includes(item.symbol)) symbols.push(item.symbol);
  }
  return symbols;
}

/**
 * Replicates another account: each listed trade (or target position) is copied, scaled by `scale`, on
 * the first bar whose timestamp is at or after its date, plus `delayBars` bars. Trades become market
 * orders; targets become orders for the difference to the target. Events are processed in date order
 * (stable for equal dates); those dated before the first bar are copied on the first bar.
 */
export class MirrorStrategy implements Strategy, SignalGenerator {
  readonly name = 'mirror';
  readonly symbols: readonly string[];
  readonly warmup = 0;
  readonly params: Readonly<MirrorParams>;
  private readonly events: readonly MirrorEvent[];
  /** Bar index at which each seen event is due. */
  private readonly dueBar: Float64Array;
  private seen = 0;
  private executed = 0;

  constructor(params: Partial<MirrorParams> & { symbols?: readonly string[] }) {
    const p = parseParams<MirrorParams>('mirror', mirrorParams, params);
    if (p.trades.length === 0 && p.targets.length === 0) {
      throw new ValidationError('trades: mirror needs at least one trade or target to copy', {
        field: 'trades',
        hint: 'pass trades: [{date, symbol, side, quantity}] or targets: [{date, symbol, targetQuantity}]',
      });
    }
    const derived = mirrorSymbols(p);
    const symbols = params.symbols && params.symbols.length > 0 ? [...params.symbols] : derived;
    for (const symbol of derived) {
      if (!symbols.includes(symbol)) {
        throw new ValidationError(
          `symbols: the mirrored trades include ${symbol}, which is not among ${symbols.join(', ')}`,
          {
            field: 'symbols',
            hint: 'leave symbols out (they are taken from the trades) or list every traded symbol',
          },
        );
      }
    }
    const events: MirrorEvent[] = [
      ...p.trades.map((t, i) => ({
        timestamp: parseDate(t.date, `trades.${i}.date`),
        symbol: t.symbol,
        quantity: (t.side === 'buy' ? 1 : -1) * t.quantity * p.scale,
        isTarget: false,
      })),
      ...p.targets.map((t, i) => ({
        timestamp: parseDate(t.date, `targets.${i}.date`),
        symbol: t.symbol,
        quantity: t.targetQuantity * p.scale,
        isTarget: true,
      })),
    ];
    events.sort((a, b) => a.timestamp - b.timestamp);
    this.params = p;
    this.symbols = symbols;
    this.events = events;
    this.dueBar = new Float64Array(events.length);
  }

  onStart(_context: StrategyContext): void {
    this.seen = 0;
    this.executed = 0;
  }

  onBar(context: StrategyContext): void {
    const events = this.events;
    const bar = context.barIndex;
    const now = context.timestamp;
    while (this.seen < events.length && events[this.seen].timestamp <= now) {
      this.dueBar[this.seen++] = bar + this.params.delayBars;
    }
    while (this.executed < this.seen && this.dueBar[this.executed] <= bar) {
      const event = events[this.executed++];
      if (event.isTarget) {
        context.orderTargetQuantity(event.symbol, event.quantity, { type: 'market', tag: 'mirror' });
      } else if (event.quantity !== 0) {
        context.submitOrder({
          symbol: event.symbol,
          side: event.quantity > 0 ? 'buy' : 'sell',
          quantity: Math.abs(event.quantity),
          type: 'market',
          tag: 'mirror',
        });
      }
    }
  }

  /**
   * Whether the mirrored account's position in the data's symbol (a BarSeries' own symbol, else the
   * first symbol) rises ('buy') or falls ('sell') at the last bar, after scale and delay. Needs
   * timestamps: pass a BarSeries or bars with `timestamp`/`date`.
   */
  generateSignal(data: SignalData): Signal {
    const columns = toSignalColumns(data);
    if (!columns.hasTimestamps) {
      throw new ValidationError('mirror: generateSignal needs timestamps to place the copied trades', {
        field: 'data',
        hint: 'pass a BarSeries or bars with a timestamp or date field',
      });
    }
    const symbol = columns.symbol && this.symbols.includes(columns.symbol) ? columns.symbol : this.symbols[0];
    const n = columns.close.length;
    const delay = this.params.delayBars;
    let previous = 0;
    let current = 0;
    let seen = 0;
    const due: number[] = [];
    for (let bar = 0; bar < n; bar++) {
      previous = current;
      while (seen < this.events.length && this.events[seen].timestamp <= columns.timestamps[bar]) {
        due.push(bar + delay);
        seen++;
      }
      for (let i = 0; i < due.length; i++) {
        if (due[i] !== bar) continue;
        const event = this.events[i];
        if (event.symbol !== symbol) continue;
        current = event.isTarget ? event.quantity : current + event.quantity;
      }
    }
    return signalFromChange(previous, current);
  }
}
