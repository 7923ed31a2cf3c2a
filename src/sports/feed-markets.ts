import type { ArbitrageEvent } from './arbitrage.js';
import { isExchange } from './bookmakers.js';
import type { GoalsModel } from './goals/dixon-coles.js';
import { type MarginMethod, removeMargin } from './margin.js';
import type { OddsEvent } from './odds-api.js';
import type { ValueBetCandidate } from './value.js';

/**
 * Turning odds-feed events into the inputs of the arbitrage scanner and the value-bet finder. A market of
 * one event is the same outcomes across bookmakers: 1X2/moneyline (h2h), and over/under or handicap
 * pairs at the same line (totals, spreads).
 */
export interface FeedMarketOptions {
  /** Feed market key: h2h (default), totals or spreads. */
  market?: string;
  /** Commission on exchange prices (bookmakers flagged as exchanges), default 0.02. */
  exchangeCommission?: number;
}

/** One ArbitrageEvent per event and line, outcomes in a fixed order. */
export function arbitrageEventsFromFeed(
  events: readonly OddsEvent[],
  options: FeedMarketOptions = {},
): ArbitrageEvent[] {
  const market = options.market ?? 'h2h';
  const commission = options.exchangeCommission ?? 0.02;
  const out: ArbitrageEvent[] = [];
  for (const event of events) {
    // line key -> outcome names -> bookmaker -> price
    const lines = new Map<string, Map<string, Map<string, number>>>();
    for (const bookmaker of event.bookmakers) {
      for (const m of bookmaker.markets) {
        if (m.key !== market) continue;
        for (const o of m.outcomes) {
          const line =
            market === 'totals'
              ? String(o.point ?? '')
              : market === 'spreads'
                ? String(Math.abs(o.point ?? 0))
                : '';
          const name =
            market === 'spreads'
              ? `${o.name} ${(o.point ?? 0) > 0 ? '+' : ''}${o.point ?? 0}`
              : market === 'totals'
                ? `${o.name} ${o.point}`
                : o.name;
          let outcomes = lines.get(line);
          if (!outcomes) {
            outcomes = new Map();
            lines.set(line, outcomes);
          }
          let prices = outcomes.get(name);
          if (!prices) {
            prices = new Map();
            outcomes.set(name, prices);
          }
          prices.set(bookmaker.key, o.price);
        }
      }
    }
    for (const [line, outcomes] of lines) {
      const names = orderOutcomes([...outcomes.keys()], event.homeTeam, event.awayTeam);
      if (names.length < 2) continue;
      const bookmakers = new Set<string>();
      for (const prices of outcomes.values()) for (const b of prices.keys()) bookmakers.add(b);
      out.push({
        eventId: line === '' ? event.id : `${event.id}@${line}`,
        outcomes: names,
        quotes: [...bookmakers].map((b) => ({
          bookmaker: b,
          prices: names.map((n) => outcomes.get(n)?.get(b) ?? 0),
          ...(isExchange(b) ? { commission } : {}),
        })),
      });
    }
  }
  return out;
}

/** Home first, then draw, then away (for h2h); other markets keep a stable alphabetical order. */
function orderOutcomes(names: string[], home: string | null, away: string | null): string[] {
  const rank = (n: string) => (n === home ? 0 : n === 'Draw' ? 1 : n === away ? 2 : 3);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** "Arsenal FC", "AFC Bournemouth" and "Arsenal" compare equal: case, punctuation and club suffixes ignored. */
export function normaliseTeamName(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9 ]/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !['fc', 'afc', 'cf', 'sc', 'ac', 'the'].includes(w))
    .join(' ');
}

/** The model's team name for a feed team name, if any (exact first, then normalised). */
export function matchTeam(model: GoalsModel, name: string | null): string | undefined {
  if (!name) return undefined;
  if (model.hasTeam(name)) return name;
  const wanted = normaliseTeamName(name);
  return model.teams.find((t) => normaliseTeamName(t) === wanted);
}

export interface FeedValueCandidates {
  candidates: ValueBetCandidate[];
  /** Events skipped because the model does not know a team. */
  unmatched: { eventId: string; homeTeam: string | null; awayTeam: string | null }[];
}

/**
 * 1X2 value candidates: for each event whose teams the model knows, the best price per outcome across
 * bookmakers (exchange prices after commission), the model's home/draw/away probabilities and the market
 * consensus: every bookmaker's complete book de-margined by `method`, averaged.
 */
export function valueCandidatesFromFeed(
  events: readonly OddsEvent[],
  model: GoalsModel,
  options: { exchangeCommission?: number; method?: MarginMethod } = {},
): FeedValueCandidates {
  const method = options.method ?? 'shin';
  const candidates: ValueBetCandidate[] = [];
  const unmatched: FeedValueCandidates['unmatched'] = [];
  for (const market of arbitrageEventsFromFeed(events, {
    market: 'h2h',
    exchangeCommission: options.exchangeCommission,
  })) {
    const event = events.find((e) => e.id === market.eventId) as OddsEvent;
    const home = matchTeam(model, event.homeTeam);
    const away = matchTeam(model, event.awayTeam);
    if (!home || !away || market.outcomes.length !== 3) {
      unmatched.push({ eventId: event.id, homeTeam: event.homeTeam, awayTeam: event.awayTeam });
      continue;
    }
    const outcome = model.scoreMatrix(home, away).matchOutcome();
    const names = ['home', 'draw', 'away'];
    const best = market.outcomes.map((_, i) => {
      let price = 0;
      let bookmaker = '';
      for (const q of market.quotes) {
        const effective = q.prices[i] > 1 ? 1 + (q.prices[i] - 1) * (1 - (q.commission ?? 0)) : 0;
        if (effective > price) {
          price = effective;
          bookmaker = q.bookmaker;
        }
      }
      return { name: names[i], odds: price, bookmaker };
    });
    if (best.some((b) => !(b.odds > 1))) continue;
    const consensus = [0, 0, 0];
    let books = 0;
    for (const q of market.quotes) {
      if (q.prices.some((price) => !(price > 1))) continue;
      const booksum = q.prices.reduce((a, price) => a + 1 / price, 0);
      const fair = removeMargin(q.prices, method === 'shin' && booksum < 1 ? 'power' : method).probabilities;
      for (let i = 0; i < 3; i++) consensus[i] += fair[i];
      books++;
    }
    candidates.push({
      eventId: event.id,
      outcomes: best,
      probabilities: [outcome.home, outcome.draw, outcome.away],
      ...(books > 0 ? { marketProbabilities: consensus.map((p) => p / books) } : {}),
    });
  }
  return { candidates, unmatched };
}
