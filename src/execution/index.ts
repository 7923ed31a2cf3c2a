// Public surface of src/execution: orders, the OrderManager, brokers, the journal, live market data.
export type { OrderRequest } from '../core/orders.js';
export { OrderStatus, OrderType, Side, TimeInForce } from '../core/orders.js';
export {
  ALPACA_ACCOUNT,
  accountJournalPath,
  accountsDirectory,
  defaultAccountFor,
  MAX_ACCOUNT_NAME_LENGTH,
  parseAccountName,
  replayAccountName,
} from './account-names.js';
export type {
  AccountBook,
  AccountSummary,
  AccountVerification,
  PositionMark,
  ResetAccountOptions,
} from './accounts.js';
export {
  ACCOUNT_CHECKS,
  accountBook,
  describeAccount,
  listAccounts,
  resetAccount,
  verifyAccount,
} from './accounts.js';
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
export {
  builtInChecks,
  checkOrderShape,
  checkTargetWeights,
  grossExposureCheck,
  OrderRejectedError,
} from './checks.js';
export { BrokerRejectedError, OrderStateUnknownError } from './errors.js';
export type { HandoffAction, HandoffOutcome } from './handoff.js';
export { HandoffServer, handOffOrderAction, handOffOrders } from './handoff.js';
export type {
  AccountKind,
  AccountSettings,
  HandoffRow,
  JournalEvent,
  JournalFill,
  JournalMark,
  JournalOptions,
  OrderQuery,
} from './journal.js';
export { Journal, JournalLockedError } from './journal.js';
export type { JournalCheckCounts, VerifyOptions } from './journal-check.js';
export { JOURNAL_SCHEMA_VERSION, JournalIntegrityError, verifyJournal } from './journal-check.js';
export type { AccountLeaseOptions, LeaseHolder } from './lease.js';
export {
  AccountInUseError,
  AccountLease,
  describeHolder,
  isLeaseLive,
  LEASE_HEARTBEAT_MS,
  LEASE_STALE_AFTER_MS,
  LeaseLostError,
} from './lease.js';
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
export { newClientOrderId, OrderManager } from './order-manager.js';
export type { PaperBar, PaperBrokerOptions, PaperQuote } from './paper-broker.js';
export { PaperBroker } from './paper-broker.js';
export type { ChangedOrder, PlacedOrder, PlaceOrderOptions } from './place.js';
export { cancelPlacedOrder, placeOrder, replacePlacedOrder } from './place.js';
export type { BrokerName, ReferencePrice, TradingSession, TradingSessionOptions } from './session.js';
export {
  checkLiveTradingAllowed,
  closeDefaultTradingSession,
  executeOrder,
  getDefaultTradingSession,
  openTradingSession,
  samplePrice,
} from './session.js';
