import { randomBytes } from 'node:crypto';

/**
 * Order ids: time-ordered (ms since epoch, then a per-process counter) plus a random per-process tag,
 * so ids are unique across restarts and processes, sort by creation, and new journal rows land at the
 * end of the SQLite indexes instead of on random pages (a random UUID key dirties a page per index).
 */
const PROCESS_TAG = randomBytes(3).toString('hex');
let idSequence = 0;
export function newOrderId(): string {
  idSequence = (idSequence + 1) % 36 ** 5;
  return `${Date.now().toString(36)}${idSequence.toString(36).padStart(5, '0')}${PROCESS_TAG}`;
}

/** A generated client order id: `nt-paper-...` or `nt-live-...` (real money), never the other way round. */
export function newClientOrderId(live: boolean, id: string = newOrderId()): string {
  return `nt-${live ? 'live' : 'paper'}-${id}`;
}
