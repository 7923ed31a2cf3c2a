import { ValidationError } from '../core/errors.js';
import { currentDrawdown } from '../core/performance.js';
import { Portfolio } from '../portfolio/portfolio.js';

/**
 * Portfolio risk limits. Weights and leverage are measured against equity (cash + positions):
 * weight_i = |quantity_i x price_i| / equity, gross = sum |value| / equity, net = |sum value| / equity.
 * Concentration is the top-N share of gross exposure and the Herfindahl index sum (|v_i| / gross)^2
 * (1 / number of equal positions; 1 = everything in one name). Fractions throughout (0.2 = 20%).
 */
export interface RiskLimits {
  maxPositionWeight?: number;
  /** Max share of gross exposure held by the `topN` largest positions. */
  maxTopNWeight?: number;
  /** N for maxTopNWeight (default 3). */
  topN?: number;
  maxHerfindahl?: number;
  maxGrossLeverage?: number;
  maxNetLeverage?: number;
  /** Max VaR as a fraction of equity (needs `varFraction` in the input). */
  maxVar?: number;
  /** Max current drawdown from the equity peak (needs `drawdown` or an equity history). */
  maxDrawdown?: number;
}

export type RiskLimitName = Exclude<keyof RiskLimits, 'topN'>;

export interface LimitPosition {
  symbol: string;
  quantity: number;
  price: number;
}

export interface LimitSnapshot {
  equity: number;
  positions: readonly LimitPosition[];
  /** VaR as a fraction of equity, when a VaR limit is to be checked. */
  varFraction?: number;
  /** Current drawdown from peak as a positive fraction ... */
  drawdown?: number;
  /** ... or the equity history it is computed from. */
  equityCurve?: ArrayLike<number>;
}

export interface RiskLimitViolation {
  limit: RiskLimitName;
  value: number;
  threshold: number;
  /** The position at fault, for per-position limits. */
  symbol?: string;
  message: string;
}

export interface RiskLimitMeasures {
  equity: number;
  grossLeverage: number;
  netLeverage: number;
  largestPositionWeight: number;
  largestPosition?: string;
  topNWeight: number;
  herfindahl: number;
  varFraction?: number;
  drawdown?: number;
}

export interface RiskLimitReport {
  ok: boolean;
  violations: RiskLimitViolation[];
  measures: RiskLimitMeasures;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

// Drawdown of the last point of a curve from its running peak (src/core/performance.ts).
export { currentDrawdown };

function snapshotOf(input: LimitSnapshot | Portfolio): LimitSnapshot {
  if (!(input instanceof Portfolio)) return input;
  return {
    equity: input.equity,
    positions: input.positions().map((p) => ({ symbol: p.symbol, quantity: p.quantity, price: p.lastPrice })),
    equityCurve: input.equityHistory().equity,
  };
}

function checkLimitValues(limits: RiskLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (value === undefined) continue;
    if (name === 'topN') {
      if (!(Number.isInteger(value) && value >= 1))
        throw new ValidationError(`limits.topN must be a whole number >= 1, got ${value}`, {
          field: 'limits.topN',
        });
    } else if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
      throw new ValidationError(`limits.${name} must be a number >= 0, got ${value}`, {
        field: `limits.${name}`,
      });
    }
  }
}

/** Check every limit; returns ALL violations (not just the first) and the measures behind them. */
export function checkRiskLimits(input: LimitSnapshot | Portfolio, limits: RiskLimits): RiskLimitReport {
  checkLimitValues(limits);
  const snapshot = snapshotOf(input);
  const equity = snapshot.equity;
  const values = snapshot.positions
    .filter((p) => p.quantity !== 0)
    .map((p) => ({ symbol: p.symbol, value: p.quantity * p.price }));
  let gross = 0;
  let net = 0;
  for (const v of values) {
    gross += Math.abs(v.value);
    net += v.value;
  }
  // With no equity left any exposure is infinite leverage.
  const perEquity = (x: number) => (equity > 0 ? x / equity : x === 0 ? 0 : Number.POSITIVE_INFINITY);
  const sorted = [...values].sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  const topN = limits.topN ?? 3;
  let topSum = 0;
  for (let i = 0; i < Math.min(topN, sorted.length); i++) topSum += Math.abs(sorted[i].value);
  let herfindahl = 0;
  for (const v of values) herfindahl += gross > 0 ? (v.value / gross) ** 2 : 0;
  const drawdown =
    snapshot.drawdown ??
    (snapshot.equityCurve && snapshot.equityCurve.length > 0
      ? currentDrawdown(snapshot.equityCurve)
      : undefined);
  const measures: RiskLimitMeasures = {
    equity,
    grossLeverage: perEquity(gross),
    netLeverage: perEquity(Math.abs(net)),
    largestPositionWeight: sorted.length > 0 ? perEquity(Math.abs(sorted[0].value)) : 0,
    largestPosition: sorted[0]?.symbol,
    topNWeight: gross > 0 ? topSum / gross : 0,
    herfindahl,
    varFraction: snapshot.varFraction,
    drawdown,
  };
  const violations: RiskLimitViolation[] = [];
  if (limits.maxPositionWeight !== undefined) {
    for (const v of sorted) {
      const weight = perEquity(Math.abs(v.value));
      if (weight > limits.maxPositionWeight) {
        violations.push({
          limit: 'maxPositionWeight',
          value: weight,
          threshold: limits.maxPositionWeight,
          symbol: v.symbol,
          message: `${v.symbol} is ${pct(weight)} of equity, above the ${pct(limits.maxPositionWeight)} position limit`,
        });
      }
    }
  }
  const simple: [RiskLimitName, number | undefined, string][] = [
    ['maxTopNWeight', measures.topNWeight, `top ${topN} positions hold`],
    ['maxHerfindahl', measures.herfindahl, 'Herfindahl concentration is'],
    ['maxGrossLeverage', measures.grossLeverage, 'gross leverage is'],
    ['maxNetLeverage', measures.netLeverage, 'net leverage is'],
    ['maxVar', measures.varFraction, 'VaR is'],
    ['maxDrawdown', measures.drawdown, 'drawdown from peak is'],
  ];
  for (const [name, value, what] of simple) {
    const threshold = limits[name];
    if (threshold === undefined) continue;
    if (value === undefined) {
      throw new ValidationError(
        `limits.${name} is set but the input has no ${name === 'maxVar' ? 'varFraction' : 'drawdown or equityCurve'}`,
        {
          field: name === 'maxVar' ? 'varFraction' : 'drawdown',
        },
      );
    }
    if (value > threshold) {
      const asRatio = name === 'maxGrossLeverage' || name === 'maxNetLeverage' || name === 'maxHerfindahl';
      const show = (x: number) => (asRatio ? x.toFixed(3) : pct(x));
      violations.push({
        limit: name,
        value,
        threshold,
        message: `${what} ${show(value)}${name === 'maxTopNWeight' ? ' of gross exposure' : ''}, above the limit of ${show(threshold)}`,
      });
    }
  }
  return { ok: violations.length === 0, violations, measures };
}
