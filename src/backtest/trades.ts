import type { EpochMs } from '../core/time.js';
import type { OpenTrade, RoundTripTrade } from './types.js';

/** An open lot: what one entry fill left open, with its share of the entry commission per unit. */
interface Lot {
  time: EpochMs;
  barIndex: number;
  price: number;
  /** Signed remaining quantity (+ long, - short). */
  quantity: number;
  commissionPerUnit: number;
}

/**
 * Builds round-trip trades from fills, first in first out: each reducing fill closes the oldest open
 * lots first; a fill that flips the position closes every lot and opens a new one with the rest.
 * Commissions are attributed pro rata to the quantity they paid for, so trade P&L is net.
 */
export class RoundTripTracker {
  private readonly lots = new Map<string, Lot[]>();
  readonly trades: RoundTripTrade[] = [];

  onFill(
    symbol: string,
    signedQuantity: number,
    price: number,
    commission: number,
    time: EpochMs,
    barIndex: number,
  ): void {
    let queue = this.lots.get(symbol);
    if (!queue) {
      queue = [];
      this.lots.set(symbol, queue);
    }
    const commissionPerUnit = signedQuantity !== 0 ? commission / Math.abs(signedQuantity) : 0;
    let remaining = signedQuantity;
    while (remaining !== 0 && queue.length > 0 && Math.sign(queue[0].quantity) !== Math.sign(remaining)) {
      const lot = queue[0];
      const closed = Math.min(Math.abs(lot.quantity), Math.abs(remaining));
      const direction = lot.quantity > 0 ? 1 : -1;
      const tradeCommission = closed * (lot.commissionPerUnit + commissionPerUnit);
      const pnl = direction * closed * (price - lot.price) - tradeCommission;
      this.trades.push({
        symbol,
        direction: direction > 0 ? 'long' : 'short',
        entryTime: lot.time,
        exitTime: time,
        entryPrice: lot.price,
        exitPrice: price,
        quantity: closed,
        pnl,
        returnFraction: lot.price > 0 ? pnl / (lot.price * closed) : 0,
        barsHeld: barIndex - lot.barIndex,
        commission: tradeCommission,
      });
      lot.quantity -= direction * closed;
      remaining += direction * closed;
      if (Math.abs(lot.quantity) < 1e-12) queue.shift();
      if (Math.abs(remaining) < 1e-12) remaining = 0;
    }
    if (remaining !== 0) {
      queue.push({ time, barIndex, price, quantity: remaining, commissionPerUnit });
    }
  }

  /** Lots still open, marked at `lastPrice(symbol)`. */
  openTrades(lastPrice: (symbol: string) => number, lastBarIndex: number): OpenTrade[] {
    const out: OpenTrade[] = [];
    for (const [symbol, queue] of this.lots) {
      const mark = lastPrice(symbol);
      for (const lot of queue) {
        out.push({
          symbol,
          direction: lot.quantity > 0 ? 'long' : 'short',
          entryTime: lot.time,
          entryPrice: lot.price,
          quantity: Math.abs(lot.quantity),
          lastPrice: mark,
          unrealizedPnl: lot.quantity * (mark - lot.price),
          barsHeld: lastBarIndex - lot.barIndex,
        });
      }
    }
    return out;
  }
}
