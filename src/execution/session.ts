import { percentCommission } from '../backtest/fill-models.js';
import { type Config, getConfig } from '../core/config.js';
import { ConfigError, ValidationError } from '../core/errors.js';
import type { OrderRequest, PreTradeCheck } from '../core/orders.js';
import { type EpochMs, formatTimestamp } from '../core/time.js';
import { defaultAccountFor, parseAccountName } from './account-names.js';
import { AlpacaBroker } from './alpaca-broker.js';
import type { Broker } from './broker.js';
import type { RiskLimitOptions } from './checks.js';
import { HandoffServer } from './handoff.js';
import { type AccountKind, type AccountSettings, Journal } from './journal.js';
import { AccountInUseError, isLeaseLive } from './lease.js';
import type { OrderSnapshot } from './order.js';
import { OrderManager } from './order-manager.js';
import { PaperBroker, type PaperBrokerOptions } from './paper-broker.js';

/**
 * Ready-made OrderManagers for the library's `executeOrder`, the CLI, the MCP tools and the live
 * runner: one account (default DEFAULT_ACCOUNT, the paper broker) with its own journal under
 * config.home, owned by this session while it is open (lease.ts); Alpaca only with keys, and real money
 * only when NEURAL_TRADER_LIVE_TRADING=true and ALPACA_BASE_URL's host is Alpaca's live API.
 */
export type BrokerName = 'paper' | 'alpaca';

/**
 * Refuse an Alpaca session pointed at the live endpoint unless live trading is switched on; return a
 * warning to print when real money is at stake.
 */
export function checkLiveTradingAllowed(
  config: Config,
  broker: BrokerName,
): { live: boolean; warning?: string } {
  if (broker !== 'alpaca') return { live: false };
  if (!config.alpaca.apiKey || !config.alpaca.secretKey) {
    throw new ConfigError('the alpaca broker needs ALPACA_API_KEY and ALPACA_SECRET_KEY', {
      field: 'ALPACA_API_KEY',
      hint: 'set both in .env (paper keys from https://app.alpaca.markets), or use --broker paper',
    });
  }
  if (!config.alpaca.isLiveEndpoint) return { live: false };
  if (!config.liveTrading) {
    throw new ConfigError(
      `ALPACA_BASE_URL is the live endpoint (${config.alpaca.baseUrl}), which trades real money, but NEURAL_TRADER_LIVE_TRADING is not true`,
      {
        field: 'NEURAL_TRADER_LIVE_TRADING',
        hint: 'use the paper endpoint https://paper-api.alpaca.markets, or set NEURAL_TRADER_LIVE_TRADING=true if you really mean to trade real money',
      },
    );
  }
  return {
    live: true,
    warning: [
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      `!!  LIVE TRADING: orders go to ${config.alpaca.baseUrl} with REAL MONEY.`,
      '!!  NEURAL_TRADER_LIVE_TRADING=true. Stop now (Ctrl-C) if this is not intended.',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    ].join('\n'),
  };
}

/** The price the CLI's paper broker uses for a symbol: the last bar of the bundled sample data. */
export interface ReferencePrice {
  symbol: string;
  price: number;
  timestamp: number;
  source: string;
}

export async function samplePrice(symbol: string): Promise<ReferencePrice | undefined> {
  const { loadSampleSeries } = await import('../data/sample.js');
  let series: ReturnType<typeof loadSampleSeries>;
  try {
    series = loadSampleSeries(symbol);
  } catch {
    return undefined;
  }
  const last = series.length - 1;
  if (last < 0) return undefined;
  return {
    symbol: series.symbol,
    price: series.close[last],
    timestamp: series.timestamps[last],
    source: `last close in the bundled sample data (${formatTimestamp(series.timestamps[last]).slice(0, 10)})`,
  };
}

