import WebSocket from 'ws';
import { z } from 'zod';
import { ConfigError, ProviderError, ValidationError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { registerSecret } from '../core/redact.js';
import type { EpochMs } from '../core/time.js';

/**
 * Alpaca's real-time market data WebSocket as an async iterator of bars, quotes and trades. Stocks stream
 * from wss://stream.data.alpaca.markets/v2/{feed}, crypto pairs (BASE/QUOTE, e.g. BTC/USD) from
 * wss://stream.data.alpaca.markets/v1beta3/crypto/us (same messages); one stream carries one of the two. The protocol: the server greets with
 * [{"T":"success","msg":"connected"}]; we send {"action":"auth","key","secret"}; after
 * [{"T":"success","msg":"authenticated"}] we send {"action":"subscribe","bars":[..],"quotes":[..],
 * "trades":[..]}. Every server message is a JSON array of {T: 'b'|'q'|'t'|'success'|'error'|'subscription'}.
 * A dropped connection is reopened with exponential backoff, re-authenticated and re-subscribed.
 */
export interface StreamBar {
  type: 'bar';
  symbol: string;
  timestamp: EpochMs;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface StreamQuote {
  type: 'quote';
  symbol: string;
  timestamp: EpochMs;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
}

export interface StreamTrade {
  type: 'trade';
  symbol: string;
  timestamp: EpochMs;
  price: number;
  size: number;
}

export type MarketDataEvent = StreamBar | StreamQuote | StreamTrade;

export interface Subscription {
  bars?: string[];
  quotes?: string[];
  trades?: string[];
}

export interface AlpacaMarketDataStreamOptions {
  keyId: string;
  secretKey: string;
  /** iex (free) or sip (paid). Default iex. */
  feed?: string;
  /**
   * Full stream URL; default env ALPACA_STREAM_URL (stocks) or ALPACA_CRYPTO_STREAM_URL (crypto), else
   * the endpoint for `symbols` under `baseUrl`.
   */
  url?: string;
  /** The symbols to stream: crypto pairs (BTC/USD) pick the crypto endpoint. Default: stocks. */
  symbols?: readonly string[];
  /** Host of the default endpoints (default wss://stream.data.alpaca.markets). */
  baseUrl?: string;
  /** First reconnect delay (default 500 ms; doubles, capped at 30 s). */
  retryBaseMs?: number;
  /** Give up after this many consecutive failed reconnects (default 10). */
  maxReconnects?: number;
}

const log = createLogger('alpaca:stream');

export const ALPACA_STREAM_BASE_URL = 'wss://stream.data.alpaca.markets';

/** Crypto pairs are written BASE/QUOTE (BTC/USD), as in the historical data API. */
function isCryptoPair(symbol: string): boolean {
  return symbol.includes('/');
}

/** Whether symbols stream from the crypto endpoint; refuses a mix, which needs two streams. */
export function streamsCrypto(symbols: readonly string[]): boolean {
  const crypto = symbols.filter(isCryptoPair);
  if (crypto.length > 0 && crypto.length < symbols.length) {
    const stocks = symbols.filter((s) => !isCryptoPair(s));
    throw new ValidationError(
      `symbols: crypto (${crypto.join(', ')}) and stocks (${stocks.join(', ')}) stream from different Alpaca endpoints`,
      { field: 'symbols', hint: 'run crypto pairs and stocks as separate sessions' },
    );
  }
  return crypto.length > 0;
}

/** The market data stream endpoint: v1beta3/crypto/us for crypto pairs, v2/{feed} for stocks. */
export function alpacaStreamUrl(crypto: boolean, feed = 'iex', baseUrl = ALPACA_STREAM_BASE_URL): string {
  return crypto ? `${baseUrl}/v1beta3/crypto/us` : `${baseUrl}/v2/${feed}`;
}

/** RFC 3339 with nanoseconds -> epoch ms (Date.parse handles at most milliseconds everywhere). */
function parseTime(value: string): EpochMs {
  return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
}

const BarMessage = z.looseObject({
  T: z.literal('b'),
  S: z.string(),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  t: z.string(),
});
const QuoteMessage = z.looseObject({
  T: z.literal('q'),
  S: z.string(),
  bp: z.number(),
  ap: z.number(),
  bs: z.number().optional(),
  as: z.number().optional(),
  t: z.string(),
});
const TradeMessage = z.looseObject({
  T: z.literal('t'),
  S: z.string(),
  p: z.number(),
  s: z.number(),
  t: z.string(),
});
const ControlMessage = z.looseObject({
  T: z.enum(['success', 'error', 'subscription']),
  msg: z.string().optional(),
  code: z.number().optional(),
});

export class AlpacaMarketDataStream implements AsyncIterable<MarketDataEvent> {
  readonly url: string;
  /** Whether this stream carries crypto pairs (else stocks). */
  readonly crypto: boolean;
  private readonly keyId: string;
  private readonly secretKey: string;
  private readonly retryBaseMs: number;
  private readonly maxReconnects: number;
  private readonly wanted = { bars: new Set<string>(), quotes: new Set<string>(), trades: new Set<string>() };
  private readonly queue: MarketDataEvent[] = [];
  private wake?: () => void;
  private socket?: WebSocket;
  private authenticated = false;
  private closed = false;
  private failure?: Error;
  private started = false;
  private reconnects = 0;
  /** Connections opened so far (1 + reconnects), for monitoring. */
  connections = 0;

  constructor(options: AlpacaMarketDataStreamOptions) {
    if (!options.keyId || !options.secretKey) {
      throw new ConfigError('Alpaca API key and secret are required for the market data stream', {
        field: 'ALPACA_API_KEY',
        hint: 'set ALPACA_API_KEY and ALPACA_SECRET_KEY in .env, or use the paper broker with replayed sample data',
      });
    }
    registerSecret(options.keyId);
    registerSecret(options.secretKey);
    this.keyId = options.keyId;
    this.secretKey = options.secretKey;
    this.crypto = streamsCrypto(options.symbols ?? []);
    this.url =
      options.url ??
      (this.crypto ? process.env.ALPACA_CRYPTO_STREAM_URL : process.env.ALPACA_STREAM_URL) ??
      alpacaStreamUrl(this.crypto, options.feed, options.baseUrl);
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.maxReconnects = options.maxReconnects ?? 10;
  }

  /** Add symbols to the subscription (sent at once when connected, and again after every reconnect). */
  subscribe(subscription: Subscription): this {
    const symbols = [
      ...(subscription.bars ?? []),
      ...(subscription.quotes ?? []),
      ...(subscription.trades ?? []),
    ];
    if (symbols.length > 0 && streamsCrypto(symbols) !== this.crypto) {
      throw new ValidationError(
        `symbols: ${symbols.join(', ')} cannot stream on this ${this.crypto ? 'crypto' : 'stocks'} stream (${this.url})`,
        { field: 'symbols', hint: 'create the stream with these symbols so it picks their endpoint' },
      );
    }
    for (const s of subscription.bars ?? []) this.wanted.bars.add(s);
    for (const s of subscription.quotes ?? []) this.wanted.quotes.add(s);
    for (const s of subscription.trades ?? []) this.wanted.trades.add(s);
    if (this.authenticated) this.sendSubscription('subscribe', subscription);
    if (!this.started) this.start();
    return this;
  }

  unsubscribe(subscription: Subscription): this {
    for (const s of subscription.bars ?? []) this.wanted.bars.delete(s);
    for (const s of subscription.quotes ?? []) this.wanted.quotes.delete(s);
    for (const s of subscription.trades ?? []) this.wanted.trades.delete(s);
    if (this.authenticated) this.sendSubscription('unsubscribe', subscription);
    return this;
  }

  private sendSubscription(action: 'subscribe' | 'unsubscribe', s: Subscription): void {
    this.socket?.send(
      JSON.stringify({ action, bars: s.bars ?? [], quotes: s.quotes ?? [], trades: s.trades ?? [] }),
    );
  }

  private start(): void {
    this.started = true;
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    this.connections++;
    this.authenticated = false;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.on('message', (raw) => this.onMessage(socket, raw.toString()));
    socket.on('error', (error) => log.debug('market data stream error', { error }));
    socket.on('close', () => {
      if (this.closed || this.socket !== socket) return;
      this.authenticated = false;
      if (++this.reconnects > this.maxReconnects) {
        this.fail(
          new ProviderError('alpaca', `market data stream: gave up after ${this.maxReconnects} reconnects`, {
            code: 'TIMEOUT',
          }),
        );
        return;
      }
      const delay = Math.min(30_000, this.retryBaseMs * 2 ** (this.reconnects - 1));
      log.warn('market data stream disconnected; reconnecting', { attempt: this.reconnects, delay });
      setTimeout(() => this.connect(), delay);
    });
  }

  private onMessage(socket: WebSocket, text: string): void {
    let messages: unknown;
    try {
      messages = JSON.parse(text);
    } catch {
      log.warn('unreadable market data message');
      return;
    }
    if (!Array.isArray(messages)) return;
    for (const m of messages) {
      const type = (m as { T?: unknown }).T;
      if (type === 'b') {
        const b = BarMessage.safeParse(m);
        if (b.success) {
          const d = b.data;
          this.push({
            type: 'bar',
            symbol: d.S,
            timestamp: parseTime(d.t),
            open: d.o,
            high: d.h,
            low: d.l,
            close: d.c,
            volume: d.v,
          });
        }
      } else if (type === 'q') {
        const q = QuoteMessage.safeParse(m);
        if (q.success) {
          const d = q.data;
          this.push({
            type: 'quote',
            symbol: d.S,
            timestamp: parseTime(d.t),
            bid: d.bp,
            ask: d.ap,
            bidSize: d.bs ?? 0,
            askSize: d.as ?? 0,
          });
        }
      } else if (type === 't') {
        const t = TradeMessage.safeParse(m);
        if (t.success)
          this.push({
            type: 'trade',
            symbol: t.data.S,
            timestamp: parseTime(t.data.t),
            price: t.data.p,
            size: t.data.s,
          });
      } else {
        const c = ControlMessage.safeParse(m);
        if (!c.success) continue;
        if (c.data.T === 'success' && c.data.msg === 'connected') {
          socket.send(JSON.stringify({ action: 'auth', key: this.keyId, secret: this.secretKey }));
        } else if (c.data.T === 'success' && c.data.msg === 'authenticated') {
          this.authenticated = true;
          this.reconnects = 0;
          const all: Subscription = {
            bars: [...this.wanted.bars],
            quotes: [...this.wanted.quotes],
            trades: [...this.wanted.trades],
          };
          this.sendSubscription('subscribe', all);
        } else if (c.data.T === 'subscription') {
          log.debug('subscribed', { message: c.data });
        } else if (c.data.T === 'error') {
          const code = c.data.code ?? 0;
          const message = `market data stream error ${code}: ${c.data.msg ?? ''}`;
          // 401/402/403/404: not authenticated, auth failed, already authenticated badly, auth timeout;
          // 409: insufficient subscription. Reconnecting will not help.
          if ([401, 402, 404, 409].includes(code)) {
            this.fail(
              new ProviderError('alpaca', message, {
                code: 'AUTH',
                hint: 'check ALPACA_API_KEY / ALPACA_SECRET_KEY and the feed (iex is free, sip needs a subscription)',
              }),
            );
          } else {
            log.warn(message);
          }
        }
      }
    }
  }

  private push(event: MarketDataEvent): void {
    this.queue.push(event);
    this.wake?.();
  }

  private fail(error: Error): void {
    this.failure = error;
    this.closed = true;
    this.socket?.close();
    this.wake?.();
  }

  /** Next event; throws when the stream failed for good, returns undefined once closed. */
  async next(): Promise<MarketDataEvent | undefined> {
    if (!this.started) this.start();
    while (this.queue.length === 0) {
      if (this.failure) throw this.failure;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    return this.queue.shift();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MarketDataEvent> {
    for (;;) {
      const event = await this.next();
      if (event === undefined) return;
      yield event;
    }
  }

  close(): void {
    this.closed = true;
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    this.wake?.();
  }
}
