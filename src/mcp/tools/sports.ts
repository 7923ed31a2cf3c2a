import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import type { Currency } from '../../core/money.js';
import type * as Sports from '../../sports/index.js';
import { enumArg } from '../args.js';
import { type AnyToolSpec, defineTool, type McpRuntime, READ_ONLY, type ToolHints } from '../tool.js';

/**
 * Sports betting tools (toolset `sports`): the odds feed (The Odds API), arbitrage, value bets, match
 * predictions, Kelly stakes for bets, expected value, and the paper bet ledger. Thin adapters: arguments
 * in snake_case, money as exact decimal text in major units, ratios as fractions; every figure comes
 * from src/sports.
 *
 * Kelly: `calculate_kelly_criterion` (risk toolset; the name issue #15 asks for) sizes one bet at a price in
 * any format through the sports Kelly library, or a continuous asset. Tool names are global across
 * toolsets, so the betting version here is `calculate_betting_kelly`: several exclusive outcomes of one
 * event or bets on independent events, fractional Kelly and caps; it stays available when only `sports`
 * is enabled.
 */
async function lib(): Promise<typeof Sports> {
  return import('../../sports/index.js');
}

const FEED: ToolHints = { ...READ_ONLY, idempotentHint: false, openWorldHint: true };

const sportArg = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .describe(
    'Sport key of The Odds API, e.g. soccer_epl, basketball_nba (see get_sports_events without a sport)',
  );
/** A betting price in any format (also taken by calculate_kelly_criterion in the risk toolset). */
export const priceArg = z
  .union([z.number(), z.string().trim().min(1).max(20)])
  .describe('Price: decimal (2.5), American ("+150", "-200") or fractional ("3/2")');
const moneyArg = (description: string) =>
  z
    .union([z.number(), z.string().trim().min(1).max(24)])
    .describe(`${description} (major units, e.g. "25.00")`);
const regionsArg = z
  .array(z.enum(['us', 'us2', 'uk', 'au', 'eu']))
  .min(1)
  .max(5)
  .describe('Bookmaker regions');
const listArg = (description: string) =>
  z.array(z.string().trim().min(1).max(64)).min(1).max(40).describe(description);

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function money(minor: number, ccy: Currency): Promise<string> {
  const { formatMoney } = await import('../../core/money.js');
  return formatMoney(minor, ccy);
}

async function client(runtime: McpRuntime) {
  const sports = await lib();
  return sports.OddsApiClient.fromConfig(runtime.config, {
    cache: new sports.OddsCache(sports.defaultOddsCachePath(runtime.config.home)),
  });
}

function feedMeta(result: { fromCache: boolean; fetchedAt: number; quota?: Sports.OddsQuota }) {
  return {
    source: 'The Odds API v4 (decimal prices)',
    from_cache: result.fromCache,
    fetched_at: iso(result.fetchedAt),
    requests_remaining: result.quota?.remaining ?? null,
    requests_used: result.quota?.used ?? null,
  };
}

const feedMetaShape = {
  source: z.string(),
  from_cache: z.boolean(),
  fetched_at: z.string(),
  requests_remaining: z.number().nullable(),
  requests_used: z.number().nullable(),
};

function eventJson(e: Sports.SportEvent) {
  return {
    id: e.id,
    sport_key: e.sportKey,
    commence_time: iso(e.commenceTime),
    home_team: e.homeTeam,
    away_team: e.awayTeam,
  };
}

const eventShape = z.object({
  id: z.string(),
  sport_key: z.string(),
  commence_time: z.string(),
  home_team: z.string().nullable(),
  away_team: z.string().nullable(),
});

async function ledger(runtime: McpRuntime): Promise<Sports.BetLedger> {
  const sports = await lib();
  return runtime.service('sports-ledger', async () =>
    sports.BetLedger.open({ path: sports.defaultLedgerPath(runtime.config.home) }),
  );
}

async function betJson(bet: Sports.Bet) {
  const sports = await lib();
  return {
    bet_id: bet.id,
    account: bet.account,
    sport: bet.sport,
    event_id: bet.eventId,
    home_team: bet.homeTeam,
    away_team: bet.awayTeam,
    market: bet.market,
    selection: bet.selection,
    line: bet.line,
    bookmaker: bet.bookmaker,
    odds: sports.formatDecimalOdds(bet.odds),
    stake: await money(bet.stake, bet.currency),
    status: bet.status,
    payout: bet.payout === null ? null : await money(bet.payout, bet.currency),
    profit: bet.profit === null ? null : await money(bet.profit, bet.currency),
    currency: bet.currency.code,
    placed_at: iso(bet.placedAt),
    settled_at: bet.settledAt === null ? null : iso(bet.settledAt),
  };
}

