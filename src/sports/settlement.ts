import { ValidationError } from '../core/errors.js';

/**
 * How a football bet is decided by the final score. One function serves both the bet ledger (settling a
 * bet from a result) and the goals models (the probability of each result is the sum of the score
 * matrix over the scores that produce it), so a price and its settlement can never disagree.
 *
 * Markets use The Odds API's keys where one exists: h2h (1X2), totals (over/under), spreads (Asian
 * handicap), btts, draw_no_bet; plus correct_score; outrights are settled by hand.
 * Lines are multiples of 0.25. A quarter line is two half-stakes on the neighbouring lines (over 2.25 =
 * half on over 2.0 and half on over 2.5), which is where half-won and half-lost come from.
 */
export const BET_MARKETS = [
  'h2h',
  'totals',
  'spreads',
  'btts',
  'draw_no_bet',
  'correct_score',
  'outrights',
] as const;
export type BetMarket = (typeof BET_MARKETS)[number];

/** Results a score can give a bet (cash-out is a decision, not a result, and lives in the ledger). */
export type ScoreResult = 'won' | 'lost' | 'void' | 'half-won' | 'half-lost';

export interface Score {
  home: number;
  away: number;
}

export interface BetSelection {
  market: BetMarket;
  /** home | draw | away (h2h); over | under (totals); home | away (spreads, draw_no_bet); yes | no (btts); "2-1" (correct_score). */
  selection: string;
  /** Totals: the goal line (2.5). Spreads: the handicap of the selected team (-0.75). */
  line?: number;
}

const SELECTIONS: Record<Exclude<BetMarket, 'correct_score' | 'outrights'>, readonly string[]> = {
  h2h: ['home', 'draw', 'away'],
  totals: ['over', 'under'],
  spreads: ['home', 'away'],
  btts: ['yes', 'no'],
  draw_no_bet: ['home', 'away'],
};

export function parseBetMarket(input: string, field = 'market'): BetMarket {
  const value = String(input).trim().toLowerCase();
  const alias: Record<string, BetMarket> = {
    '1x2': 'h2h',
    moneyline: 'h2h',
    'match-odds': 'h2h',
    'over-under': 'totals',
    ou: 'totals',
    'asian-handicap': 'spreads',
    ah: 'spreads',
    'correct-score': 'correct_score',
    dnb: 'draw_no_bet',
    'draw-no-bet': 'draw_no_bet',
  };
  const market = (alias[value] ?? value) as BetMarket;
  if (!BET_MARKETS.includes(market)) {
    throw new ValidationError(`${field}: unknown market "${String(input).slice(0, 40)}"`, {
      field,
      hint: `use one of ${BET_MARKETS.join(', ')} (1x2, over-under and asian-handicap are accepted too)`,
    });
  }
  return market;
}

/** True for lines ending in .25 or .75 (settled as two half-stakes). */
export function isQuarterLine(line: number): boolean {
  return Math.abs((line * 4) % 2) === 1;
}

/** Check a bet's selection and line against its market; returns the normalised selection. */
export function checkSelection(bet: BetSelection): BetSelection {
  const selection = String(bet.selection).trim().toLowerCase();
  if (bet.market === 'outrights') {
    if (selection === '') throw new ValidationError('selection: name the selection', { field: 'selection' });
    return { market: bet.market, selection: String(bet.selection).trim() };
  }
  if (bet.market === 'correct_score') {
    const m = /^(\d{1,2})\s*[-:]\s*(\d{1,2})$/.exec(selection);
    if (!m) {
      throw new ValidationError(`selection: "${selection.slice(0, 20)}" is not a score`, {
        field: 'selection',
        hint: 'correct-score selections are home-away goals, e.g. 2-1',
      });
    }
    return { market: bet.market, selection: `${Number(m[1])}-${Number(m[2])}` };
  }
  const allowed = SELECTIONS[bet.market];
  if (!allowed.includes(selection)) {
    throw new ValidationError(`selection: "${selection.slice(0, 20)}" is not a ${bet.market} selection`, {
      field: 'selection',
      hint: `use one of ${allowed.join(', ')}`,
    });
  }
  const needsLine = bet.market === 'totals' || bet.market === 'spreads';
  if (needsLine) {
    const line = bet.line;
    if (line === undefined || !Number.isFinite(line) || !Number.isInteger(line * 4)) {
      throw new ValidationError(`line: ${bet.market} bets need a line in steps of 0.25, got ${line}`, {
        field: 'line',
        hint: bet.market === 'totals' ? 'e.g. 2.5 goals' : 'the handicap of the selected team, e.g. -0.75',
      });
    }
    if (bet.market === 'totals' && line <= 0) {
      throw new ValidationError(`line: a goal line must be above 0, got ${line}`, { field: 'line' });
    }
    return { market: bet.market, selection, line };
  }
  if (bet.line !== undefined) {
    throw new ValidationError(`line: ${bet.market} bets have no line`, { field: 'line' });
  }
  return { market: bet.market, selection };
}

/** +1 win, 0 push, -1 loss of a line bet whose adjusted margin is `margin`. */
function lineOutcome(margin: number): number {
  return margin > 0 ? 1 : margin < 0 ? -1 : 0;
}

/** Two half-stakes (or one whole) combined into one result. */
function combine(first: number, second: number): ScoreResult {
  const total = first + second;
  if (total === 2) return 'won';
  if (total === -2) return 'lost';
  if (total === 1) return 'half-won';
  if (total === -1) return 'half-lost';
  return 'void';
}

/** Result of a line bet where the selection wins by `margin + line` (quarter lines split in two). */
function settleLine(margin: number, line: number): ScoreResult {
  if (isQuarterLine(line))
    return combine(lineOutcome(margin + line - 0.25), lineOutcome(margin + line + 0.25));
  const o = lineOutcome(margin + line);
  return combine(o, o);
}

/**
 * The result of a (checked) selection at a final score. Pure and allocation-free: the score-matrix
 * markets call it for every cell.
 */
export function settleSelection(bet: BetSelection, home: number, away: number): ScoreResult {
  switch (bet.market) {
    case 'h2h': {
      const winner = home > away ? 'home' : home < away ? 'away' : 'draw';
      return bet.selection === winner ? 'won' : 'lost';
    }
    case 'draw_no_bet':
      if (home === away) return 'void';
      return home > away === (bet.selection === 'home') ? 'won' : 'lost';
    case 'btts':
      return (home > 0 && away > 0) === (bet.selection === 'yes') ? 'won' : 'lost';
    case 'correct_score':
      return bet.selection === `${home}-${away}` ? 'won' : 'lost';
    case 'totals': {
      const total = home + away;
      // over: wins by (total - line); under: wins by (line - total).
      return bet.selection === 'over'
        ? settleLine(total, -(bet.line as number))
        : settleLine(-total, bet.line as number);
    }
    case 'spreads': {
      const margin = bet.selection === 'home' ? home - away : away - home;
      return settleLine(margin, bet.line as number);
    }
    default:
      throw new ValidationError(`market: ${bet.market} bets are settled by hand, not from a score`, {
        field: 'market',
        hint: 'settle them with an explicit status (won, lost, void, cashed-out)',
      });
  }
}

/** Money back per unit staked for a result at decimal odds: won o, half-won (o + 1)/2, void 1, half-lost 1/2, lost 0. */
export function returnPerUnit(result: ScoreResult, odds: number): number {
  switch (result) {
    case 'won':
      return odds;
    case 'half-won':
      return (odds + 1) / 2;
    case 'void':
      return 1;
    case 'half-lost':
      return 0.5;
    default:
      return 0;
  }
}