export interface TradingSessionOptions {
  broker?: BrokerName;
  /** The account to trade (default: `paper` for the paper broker, `alpaca` for Alpaca). */
  account?: string;
  /** Kind of the account when it is created here (default paper/alpaca by broker; the runner's replays: replay). */
  kind?: AccountKind;
  /** false: refuse an account that does not exist yet. Default true (created on first use). */
  create?: boolean;
  config?: Config;
  /** Default config.home. */
  home?: string;
  /** Starting cash of a NEW account (an existing one keeps its own). */
  initialCapital?: number;
  /** Paper commission rate of a NEW account (default DEFAULT_COMMISSION_RATE, the backtester's). */
  commissionRate?: number;
  /** Paper slippage of a NEW account in bps (default DEFAULT_SLIPPAGE_BPS, the backtester's). */
  slippageBps?: number;
  limits?: RiskLimitOptions;
  /** Extra pre-trade checks (risk limits, circuit breakers) registered on the OrderManager. */
  checks?: PreTradeCheck[];
  /** The account's market clock (default Date.now); a replay passes the bar clock. */
  now?: () => EpochMs;
  paper?: PaperBrokerOptions;
  /**
   * Price paper orders from the bundled sample data (`ensurePrice`, default true). A replay feeds its
   * own bars instead: a sample close from another date must never reach its broker.
   */
  samplePrices?: boolean;
  /** Alpaca trade stream URL override (tests). */
  alpacaStreamUrl?: string;
  /** Print the live-trading warning here (default stderr). */
  warn?: (text: string) => void;
  /**
   * How long to wait for another process that owns the account to finish (default 0: refuse at once
   * with AccountInUseError naming it). The wait is asynchronous.
   */
  leaseWaitMs?: number;
  /** Take orders handed over by other processes while the session is open (default true). */
  serveHandoffs?: boolean;
  /** How long an order may wait for the journal's lock (OrderManager lockTimeoutMs). */
  lockTimeoutMs?: number;
}

export interface TradingSession {
  manager: OrderManager;
  broker: Broker;
  journal: Journal;
  /** The account traded and its settings. */
  account: string;
  settings: AccountSettings;
  live: boolean;
  /** Make sure the paper broker has a price for `symbol` (from the sample data); returns what it used. */
  ensurePrice(symbol: string): Promise<ReferencePrice | undefined>;
  close(): Promise<void>;
}

/** How long opening a session waits out another process's brief hold on the journal's lock. */
const LOCK_WAIT_MS = 5_000;

/** How often a long-running paper session looks for day orders whose session has ended. */
const DAY_ORDER_SWEEP_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Construct the account's OrderManager, which takes the account's lease; while another live process
 * owns it, wait (asynchronously) up to `waitMs`, then let AccountInUseError through.
 */
