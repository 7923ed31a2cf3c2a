import type { EventEmitter } from 'node:events';
import type { OrderRequest, PreTradeCheck, PreTradeContext } from '../core/orders.js';
import { checkOrderShape, OrderRejectedError } from './checks.js';

/**
 * The checks every order passes before a broker sees it, in order: its shape (quantities, prices,
 * order type), the kill switch, then each registered pre-trade check (limits, risk, circuit breakers)
 * against the account as it stands. The first refusal throws OrderRejectedError; nothing is written.
 * The context is built only when a registered check will read it.
 */
export function runSubmissionChecks(
  request: OrderRequest,
  killSwitch: string | undefined,
  checks: readonly PreTradeCheck[],
  context: () => PreTradeContext,
): void {
  const shape = checkOrderShape(request);
  if (shape) throw new OrderRejectedError(shape);
  if (killSwitch !== undefined) {
    throw new OrderRejectedError({ check: 'kill-switch', message: `kill switch: ${killSwitch}` });
  }
  if (checks.length === 0) return;
  const current = context();
  for (const check of checks) {
    const rejection = check.check(request, current);
    if (rejection) throw new OrderRejectedError(rejection);
  }
}

/**
 * The events `event` of `emitter` from now on as an async iterator; it ends on the emitter's 'close'
 * event, when `signal` aborts, or when the consumer stops (`return`).
 */
export function updateIterator<T>(
  emitter: EventEmitter,
  event: string,
  signal?: AbortSignal,
): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const listener = (u: T) => {
    queue.push(u);
    wake?.();
  };
  const finish = () => {
    done = true;
    emitter.off(event, listener);
    emitter.off('close', finish);
    wake?.();
  };
  emitter.on(event, listener);
  emitter.on('close', finish);
  signal?.addEventListener('abort', finish, { once: true });
  const iterator: AsyncIterableIterator<T> = {
    next: async () => {
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const value = queue.shift();
      return value !== undefined ? { value, done: false } : { value: undefined, done: true };
    },
    return: async () => {
      finish();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