const betShape = z.object({
  bet_id: z.string(),
  account: z.string(),
  sport: z.string(),
  event_id: z.string(),
  home_team: z.string().nullable(),
  away_team: z.string().nullable(),
  market: z.string(),
  selection: z.string(),
  line: z.number().nullable(),
  bookmaker: z.string(),
  odds: z.string(),
  stake: z.string(),
  status: z.string(),
  payout: z.string().nullable(),
  profit: z.string().nullable(),
  currency: z.string(),
  placed_at: z.string(),
  settled_at: z.string().nullable(),
});

const getSportsEvents = defineTool({
  name: 'get_sports_events',
  title: 'Sports and events',
  description:
    'Without `sport`: the sports The Odds API covers (in season, or all). With `sport`: its upcoming and live ' +
    'events (ids, kick-off, teams) to use with get_sports_odds and place_sports_bet. Needs ODDS_API_KEY; ' +
    'responses are cached briefly.',
  toolset: 'sports',
  input: {
    sport: sportArg.optional(),
    all: z.boolean().default(false).describe('With no sport: include out-of-season sports'),
    refresh: z.boolean().default(false).describe('Ignore the local cache'),
  },
  output: {
    sports: z
      .array(z.object({ key: z.string(), group: z.string(), title: z.string(), active: z.boolean() }))
      .nullable(),
    events: z.array(eventShape).nullable(),
    ...feedMetaShape,
  },
  hints: FEED,
  async run(args, { runtime, signal }) {
    const api = await client(runtime);
    if (!args.sport) {
      const result = await api.sports({ all: args.all, refresh: args.refresh, signal });
      return {
        sports: result.data.map((s) => ({ key: s.key, group: s.group, title: s.title, active: s.active })),
        events: null,
        ...feedMeta(result),
      };
    }
    const result = await api.events(args.sport, { refresh: args.refresh, signal });
    return { sports: null, events: result.data.map(eventJson), ...feedMeta(result) };
  },
});

const getSportsOdds = defineTool({
  name: 'get_sports_odds',
  title: 'Sports odds',
  description:
    'Bookmaker odds (decimal) for a sport from The Odds API, by region, market (h2h, totals, spreads) or ' +
    'bookmaker; one event with `event_id`; a historical snapshot with `date` (paid plans). Each market ' +
    "lists its outcomes and the bookmaker's overround. Needs ODDS_API_KEY.",
  toolset: 'sports',
  input: {
    sport: sportArg,
    regions: regionsArg.default(['uk']),
    markets: listArg('Markets, e.g. ["h2h","totals"] (default h2h)').default(['h2h']),
    bookmakers: listArg('Bookmaker keys (used instead of regions)').optional(),
    event_id: z.string().trim().min(1).max(64).optional().describe('Only this event'),
    date: z
      .string()
      .trim()
      .min(10)
      .max(40)
      .optional()
      .describe('Historical snapshot at or before this ISO time'),
    refresh: z.boolean().default(false).describe('Ignore the local cache'),
  },
  output: {
    snapshot: z.string().nullable(),
    events: z.array(
      eventShape.extend({
        bookmakers: z.array(
          z.object({
            key: z.string(),
            title: z.string(),
            last_update: z.string(),
            markets: z.array(
              z.object({
                key: z.string(),
                overround: z.number(),
                outcomes: z.array(
                  z.object({ name: z.string(), price: z.number(), point: z.number().nullable() }),
                ),
              }),
            ),
          }),
        ),
      }),
    ),
    ...feedMetaShape,
  },
  hints: FEED,
  async run(args, { runtime, signal }) {
    const api = await client(runtime);
    const query = {
      regions: args.regions,
      markets: args.markets,
      bookmakers: args.bookmakers,
      refresh: args.refresh,
      signal,
    };
    let data: Sports.OddsEvent[];
    let meta: { fromCache: boolean; fetchedAt: number; quota?: Sports.OddsQuota };
    let snapshot: string | null = null;
    if (args.date) {
      const history = await api.historicalOdds(args.sport, args.date, query);
      data = history.data.data;
      meta = history;
      snapshot = iso(history.data.timestamp);
    } else if (args.event_id) {
      const one = await api.eventOdds(args.sport, args.event_id, query);
      data = [one.data];
      meta = one;
    } else {
      const many = await api.odds(args.sport, query);
      data = many.data;
      meta = many;
    }
    return {
      snapshot,
      events: data.map((e) => ({
        ...eventJson(e),
        bookmakers: e.bookmakers.map((b) => ({
          key: b.key,
          title: b.title,
          last_update: iso(b.lastUpdate),
          markets: b.markets.map((m) => ({
            key: m.key,
            overround: m.outcomes.reduce((a, o) => a + 1 / o.price, 0) - 1,
            outcomes: m.outcomes.map((o) => ({ name: o.name, price: o.price, point: o.point ?? null })),
          })),
        })),
      })),
      ...feedMeta(meta),
    };
  },
});

