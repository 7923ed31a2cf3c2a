import { type Config, getConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { OrderRequest, PreTradeCheck } from '../core/orders.js';
import { type EpochMs, formatTimestamp } from '../core/time.js';
import { AlpacaBroker } from './alpaca-broker.js';
import type { Broker } from './broker.js';
import type { RiskLimitOptions } from './checks.js';
import { Journal } from './journal.js';
import type { OrderSnapshot } from './order.js';
import { OrderManager } from './order-manager.js';
import { PaperBroker, type PaperBrokerOptions } from './paper-broker.js';

/**
 * Ready-made OrderManagers for the library's `executeOrder`, the CLI and the live runner: paper by
 * default with the journal in config.home; Alpaca only with keys, and real money only when
 * NEURAL_TRADER_LIVE_TRADING=true and ALPACA_BASE_URL is the live endpoint.
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
  config?: Config;
  /** Default config.home. */
  home?: string;
  initialCapital?: number;
  limits?: RiskLimitOptions;
  /** Extra pre-trade checks (risk limits, circuit breakers) registered on the OrderManager. */
  checks?: PreTradeCheck[];
  /** The OrderManager's clock (default Date.now); a replay passes the bar clock. */
  now?: () => EpochMs;
  paper?: PaperBrokerOptions;
  /** Alpaca trade stream URL override (tests). */
  alpacaStreamUrl?: string;
  /** Print the live-trading warning here (default stderr). */
  warn?: (text: string) => void;
}

export interface TradingSession {
  manager: OrderManager;
  broker: Broker;
  journal: Journal;
  live: boolean;
  /** Make sure the paper broker has a price for `symbol` (from the sample data); returns what it used. */
  ensurePrice(symbol: string): Promise<ReferencePrice | undefined>;
  close(): Promise<void>;
}

/** Open the journal, the broker and an OrderManager, and reconcile journaled open orders. */
export async function openTradingSession(options: TradingSessionOptions = {}): Promise<TradingSession> {
  const config = options.config ?? getConfig();
  const brokerName = options.broker ?? 'paper';
  const { live, warning } = checkLiveTradingAllowed(config, brokerName);
  if (warning) (options.warn ?? ((text: string) => process.stderr.write(`${text}\n`)))(warning);
  const journal = Journal.open(options.home ?? config.home, {
    initialCapital: options.initialCapital ?? 100_000,
  });
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
    paper = new PaperBroker(options.paper);
    broker = paper;
  }
  const ensurePrice = async (symbol: string): Promise<ReferencePrice | undefined> => {
    if (!paper) return undefined;
    const known = prices.get(symbol);
    if (known) return known;
    const reference = await samplePrice(symbol);
    if (!reference) return undefined;
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
  const manager = new OrderManager({
    broker,
    journal,
    initialCapital: options.initialCapital,
    limits,
    checks: options.checks,
    now: options.now,
  });
  try {
    if (broker instanceof AlpacaBroker) await broker.connect();
    if (paper) {
      for (const open of manager.getOrders({ status: 'open' })) await ensurePrice(open.symbol);
    }
    await manager.reconcile();
  } catch (error) {
    await manager.close();
    await broker.close();
    journal.close();
    throw error;
  }
  return {
    manager,
    broker,
    journal,
    live,
    ensurePrice,
    close: async () => {
      await manager.close();
      await broker.close();
      journal.close();
    },
  };
}

let defaultSession: Promise<TradingSession> | undefined;

/** The process-wide paper session behind `executeOrder` (journal in config.home). */
export function getDefaultTradingSession(): Promise<TradingSession> {
  defaultSession ??= openTradingSession({ broker: 'paper' });
  return defaultSession;
}

/** Close the process-wide session (flushes and closes the journal). */
export async function closeDefaultTradingSession(): Promise<void> {
  const session = defaultSession;
  defaultSession = undefined;
  if (session) await (await session).close();
}

/**
 * Place one order through the process-wide paper OrderManager (journal in config.home). The paper
 * broker prices the symbol from the bundled sample data. Resolves with the journaled order.
 */
export async function executeOrder(request: OrderRequest): Promise<OrderSnapshot> {
  const session = await getDefaultTradingSession();
  await session.ensurePrice(request.symbol);
  return session.manager.submitOrder(request);
}
