import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A local fake of Alpaca's real-time market data WebSocket: stocks on /v2/{iex|sip}, crypto on
 * /v1beta3/crypto/us (other paths are refused, as the real host answers 404); greets, authenticates,
 * keeps subscriptions per connection and pushes bars/quotes/trades in the documented array format.
 */
const STREAM_PATHS = /^\/(v2\/(iex|sip|delayed_sip)|v1beta3\/crypto\/us)$/;

export class FakeMarketDataStream {
  readonly keyId: string;
  readonly secretKey: string;
  authCount = 0;
  subscribeMessages: Record<string, unknown>[] = [];
  /** The path of every connection accepted, in order. */
  paths: string[] = [];
  private server!: Server;
  private wss!: WebSocketServer;
  private readonly subscriptions = new Map<
    WebSocket,
    { bars: Set<string>; quotes: Set<string>; trades: Set<string> }
  >();

  constructor(keyId = 'PKSTREAMKEY1234', secretKey = 'streamsecret-0987654321') {
    this.keyId = keyId;
    this.secretKey = secretKey;
  }

  url(feed = 'iex'): string {
    return `${this.baseUrl()}/v2/${feed}`;
  }

  /** The host, to pass as a stream's baseUrl so it picks the endpoint itself. */
  baseUrl(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    this.wss = new WebSocketServer({
      server: this.server,
      verifyClient: (info: { req: { url?: string } }) => STREAM_PATHS.test(info.req.url ?? ''),
    });
    this.wss.on('connection', (socket, request) => {
      this.paths.push(request.url ?? '');
      socket.send(JSON.stringify([{ T: 'success', msg: 'connected' }]));
      let authenticated = false;
      socket.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as Record<string, unknown>;
        if (m.action === 'auth') {
          if (m.key === this.keyId && m.secret === this.secretKey) {
            authenticated = true;
            this.authCount++;
            socket.send(JSON.stringify([{ T: 'success', msg: 'authenticated' }]));
          } else {
            socket.send(JSON.stringify([{ T: 'error', code: 402, msg: 'auth failed' }]));
            socket.close();
          }
        } else if (m.action === 'subscribe' && authenticated) {
          this.subscribeMessages.push(m);
          const sub = this.subscriptions.get(socket) ?? {
            bars: new Set(),
            quotes: new Set(),
            trades: new Set(),
          };
          for (const s of (m.bars as string[]) ?? []) sub.bars.add(s);
          for (const s of (m.quotes as string[]) ?? []) sub.quotes.add(s);
          for (const s of (m.trades as string[]) ?? []) sub.trades.add(s);
          this.subscriptions.set(socket, sub);
          socket.send(
            JSON.stringify([
              { T: 'subscription', trades: [...sub.trades], quotes: [...sub.quotes], bars: [...sub.bars] },
            ]),
          );
        }
      });
      socket.on('close', () => this.subscriptions.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Connections currently subscribed to bars of `symbol`. */
  barSubscribers(symbol: string): number {
    let n = 0;
    for (const sub of this.subscriptions.values()) if (sub.bars.has(symbol)) n++;
    return n;
  }

  pushBar(symbol: string, t: string, o: number, h: number, l: number, c: number, v: number): void {
    const message = JSON.stringify([{ T: 'b', S: symbol, o, h, l, c, v, t, n: 10, vw: c }]);
    for (const [socket, sub] of this.subscriptions) if (sub.bars.has(symbol)) socket.send(message);
  }

  pushQuote(symbol: string, t: string, bp: number, ap: number): void {
    const message = JSON.stringify([
      { T: 'q', S: symbol, bx: 'V', bp, bs: 1, ax: 'V', ap, as: 2, c: ['R'], z: 'C', t },
    ]);
    for (const [socket, sub] of this.subscriptions) if (sub.quotes.has(symbol)) socket.send(message);
  }

  dropAll(): void {
    for (const client of this.wss.clients) client.terminate();
    this.subscriptions.clear();
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