const inlineArbitrageEvent = z.object({
  event_id: z.string().trim().min(1).max(100),
  outcomes: z
    .array(z.string().trim().min(1).max(100))
    .min(2)
    .max(20)
    .describe('Outcome names of one complete market'),
  quotes: z
    .array(
      z.object({
        bookmaker: z.string().trim().min(1).max(64),
        prices: z.array(z.number()).describe('Decimal odds per outcome, same order; 0 = not offered'),
        commission: z.number().min(0).lt(1).optional().describe('Exchange commission on net winnings'),
      }),
    )
    .min(1)
    .max(100),
});

const findSportsArbitrage = defineTool({
  name: 'find_sports_arbitrage',
  title: 'Find sure bets',
  description:
    'Sure bets (arbitrage) across bookmakers: the best price per outcome, at whichever bookmaker offers it ' +
    '(exchanges after commission), summing to less than 1 in implied probability; with stakes for a ' +
    'bankroll, rounded to an increment, and the profit guaranteed after rounding. Give `events` (prices ' +
    'per bookmaker) or `sport` to scan live odds from The Odds API.',
  toolset: 'sports',
  input: {
    events: z.array(inlineArbitrageEvent).min(1).max(5000).optional(),
    sport: sportArg.optional(),
    regions: regionsArg.default(['uk', 'eu']),
    market: enumArg(['h2h', 'totals', 'spreads'] as const, 'Feed market to scan (default h2h)').default(
      'h2h',
    ),
    bankroll: moneyArg('Total stake per sure bet').optional(),
    increment: moneyArg('Round stakes to multiples of this').optional(),
    min_profit_margin: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('Only report returns of at least this fraction'),
    exchange_commission: z
      .number()
      .min(0)
      .lt(1)
      .default(0.02)
      .describe('Commission of exchanges found in the feed'),
  },
  output: {
    opportunities: z.array(
      z.object({
        event_id: z.string(),
        home_team: z.string().nullable(),
        away_team: z.string().nullable(),
        implied_sum: z.number(),
        profit_margin: z.number(),
        legs: z.array(
          z.object({
            outcome: z.string(),
            bookmaker: z.string(),
            odds: z.number(),
            effective_odds: z.number(),
            stake: z.string().nullable(),
            payout: z.string().nullable(),
          }),
        ),
        total_stake: z.string().nullable(),
        guaranteed_profit: z.string().nullable(),
      }),
    ),
    markets_scanned: z.number(),
    currency: z.string(),
    notes: z.array(z.string()),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  async run(args, { runtime, signal }) {
    const sports = await lib();
    const { parseMoney, USD } = await import('../../core/money.js');
    const ccy = USD;
    let opportunities: (Sports.ArbitrageOpportunity & {
      homeTeam?: string | null;
      awayTeam?: string | null;
    })[];
    let scanned: number;
    const notes: string[] = [];
    if (args.events) {
      const bankroll =
        args.bankroll === undefined ? undefined : parseMoney(args.bankroll, ccy, { field: 'bankroll' });
      const increment =
        args.increment === undefined ? undefined : parseMoney(args.increment, ccy, { field: 'increment' });
      opportunities = sports.findArbitrage(
        args.events.map((e) => ({ eventId: e.event_id, outcomes: e.outcomes, quotes: e.quotes })),
        { bankroll, increment, minProfitMargin: args.min_profit_margin },
      );
      scanned = args.events.length;
      notes.push('prices as given; payouts rounded down to the cent');
    } else if (args.sport) {
      const api = await client(runtime);
      const feed = await api.odds(args.sport, { regions: args.regions, markets: [args.market], signal });
      const report = sports.arbitrageFromFeed(feed.data, {
        market: args.market,
        bankroll: args.bankroll,
        increment: args.increment,
        minProfitMargin: args.min_profit_margin,
        exchangeCommission: args.exchange_commission,
      });
      opportunities = report.opportunities;
      scanned = report.eventsScanned;
      notes.push(
        `The Odds API, ${feed.fromCache ? 'cached' : 'fetched'} ${iso(feed.fetchedAt)}; exchange commission ${args.exchange_commission}; payouts rounded down to the cent`,
      );
    } else {
      throw new ValidationError('events: give events (prices per bookmaker) or sport (live odds)', {
        field: 'events',
      });
    }
    return {
      opportunities: await Promise.all(
        opportunities.map(async (o) => ({
          event_id: o.eventId,
          home_team: o.homeTeam ?? null,
          away_team: o.awayTeam ?? null,
          implied_sum: o.impliedSum,
          profit_margin: o.profitMargin,
          legs: await Promise.all(
            o.legs.map(async (leg, i) => ({
              outcome: leg.outcome,
              bookmaker: leg.bookmaker,
              odds: leg.odds,
              effective_odds: leg.effectiveOdds,
              stake: o.stakes ? await money(o.stakes.stakes[i], ccy) : null,
              payout: o.stakes ? await money(o.stakes.payouts[i], ccy) : null,
            })),
          ),
          total_stake: o.stakes ? await money(o.stakes.totalStake, ccy) : null,
          guaranteed_profit: o.stakes ? await money(o.stakes.guaranteedProfit, ccy) : null,
        })),
      ),
      markets_scanned: scanned,
      currency: ccy.code,
      notes,
    };
  },
});

async function modelFor(
  runtime: McpRuntime,
  args: { model_name?: string; league?: string; season?: string; seasons?: number },
): Promise<{ model: Sports.GoalsModel; source: string }> {
  const sports = await lib();
  if (args.model_name) {
    const path = sports.modelPath(args.model_name, runtime.config.home);
    const { model, file } = sports.loadGoalsModel(path);
    return {
      model,
      source: `${model.kind} model "${args.model_name}" (${file.league} ${file.seasons.join(', ')})`,
    };
  }
  if (!args.league) {
    throw new ValidationError('league: give league (fit on the bundled data) or model_name (a saved model)', {
      field: 'league',
      hint: 'leagues: EPL, ESP1, FRA1, GER1, ITA1',
    });
  }
  const fitted = sports.fitLeagueModel({ league: args.league, season: args.season, seasons: args.seasons });
  return {
    model: fitted.model,
    source: `dixon-coles fitted on ${fitted.league} ${fitted.seasons.join(', ')} (bundled data)`,
  };
}

const modelArgs = {
  model_name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('A model saved with `sports model fit --save NAME`'),
  league: z
    .string()
    .trim()
    .min(2)
    .max(10)
    .optional()
    .describe('Fit Dixon-Coles on this bundled league: EPL, ESP1, FRA1, GER1, ITA1'),
  season: z
    .string()
    .trim()
    .max(12)
    .optional()
    .describe('Last season fitted, e.g. 2018-2019 (default latest)'),
  seasons: z.number().int().min(1).max(14).default(1).describe('Seasons fitted up to `season`'),
};

const findValueBets = defineTool({
  name: 'find_value_bets',
  title: 'Find value bets',
  description:
    'Outcomes whose probability times the price exceeds 1 by at least `threshold` (expected value per unit). ' +
    'Give `events` with prices and your probabilities, or `sport` plus a model (`model_name` or `league`) to ' +
    'price live 1X2 odds from The Odds API with a Dixon-Coles model. The de-margined market probability is ' +
    'shown next to each (a large gap is more often a model error than a bookmaker error).',
  toolset: 'sports',
  // Fitting a league model takes a core for up to a second: off the event loop, so ping keeps answering.
  worker: {},
  input: {
    events: z
      .array(
        z.object({
          event_id: z.string().trim().min(1).max(100),
          outcomes: z
            .array(
              z.object({
                name: z.string().trim().min(1).max(100),
                odds: z.number(),
                bookmaker: z.string().max(64).optional(),
              }),
            )
            .min(2)
            .max(20),
          probabilities: z
            .array(z.number())
            .min(2)
            .max(20)
            .describe('Your probability of each outcome, same order'),
        }),
      )
      .min(1)
      .max(5000)
      .optional(),
    sport: sportArg.optional(),
    regions: regionsArg.default(['uk', 'eu']),
    ...modelArgs,
    threshold: z
      .number()
      .gt(-1)
      .max(10)
      .default(0.05)
      .describe('Smallest expected value per unit staked (0.05 = 5%)'),
    method: enumArg(
      ['multiplicative', 'additive', 'power', 'shin', 'odds-ratio'] as const,
      'Margin removal for the market comparison',
    ).default('shin'),
  },
  output: {
    bets: z.array(
      z.object({
        event_id: z.string(),
        match: z.string().nullable(),
        outcome: z.string(),
        bookmaker: z.string().nullable(),
        odds: z.number(),
        model_probability: z.number(),
        market_probability: z.number(),
        expected_value: z.number(),
        kelly_fraction: z.number(),
      }),
    ),
    unmatched_events: z.number(),
    notes: z.array(z.string()),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  async run(args, { runtime, signal }) {
    const sports = await lib();
    let bets: (Sports.ValueBet & { match?: string })[];
    let unmatched = 0;
    const notes: string[] = [
      `threshold ${args.threshold}; market probabilities de-margined by ${args.method}`,
    ];
    if (args.events) {
      for (const e of args.events) {
        for (const [i, o] of e.outcomes.entries())
          sports.decimalOddsValue(o.odds, `events.${e.event_id}.outcomes[${i}].odds`);
      }
      bets = sports.findValueBets(
        args.events.map((e) => ({
          eventId: e.event_id,
          outcomes: e.outcomes,
          probabilities: e.probabilities,
        })),
        { minExpectedValue: args.threshold, method: args.method },
      );
    } else if (args.sport) {
      const { model, source } = await modelFor(runtime, args);
      const api = await client(runtime);
      const feed = await api.odds(args.sport, { regions: args.regions, markets: ['h2h'], signal });
      const report = sports.valueFromFeed(feed.data, model, {
        threshold: args.threshold,
        method: args.method,
      });
      bets = report.bets;
      unmatched = report.unmatched.length;
      notes.push(`model: ${source}`, `prices: ${report.assumptions.prices}`);
      if (unmatched > 0) notes.push(`${unmatched} event(s) skipped: the model does not know a team`);
    } else {
      throw new ValidationError(
        'events: give events (prices and probabilities) or sport (live odds) with a model',
        {
          field: 'events',
        },
      );
    }
    return {
      bets: bets.map((b) => ({
        event_id: b.eventId,
        match: b.match ?? null,
        outcome: b.outcome,
        bookmaker: b.bookmaker ?? null,
        odds: b.odds,
        model_probability: b.modelProbability,
        market_probability: b.marketProbability,
        expected_value: b.expectedValue,
        kelly_fraction: b.kellyFraction,
      })),
      unmatched_events: unmatched,
      notes,
    };
  },
});

const resultShape = z.object({
  won: z.number(),
  half_won: z.number(),
  void: z.number(),
  half_lost: z.number(),
  lost: z.number(),
  fair_odds: z.number().nullable(),
});

const resultJson = (r: Sports.ResultProbabilities & { fairOdds: number }) => ({
  won: r.won,
  half_won: r.halfWon,
  void: r.void,
  half_lost: r.halfLost,
  lost: r.lost,
  fair_odds: r.fairOdds,
});

const predictMatch = defineTool({
  name: 'predict_match',
  title: 'Predict a match',
  description:
    'Dixon-Coles prediction of a football match: expected goals, home/draw/away with fair odds, over/under ' +
    'lines, Asian handicaps (quarter lines as half-won/half-lost), both teams to score and the most likely ' +
    'scores. The model is a saved one (`model_name`) or fitted now on a bundled league (EPL, ESP1, FRA1, ' +
    'GER1, ITA1, seasons 2005-06..2018-19).',
  toolset: 'sports',
  worker: {},
  input: {
    home_team: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe('Home team as in the data, e.g. "Liverpool FC" (suffixes like FC are optional)'),
    away_team: z.string().trim().min(1).max(100),
    ...modelArgs,
  },
  output: {
    home_team: z.string(),
    away_team: z.string(),
    expected_goals: z.object({ home: z.number(), away: z.number() }),
    probabilities: z.object({ home: z.number(), draw: z.number(), away: z.number() }),
    fair_odds: z.object({ home: z.number(), draw: z.number(), away: z.number() }),
    totals: z.array(z.object({ line: z.number(), over: resultShape, under: resultShape })),
    asian_handicap: z.array(z.object({ home_line: z.number(), home: resultShape, away: resultShape })),
    both_teams_to_score: z.number(),
    correct_scores: z.array(z.object({ score: z.string(), probability: z.number() })),
    model: z.string(),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const sports = await lib();
    const { model, source } = await modelFor(runtime, args);
    const home = sports.matchTeam(model, args.home_team) ?? args.home_team;
    const away = sports.matchTeam(model, args.away_team) ?? args.away_team;
    const p = sports.predictMatch(model, home, away);
    return {
      home_team: p.homeTeam,
      away_team: p.awayTeam,
      expected_goals: p.expectedGoals,
      probabilities: p.outcome,
      fair_odds: p.fairOdds,
      totals: p.totals.map((t) => ({
        line: t.line,
        over: resultJson(t.prices.over),
        under: resultJson(t.prices.under),
      })),
      asian_handicap: p.asianHandicap.map((a) => ({
        home_line: a.line,
        home: resultJson(a.prices.home),
        away: resultJson(a.prices.away),
      })),
      both_teams_to_score: p.bothTeamsToScore.yes,
      correct_scores: p.correctScores,
      model: `${source}; rho ${p.model.rho.toFixed(4)}, home advantage ${p.model.homeAdvantage.toFixed(4)}`,
    };
  },
});

const calculateBettingKelly = defineTool({
  name: 'calculate_betting_kelly',
  title: 'Kelly stakes for bets',
  description:
    'Kelly stakes for betting odds in any format: one bet, several mutually exclusive outcomes of one event ' +
    '(closed form), or bets on independent events solved jointly (`mode: "independent"`), scaled by ' +
    '`fraction` (fractional Kelly) and capped per bet and per event/day. (calculate_kelly_criterion in the ' +
    'risk toolset sizes one bet, uncapped, or a continuous asset.)',
  toolset: 'sports',
  // Sixteen independent bets enumerate 65,536 joint results per Newton step: seconds of CPU, off the event loop.
  worker: {},
  input: {
    odds: z.array(priceArg).min(1).max(16),
    probabilities: z
      .array(z.number())
      .min(1)
      .max(16)
      .describe('Your probability of each, same order, in [0, 1]'),
    mode: enumArg(
      ['exclusive', 'independent'] as const,
      'exclusive: outcomes of one event (default); independent: separate events',
    ).default('exclusive'),
    fraction: z.number().gt(0).max(1).optional().describe('Fraction of full Kelly (default 0.25)'),
    max_bet: z.number().gt(0).max(1).optional().describe('Most of the bankroll on one bet (default 0.05)'),
    max_event: z.number().gt(0).max(1).optional().describe('Most on one event (default 0.05)'),
    max_day: z.number().gt(0).max(1).optional().describe('Most across independent bets (default 0.25)'),
    bankroll: moneyArg('Bankroll, to size stakes in money').optional(),
  },
  output: {
    mode: z.string(),
    bets: z.array(
      z.object({
        odds: z.number(),
        probability: z.number(),
        expected_value: z.number(),
        full_kelly: z.number(),
        stake_fraction: z.number(),
        stake: z.string().nullable(),
      }),
    ),
    total_fraction: z.number(),
    full_kelly_growth: z.number(),
    assumptions: z.object({
      kelly_multiplier: z.number(),
      max_bet_fraction: z.number(),
      max_event_fraction: z.number(),
      max_day_fraction: z.number(),
    }),
    notes: z.array(z.string()),
  },
  hints: READ_ONLY,
  async run(args) {
    const sports = await lib();
    const limits: Partial<Sports.StakingLimits> = {};
    if (args.fraction !== undefined) limits.kellyMultiplier = args.fraction;
    if (args.max_bet !== undefined) limits.maxBetFraction = args.max_bet;
    if (args.max_event !== undefined) limits.maxEventFraction = args.max_event;
    if (args.max_day !== undefined) limits.maxDayFraction = args.max_day;
    const r = sports.kellyReport({
      prices: args.odds,
      probabilities: args.probabilities,
      mode: args.mode,
      limits,
      bankroll: args.bankroll,
    });
    return {
      mode: r.mode,
      bets: await Promise.all(
        r.rows.map(async (row) => ({
          odds: row.odds,
          probability: row.probability,
          expected_value: row.expectedValue,
          full_kelly: row.fullKelly,
          stake_fraction: row.fraction,
          stake: row.stake === null ? null : await money(row.stake, r.currency),
        })),
      ),
      total_fraction: r.totalFraction,
      full_kelly_growth: r.fullKellyGrowth,
      assumptions: {
        kelly_multiplier: r.limits.kellyMultiplier,
        max_bet_fraction: r.limits.maxBetFraction,
        max_event_fraction: r.limits.maxEventFraction,
        max_day_fraction: r.limits.maxDayFraction,
      },
      notes: r.notes,
    };
  },
});

const calculateExpectedValue = defineTool({
  name: 'calculate_expected_value',
  title: 'Expected value of a bet',
  description:
    'Expected profit per unit staked of a bet at a price (any format) given your probability, with the ' +
    "price's implied probability, fair odds and the full-Kelly fraction. With `market_odds` (every outcome of " +
    "the market) and `selection`, also the market's de-margined probability of the selection and the edge.",
  toolset: 'sports',
  input: {
    probability: z.number().describe('Your probability that the bet wins, in [0, 1]'),
    odds: priceArg,
    commission: z.number().min(0).lt(1).default(0).describe('Commission on net winnings (exchanges)'),
    market_odds: z
      .array(priceArg)
      .min(2)
      .max(20)
      .optional()
      .describe('Every outcome of the market, to compare'),
    selection: z.number().int().min(0).max(19).optional().describe('Index of the bet in market_odds'),
    method: enumArg(
      ['multiplicative', 'additive', 'power', 'shin', 'odds-ratio'] as const,
      'Margin removal',
    ).default('shin'),
  },
  output: {
    decimal_odds: z.number(),
    implied_probability: z.number(),
    expected_value: z.number(),
    fair_odds: z.number().nullable(),
    kelly_fraction: z.number(),
    market_probability: z.number().nullable(),
    edge: z.number().nullable(),
    commission: z.number(),
  },
  hints: READ_ONLY,
  async run(args) {
    const sports = await lib();
    const v = sports.betValue({
      probability: args.probability,
      price: args.odds,
      commission: args.commission,
      marketPrices: args.market_odds,
      selection: args.selection,
      method: args.method,
    });
    return {
      decimal_odds: v.decimalOdds,
      implied_probability: v.impliedProbability,
      expected_value: v.expectedValue,
      fair_odds: v.fairOdds,
      kelly_fraction: v.kellyFraction,
      market_probability: v.marketProbability,
      edge: v.edge,
      commission: v.commission,
    };
  },
});

const placeSportsBet = defineTool({
  name: 'place_sports_bet',
  title: 'Place a paper bet',
  description:
    'Book a bet in the paper bet ledger (no money is sent to any bookmaker: this system has no bookmaker ' +
    'execution). The stake comes off the paper balance; exact to the cent. Give `bet_id` to make retries ' +
    'safe: the same id with the same details returns the booked bet instead of a second one.',
  toolset: 'sports',
  input: {
    sport: sportArg,
    event_id: z.string().trim().min(1).max(100),
    market: z
      .string()
      .trim()
      .min(1)
      .max(30)
      .describe('h2h (1x2), totals, spreads (asian-handicap), btts, draw_no_bet, correct_score, outrights'),
    selection: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe('home | draw | away | over | under | yes | no | "2-1" | a name (outrights)'),
    line: z
      .number()
      .optional()
      .describe("Totals: goal line; spreads: the selected team's handicap (steps of 0.25)"),
    odds: priceArg,
    stake: moneyArg('Stake'),
    bookmaker: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .describe('The Odds API bookmaker key (pinnacle, williamhill, betfair_ex_uk, ...) or "paper"'),
    bet_id: z.string().trim().min(1).max(100).optional().describe('Client bet id (idempotency key)'),
    home_team: z.string().trim().max(100).optional(),
    away_team: z.string().trim().max(100).optional(),
    commission: z.number().min(0).lt(1).optional().describe('Exchange commission on net winnings'),
    account: z.string().trim().min(1).max(64).optional().describe('Ledger account (default paper)'),
  },
  output: {
    mode: z.literal('paper'),
    created: z.boolean(),
    bet: betShape,
    potential_payout: z.string(),
    balance: z.string(),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, { runtime }) {
    const sports = await lib();
    const book = await ledger(runtime);
    const result = book.placeBet({
      betId: args.bet_id,
      account: args.account,
      sport: args.sport,
      eventId: args.event_id,
      homeTeam: args.home_team,
      awayTeam: args.away_team,
      market: args.market,
      selection: args.selection,
      line: args.line,
      odds: args.odds,
      stake: args.stake,
      bookmaker: args.bookmaker,
      commission: args.commission,
    });
    const b = result.bet;
    return {
      mode: 'paper',
      created: result.created,
      bet: await betJson(b),
      potential_payout: await money(sports.betPayout(b.stake, b.odds, b.commissionBps, 'won'), b.currency),
      balance: await money(result.balance, book.currency),
    };
  },
});

const settleSportsBet = defineTool({
  name: 'settle_sports_bet',
  title: 'Settle bets',
  description:
    'Settle one bet by status (won, lost, void, half-won, half-lost for quarter lines, cashed-out with ' +
    '`cashout`), or every open bet on an event from its final score (`event_id`, `home_goals`, `away_goals`). ' +
    'A bet is settled once and an event gets one result: repeating is an error and changes nothing.',
  toolset: 'sports',
  input: {
    bet_id: z.string().trim().min(1).max(100).optional(),
    status: enumArg(
      ['won', 'lost', 'void', 'half-won', 'half-lost', 'cashed-out'] as const,
      'With bet_id',
    ).optional(),
    cashout: moneyArg('With cashed-out: the amount received').optional(),
    event_id: z.string().trim().min(1).max(100).optional(),
    home_goals: z.number().int().min(0).max(99).optional(),
    away_goals: z.number().int().min(0).max(99).optional(),
  },
  output: {
    settled: z.array(betShape),
    needs_manual_status: z.array(z.string()),
    balance: z.string(),
  },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async run(args, { runtime }) {
    const book = await ledger(runtime);
    let settled: Sports.Bet[];
    let manual: Sports.Bet[] = [];
    if (args.bet_id && !args.event_id) {
      if (!args.status) throw new ValidationError('status: required with bet_id', { field: 'status' });
      settled = [book.settleBet(args.bet_id, args.status, { cashout: args.cashout })];
    } else if (args.event_id && !args.bet_id) {
      if (args.home_goals === undefined || args.away_goals === undefined) {
        throw new ValidationError('home_goals: give home_goals and away_goals with event_id', {
          field: 'home_goals',
        });
      }
      const r = book.settleEvent(args.event_id, { home: args.home_goals, away: args.away_goals });
      settled = r.settled;
      manual = r.manual;
    } else {
      throw new ValidationError('bet_id: give bet_id with status, or event_id with the final score', {
        field: 'bet_id',
      });
    }
    const status = book.status(settled[0]?.account ?? manual[0]?.account);
    return {
      settled: await Promise.all(settled.map(betJson)),
      needs_manual_status: manual.map((b) => b.id),
      balance: await money(status.balance, status.currency),
    };
  },
});

const getBettingPortfolioStatus = defineTool({
  name: 'get_betting_portfolio_status',
  title: 'Betting account status',
  description:
    'The paper betting account: balance, money at risk on open bets, realised profit, deposits, and the open ' +
    'bets themselves.',
  toolset: 'sports',
  input: {
    account: z.string().trim().min(1).max(64).optional().describe('Ledger account (default paper)'),
    open_bets_limit: z.number().int().min(0).max(1000).default(50),
  },
  output: {
    account: z.string(),
    mode: z.literal('paper'),
    currency: z.string(),
    balance: z.string(),
    open_stake: z.string(),
    open_bet_count: z.number(),
    settled_bet_count: z.number(),
    realised_profit: z.string(),
    deposits: z.string(),
    equity: z.string(),
    open_bets: z.array(betShape),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const book = await ledger(runtime);
    const s = book.status(args.account);
    const open = book.listBets({
      account: s.account,
      status: 'open',
      limit: Math.max(1, args.open_bets_limit),
    });
    return {
      account: s.account,
      mode: 'paper',
      currency: s.currency.code,
      balance: await money(s.balance, s.currency),
      open_stake: await money(s.openStake, s.currency),
      open_bet_count: s.openBets,
      settled_bet_count: s.settledBets,
      realised_profit: await money(s.realisedProfit, s.currency),
      deposits: await money(s.deposits, s.currency),
      equity: await money(s.equity, s.currency),
      open_bets: await Promise.all(open.slice(0, args.open_bets_limit).map(betJson)),
    };
  },
});

const getSportsBettingPerformance = defineTool({
  name: 'get_sports_betting_performance',
  title: 'Betting performance',
  description:
    'Bets, stakes, returns, profit and ROI (profit / stakes of settled bets) of the paper ledger grouped by ' +
    'sport, market, bookmaker or account.',
  toolset: 'sports',
  input: {
    by: enumArg(['sport', 'market', 'bookmaker', 'account'] as const, 'Grouping (default sport)').default(
      'sport',
    ),
    account: z.string().trim().min(1).max(64).optional().describe('Only this account'),
  },
  output: {
    by: z.string(),
    currency: z.string(),
    rows: z.array(
      z.object({
        key: z.string(),
        bets: z.number(),
        settled: z.number(),
        won: z.number(),
        lost: z.number(),
        other: z.number(),
        staked: z.string(),
        returned: z.string(),
        profit: z.string(),
        roi: z.number().nullable(),
        open_stake: z.string(),
      }),
    ),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const book = await ledger(runtime);
    const ccy = book.currency;
    const rows = book.performance(args.by, args.account);
    return {
      by: args.by,
      currency: ccy.code,
      rows: await Promise.all(
        rows.map(async (r) => ({
          key: r.key,
          bets: r.bets,
          settled: r.settled,
          won: r.won,
          lost: r.lost,
          other: r.other,
          staked: await money(r.staked, ccy),
          returned: await money(r.returned, ccy),
          profit: await money(r.profit, ccy),
          roi: Number.isFinite(r.roi) ? r.roi : null,
          open_stake: await money(r.openStake, ccy),
        })),
      ),
    };
  },
});

export const sportsTools: readonly AnyToolSpec[] = [
  getSportsEvents,
  getSportsOdds,
  findSportsArbitrage,
  findValueBets,
  predictMatch,
  calculateBettingKelly,
  calculateExpectedValue,
  placeSportsBet,
  settleSportsBet,
  getBettingPortfolioStatus,
  getSportsBettingPerformance,
];