async function ownAccount(
  journal: Journal,
  waitMs: number,
  create: () => OrderManager,
): Promise<OrderManager> {
  const started = Date.now();
  // Another owner: wait up to waitMs. A lock held for a moment (another process opening the account
  // or writing to it) is not ownership: always wait that out, up to LOCK_WAIT_MS.
  const ownerDeadline = started + waitMs;
  const lockDeadline = started + Math.max(waitMs, LOCK_WAIT_MS);
  let delay = 10;
  for (;;) {
    const holder = journal.lease.holder();
    const free = !holder || holder.ownerId === journal.lease.ownerId || !isLeaseLive(holder);
    if (free) {
      try {
        return create();
      } catch (error) {
        const busy = (error as { busy?: unknown })?.busy === true;
        const inUse = error instanceof AccountInUseError;
        if (!(busy && Date.now() < lockDeadline) && !(inUse && Date.now() < ownerDeadline)) throw error;
      }
    } else if (Date.now() >= ownerDeadline) {
      throw new AccountInUseError(journal.account, holder);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
}

/**
 * Open the account's journal, the broker and an OrderManager (which owns the account until `close`),
 * and reconcile journaled open orders. Throws AccountInUseError when another live process owns the
 * account (after waiting `leaseWaitMs`).
 */
export async function openTradingSession(options: TradingSessionOptions = {}): Promise<TradingSession> {
  const config = options.config ?? getConfig();
  const brokerName = options.broker ?? 'paper';
  const { live, warning } = checkLiveTradingAllowed(config, brokerName);
  const account = parseAccountName(options.account ?? defaultAccountFor(brokerName));
  const journal = Journal.open(options.home ?? config.home, {
    account,
    broker: brokerName,
    kind: options.kind,
    create: options.create,
    initialCapital: options.initialCapital,
    commissionRate: options.commissionRate,
    slippageBps: options.slippageBps,
  });
  const settings = journal.settings;
  const prices = new Map<string, ReferencePrice>();
  let broker: Broker;
  let paper: PaperBroker | undefined;
  if (brokerName === 'alpaca') {
    broker = new AlpacaBroker({
      keyId: config.alpaca.apiKey as string,
      secretKey: config.alpaca.secretKey as string,
      baseUrl: config.alpaca.baseUrl,
      streamUrl: options.alpacaStreamUrl,
    });
  } else {
    paper = new PaperBroker({
      // The account's own costs (the backtester's defaults unless it was created with others).
      commission: percentCommission(settings.commissionRate),
      slippageBps: settings.slippageBps,
      // A replay's fills happen at bar time; elsewhere paper fills happen now, at the latest close.
      fillTime: settings.kind === 'replay' ? 'bar' : 'clock',
      ...options.paper,
    });
    broker = paper;
  }
  const ensurePrice = async (symbol: string): Promise<ReferencePrice | undefined> => {
    if (!paper || options.samplePrices === false) return undefined;
    const known = prices.get(symbol);
    if (known) return known;
    const reference = await samplePrice(symbol);
    if (!reference) return undefined;
    const clock = settings.kind === 'replay' ? journal.marketClock() : undefined;
    if (clock !== undefined && reference.timestamp < clock) {
      // A replay account's fills follow its bar clock; an older price would fill back in time.
      throw new ValidationError(
        `symbol: the latest bundled price of ${symbol} (${formatTimestamp(reference.timestamp).slice(0, 10)}) is before account ${account}'s clock (${formatTimestamp(clock).slice(0, 10)})`,
        {
          field: 'symbol',
          hint: 'trade it in another account (the default paper account takes the latest prices)',
        },
      );
    }
    paper.feedBar(symbol, {
      timestamp: reference.timestamp,
      open: reference.price,
      high: reference.price,
      low: reference.price,
      close: reference.price,
      volume: Number.POSITIVE_INFINITY,
    });
    prices.set(symbol, reference);
    return reference;
  };
  const limits: RiskLimitOptions = { ...options.limits };
  if (paper && !limits.knownSymbol) {
    const p = paper;
    limits.knownSymbol = (symbol) => p.hasMarketData(symbol);
  }
  let manager: OrderManager;
  try {
    manager = await ownAccount(
      journal,
      options.leaseWaitMs ?? 0,
      () =>
        new OrderManager({
          broker,
          journal,
          limits,
          checks: options.checks,
          now: options.now,
          lockTimeoutMs: options.lockTimeoutMs,
          servesHandoffs: options.serveHandoffs !== false,
        }),
    );
  } catch (error) {
    await broker.close();
    journal.close();
    throw error;
  }
  // Only the owner trades: the live-money warning is printed once the account is ours.
  if (warning) (options.warn ?? ((text: string) => process.stderr.write(`${text}\n`)))(warning);
  let server: HandoffServer | undefined;
  try {
    if (broker instanceof AlpacaBroker) await broker.connect();
    if (paper) {
      for (const open of manager.getOrders({ status: 'open' })) await ensurePrice(open.symbol);
    }
    await manager.reconcile();
    if (options.serveHandoffs !== false) {
      server = new HandoffServer(journal, manager, async (request) => {
        await ensurePrice(String(request.symbol ?? '').toUpperCase());
      });
      server.start();
    }
  } catch (error) {
    await server?.stop();
    await manager.close();
    await broker.close();
    journal.close();
    throw error;
  }
  // A paper session that outlives a session close (the MCP server) expires its day orders then (day-orders.ts).
  const expiry =
    paper && settings.kind !== 'replay'
      ? setInterval(() => {
          manager.expireEndedDayOrders().catch(() => {});
        }, DAY_ORDER_SWEEP_MS)
      : undefined;
  expiry?.unref();
  let closed = false;
  return {
    manager,
    broker,
    journal,
    account,
    settings,
    live,
    ensurePrice,
    close: async () => {
      if (closed) return;
      closed = true;
      if (expiry) clearInterval(expiry);
      await server?.stop();
      await manager.close();
      await broker.close();
      journal.close();
    },
  };
}

let defaultSession: Promise<TradingSession> | undefined;

/** The process-wide paper session behind `executeOrder` (account DEFAULT_ACCOUNT in config.home). */
export function getDefaultTradingSession(): Promise<TradingSession> {
  defaultSession ??= openTradingSession({ broker: 'paper' });
  // A failed open (e.g. the account is in use) is retried on the next call, not cached.
  defaultSession.catch(() => {
    defaultSession = undefined;
  });
  return defaultSession;
}

/** Close the process-wide session (flushes and closes the journal, gives the account up). */
export async function closeDefaultTradingSession(): Promise<void> {
  const session = defaultSession;
  defaultSession = undefined;
  if (session) await (await session).close();
}

/**
 * Place one order through the process-wide paper OrderManager (account DEFAULT_ACCOUNT in
 * config.home). The paper broker prices the symbol from the bundled sample data. Resolves with the
 * journaled order.
 */
export async function executeOrder(request: OrderRequest): Promise<OrderSnapshot> {
  const session = await getDefaultTradingSession();
  await session.ensurePrice(String(request.symbol ?? '').toUpperCase());
  return session.manager.submitOrder(request);
}
