// Public surface of src/execution: orders, the OrderManager, brokers, the journal, live market data.
export type { OrderRequest } from '../core/orders.js';
export { OrderStatus, OrderType, Side, TimeInForce } from '../core/orders.js';
export type { AlpacaBrokerOptions, AlpacaClock } from './alpaca-broker.js';
export { AlpacaBroker, mapAlpacaStatus } from './alpaca-broker.js';
export type {
  Broker,
  BrokerAccount,
  BrokerAck,
  BrokerEvent,
  BrokerEventType,
  BrokerFill,
  BrokerOrderRequest,
  BrokerOrderState,
  BrokerPosition,
  OrderChanges,
} from './broker.js';
export type { RiskLimitOptions } from './checks.js';
export { builtInChecks, checkOrderShape, OrderRejectedError } from './checks.js';
export { BrokerRejectedError, OrderStateUnknownError } from './errors.js';
export type { JournalEvent, JournalFill, JournalOptions, OrderQuery } from './journal.js';
export { Journal } from './journal.js';
export type {
  AlpacaMarketDataStreamOptions,
  MarketDataEvent,
  StreamBar,
  StreamQuote,
  StreamTrade,
  Subscription,
} from './market-stream.js';
export { AlpacaMarketDataStream } from './market-stream.js';
export type { BracketOrderRequest, OcoOrderRequest, OrderInit, OrderRole, OrderSnapshot } from './order.js';
export {
  canTransition,
  isOpenStatus,
  OPEN_ORDER_STATUSES,
  ORDER_TRANSITIONS,
  Order,
  OrderTransitionError,
} from './order.js';
export type { OrderManagerOptions, OrderUpdate, ReconcileReport } from './order-manager.js';
export { OrderManager } from './order-manager.js';
export type { PaperBar, PaperBrokerOptions, PaperQuote } from './paper-broker.js';
export { PaperBroker } from './paper-broker.js';
export type { BrokerName, ReferencePrice, TradingSession, TradingSessionOptions } from './session.js';
export {
  checkLiveTradingAllowed,
  closeDefaultTradingSession,
  executeOrder,
  getDefaultTradingSession,
  openTradingSession,
  samplePrice,
} from './session.js';
