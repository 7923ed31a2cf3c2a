import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * A local fake of Alpaca's Trading API v2 (REST) and its trade_updates WebSocket stream, answering in
 * the documented wire formats on 127.0.0.1. Tests drive its behaviour with the knobs below and read
 * `requests` to assert what (if anything) reached "the broker".
 */
export interface FakeAlpacaOrder {
  id: string;
  client_order_id: string;
  created_at: string;
  updated_at: string;
  submitted_at: string;
  filled_at: string | null;
  expired_at: string | null;
  canceled_at: string | null;
  failed_at: string | null;
  replaced_at: string | null;
  replaced_by: string | null;
  replaces: string | null;
  asset_id: string;
  symbol: string;
  asset_class: 'us_equity';
  notional: null;
  qty: string;
  filled_qty: string;
  filled_avg_price: string | null;
  order_class: '';
  order_type: string;
  type: string;
  side: 'buy' | 'sell';
  time_in_force: string;
  limit_price: string | null;
  stop_price: string | null;
  status: string;
  extended_hours: boolean;
  legs: null;
  trail_percent: string | null;
  trail_price: string | null;
  hwm: string | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the next order POST does. */
export type PostFault =
  /** Create the order, then never answer (the client times out). */
  | 'timeout-after-create'
  /** Answer 500 without creating the order. */
  | 'error-500'
  /** Answer 500 after creating the order. */
  | 'error-500-after-create';

export interface FakeAlpacaTradingOptions {
  keyId?: string;
  secretKey?: string;
  /** Price at which market orders fill (default 100). */
  price?: number;
  buyingPower?: number;
  /** Fill market orders at once (in two halves when `partialFills`). Default true. */
  autoFill?: boolean;
  partialFills?: boolean;
  /**
   * Echo the request's credentials in every error body, as a misbehaving gateway or a verbose error
   * page might: the client must never print, return or store them.
   */
  echoCredentials?: boolean;
}

export class FakeAlpacaTrading {
  readonly keyId: string;
  readonly secretKey: string;
  readonly requests: RecordedRequest[] = [];
  readonly orders = new Map<string, FakeAlpacaOrder>();
  price: number;
  buyingPower: number;
  autoFill: boolean;
  partialFills: boolean;
  /** Faults applied to the next order POSTs, in order. */
  postFaults: PostFault[] = [];
  /** Every GET answers with this status while set (e.g. 500 for an outage). */
  failReadsWith?: number;
  /** Number of GETs to answer with 503 before answering normally. */
  transientReadFailures = 0;
  /** Stream connections that authenticated, in order. */
  authCount = 0;
  echoCredentials: boolean;
  private lastHeaders: IncomingMessage['headers'] = {};
  private server!: Server;
  private wss!: WebSocketServer;
  private readonly listeners = new Set<WebSocket>();

