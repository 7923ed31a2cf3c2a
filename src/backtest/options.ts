import { parseMarketCalendar } from '../core/calendar.js';
import {
  DEFAULT_BORROW_FEE_RATE,
  DEFAULT_COMMISSION_RATE,
  DEFAULT_INITIAL_CAPITAL,
  DEFAULT_MARGIN_INTEREST_RATE,
  DEFAULT_MAX_LEVERAGE,
  DEFAULT_SLIPPAGE_BPS,
} from '../core/defaults.js';
import { ValidationError } from '../core/errors.js';
import { TimeInForce } from '../core/orders.js';
import { indicatorCache } from '../indicators/cache.js';
import { type CommissionModel, noCommission, percentCommission } from './fill-models.js';
import type { BacktestOptions, ResolvedBacktestOptions } from './types.js';

/**
 * Turn a commission option (a rate or a model) into a model. Not given means the product's default rate
 * (DEFAULT_COMMISSION_RATE, 0.001), the same on every face; pass 0 for a commission-free run.
 */
export function toCommissionModel(commission: number | CommissionModel | undefined): CommissionModel {
  if (commission === undefined) return percentCommission(DEFAULT_COMMISSION_RATE);
  if (typeof commission === 'number') {
    if (!Number.isFinite(commission) || commission < 0 || commission >= 1) {
      throw new ValidationError(`commission must be a rate in [0, 1) (0.001 = 10 bps), got ${commission}`, {
        field: 'commission',
        hint: 'pass a fraction of notional such as 0.001, or a commission model',
      });
    }
    return commission === 0 ? noCommission : percentCommission(commission);
  }
  return commission;
}

function checkNumber(name: string, value: number, min: number, max = Number.POSITIVE_INFINITY): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ValidationError(`${name} must be a finite number in [${min}, ${max}], got ${value}`, {
      field: name,
    });
  }
  return value;
}

/** A capital or leverage of 0 would let no order through: every fill would be refused for buying power. */
function checkPositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`${name} must be a finite number > 0, got ${value}`, { field: name });
  }
  return value;
}

/** Apply the documented defaults and validate. */
export function resolveBacktestOptions(options: BacktestOptions = {}): ResolvedBacktestOptions {
  const tif = options.defaultTimeInForce ?? TimeInForce.Gtc;
  if (!Object.values(TimeInForce).includes(tif)) {
    throw new ValidationError(`defaultTimeInForce must be one of day, gtc, ioc, fok, got ${tif}`, {
      field: 'defaultTimeInForce',
    });
  }
  return {
    initialCapital: checkPositive('initialCapital', options.initialCapital ?? DEFAULT_INITIAL_CAPITAL),
    commission: toCommissionModel(options.commission),
    slippageBps: checkNumber('slippageBps', options.slippageBps ?? DEFAULT_SLIPPAGE_BPS, 0, 10_000),
    fractional: options.fractional ?? false,
    allowShort: options.allowShort ?? true,
    maxLeverage: checkPositive('maxLeverage', options.maxLeverage ?? DEFAULT_MAX_LEVERAGE),
    sizeAtFill: options.sizeAtFill ?? false,
    defaultTimeInForce: tif,
    closeAtEnd: options.closeAtEnd ?? false,
    periodsPerYear:
      options.periodsPerYear === undefined
        ? undefined
        : checkNumber('periodsPerYear', options.periodsPerYear, 1),
    calendar: options.calendar === undefined ? undefined : parseMarketCalendar(options.calendar),
    marginInterestRate: checkNumber(
      'marginInterestRate',
      options.marginInterestRate ?? DEFAULT_MARGIN_INTEREST_RATE,
      0,
      1,
    ),
    borrowFeeRate: checkNumber('borrowFeeRate', options.borrowFeeRate ?? DEFAULT_BORROW_FEE_RATE, 0, 1),
    indicators: options.indicators ?? indicatorCache,
    equityBuffer: options.equityBuffer,
    preTradeChecks: options.preTradeChecks ?? [],
    equityObservers: options.equityObservers ?? [],
  };
}
