import WebSocket from 'ws';
import type { z } from 'zod';
import { isAlpacaLiveUrl } from '../core/config.js';
import { ConfigError, NeuralTraderError, ProviderError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { OrderStatus } from '../core/orders.js';
import { redact, registerSecret } from '../core/redact.js';
import type { EpochMs } from '../core/time.js';
import {
  AlpacaAccountSchema,
  AlpacaClockSchema,
  AlpacaErrorSchema,
  type AlpacaOrder,
  AlpacaOrderSchema,
  AlpacaPositionSchema,
  AuthorizationSchema,
  TradeStreamMessageSchema,
  TradeUpdateSchema,
} from './alpaca-schemas.js';
import type {
  Broker,
  BrokerAccount,
  BrokerAck,
  BrokerEvent,
  BrokerEventListener,
  BrokerOrderRequest,
  BrokerOrderState,
  BrokerPosition,
  OrderChanges,
} from './broker.js';
import { BrokerRejectedError, OrderStateUnknownError } from './errors.js';

/**
 * Alpaca Trading API v2 behind the Broker interface: REST for orders, account, clock and positions,
 * and the `trade_updates` WebSocket stream for acceptances, fills, cancels and rejections.
 *
 * Retry policy: reads (GET) are retried with exponential backoff on 429 and 5xx and network errors.
 * An order POST is never retried blindly: after a timeout, network error or 5xx the order is looked up
 * by client order id, and resubmitted only if Alpaca provably has no such order (404). If even the
 * lookup fails, `OrderStateUnknownError` tells the caller the order may have been placed.
 */
export interface AlpacaBrokerOptions {
  keyId: string;
  secretKey: string;
  /** Trading API root, e.g. https://paper-api.alpaca.markets. */
  baseUrl: string;
  /** WebSocket URL of the trade stream (default {baseUrl}/stream with ws(s)://). */
  streamUrl?: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Retries for reads (default 3). */
  maxRetries?: number;
  /** First backoff delay (default 250 ms; doubles each retry, capped at 8 s). */
  retryBaseMs?: number;
  /** Listen to trade_updates (default true). */
  stream?: boolean;
}

export interface AlpacaClock {
  timestamp: EpochMs;
  isOpen: boolean;
  nextOpen: EpochMs;
  nextClose: EpochMs;
}

const PROVIDER = 'alpaca';
const log = createLogger('alpaca');

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * The message of an Alpaca error body, redacted: a rejection may echo the request's headers or keys,
 * and this text is printed, returned to MCP clients and stored as the order's reason.
 */
function errorMessage(body: string): string {
  try {
    const parsed = AlpacaErrorSchema.safeParse(JSON.parse(body));
    if (parsed.success) return redact(parsed.data.message).slice(0, 500);
  } catch {
    // not JSON
  }
  return redact(body.slice(0, 200)) || '(empty body)';
}

/** Map an Alpaca order status onto our state machine's states. */
export function mapAlpacaStatus(status: string): OrderStatus {
  switch (status) {
    case 'partially_filled':
    case 'filled':
    case 'canceled':
    case 'expired':
    case 'rejected':
      return status;
    case 'pending_new':
      return 'new';
    case 'replaced':
      // The old order was superseded by a new one; ours follows the new broker order.
      return 'canceled';
    default:
      // new, accepted, pending_cancel, pending_replace, done_for_day, stopped, suspended, calculated,
      // accepted_for_bidding, held: alive at the broker.
      return 'accepted';
  }
}

function toTime(value: string | null | undefined, fallback: EpochMs): EpochMs {
  if (!value) return fallback;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : fallback;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AlpacaBroker implements Broker {
  readonly name = 'alpaca';
  readonly persistent = true;
  /** Orders trade real money (the base URL's host is Alpaca's live API). */
  readonly live: boolean;
  private readonly baseUrl: string;
  private readonly streamUrl: string;
  private readonly headers: Record<string, string>;
  private readonly keyId: string;
  private readonly secretKey: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly listeners = new Set<BrokerEventListener>();
  private readonly reconnectListeners = new Set<() => void>();
  private socket?: WebSocket;
  private closed = false;
  private reconnectAttempt = 0;
  private connected?: Promise<void>;
  private readonly wantStream: boolean;

  constructor(options: AlpacaBrokerOptions) {
    if (!options.keyId || !options.secretKey) {
      throw new ConfigError('Alpaca API key and secret are required for the alpaca broker', {
        field: 'ALPACA_API_KEY',
        hint: 'set ALPACA_API_KEY and ALPACA_SECRET_KEY in .env, or use --broker paper',
      });
    }
    registerSecret(options.keyId);
    registerSecret(options.secretKey);
    this.keyId = options.keyId;
    this.secretKey = options.secretKey;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.live = isAlpacaLiveUrl(this.baseUrl);
    this.streamUrl = options.streamUrl ?? `${this.baseUrl.replace(/^http/, 'ws')}/stream`;
    this.headers = {
      'APCA-API-KEY-ID': options.keyId,
      'APCA-API-SECRET-KEY': options.secretKey,
      'Content-Type': 'application/json',
      Accept: 'application/json',
    };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.wantStream = options.stream ?? true;
  }

  onEvent(listener: BrokerEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after the trade stream reconnected (events may have been missed: reconcile). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  private emit(event: BrokerEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  // ---- REST ------------------------------------------------------------------------------------

  /** One HTTP exchange; throws HttpStatusError on a non-2xx answer. */
  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: this.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    log.trace('response', { method, path, status: response.status });
    if (!response.ok) throw new HttpStatusError(response.status, text);
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ProviderError(PROVIDER, `${method} ${path}: response is not JSON`, {
        status: response.status,
      });
    }
  }

  private static retryable(error: unknown): boolean {
    if (error instanceof HttpStatusError) return error.status === 429 || error.status >= 500;
    return !(error instanceof NeuralTraderError);
  }

  /** A read with retries on 429/5xx/network errors. */
  private async read(path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send('GET', path);
      } catch (error) {
        if (attempt >= this.maxRetries || !AlpacaBroker.retryable(error))
          throw this.toProviderError('GET', path, error);
        const delay = Math.min(8_000, this.retryBaseMs * 2 ** attempt);
        log.debug('retrying read', { path, attempt: attempt + 1, delay, reason: describeError(error) });
        await sleep(delay);
      }
    }
  }

  private toProviderError(method: string, path: string, error: unknown): NeuralTraderError {
    if (error instanceof NeuralTraderError) return error;
    if (error instanceof HttpStatusError) {
      const message = errorMessage(error.body);
      if (error.status === 401) {
        return new ProviderError(PROVIDER, `${method} ${path}: not authorized (${message})`, {
          status: 401,
          code: 'AUTH',
          hint: 'check ALPACA_API_KEY / ALPACA_SECRET_KEY and that they belong to ALPACA_BASE_URL (paper vs live)',
        });
      }
      if (error.status === 429) {
        return new ProviderError(PROVIDER, `${method} ${path}: rate limited`, {
          status: 429,
          code: 'RATE_LIMIT',
        });
      }
      return new ProviderError(PROVIDER, `${method} ${path}: HTTP ${error.status}: ${message}`, {
        status: error.status,
      });
    }
    return new ProviderError(PROVIDER, `${method} ${path}: ${describeError(error)}`, {
      code: 'TIMEOUT',
      hint: 'check the network and ALPACA_BASE_URL',
      cause: error,
    });
  }

  private parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProviderError(
        PROVIDER,
        `unexpected ${what} from Alpaca: ${issue.path.join('.')}: ${issue.message}`,
      );
    }
    return parsed.data;
  }

  async account(): Promise<BrokerAccount> {
    const a = this.parse(AlpacaAccountSchema, await this.read('/v2/account'), 'account');
    return { cash: a.cash, equity: a.equity, buyingPower: a.buying_power };
  }

  async clock(): Promise<AlpacaClock> {
    const c = this.parse(AlpacaClockSchema, await this.read('/v2/clock'), 'clock');
    return {
      timestamp: Date.parse(c.timestamp),
      isOpen: c.is_open,
      nextOpen: Date.parse(c.next_open),
      nextClose: Date.parse(c.next_close),
    };
  }

  async positions(): Promise<BrokerPosition[]> {
    const list = this.parse(AlpacaPositionSchema.array(), await this.read('/v2/positions'), 'positions');
    return list.map((p) => ({
      symbol: p.symbol,
      quantity: p.side === 'short' && p.qty > 0 ? -p.qty : p.qty,
      averageCost: p.avg_entry_price,
      marketValue: p.market_value ?? Number.NaN,
    }));
  }

  async listOrders(status: 'open' | 'closed' | 'all' = 'open'): Promise<AlpacaOrder[]> {
    return this.parse(
      AlpacaOrderSchema.array(),
      await this.read(`/v2/orders?status=${status}&limit=500`),
      'orders',
    );
  }

  async getOrder(brokerOrderId: string): Promise<AlpacaOrder> {
    return this.parse(
      AlpacaOrderSchema,
      await this.read(`/v2/orders/${encodeURIComponent(brokerOrderId)}`),
      'order',
    );
  }

  async lookup(clientOrderId: string): Promise<BrokerOrderState | null> {
    const path = `/v2/orders:by_client_order_id?client_order_id=${encodeURIComponent(clientOrderId)}`;
    let raw: unknown;
    try {
      raw = await this.read(path);
    } catch (error) {
      if (error instanceof ProviderError && error.status === 404) return null;
      throw error;
    }
    let o = this.parse(AlpacaOrderSchema, raw, 'order');
    // A replaced order lives on as its replacement (a new id whose fills start from zero): follow the
    // chain to the order that stands now and count what the predecessors filled.
    let priorFilled = 0;
    let priorNotional = 0;
    for (let hops = 0; o.status === 'replaced' && o.replaced_by && hops < 20; hops++) {
      priorFilled += o.filled_qty;
      priorNotional += o.filled_qty * (o.filled_avg_price ?? 0);
      o = await this.getOrder(o.replaced_by);
    }
    const ownNotional = o.filled_qty * (o.filled_avg_price ?? 0);
    const total = priorFilled + o.filled_qty;
    return {
      brokerOrderId: o.id,
      clientOrderId,
      status: mapAlpacaStatus(o.status),
      filledQuantity: total,
      averageFillPrice: total > 0 ? (priorNotional + ownNotional) / total : Number.NaN,
      quantity: (o.qty ?? Number.NaN) + priorFilled,
      priorFilledQuantity: priorFilled,
    };
  }

  private static orderBody(order: BrokerOrderRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      symbol: order.symbol,
      qty: String(order.quantity),
      side: order.side,
      type: order.type,
      time_in_force: order.timeInForce ?? 'day',
      client_order_id: order.clientOrderId,
    };
    if (order.limitPrice !== undefined) body.limit_price = String(order.limitPrice);
    if (order.stopPrice !== undefined) body.stop_price = String(order.stopPrice);
    if (order.trailPercent !== undefined) body.trail_percent = String(order.trailPercent);
    if (order.trailPrice !== undefined) body.trail_price = String(order.trailPrice);
    return body;
  }

  private ack(raw: unknown): BrokerAck {
    const o = this.parse(AlpacaOrderSchema, raw, 'order');
    return { brokerOrderId: o.id, status: mapAlpacaStatus(o.status) };
  }

  private async postOrder(order: BrokerOrderRequest): Promise<BrokerAck> {
    return this.ack(await this.send('POST', '/v2/orders', AlpacaBroker.orderBody(order)));
  }

  async submit(order: BrokerOrderRequest): Promise<BrokerAck> {
    const id = order.clientOrderId;
    try {
      return await this.postOrder(order);
    } catch (error) {
      if (
        error instanceof HttpStatusError &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 429
      ) {
        if (error.status === 401) throw this.toProviderError('POST', '/v2/orders', error);
        throw new BrokerRejectedError(
          PROVIDER,
          `Alpaca rejected the order: ${errorMessage(error.body)}`,
          error.status,
        );
      }
      if (error instanceof NeuralTraderError) throw error;
      // Timeout, network error, 429 or 5xx: the order may or may not exist. Never POST again blindly.
      log.warn('order POST failed; looking the order up by client order id', {
        clientOrderId: id,
        reason: describeError(error),
      });
      let existing: BrokerOrderState | null;
      try {
        existing = await this.lookup(id);
      } catch (lookupError) {
        throw new OrderStateUnknownError(
          id,
          `the POST failed (${describeError(error)}) and the lookup failed too (${describeError(lookupError)})`,
          lookupError,
        );
      }
      if (existing) {
        log.info('order exists at Alpaca despite the failed POST', { clientOrderId: id });
        return { brokerOrderId: existing.brokerOrderId, status: existing.status };
      }
      log.info('Alpaca has no such order; resubmitting once', { clientOrderId: id });
      try {
        return await this.postOrder(order);
      } catch (retryError) {
        if (
          retryError instanceof HttpStatusError &&
          retryError.status >= 400 &&
          retryError.status < 500 &&
          retryError.status !== 429
        ) {
          throw new BrokerRejectedError(
            PROVIDER,
            `Alpaca rejected the order: ${errorMessage(retryError.body)}`,
            retryError.status,
          );
        }
        throw new OrderStateUnknownError(
          id,
          `the POST failed twice (${describeError(retryError)})`,
          retryError,
        );
      }
    }
  }

  async cancel(brokerOrderId: string): Promise<void> {
    const path = `/v2/orders/${encodeURIComponent(brokerOrderId)}`;
    try {
      await this.send('DELETE', path);
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 422) {
        throw new NeuralTraderError(
          'ORDER_REJECTED',
          `Alpaca refused to cancel: ${errorMessage(error.body)}`,
          {
            field: 'id',
            hint: 'the order is probably already filled or canceled; check `npx neural-trader order list`',
          },
        );
      }
      throw this.toProviderError('DELETE', path, error);
    }
    // The stream will say canceled too; asking now makes cancelOrder() reflect it without waiting.
    const o = await this.getOrder(brokerOrderId);
    const status = mapAlpacaStatus(o.status);
    if (status === 'canceled' && o.status !== 'replaced') {
      this.emit({
        type: 'canceled',
        clientOrderId: o.client_order_id,
        brokerOrderId: o.id,
        timestamp: toTime(o.updated_at, Date.now()),
        reason: 'canceled by request',
      });
    }
  }

  async replace(brokerOrderId: string, changes: OrderChanges): Promise<BrokerAck> {
    const body: Record<string, unknown> = {};
    if (changes.quantity !== undefined) body.qty = String(changes.quantity);
    if (changes.limitPrice !== undefined) body.limit_price = String(changes.limitPrice);
    if (changes.stopPrice !== undefined) body.stop_price = String(changes.stopPrice);
    if (changes.trailPercent !== undefined || changes.trailPrice !== undefined) {
      body.trail = String(changes.trailPercent ?? changes.trailPrice);
    }
    if (changes.timeInForce !== undefined) body.time_in_force = changes.timeInForce;
    const path = `/v2/orders/${encodeURIComponent(brokerOrderId)}`;
    try {
      return this.ack(await this.send('PATCH', path, body));
    } catch (error) {
      if (
        error instanceof HttpStatusError &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 429 &&
        error.status !== 401
      ) {
        throw new BrokerRejectedError(
          PROVIDER,
          `Alpaca refused the replace: ${errorMessage(error.body)}`,
          error.status,
        );
      }
      throw this.toProviderError('PATCH', path, error);
    }
  }

  // ---- trade_updates stream ----------------------------------------------------------------------

  /** Open the trade stream and wait until it listens to trade_updates. */
  async connect(): Promise<void> {
    if (!this.wantStream) return;
    this.closed = false;
    this.connected ??= this.openStream();
    return this.connected;
  }

  private openStream(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const socket = new WebSocket(this.streamUrl);
      this.socket = socket;
      socket.on('open', () => {
        log.debug('trade stream connected; authenticating');
        socket.send(JSON.stringify({ action: 'auth', key: this.keyId, secret: this.secretKey }));
      });
      socket.on('message', (raw) => {
        let message: z.infer<typeof TradeStreamMessageSchema>;
        try {
          message = TradeStreamMessageSchema.parse(JSON.parse(raw.toString()));
        } catch (error) {
          log.warn('unreadable trade stream message', { error });
          return;
        }
        if (message.stream === 'authorization') {
          const auth = AuthorizationSchema.safeParse(message.data);
          if (auth.success && auth.data.status === 'authorized') {
            socket.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
          } else {
            const error = new ProviderError(PROVIDER, 'trade stream: not authorized', {
              code: 'AUTH',
              hint: 'check ALPACA_API_KEY / ALPACA_SECRET_KEY',
            });
            this.closed = true;
            socket.close();
            if (!settled) {
              settled = true;
              reject(error);
            }
          }
        } else if (message.stream === 'listening') {
          const reconnected = this.reconnectAttempt > 0;
          this.reconnectAttempt = 0;
          log.debug('listening to trade_updates');
          if (!settled) {
            settled = true;
            resolve();
          }
          if (reconnected) for (const listener of this.reconnectListeners) listener();
        } else if (message.stream === 'trade_updates') {
          this.handleTradeUpdate(message.data);
        }
      });
      socket.on('error', (error) => {
        log.debug('trade stream error', { error });
        if (!settled && this.reconnectAttempt === 0) {
          settled = true;
          reject(new ProviderError(PROVIDER, `trade stream: ${error.message}`, { code: 'TIMEOUT' }));
        }
      });
      socket.on('close', () => {
        if (this.closed) return;
        const attempt = ++this.reconnectAttempt;
        const delay = Math.min(30_000, this.retryBaseMs * 2 ** (attempt - 1));
        log.warn('trade stream disconnected; reconnecting', { attempt, delay });
        setTimeout(() => {
          if (this.closed) return;
          this.connected = this.openStream().catch((error) => log.warn('reconnect failed', { error }));
        }, delay);
        if (!settled) {
          settled = true;
          resolve();
        }
      });
    });
  }

  private handleTradeUpdate(data: unknown): void {
    const parsed = TradeUpdateSchema.safeParse(data);
    if (!parsed.success) {
      log.warn('unexpected trade update', { issue: parsed.error.issues[0]?.message });
      return;
    }
    const u = parsed.data;
    const o = u.order;
    const timestamp = toTime(u.timestamp, Date.now());
    const base = { clientOrderId: o.client_order_id, brokerOrderId: o.id, timestamp };
    switch (u.event) {
      case 'new':
      case 'accepted':
        this.emit({ ...base, type: 'accepted' });
        return;
      case 'fill':
      case 'partial_fill': {
        const quantity = u.qty ?? o.filled_qty;
        const price = u.price ?? o.filled_avg_price;
        if (quantity === undefined || price === undefined) return;
        this.emit({
          ...base,
          type: 'fill',
          fill: {
            fillId: u.execution_id ?? `${o.id}:${o.filled_qty}`,
            quantity,
            price,
            commission: 0,
            timestamp,
            cumulativeQuantity: o.filled_qty,
          },
        });
        return;
      }
      case 'canceled':
      case 'expired':
      case 'rejected':
        this.emit({ ...base, type: u.event, reason: `${u.event} by Alpaca` });
        return;
      case 'replaced':
        this.emit({ ...base, type: 'replaced', replacedByBrokerOrderId: o.replaced_by ?? undefined });
        return;
      default:
        // pending_new, pending_cancel, pending_replace, done_for_day, calculated, order_*_rejected...
        log.debug('trade update', { event: u.event, clientOrderId: o.client_order_id });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket;
    this.socket = undefined;
    this.connected = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
        setTimeout(resolve, 1000).unref();
      });
    }
  }
}

function describeError(error: unknown): string {
  if (error instanceof HttpStatusError) return `HTTP ${error.status}: ${errorMessage(error.body)}`;
  if (error instanceof Error) return redact(error.name === 'TimeoutError' ? 'timed out' : error.message);
  return redact(String(error));
}