  constructor(options: FakeAlpacaTradingOptions = {}) {
    this.keyId = options.keyId ?? 'PKTESTKEY12345678';
    this.secretKey = options.secretKey ?? 'testsecretvalue0987654321';
    this.price = options.price ?? 100;
    this.buyingPower = options.buyingPower ?? 1_000_000;
    this.autoFill = options.autoFill ?? true;
    this.partialFills = options.partialFills ?? false;
    this.echoCredentials = options.echoCredentials ?? false;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => this.handle(req, res, body));
    });
    this.wss = new WebSocketServer({ server: this.server, path: '/stream' });
    this.wss.on('connection', (socket) => this.onSocket(socket));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Drop every stream connection (the client should reconnect and re-authenticate). */
  dropStreams(): void {
    for (const client of this.wss.clients) client.terminate();
    this.listeners.clear();
  }

  orderRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v2/orders'));
  }

  private json(res: ServerResponse, status: number, value: unknown): void {
    let body = value;
    if (this.echoCredentials && status >= 400 && value && typeof value === 'object' && 'message' in value) {
      const key = String(this.lastHeaders['apca-api-key-id'] ?? '');
      const secret = String(this.lastHeaders['apca-api-secret-key'] ?? '');
      body = {
        ...value,
        message: `${(value as { message: string }).message} (request APCA-API-KEY-ID: ${key}, APCA-API-SECRET-KEY: ${secret}; as sent: ${key}/${secret})`,
        request_headers: { 'APCA-API-KEY-ID': key, 'APCA-API-SECRET-KEY': secret },
      };
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    this.requests.push({
      method: req.method ?? '',
      path: `${path}${url.search}`,
      headers: req.headers,
      body,
    });
    this.lastHeaders = req.headers;
    if (
      req.headers['apca-api-key-id'] !== this.keyId ||
      req.headers['apca-api-secret-key'] !== this.secretKey
    ) {
      this.json(res, 401, { code: 40110000, message: 'request is not authorized' });
      return;
    }
    if (req.method === 'GET') {
      if (this.failReadsWith)
        return this.json(res, this.failReadsWith, { code: 50010000, message: 'internal server error' });
      if (this.transientReadFailures > 0) {
        this.transientReadFailures--;
        return this.json(res, 503, { code: 50310000, message: 'service unavailable' });
      }
    }
    if (req.method === 'GET' && path === '/v2/account') {
      return this.json(res, 200, {
        id: 'acct-1',
        account_number: 'PA0000001',
        status: 'ACTIVE',
        currency: 'USD',
        cash: String(this.buyingPower),
        portfolio_value: String(this.buyingPower),
        equity: String(this.buyingPower),
        buying_power: String(this.buyingPower),
        pattern_day_trader: false,
        trading_blocked: false,
      });
    }
    if (req.method === 'GET' && path === '/v2/clock') {
      return this.json(res, 200, {
        timestamp: '2024-01-02T10:00:00-05:00',
        is_open: true,
        next_open: '2024-01-03T09:30:00-05:00',
        next_close: '2024-01-02T16:00:00-05:00',
      });
    }
    if (req.method === 'GET' && path === '/v2/positions') return this.json(res, 200, this.positions());
    if (req.method === 'GET' && path === '/v2/orders:by_client_order_id') {
      const id = url.searchParams.get('client_order_id');
      const order = [...this.orders.values()].find((o) => o.client_order_id === id);
      return order
        ? this.json(res, 200, order)
        : this.json(res, 404, { code: 40410000, message: 'order not found' });
    }
    if (req.method === 'GET' && path === '/v2/orders') {
      const status = url.searchParams.get('status') ?? 'open';
      const open = ['new', 'accepted', 'partially_filled', 'pending_new'];
      return this.json(
        res,
        200,
        [...this.orders.values()].filter(
          (o) => status === 'all' || (status === 'open') === open.includes(o.status),
        ),
      );
    }
    const match = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (match) {
      const order = this.orders.get(match[1]);
      if (!order) return this.json(res, 404, { code: 40410000, message: 'order not found' });
      if (req.method === 'GET') return this.json(res, 200, order);
      if (req.method === 'DELETE') {
        if (!['new', 'accepted', 'partially_filled'].includes(order.status)) {
          return this.json(res, 422, {
            code: 42210000,
            message: `order is already in "${order.status}" state`,
          });
        }
        this.setStatus(order, 'canceled');
        this.publish('canceled', order);
        res.writeHead(204);
        res.end();
        return;
      }
      if (req.method === 'PATCH') return this.replace(order, JSON.parse(body || '{}'), res);
    }
    if (req.method === 'POST' && path === '/v2/orders') return this.create(JSON.parse(body || '{}'), res);
    this.json(res, 404, { code: 40410000, message: 'endpoint not found' });
  }

  private create(body: Record<string, string>, res: ServerResponse) {
    const fault = this.postFaults.shift();
    if (fault === 'error-500')
      return this.json(res, 500, { code: 50010000, message: 'internal server error' });
    if ([...this.orders.values()].some((o) => o.client_order_id === body.client_order_id)) {
      return this.json(res, 422, { code: 40010001, message: 'client_order_id must be unique' });
    }
    const qty = Number(body.qty);
    if (!(qty > 0)) return this.json(res, 422, { code: 40010001, message: 'qty must be > 0' });
    const price = body.limit_price ? Number(body.limit_price) : this.price;
    if (body.side === 'buy' && qty * price > this.buyingPower) {
      return this.json(res, 403, { code: 40310000, message: 'insufficient buying power' });
    }
    const now = new Date().toISOString();
    const order: FakeAlpacaOrder = {
      id: randomUUID(),
      client_order_id: body.client_order_id ?? randomUUID(),
      created_at: now,
      updated_at: now,
      submitted_at: now,
      filled_at: null,
      expired_at: null,
      canceled_at: null,
      failed_at: null,
      replaced_at: null,
      replaced_by: null,
      replaces: null,
      asset_id: randomUUID(),
      symbol: body.symbol,
      asset_class: 'us_equity',
      notional: null,
      qty: body.qty,
      filled_qty: '0',
      filled_avg_price: null,
      order_class: '',
      order_type: body.type,
      type: body.type,
      side: body.side as 'buy' | 'sell',
      time_in_force: body.time_in_force,
      limit_price: body.limit_price ?? null,
      stop_price: body.stop_price ?? null,
      status: 'new',
      extended_hours: false,
      legs: null,
      trail_percent: body.trail_percent ?? null,
      trail_price: body.trail_price ?? null,
      hwm: null,
    };
    this.orders.set(order.id, order);
    if (fault === 'timeout-after-create') {
      // Never answer: the client's timeout fires. The order exists.
      this.afterCreate(order);
      return;
    }
    if (fault === 'error-500-after-create') {
      this.afterCreate(order);
      return this.json(res, 500, { code: 50010000, message: 'internal server error' });
    }
    this.json(res, 200, order);
    this.afterCreate(order);
  }

  private afterCreate(order: FakeAlpacaOrder): void {
    this.publish('new', order);
    if (this.autoFill && order.type === 'market') {
      const qty = Number(order.qty);
      if (this.partialFills && qty > 1) {
        const half = Math.floor(qty / 2);
        this.fill(order, half, this.price);
        this.fill(order, qty - half, this.price + 0.5);
      } else {
        this.fill(order, qty, this.price);
      }
    }
  }

  /** Execute `qty` of an order at `price`; publishes (partial_)fill unless `silent` (e.g. while nobody listens). */
  fill(order: FakeAlpacaOrder, qty: number, price: number): void {
    const before = Number(order.filled_qty);
    const after = before + qty;
    const avg = before > 0 ? (before * Number(order.filled_avg_price) + qty * price) / after : price;
    order.filled_qty = String(after);
    order.filled_avg_price = String(avg);
    const complete = after >= Number(order.qty);
    this.setStatus(order, complete ? 'filled' : 'partially_filled');
    if (complete) order.filled_at = order.updated_at;
    this.publish(complete ? 'fill' : 'partial_fill', order, {
      price: String(price),
      qty: String(qty),
      execution_id: randomUUID(),
      position_qty: String(after),
    });
  }

  reject(order: FakeAlpacaOrder): void {
    this.setStatus(order, 'rejected');
    this.publish('rejected', order);
  }

  private replace(order: FakeAlpacaOrder, body: Record<string, string>, res: ServerResponse) {
    if (!['new', 'accepted', 'partially_filled'].includes(order.status)) {
      return this.json(res, 422, { code: 42210000, message: `order is already in "${order.status}" state` });
    }
    const now = new Date().toISOString();
    const next: FakeAlpacaOrder = {
      ...order,
      id: randomUUID(),
      client_order_id: body.client_order_id ?? randomUUID(),
      qty: body.qty ?? order.qty,
      limit_price: body.limit_price ?? order.limit_price,
      stop_price: body.stop_price ?? order.stop_price,
      time_in_force: body.time_in_force ?? order.time_in_force,
      filled_qty: '0',
      filled_avg_price: null,
      status: 'new',
      replaces: order.id,
      created_at: now,
      updated_at: now,
    };
    order.replaced_by = next.id;
    order.replaced_at = now;
    this.setStatus(order, 'replaced');
    this.orders.set(next.id, next);
    this.json(res, 200, next);
    this.publish('replaced', order);
  }

  private setStatus(order: FakeAlpacaOrder, status: string): void {
    order.status = status;
    order.updated_at = new Date().toISOString();
    if (status === 'canceled') order.canceled_at = order.updated_at;
  }

  private positions(): unknown[] {
    const book = new Map<string, { qty: number; cost: number }>();
    for (const o of this.orders.values()) {
      const filled = Number(o.filled_qty);
      if (filled === 0) continue;
      const p = book.get(o.symbol) ?? { qty: 0, cost: 0 };
      const signed = o.side === 'buy' ? filled : -filled;
      p.qty += signed;
      p.cost += signed * Number(o.filled_avg_price);
      book.set(o.symbol, p);
    }
    return [...book.entries()]
      .filter(([, p]) => p.qty !== 0)
      .map(([symbol, p]) => ({
        asset_id: randomUUID(),
        symbol,
        exchange: 'NASDAQ',
        asset_class: 'us_equity',
        qty: String(Math.abs(p.qty)),
        avg_entry_price: String(p.cost / p.qty),
        side: p.qty > 0 ? 'long' : 'short',
        market_value: String(p.qty * this.price),
        current_price: String(this.price),
      }));
  }

  private publish(event: string, order: FakeAlpacaOrder, extra: Record<string, string> = {}): void {
    const message = JSON.stringify({
      stream: 'trade_updates',
      data: { event, order: { ...order }, timestamp: new Date().toISOString(), ...extra },
    });
    // Alpaca's paper trade stream sends binary frames.
    for (const socket of this.listeners)
      if (socket.readyState === WebSocket.OPEN) socket.send(Buffer.from(message));
  }

  private onSocket(socket: WebSocket): void {
    let authorized = false;
    socket.on('message', (raw) => {
      let message: { action?: string; key?: string; secret?: string; data?: { streams?: string[] } };
      try {
        message = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (message.action === 'auth' || message.action === 'authenticate') {
        authorized = message.key === this.keyId && message.secret === this.secretKey;
        if (authorized) this.authCount++;
        socket.send(
          JSON.stringify({
            stream: 'authorization',
            data: { action: 'authenticate', status: authorized ? 'authorized' : 'unauthorized' },
          }),
        );
        if (!authorized) socket.close();
      } else if (message.action === 'listen' && authorized) {
        const streams = (message.data?.streams ?? []).filter((s) => s === 'trade_updates');
        if (streams.length > 0) this.listeners.add(socket);
        else this.listeners.delete(socket);
        socket.send(JSON.stringify({ stream: 'listening', data: { streams } }));
      }
    });
    socket.on('close', () => this.listeners.delete(socket));
  }
}
