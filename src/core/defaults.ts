/**
 * The product's defaults, in one place. The library applies them; the CLI and the MCP server read them
 * from here for their help texts and never restate a number, so the same request through any face
 * gives the same answer. Each value is printed with every result that used it (see `assumptions`).
 */

/** Starting cash of a backtest, an optimisation trial and a new paper account. */
export const DEFAULT_INITIAL_CAPITAL = 100_000;

/** Commission as a fraction of notional on every fill (0.001 = 10 bps), in backtests and on paper. */
export const DEFAULT_COMMISSION_RATE = 0.001;

/** Slippage against every fill, in basis points of price. */
export const DEFAULT_SLIPPAGE_BPS = 0;

/** Maximum gross exposure as a multiple of equity (2 = Reg T style 2x) in backtests and paper accounts. */
export const DEFAULT_MAX_LEVERAGE = 2;

/**
 * Annual interest charged on negative cash (borrowed to buy on margin), accrued over calendar time.
 * 6% is about a US retail broker's margin rate for mid-size balances in 2024-2026.
 */
export const DEFAULT_MARGIN_INTEREST_RATE = 0.06;

/** Annual borrow fee on the market value of short positions (an easy-to-borrow "general collateral" stock). */
export const DEFAULT_BORROW_FEE_RATE = 0.005;

/**
 * Largest quantity of one order, in shares/units, on paper and live (a typo guard: 1e15 shares is never
 * meant). Override per session with the `maxOrderQuantity` limit.
 */
export const DEFAULT_MAX_ORDER_QUANTITY = 10_000_000;

/** Largest notional (quantity x price, account currency) of one order, on paper and live. */
export const DEFAULT_MAX_ORDER_NOTIONAL = 100_000_000;

/**
 * Smallest tradable quantity (fractional shares and crypto trade in steps of 1e-9 at Alpaca; below a
 * millionth an order is a typo or an attack such as 1e-300, which would stay open forever).
 */
export const DEFAULT_MIN_ORDER_QUANTITY = 0.000001;

/** Name of the paper account that order, portfolio and MCP trading tools use when none is given. */
export const DEFAULT_ACCOUNT = 'paper';

/** Currency of ledgers (bets, syndicates) when none is given. */
export const DEFAULT_CURRENCY_CODE = 'USD';

/** Queue mode: how long a silent worker's trial waits before another worker takes it back (seconds). */
export const DEFAULT_QUEUE_STALL_TIMEOUT_SECONDS = 30;

/** Queue mode: how often a worker announces itself (seconds). */
export const DEFAULT_QUEUE_HEARTBEAT_SECONDS = 5;

/** Queue mode: on SIGTERM, how long a worker's running trials may finish before they go back (seconds). */
export const DEFAULT_QUEUE_GRACE_SECONDS = 30;

/**
 * Trading days of price history behind a risk figure (VaR, correlation, Kelly of an asset, stress) when no
 * start date is given: about two years, recent enough to reflect today's volatility.
 */
export const DEFAULT_RISK_LOOKBACK_DAYS = 500;
