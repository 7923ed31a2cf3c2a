import { type MarketCalendar, sessionCloseAfter } from '../core/calendar.js';
import type { EpochMs } from '../core/time.js';

/**
 * When day orders end: at the close of the session of the instrument they trade, not at UTC midnight.
 * A US equity's day order placed during the session expires at 16:00 New York that day (placed after
 * the close or on a weekend: at the next session's close); a crypto pair's at 00:00 UTC; an FX pair's
 * at the 17:00 New York roll. Used by the paper broker (resting orders) and by the OrderManager
 * (orders re-placed after a restart, and the periodic sweep of a long-running session).
 */

const CURRENCIES = new Set(['USD', 'EUR', 'CHF', 'JPY', 'GBP', 'AUD', 'CAD', 'NZD', 'SEK', 'NOK', 'DKK']);

/** The market calendar of a symbol: BASE/QUOTE pairs are crypto (Alpaca's spelling), two currency codes FX. */
export function calendarOfSymbol(symbol: string): MarketCalendar {
  if (symbol.includes('/')) return 'crypto';
  if (/^[A-Z]{6}$/.test(symbol) && CURRENCIES.has(symbol.slice(0, 3)) && CURRENCIES.has(symbol.slice(3)))
    return 'fx';
  return 'us-equity';
}

/** The moment a day order for `symbol` placed (by the market clock) at `placedAt` expires. */
export function dayOrderExpiry(symbol: string, placedAt: EpochMs): EpochMs {
  return sessionCloseAfter(placedAt, calendarOfSymbol(symbol));
}
