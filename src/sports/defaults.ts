/**
 * Defaults of the sports-betting capability, in one place: the library applies them and the CLI and MCP
 * read them from here (they never restate a number). Each is printed with the results that used it.
 */

/** Starting bankroll of a new paper betting account, in major units of the ledger currency. */
export const DEFAULT_BETTING_BANKROLL = '1000.00';

/** Fraction of full Kelly staked (0.25 = quarter Kelly: about half the growth, far smaller drawdowns). */
export const DEFAULT_KELLY_MULTIPLIER = 0.25;

/** Most of the bankroll on one bet. */
export const DEFAULT_MAX_BET_FRACTION = 0.05;

/** Most of the bankroll on one event (all its outcomes together). */
export const DEFAULT_MAX_EVENT_FRACTION = 0.05;

/** Most of the bankroll staked in one day (one match week in backtests). */
export const DEFAULT_MAX_DAY_FRACTION = 0.25;

/** Stop placing bets when the bankroll falls below this fraction of its start (0 = never stop). */
export const DEFAULT_STOP_BELOW_FRACTION = 0.2;

/** Smallest expected value per unit staked for a value bet (0.05 = +5%). */
export const DEFAULT_VALUE_THRESHOLD = 0.05;

/** How a market's margin is removed when none is named. */
export const DEFAULT_MARGIN_METHOD = 'shin';

/**
 * Time decay of the goals models per week: weight exp(-xi * age in weeks). 0.013 is Dixon and Coles'
 * 1997 estimate (0.0065 per half week), a half-life of about a year.
 */
export const DEFAULT_TIME_DECAY_PER_WEEK = 0.013;

/** Past seasons in each rolling training window, besides the current season. */
export const DEFAULT_TRAINING_SEASONS = 3;

/**
 * Ridge penalty towards each team's prior in the rolling evaluation: worth about one match of
 * information, enough to keep a promoted team's first results from giving it an extreme rating.
 */
export const DEFAULT_EVALUATION_RIDGE = 1;

/** Flat stake of the flat-staking backtest, in units of the starting bankroll (1% of 100 units). */
export const DEFAULT_FLAT_STAKE = 1;

/** Starting bankroll of the value-betting backtest, in units. */
export const DEFAULT_BACKTEST_BANKROLL = 100;

/** Bootstrap resamples for the ROI confidence interval, and its seed. */
export const DEFAULT_BOOTSTRAP_RESAMPLES = 2000;
export const DEFAULT_BOOTSTRAP_SEED = 42;

/** Cache lifetimes of The Odds API responses (ms): odds move, sports lists do not, snapshots never change. */
export const ODDS_API_CACHE_MS = {
  sports: 3_600_000,
  events: 60_000,
  odds: 60_000,
  scores: 30_000,
  historical: Number.POSITIVE_INFINITY,
} as const;
