import type { Command } from 'commander';
import type { Config } from '../../core/config.js';
import type { Currency, MinorUnits } from '../../core/money.js';
import type * as Sports from '../../sports/index.js';
import { loadCliConfig } from '../context.js';
import type { Cell } from '../output.js';

/**
 * Sports betting: `sports odds|arbitrage|value|kelly`, `sports model fit|predict|evaluate`,
 * `sports bets place|settle|report|deposit` and `sports backtest`. Flags are parsed here with the shared
 * parsers; every figure comes from the sports library (imported inside the actions so --help stays fast).
 */
type SportsLib = typeof Sports;

async function lib(): Promise<SportsLib> {
  return import('../../sports/index.js');
}

async function num(
  value: string | undefined,
  flag: string,
  options: import('../../core/inputs.js').StrictNumberOptions = {},
): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const { parseStrictNumber } = await import('../../core/inputs.js');
  return parseStrictNumber(value, `--${flag}`, options);
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

async function choice<T extends string>(
  value: string | undefined,
  flag: string,
  choices: readonly T[],
): Promise<T | undefined> {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if ((choices as readonly string[]).includes(v)) return v as T;
  const { ValidationError } = await import('../../core/errors.js');
  throw new ValidationError(`--${flag}: unknown value "${value}"`, {
    field: flag,
    hint: `use one of ${choices.join(', ')}`,
  });
}

async function out() {
  return import('../output.js');
}

const pct = (v: number, digits = 2) => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : 'n/a');
const fixed = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : Number.NaN);

async function money(minor: MinorUnits, ccy: Currency): Promise<string> {
  const { formatMoney } = await import('../../core/money.js');
  return formatMoney(minor, ccy);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function oddsClient(config: Config) {
  const sports = await lib();
  return sports.OddsApiClient.fromConfig(config, {
    cache: new sports.OddsCache(sports.defaultOddsCachePath(config.home)),
  });
}

function feedFooter(result: { fromCache: boolean; fetchedAt: number; quota?: Sports.OddsQuota }): string {
  const source = result.fromCache
    ? `cached response from ${iso(result.fetchedAt)}`
    : `fetched ${iso(result.fetchedAt)}`;
  const quota = result.quota
    ? `; quota ${result.quota.remaining ?? '?'} requests left, ${result.quota.used ?? '?'} used`
    : '';
  return `source: The Odds API v4, decimal prices, ${source}${quota}\n`;
}

// ---------------------------------------------------------------------------------------------- odds
interface OddsFlags {
  prices?: string;
  format?: string;
  listSports?: boolean;
  all?: boolean;
  sport?: string;
  regions?: string;
  markets?: string;
  bookmakers?: string;
  event?: string;
  date?: string;
  scores?: boolean;
  daysFrom?: string;
  refresh?: boolean;
  json?: boolean;
}

async function oddsAction(program: Command, flags: OddsFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable } = await out();
  const format = await choice(flags.format, 'format', sports.ODDS_FORMATS);
  if (flags.prices !== undefined) {
    const report = sports.priceReport(list(flags.prices) ?? [], format);
    if (flags.json) return printJson(report);
    printTable(
      report.prices.map((p) => ({
        price: p.input,
        decimal: p.decimal,
        american: p.american,
        fractional: p.fractional,
        implied: pct(p.impliedProbability),
        exact: p.exact ? 'yes' : 'rounded',
      })),
    );
    if (report.overround !== null) {
      process.stdout.write(`\noverround ${pct(report.overround)} (sum of implied probabilities - 1)\n\n`);
      printTable(
        report.methods.map((m) => {
          const row: Record<string, Cell> = { method: m.method };
          if ('error' in m) {
            row.note = m.error;
            return row;
          }
          m.probabilities.forEach((p, i) => {
            row[`p${i + 1}`] = pct(p);
          });
          row.parameter = fixed(m.parameter, 6);
          return row;
        }),
      );
      process.stdout.write(
        'fair probabilities by margin-removal method; parameter: Shin z, power k, odds-ratio c, additive deduction, multiplicative booksum\n',
      );
    }
    return;
  }
  const config = await loadCliConfig(program);
  const api = await oddsClient(config);
  const regions = list(flags.regions) as Sports.OddsApiRegion[] | undefined;
  const query = {
    regions,
    markets: list(flags.markets),
    bookmakers: list(flags.bookmakers),
    refresh: flags.refresh,
  };
  if (!flags.sport || flags.listSports) {
    const result = await api.sports({ all: flags.all, refresh: flags.refresh });
    if (flags.json) return printJson(result);
    printTable(
      result.data.map((s) => ({
        key: s.key,
        group: s.group,
        title: s.title,
        active: s.active ? 'yes' : 'no',
      })),
    );
    process.stdout.write(feedFooter(result));
    return;
  }
  if (flags.scores) {
    const daysFrom = await num(flags.daysFrom, 'days-from', { integer: true, min: 1, max: 3 });
    const result = await api.scores(flags.sport, { daysFrom, refresh: flags.refresh });
    if (flags.json) return printJson(result);
    printTable(
      result.data.map((e) => ({
        event: e.id,
        kickoff: iso(e.commenceTime),
        match: `${e.homeTeam} v ${e.awayTeam}`,
        score: e.score ? `${e.score.home}-${e.score.away}` : '',
        completed: e.completed ? 'yes' : 'no',
      })),
    );
    process.stdout.write(feedFooter(result));
    return;
  }
  let result: { data: Sports.OddsEvent[]; fromCache: boolean; fetchedAt: number; quota?: Sports.OddsQuota };
  let snapshot = '';
  if (flags.date) {
    const history = await api.historicalOdds(flags.sport, flags.date, query);
    result = { ...history, data: history.data.data };
    snapshot = `snapshot ${iso(history.data.timestamp)}\n`;
  } else if (flags.event) {
    const one = await api.eventOdds(flags.sport, flags.event, query);
    result = { ...one, data: [one.data] };
  } else {
    result = await api.odds(flags.sport, query);
  }
  if (flags.json) return printJson(result);
  const rows: Record<string, Cell>[] = [];
  for (const e of result.data) {
    for (const b of e.bookmakers) {
      for (const m of b.markets) {
        rows.push({
          event: e.id,
          kickoff: iso(e.commenceTime),
          match: `${e.homeTeam ?? ''} v ${e.awayTeam ?? ''}`,
          bookmaker: b.key,
          market: m.key,
          prices: m.outcomes
            .map((o) => `${o.name}${o.point !== undefined ? ` ${o.point}` : ''} ${o.price}`)
            .join(' | '),
          overround: pct(m.outcomes.reduce((a, o) => a + 1 / o.price, 0) - 1),
        });
      }
    }
  }
  process.stdout.write(snapshot);
  printTable(rows);
  process.stdout.write(feedFooter(result));
}

// ----------------------------------------------------------------------------------------- arbitrage
interface ArbitrageFlags {
  file?: string;
  sport?: string;
  regions?: string;
  bookmakers?: string;
  market?: string;
  bankroll?: string;
  increment?: string;
  minMargin?: string;
  commission?: string;
  refresh?: boolean;
  json?: boolean;
}

async function feedEvents(
  program: Command,
  flags: {
    file?: string;
    sport?: string;
    regions?: string;
    bookmakers?: string;
    market?: string;
    refresh?: boolean;
  },
  markets: string[],
): Promise<{ events: Sports.OddsEvent[]; footer: string }> {
  const sports = await lib();
  if (flags.file) {
    const { readFileSync, existsSync } = await import('node:fs');
    if (!existsSync(flags.file)) {
      const { ValidationError } = await import('../../core/errors.js');
      throw new ValidationError(`--file: ${flags.file} not found`, { field: 'file' });
    }
    return {
      events: sports.parseOddsFeed(readFileSync(flags.file, 'utf8'), flags.file),
      footer: `source: ${flags.file} (The Odds API format, decimal prices)\n`,
    };
  }
  if (!flags.sport) {
    const { ValidationError } = await import('../../core/errors.js');
    throw new ValidationError(
      '--sport: give --sport KEY (live odds from The Odds API) or --file FILE (saved odds)',
      {
        field: 'sport',
        hint: 'e.g. --sport soccer_epl, or --file examples/sports-odds.json',
      },
    );
  }
  const config = await loadCliConfig(program);
  const api = await oddsClient(config);
  const result = await api.odds(flags.sport, {
    regions: (list(flags.regions) ?? ['uk', 'eu']) as Sports.OddsApiRegion[],
    bookmakers: list(flags.bookmakers),
    markets,
    refresh: flags.refresh,
  });
  return { events: result.data, footer: feedFooter(result) };
}

async function arbitrageAction(program: Command, flags: ArbitrageFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable } = await out();
  const market = flags.market ?? 'h2h';
  const { events, footer } = await feedEvents(program, flags, [market]);
  const report = sports.arbitrageFromFeed(events, {
    market,
    bankroll: flags.bankroll ?? sports.DEFAULT_BETTING_BANKROLL,
    increment: flags.increment,
    minProfitMargin: await num(flags.minMargin, 'min-margin', { min: 0 }),
    exchangeCommission: await num(flags.commission, 'commission', { min: 0, max: 0.99 }),
  });
  const ccy = report.currency;
  if (flags.json) {
    const opportunities = [];
    for (const o of report.opportunities) {
      opportunities.push({
        ...o,
        commenceTime: iso(o.commenceTime),
        stakes: o.stakes && {
          stakes: await Promise.all(o.stakes.stakes.map((s) => money(s, ccy))),
          payouts: await Promise.all(o.stakes.payouts.map((s) => money(s, ccy))),
          totalStake: await money(o.stakes.totalStake, ccy),
          guaranteedProfit: await money(o.stakes.guaranteedProfit, ccy),
        },
      });
    }
    return printJson({ ...report, opportunities, currency: ccy.code });
  }
  if (report.opportunities.length === 0) {
    process.stdout.write(`no sure bets in ${report.eventsScanned} market(s) scanned\n`);
  }
  for (const o of report.opportunities) {
    process.stdout.write(
      `${o.homeTeam ?? ''} v ${o.awayTeam ?? ''} (${o.eventId}, ${iso(o.commenceTime)}): implied sum ${fixed(o.impliedSum, 4)}, guaranteed ${pct(o.profitMargin)} of turnover before rounding\n`,
    );
    const rows: Record<string, Cell>[] = [];
    for (const [i, leg] of o.legs.entries()) {
      rows.push({
        outcome: leg.outcome,
        bookmaker: leg.bookmaker,
        odds: String(leg.odds),
        'after commission': leg.commission > 0 ? fixed(leg.effectiveOdds, 4) : '',
        stake: o.stakes ? await money(o.stakes.stakes[i], ccy) : '',
        payout: o.stakes ? await money(o.stakes.payouts[i], ccy) : '',
      });
    }
    printTable(rows);
    if (o.stakes) {
      process.stdout.write(
        `total stake ${await money(o.stakes.totalStake, ccy)} ${ccy.code}, guaranteed profit ${await money(o.stakes.guaranteedProfit, ccy)} ${ccy.code} after rounding\n\n`,
      );
    }
  }
  process.stdout.write(
    `${footer}assumptions: market ${report.assumptions.market}, exchange commission ${pct(report.assumptions.exchangeCommission)} on net winnings, ${report.assumptions.rounding}\n`,
  );
}

// --------------------------------------------------------------------------------------------- model
interface ModelSourceFlags {
  model?: string;
  modelFile?: string;
  league?: string;
  season?: string;
  seasons?: string;
}

async function loadModel(
  program: Command,
  flags: ModelSourceFlags,
): Promise<{ model: Sports.GoalsModel; label: string }> {
  const sports = await lib();
  if (flags.model || flags.modelFile) {
    const config = await loadCliConfig(program);
    const path = flags.modelFile ?? sports.modelPath(flags.model as string, config.home);
    const { model, file } = sports.loadGoalsModel(path);
    return { model, label: `${model.kind} model ${path} (${file.league} ${file.seasons.join(', ')})` };
  }
  if (!flags.league) {
    const { ValidationError } = await import('../../core/errors.js');
    throw new ValidationError(
      '--league: give --league (fit on the bundled data) or --model NAME / --model-file FILE',
      {
        field: 'league',
        hint: 'leagues: EPL, ESP1, FRA1, GER1, ITA1',
      },
    );
  }
  const fitted = sports.fitLeagueModel({
    league: flags.league,
    season: flags.season,
    seasons: await num(flags.seasons, 'seasons', { integer: true, min: 1 }),
  });
  return {
    model: fitted.model,
    label: `dixon-coles fitted on ${fitted.league} ${fitted.seasons.join(', ')}`,
  };
}

interface FitFlags extends ModelSourceFlags {
  kind?: string;
  xi?: string;
  ridge?: string;
  save?: string;
  output?: string;
  file?: string;
  json?: boolean;
}

async function fitAction(program: Command, flags: FitFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable, renderKeyValues } = await out();
  const kind =
    (await choice(flags.kind, 'kind', ['dixon-coles', 'poisson', 'elo'] as const)) ?? 'dixon-coles';
  const league = (flags.league ?? '').trim();
  if (kind === 'elo') {
    const table = sports.leagueEloTable(league, flags.season, flags.file);
    if (flags.json) return printJson({ league: league.toUpperCase(), kind, ratings: table });
    printTable(
      table.map((r) => ({ team: r.team, rating: fixed(r.rating, 1) })),
      undefined,
      1,
    );
    process.stdout.write(
      'Elo: K 20, home advantage 60 points, goal-difference multiplier; every match up to the season\n',
    );
    return;
  }
  const fitted = sports.fitLeagueModel({
    league,
    season: flags.season,
    seasons: await num(flags.seasons, 'seasons', { integer: true, min: 1 }),
    kind,
    xi: await num(flags.xi, 'xi', { min: 0 }),
    ridge: await num(flags.ridge, 'ridge', { min: 0 }),
    file: flags.file,
  });
  const config = await loadCliConfig(program);
  const path = flags.output ?? (flags.save ? sports.modelPath(flags.save, config.home) : undefined);
  if (path) sports.saveGoalsModel(path, fitted);
  const m = fitted.model;
  const ratings = m.teams
    .map((team) => ({ team, ...m.rating(team) }))
    .sort((a, b) => b.attack + b.defence - (a.attack + a.defence));
  if (flags.json) {
    return printJson({
      league: fitted.league,
      seasons: fitted.seasons,
      matches: fitted.matches,
      source: fitted.source,
      saved: path ?? null,
      model: m.toJSON(),
      ratings,
    });
  }
  process.stdout.write(
    renderKeyValues({
      model: m.kind,
      league: fitted.league,
      seasons: fitted.seasons.join(', '),
      matches: fitted.matches,
      'home advantage': `${fixed(m.homeAdvantage, 4)} (x${fixed(Math.exp(m.homeAdvantage), 3)} home goals)`,
      rho: fixed(m.rho, 4),
      'goals per side (average)': fixed(Math.exp(m.intercept), 3),
      'log-likelihood': fixed(m.logLikelihood, 2),
      'time decay xi (per week)': m.xi,
      iterations: `${m.iterations} (${m.converged ? 'converged' : 'not converged'}, ${fixed(fitted.fitMs, 1)} ms)`,
      ...(path ? { saved: path } : {}),
    }),
  );
  process.stdout.write('\n');
  printTable(
    ratings.map((r) => ({ team: r.team, attack: fixed(r.attack, 3), defence: fixed(r.defence, 3) })),
    undefined,
    3,
  );
  process.stdout.write(
    `ratings: log-scale, relative to the league average (higher is better for both); source: ${fitted.source}\n`,
  );
}

interface PredictFlags extends ModelSourceFlags {
  home: string;
  away: string;
  json?: boolean;
}

async function predictAction(program: Command, flags: PredictFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable, renderKeyValues } = await out();
  const { model, label } = await loadModel(program, flags);
  const home = sports.matchTeam(model, flags.home) ?? flags.home;
  const away = sports.matchTeam(model, flags.away) ?? flags.away;
  const p = sports.predictMatch(model, home, away);
  if (flags.json) return printJson({ ...p, source: label });
  process.stdout.write(
    renderKeyValues({
      match: `${p.homeTeam} v ${p.awayTeam}`,
      'expected goals': `${fixed(p.expectedGoals.home, 2)} - ${fixed(p.expectedGoals.away, 2)}`,
      home: `${pct(p.outcome.home, 1)} (fair ${fixed(p.fairOdds.home, 2)})`,
      draw: `${pct(p.outcome.draw, 1)} (fair ${fixed(p.fairOdds.draw, 2)})`,
      away: `${pct(p.outcome.away, 1)} (fair ${fixed(p.fairOdds.away, 2)})`,
      'both teams to score': pct(p.bothTeamsToScore.yes, 1),
    }),
  );
  process.stdout.write('\n');
  printTable(
    p.totals.map((t) => ({
      'goal line': t.line,
      over: pct(t.prices.over.won, 1),
      'fair over': fixed(t.prices.over.fairOdds, 2),
      under: pct(t.prices.under.won, 1),
      'fair under': fixed(t.prices.under.fairOdds, 2),
    })),
    undefined,
    2,
  );
  process.stdout.write('\n');
  printTable(
    p.asianHandicap.map((a) => ({
      'home line': a.line,
      win: pct(a.prices.home.won, 1),
      'half win': pct(a.prices.home.halfWon, 1),
      push: pct(a.prices.home.void, 1),
      'half loss': pct(a.prices.home.halfLost, 1),
      'fair home': fixed(a.prices.home.fairOdds, 2),
      'fair away': fixed(a.prices.away.fairOdds, 2),
    })),
    undefined,
    2,
  );
  process.stdout.write('\n');
  printTable(p.correctScores.map((s) => ({ score: s.score, probability: pct(s.probability, 1) })));
  process.stdout.write(`model: ${label}; fair odds have no margin\n`);
}

interface EvaluateFlags {
  leagues?: string;
  models?: string;
  xi?: string;
  trainingSeasons?: string;
  ridge?: string;
  json?: boolean;
}

async function evaluationOptions(flags: EvaluateFlags): Promise<Sports.RollingEvaluationOptions> {
  const sports = await lib();
  const models = list(flags.models);
  if (models) for (const m of models) await choice(m, 'models', sports.EVALUATION_MODELS);
  const { createProgress } = await import('../progress.js');
  let progress: ReturnType<typeof createProgress> | undefined;
  return {
    leagues: list(flags.leagues)?.map((l) => l.toUpperCase()),
    models: models as Sports.EvaluationModel[] | undefined,
    xi: await num(flags.xi, 'xi', { min: 0 }),
    trainingSeasons: await num(flags.trainingSeasons, 'training-seasons', { integer: true, min: 1, max: 20 }),
    ridge: await num(flags.ridge, 'ridge', { exclusiveMin: true, min: 0 }),
    onProgress: (done, total) => {
      progress ??= createProgress('evaluating', total);
      if (done >= total) progress.finish();
      else progress.update(done);
      return undefined;
    },
  };
}

function evaluationRows(rows: readonly Sports.EvaluationRow[]): Record<string, Cell>[] {
  return rows.map((r) => ({
    forecaster: r.name,
    kind: r.kind,
    matches: r.matches,
    'log loss': fixed(r.logLoss, 4),
    brier: fixed(r.brier, 4),
    rps: fixed(r.rps, 4),
  }));
}

function evaluationFooter(e: Omit<Sports.RollingEvaluation, 'forecasts'>): string {
  const a = e.assumptions;
  return (
    `${e.matchesEvaluated} matches scored (skipped: ${e.matchesSkipped.firstSeason} first-season, ${e.matchesSkipped.noResult} without a result), ${e.fits} fits in ${(e.elapsedMs / 1000).toFixed(1)} s\n` +
    `scheme: ${a.scheme}; seasons ${a.seasons}; time decay ${a.xiPerWeek}/week, ${a.trainingSeasons} past seasons per window, ridge ${a.ridge}; ` +
    `scores: mean log loss (${a.logLoss}), Brier (sum over 3 outcomes), RPS (${a.outcomes}); lower is better\n` +
    `data: ${a.data}\n`
  );
}

async function evaluateAction(flags: EvaluateFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable } = await out();
  const { forecasts: _f, ...evaluation } = sports.rollingEvaluation(await evaluationOptions(flags));
  if (flags.json) return printJson(evaluation);
  printTable(evaluationRows(evaluation.rows));
  process.stdout.write(evaluationFooter(evaluation));
}

// ---------------------------------------------------------------------------------------------- value
interface ValueFlags extends ModelSourceFlags {
  file?: string;
  sport?: string;
  regions?: string;
  bookmakers?: string;
  home?: string;
  away?: string;
  odds?: string;
  format?: string;
  threshold?: string;
  method?: string;
  refresh?: boolean;
  json?: boolean;
}

async function valueAction(program: Command, flags: ValueFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable } = await out();
  const threshold = await num(flags.threshold, 'threshold', { min: -0.99 });
  const method = flags.method === undefined ? undefined : sports.parseMarginMethod(flags.method, '--method');
  const { model, label } = await loadModel(program, flags);
  let report: Sports.FeedValueReport;
  let footer: string;
  if (flags.odds !== undefined) {
    const { ValidationError } = await import('../../core/errors.js');
    if (!flags.home || !flags.away) {
      throw new ValidationError('--home: give --home and --away with --odds home,draw,away', {
        field: 'home',
      });
    }
    const format = await choice(flags.format, 'format', sports.ODDS_FORMATS);
    const prices = (list(flags.odds) ?? []).map(
      (p, i) => sports.parseOdds(p, format, `--odds[${i}]`).decimal,
    );
    if (prices.length !== 3) {
      throw new ValidationError(`--odds: give three prices (home, draw, away), got ${prices.length}`, {
        field: 'odds',
      });
    }
    const home = sports.matchTeam(model, flags.home) ?? flags.home;
    const away = sports.matchTeam(model, flags.away) ?? flags.away;
    const o = model.scoreMatrix(home, away).matchOutcome();
    const t = threshold ?? sports.DEFAULT_VALUE_THRESHOLD;
    report = {
      bets: sports.findValueBets(
        [
          {
            eventId: `${home} v ${away}`,
            outcomes: ['home', 'draw', 'away'].map((name, i) => ({ name, odds: prices[i] })),
            probabilities: [o.home, o.draw, o.away],
          },
        ],
        { minExpectedValue: t, method },
      ),
      unmatched: [],
      assumptions: { threshold: t, method: method ?? 'shin', prices: 'the prices given' },
    };
    footer = '';
  } else {
    const feed = await feedEvents(program, flags, ['h2h']);
    report = sports.valueFromFeed(feed.events, model, { threshold, method });
    footer = feed.footer;
  }
  if (flags.json) return printJson({ ...report, model: label });
  if (report.bets.length === 0) process.stdout.write('no value bets at this threshold\n');
  else {
    printTable(
      report.bets.map((b) => ({
        event: b.match ?? b.eventId,
        outcome: b.outcome,
        bookmaker: b.bookmaker ?? '',
        odds: String(b.odds),
        model: pct(b.modelProbability, 1),
        market: pct(b.marketProbability, 1),
        EV: pct(b.expectedValue, 1),
        kelly: pct(b.kellyFraction, 1),
      })),
    );
  }
  if (report.unmatched.length > 0) {
    process.stderr.write(
      `warning: ${report.unmatched.length} event(s) skipped: the model does not know a team\n`,
    );
  }
  process.stdout.write(
    `${footer}model: ${label}; bets with model p x odds - 1 >= ${pct(report.assumptions.threshold, 1)}; prices: ${report.assumptions.prices}; margin removal ${report.assumptions.method}; kelly = full Kelly fraction of bankroll\n`,
  );
}

// ---------------------------------------------------------------------------------------------- kelly
interface KellyFlags {
  odds: string;
  prob: string;
  format?: string;
  independent?: boolean;
  fraction?: string;
  maxBet?: string;
  maxEvent?: string;
  maxDay?: string;
  bankroll?: string;
  json?: boolean;
}

async function stakingLimits(flags: {
  fraction?: string;
  maxBet?: string;
  maxEvent?: string;
  maxDay?: string;
  stopBelow?: string;
}): Promise<Partial<Sports.StakingLimits>> {
  const limits: Partial<Sports.StakingLimits> = {};
  const set = async (
    key: keyof Sports.StakingLimits,
    value: string | undefined,
    flag: string,
    stop = false,
  ) => {
    const v = await num(value, flag, stop ? { min: 0, max: 0.99 } : { exclusiveMin: true, min: 0, max: 1 });
    if (v !== undefined) limits[key] = v;
  };
  await set('kellyMultiplier', flags.fraction, 'fraction');
  await set('maxBetFraction', flags.maxBet, 'max-bet');
  await set('maxEventFraction', flags.maxEvent, 'max-event');
  await set('maxDayFraction', flags.maxDay, 'max-day');
  await set('stopBelowFraction', flags.stopBelow, 'stop-below', true);
  return limits;
}

async function kellyAction(flags: KellyFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable } = await out();
  const probabilities: number[] = [];
  for (const [i, p] of (list(flags.prob) ?? []).entries())
    probabilities.push((await num(p, `prob[${i}]`)) as number);
  const report = sports.kellyReport({
    prices: list(flags.odds) ?? [],
    probabilities,
    format: await choice(flags.format, 'format', sports.ODDS_FORMATS),
    mode: flags.independent ? 'independent' : 'exclusive',
    limits: await stakingLimits(flags),
    bankroll: flags.bankroll,
  });
  if (flags.json) {
    return printJson({
      ...report,
      bankroll: report.bankroll === null ? null : await money(report.bankroll, report.currency),
      currency: report.currency.code,
      rows: await Promise.all(
        report.rows.map(async (r) => ({
          ...r,
          stake: r.stake === null ? null : await money(r.stake, report.currency),
        })),
      ),
    });
  }
  const rows: Record<string, Cell>[] = [];
  for (const r of report.rows) {
    rows.push({
      odds: String(r.odds),
      probability: pct(r.probability, 2),
      EV: pct(r.expectedValue, 2),
      'full kelly': pct(r.fullKelly, 2),
      stake: pct(r.fraction, 2),
      ...(r.stake !== null ? { amount: await money(r.stake, report.currency) } : {}),
    });
  }
  printTable(rows);
  const l = report.limits;
  process.stdout.write(
    `${report.mode === 'exclusive' ? 'outcomes of one event (at most one wins)' : 'independent events, solved jointly'}; ` +
      `stake = ${l.kellyMultiplier} x Kelly, caps ${pct(l.maxBetFraction, 0)} per bet, ${pct(report.mode === 'exclusive' ? l.maxEventFraction : l.maxDayFraction, 0)} per ${report.mode === 'exclusive' ? 'event' : 'day'}; ` +
      `total ${pct(report.totalFraction)} of bankroll${report.bankroll !== null ? ` ${await money(report.bankroll, report.currency)} ${report.currency.code}` : ''}; ` +
      `full-Kelly log growth ${fixed(report.fullKellyGrowth, 5)} per round\n`,
  );
  for (const note of report.notes) process.stdout.write(`note: ${note}\n`);
}

interface EvFlags {
  odds: string;
  prob: string;
  format?: string;
  commission?: string;
  market?: string;
  selection?: string;
  method?: string;
  json?: boolean;
}

/** `sports ev`: the MCP tool calculate_expected_value on the command line (the library's betValue). */
async function evAction(flags: EvFlags): Promise<void> {
  const sports = await lib();
  const { printJson, renderKeyValues } = await out();
  const v = sports.betValue({
    probability: (await num(flags.prob, 'prob')) as number,
    price: flags.odds,
    format: await choice(flags.format, 'format', sports.ODDS_FORMATS),
    commission: await num(flags.commission, 'commission'),
    marketPrices: list(flags.market),
    selection: await num(flags.selection, 'selection', { integer: true }),
    method: await choice(flags.method, 'method', sports.MARGIN_METHODS),
  });
  if (flags.json) return printJson(v);
  process.stdout.write(
    renderKeyValues({
      'decimal odds': v.decimalOdds,
      'implied probability': pct(v.impliedProbability, 2),
      'expected value per unit': pct(v.expectedValue, 2),
      'fair odds': v.fairOdds === null ? 'none' : fixed(v.fairOdds, 4),
      'full Kelly': pct(v.kellyFraction, 2),
      ...(v.marketProbability !== null
        ? { 'market probability': pct(v.marketProbability, 2), edge: pct(v.edge as number, 2) }
        : {}),
      commission: v.commission,
    }),
  );
}

// ---------------------------------------------------------------------------------------------- bets
async function openLedger(program: Command) {
  const sports = await lib();
  const config = await loadCliConfig(program);
  return sports.BetLedger.open({ path: sports.defaultLedgerPath(config.home) });
}

async function betJson(bet: Sports.Bet) {
  const sports = await lib();
  return {
    ...bet,
    odds: sports.formatDecimalOdds(bet.odds),
    stake: await money(bet.stake, bet.currency),
    payout: bet.payout === null ? null : await money(bet.payout, bet.currency),
    profit: bet.profit === null ? null : await money(bet.profit, bet.currency),
    currency: bet.currency.code,
    placedAt: iso(bet.placedAt),
    settledAt: bet.settledAt === null ? null : iso(bet.settledAt),
  };
}

async function betRow(bet: Sports.Bet): Promise<Record<string, Cell>> {
  const j = await betJson(bet);
  return {
    bet: bet.id,
    event: bet.eventId,
    market: bet.market,
    selection: `${bet.selection}${bet.line !== null ? ` ${bet.line}` : ''}`,
    bookmaker: bet.bookmaker,
    odds: j.odds,
    stake: j.stake,
    status: bet.status,
    payout: j.payout ?? '',
    profit: j.profit ?? '',
  };
}

interface PlaceFlags {
  sport: string;
  event: string;
  market: string;
  selection: string;
  line?: string;
  odds: string;
  format?: string;
  stake: string;
  bookmaker: string;
  betId?: string;
  homeTeam?: string;
  awayTeam?: string;
  commission?: string;
  account?: string;
  note?: string;
  json?: boolean;
}

async function placeAction(program: Command, flags: PlaceFlags): Promise<void> {
  const sports = await lib();
  const { printJson, renderKeyValues } = await out();
  const request: Sports.PlaceBetRequest = {
    betId: flags.betId,
    account: flags.account,
    sport: flags.sport,
    eventId: flags.event,
    homeTeam: flags.homeTeam,
    awayTeam: flags.awayTeam,
    market: flags.market,
    selection: flags.selection,
    line: await num(flags.line, 'line'),
    bookmaker: flags.bookmaker,
    odds: flags.odds,
    oddsFormat: await choice(flags.format, 'format', sports.ODDS_FORMATS),
    stake: flags.stake,
    commission: await num(flags.commission, 'commission', { min: 0, max: 0.99 }),
    note: flags.note,
  };
  const ledger = await openLedger(program);
  try {
    const result = ledger.placeBet(request);
    if (flags.json) {
      return printJson({
        ...(await betJson(result.bet)),
        created: result.created,
        balance: await money(result.balance, ledger.currency),
      });
    }
    const b = result.bet;
    process.stdout.write(
      renderKeyValues({
        bet: b.id,
        [result.created ? 'booked' : 'already booked']:
          `${b.market} ${b.selection}${b.line !== null ? ` ${b.line}` : ''} @ ${sports.formatDecimalOdds(b.odds)} (${b.bookmaker})`,
        event: `${b.eventId}${b.homeTeam ? ` ${b.homeTeam} v ${b.awayTeam ?? ''}` : ''} (${b.sport})`,
        stake: `${await money(b.stake, b.currency)} ${b.currency.code}`,
        'to return if won': `${await money(sports.betPayout(b.stake, b.odds, b.commissionBps, 'won'), b.currency)} ${b.currency.code}`,
        balance: `${await money(result.balance, ledger.currency)} ${ledger.currency.code} (account ${b.account}, paper ledger ${ledger.path})`,
      }),
    );
  } finally {
    ledger.close();
  }
}

interface SettleFlags {
  scores?: string;
  daysFrom?: string;
  bet?: string;
  status?: string;
  cashout?: string;
  event?: string;
  score?: string;
  json?: boolean;
}

async function settleAction(program: Command, flags: SettleFlags): Promise<void> {
  const { ValidationError } = await import('../../core/errors.js');
  const { printJson, printTable } = await out();
  if (flags.scores) {
    const sports = await lib();
    const config = await loadCliConfig(program);
    const api = await oddsClient(config);
    const daysFrom = (await num(flags.daysFrom, 'days-from', { integer: true, min: 1, max: 3 })) ?? 3;
    const feed = await api.scores(flags.scores, { daysFrom });
    const ledger = await openLedger(program);
    try {
      const result = sports.settleFromScores(ledger, feed.data);
      const bets = result.settled.flatMap((s) => s.settled);
      if (flags.json) {
        return printJson({ settled: await Promise.all(bets.map(betJson)), skipped: result.skipped });
      }
      if (bets.length > 0) printTable(await Promise.all(bets.map(betRow)));
      else process.stdout.write('no open bets on completed events in the feed\n');
      for (const s of result.skipped)
        process.stderr.write(`warning: ${s.eventId} not settled: ${s.reason}\n`);
      process.stdout.write(feedFooter(feed));
    } finally {
      ledger.close();
    }
    return;
  }
  if (Boolean(flags.bet) === Boolean(flags.event)) {
    throw new ValidationError(
      '--bet: give --bet ID --status STATUS, --event ID --score H-A, or --scores SPORT',
      {
        field: 'bet',
        hint: 'statuses: won, lost, void, half-won, half-lost, cashed-out (with --cashout AMOUNT)',
      },
    );
  }
  const ledger = await openLedger(program);
  try {
    let bets: Sports.Bet[];
    let manual: Sports.Bet[] = [];
    if (flags.bet) {
      if (!flags.status) throw new ValidationError('--status: required with --bet', { field: 'status' });
      bets = [ledger.settleBet(flags.bet, flags.status, { cashout: flags.cashout })];
    } else {
      const m = /^\s*(\d{1,2})\s*[-:]\s*(\d{1,2})\s*$/.exec(flags.score ?? '');
      if (!m) {
        throw new ValidationError(`--score: "${flags.score ?? ''}" is not a final score`, {
          field: 'score',
          hint: 'e.g. --score 2-1 (home-away)',
        });
      }
      const result = ledger.settleEvent(flags.event as string, { home: Number(m[1]), away: Number(m[2]) });
      bets = result.settled;
      manual = result.manual;
    }
    if (flags.json) {
      return printJson({
        settled: await Promise.all(bets.map(betJson)),
        manual: await Promise.all(manual.map(betJson)),
      });
    }
    printTable(await Promise.all(bets.map(betRow)));
    if (manual.length > 0) {
      process.stderr.write(
        `warning: ${manual.length} outright bet(s) on this event need a manual status (--bet ID --status)\n`,
      );
    }
    const status = ledger.status(bets[0]?.account);
    process.stdout.write(
      `balance ${await money(status.balance, status.currency)} ${status.currency.code} (account ${status.account})\n`,
    );
  } finally {
    ledger.close();
  }
}

interface ReportFlags {
  by?: string;
  account?: string;
  bets?: boolean;
  json?: boolean;
}

async function reportAction(program: Command, flags: ReportFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable, renderKeyValues } = await out();
  const by = (await choice(flags.by, 'by', sports.PERFORMANCE_GROUPS)) ?? 'sport';
  const ledger = await openLedger(program);
  try {
    const status = ledger.status(flags.account);
    const ccy = status.currency;
    const performance = ledger.performance(by, flags.account ? status.account : undefined);
    const bets = flags.bets ? ledger.listBets({ account: status.account }) : [];
    if (flags.json) {
      const m = (v: number) => money(v, ccy);
      return printJson({
        account: status.account,
        currency: ccy.code,
        balance: await m(status.balance),
        deposits: await m(status.deposits),
        openStake: await m(status.openStake),
        openBets: status.openBets,
        settledBets: status.settledBets,
        realisedProfit: await m(status.realisedProfit),
        equity: await m(status.equity),
        by,
        performance: await Promise.all(
          performance.map(async (r) => ({
            ...r,
            staked: await m(r.staked),
            returned: await m(r.returned),
            profit: await m(r.profit),
            openStake: await m(r.openStake),
          })),
        ),
        ...(flags.bets ? { bets: await Promise.all(bets.map(betJson)) } : {}),
      });
    }
    process.stdout.write(
      renderKeyValues({
        account: `${status.account} (${ccy.code}, paper ledger ${ledger.path})`,
        balance: await money(status.balance, ccy),
        'open stakes': `${await money(status.openStake, ccy)} on ${status.openBets} bet(s)`,
        'realised profit': `${await money(status.realisedProfit, ccy)} on ${status.settledBets} settled bet(s)`,
        deposits: await money(status.deposits, ccy),
      }),
    );
    process.stdout.write('\n');
    const rows: Record<string, Cell>[] = [];
    for (const r of performance) {
      rows.push({
        [by]: r.key,
        bets: r.bets,
        settled: r.settled,
        won: r.won,
        lost: r.lost,
        other: r.other,
        staked: await money(r.staked, ccy),
        returned: await money(r.returned, ccy),
        profit: await money(r.profit, ccy),
        ROI: pct(r.roi, 2),
        'open stake': await money(r.openStake, ccy),
      });
    }
    if (rows.length > 0) printTable(rows);
    else process.stdout.write('no bets yet\n');
    if (flags.bets && bets.length > 0) {
      process.stdout.write('\n');
      printTable(await Promise.all(bets.map(betRow)));
    }
    process.stdout.write(
      'ROI = profit / stakes of settled bets; money exact to the cent, payouts rounded down\n',
    );
  } finally {
    ledger.close();
  }
}

async function depositAction(program: Command, flags: { amount: string; account?: string }): Promise<void> {
  const ledger = await openLedger(program);
  try {
    const balance = ledger.deposit(flags.amount, flags.account);
    process.stdout.write(`balance ${await money(balance, ledger.currency)} ${ledger.currency.code}\n`);
  } finally {
    ledger.close();
  }
}

// ------------------------------------------------------------------------------------------ backtest
interface BacktestFlags extends EvaluateFlags {
  model?: string;
  threshold?: string;
  fraction?: string;
  maxBet?: string;
  maxEvent?: string;
  maxDay?: string;
  stopBelow?: string;
  resamples?: string;
  seed?: string;
}

async function backtestAction(flags: BacktestFlags): Promise<void> {
  const sports = await lib();
  const { printJson, printTable } = await out();
  const model = await choice(flags.model, 'model', sports.EVALUATION_MODELS);
  const result = sports.sportsBacktest({
    ...(await evaluationOptions(flags)),
    model,
    threshold: await num(flags.threshold, 'threshold', { min: -0.99 }),
    limits: await stakingLimits(flags),
    bootstrapResamples: await num(flags.resamples, 'resamples', { integer: true, min: 100, max: 100_000 }),
    seed: await num(flags.seed, 'seed', { integer: true }),
  });
  if (flags.json) return printJson(result);
  process.stdout.write('Rolling out-of-sample evaluation (1X2)\n');
  printTable(evaluationRows(result.evaluation.rows));
  process.stdout.write(evaluationFooter(result.evaluation));
  const b = result.backtest;
  process.stdout.write(`\nValue betting on ${b.model} (EV >= ${pct(b.threshold, 1)} at the quoted price)\n`);
  printTable(
    b.results.map((r) => ({
      staking: r.plan,
      bets: r.bets,
      staked: fixed(r.staked, 2),
      profit: fixed(r.profit, 2),
      ROI: pct(r.roi),
      '95% CI': `${pct(r.roiInterval[0])} .. ${pct(r.roiInterval[1])}`,
      'hit rate': pct(r.hitRate, 1),
      'avg odds': fixed(r.averageOdds, 2),
      'final bankroll': fixed(r.finalBankroll, 2),
      'max drawdown': fixed(r.maxDrawdown, 2),
      stopped: r.stopped ? 'yes' : 'no',
    })),
    undefined,
    2,
  );
  const a = b.assumptions;
  process.stdout.write(
    `units: starting bankroll ${a.startingBankroll}, flat stake ${a.flatStake} (no bankroll limit); Kelly ${a.kelly.kellyMultiplier} x, caps ${a.kelly.maxBetFraction}/bet ${a.kelly.maxEventFraction}/match ${a.kelly.maxDayFraction}/week, stop below ${a.kelly.stopBelowFraction} of start\n` +
      `prices: ${a.prices}; commission ${a.commission}; ROI interval: ${a.interval}\n\n`,
  );
  for (const line of result.verdict) process.stdout.write(`${line}\n`);
}

// -------------------------------------------------------------------------------------------- wiring
export function register(program: Command): void {
  const sports = program
    .command('sports')
    .description('sports betting: odds, arbitrage, value, Kelly, goals models, bet ledger');

  sports
    .command('odds')
    .description(
      'convert and de-margin prices (--prices), or read The Odds API: sports, odds, event odds, scores, history',
    )
    .option(
      '--prices <list>',
      'prices of one market to convert and de-margin, e.g. 2.6,2.4,4.3 or "+150,-200" (offline)',
    )
    .option(
      '--format <format>',
      'price format of --prices: decimal | american | fractional (default: read from the text)',
    )
    .option('--list-sports', 'list sports (default when --sport is not given)')
    .option('--all', 'with the sports list: include out-of-season sports')
    .option('--sport <key>', 'sport key, e.g. soccer_epl')
    .option('--regions <list>', 'bookmaker regions: us, us2, uk, au, eu', 'uk')
    .option('--markets <list>', 'markets, e.g. h2h,totals,spreads', 'h2h')
    .option('--bookmakers <list>', 'bookmaker keys (instead of regions)')
    .option('--event <id>', 'odds of one event')
    .option('--date <time>', 'historical snapshot at or before this time (paid plans)')
    .option('--scores', 'live and recent scores instead of odds')
    .option('--days-from <n>', 'with --scores: include games completed up to 1-3 days ago')
    .option('--refresh', 'ignore the local response cache')
    .option('--json', 'print JSON')
    .action((flags: OddsFlags) => oddsAction(program, flags));

  sports
    .command('arbitrage')
    .description(
      'sure bets across bookmakers (exchanges after commission) with stakes that pay the same on every outcome',
    )
    .option('--file <json>', 'saved odds in The Odds API format (offline)')
    .option('--sport <key>', 'live odds of this sport from The Odds API')
    .option('--regions <list>', 'bookmaker regions for --sport', 'uk,eu')
    .option('--bookmakers <list>', 'bookmaker keys for --sport (instead of regions)')
    .option('--market <key>', 'h2h | totals | spreads', 'h2h')
    .option('--bankroll <amount>', 'total stake per sure bet (default: the default betting bankroll)')
    .option('--increment <amount>', 'round stakes to multiples of this amount (default 0.01)')
    .option('--min-margin <fraction>', 'only report sure bets returning at least this fraction', '0')
    .option('--commission <fraction>', 'exchange commission on net winnings (default 0.02)')
    .option('--refresh', 'ignore the local response cache')
    .option('--json', 'print JSON')
    .action((flags: ArbitrageFlags) => arbitrageAction(program, flags));

  sports
    .command('value')
    .description(
      'value bets: model probability x price beats 1 + threshold (prices from a file, the feed, or --odds)',
    )
    .option('--model <name>', 'a model saved with `sports model fit --save NAME`')
    .option('--model-file <file>', 'a model file written by `sports model fit --output FILE`')
    .option('--league <league>', 'fit Dixon-Coles on this bundled league now (EPL, ESP1, FRA1, GER1, ITA1)')
    .option('--season <season>', 'with --league: last season fitted (default latest)')
    .option('--seasons <n>', 'with --league: seasons fitted')
    .option('--home <team>', 'with --odds: home team')
    .option('--away <team>', 'with --odds: away team')
    .option('--odds <list>', 'home,draw,away prices of one match (offline)')
    .option('--format <format>', 'price format of --odds')
    .option('--file <json>', 'saved odds in The Odds API format')
    .option('--sport <key>', 'live odds of this sport from The Odds API')
    .option('--regions <list>', 'bookmaker regions for --sport', 'uk,eu')
    .option('--bookmakers <list>', 'bookmaker keys for --sport')
    .option('--threshold <ev>', 'smallest expected value per unit staked (default 0.05)')
    .option('--method <method>', 'margin removal for the market comparison (default shin)')
    .option('--refresh', 'ignore the local response cache')
    .option('--json', 'print JSON')
    .action((flags: ValueFlags) => valueAction(program, flags));

  sports
    .command('kelly')
    .description(
      'Kelly stakes for one bet, exclusive outcomes of one event, or independent events (--independent)',
    )
    .requiredOption('--odds <list>', 'prices, e.g. 2.5 or 2.5,3.4,3.1 or "+150,-120" or 3/2')
    .requiredOption('--prob <list>', 'your probabilities, same order, in [0, 1]')
    .option('--format <format>', 'price format (default: read from the text)')
    .option('--independent', 'the bets are on independent events (solved jointly)')
    .option('--fraction <f>', 'fraction of full Kelly (default 0.25)')
    .option('--max-bet <f>', 'most of the bankroll on one bet (default 0.05)')
    .option('--max-event <f>', 'most on one event (default 0.05)')
    .option('--max-day <f>', 'most on the day, for --independent (default 0.25)')
    .option('--bankroll <amount>', 'also print stakes in money')
    .option('--json', 'print JSON')
    .action((flags: KellyFlags) => kellyAction(flags));

  sports
    .command('ev')
    .description(
      "expected value of one bet at a price given your probability, against the market's fair price",
    )
    .requiredOption('--odds <price>', 'the price: 2.1, +110 or 11/10')
    .requiredOption('--prob <p>', 'your probability that the bet wins, in [0, 1]')
    .option('--format <format>', 'price format (default: read from the text)')
    .option('--commission <fraction>', 'commission on net winnings (exchanges), e.g. 0.02')
    .option('--market <list>', "every outcome's price of the market, e.g. 2.1,3.4,3.6, to compare")
    .option('--selection <index>', 'index of the bet in --market (0 = first)')
    .option('--method <method>', 'margin removal for --market (default shin)')
    .option('--json', 'print JSON')
    .action((flags: EvFlags) => evAction(flags));

  const model = sports
    .command('model')
    .description('goals models: fit, predict, evaluate against the market');
  model
    .command('fit')
    .description(
      'fit Dixon-Coles, Poisson or Elo to a league of the bundled data (or a CSV of the same columns)',
    )
    .requiredOption('--league <league>', 'EPL, ESP1, FRA1, GER1 or ITA1')
    .option('--season <season>', 'last season fitted, e.g. 2018-2019 (default latest)')
    .option('--seasons <n>', 'seasons fitted up to --season', '1')
    .option('--kind <model>', 'dixon-coles | poisson | elo', 'dixon-coles')
    .option('--xi <rate>', 'time decay per week (default 0.013)')
    .option('--ridge <weight>', 'ridge towards the league average (default 0: maximum likelihood)')
    .option('--file <csv>', "a CSV with the bundled file's columns instead of the bundled data")
    .option('--save <name>', 'save as NEURAL_TRADER_HOME/sports/models/NAME.json')
    .option('--output <file>', 'save to this file')
    .option('--json', 'print JSON')
    .action((flags: FitFlags) => fitAction(program, flags));
  model
    .command('predict')
    .description('1X2, totals, Asian handicaps, BTTS and correct scores of a match with fair odds')
    .requiredOption('--home <team>', 'home team')
    .requiredOption('--away <team>', 'away team')
    .option('--model <name>', 'a saved model')
    .option('--model-file <file>', 'a model file')
    .option('--league <league>', 'fit on this bundled league now')
    .option('--season <season>', 'with --league: last season fitted')
    .option('--seasons <n>', 'with --league: seasons fitted')
    .option('--json', 'print JSON')
    .action((flags: PredictFlags) => predictAction(program, flags));
  model
    .command('evaluate')
    .description(
      'rolling out-of-sample evaluation of Poisson, Dixon-Coles and Elo next to the de-margined market',
    )
    .option('--leagues <list>', 'leagues (default all five)')
    .option('--models <list>', 'poisson, dixon-coles, elo (default all)')
    .option('--xi <rate>', 'time decay per week (default 0.013)')
    .option('--training-seasons <n>', 'past seasons per training window (default 3)')
    .option('--ridge <weight>', 'ridge towards team priors (default 1)')
    .option('--json', 'print JSON')
    .action((flags: EvaluateFlags) => evaluateAction(flags));

  const bets = sports.command('bets').description('the paper bet ledger: place, settle, report');
  bets
    .command('place')
    .description('book a bet in the paper ledger (idempotent with --bet-id)')
    .requiredOption('--sport <key>', 'sport key, e.g. soccer_epl')
    .requiredOption('--event <id>', 'event id (e.g. from `sports odds`)')
    .requiredOption(
      '--market <market>',
      'h2h (1x2) | totals | spreads (asian-handicap) | btts | draw_no_bet | correct_score | outrights',
    )
    .requiredOption(
      '--selection <name>',
      'home | draw | away | over | under | yes | no | 2-1 | a name (outrights)',
    )
    .option('--line <n>', "totals: goal line; spreads: the selected team's handicap (steps of 0.25)")
    .requiredOption('--odds <price>', 'price: 2.1, +110, 11/10')
    .option('--format <format>', 'price format (default: read from the text)')
    .requiredOption('--stake <amount>', 'stake, e.g. 10.00')
    .requiredOption('--bookmaker <key>', 'bookmaker key, e.g. pinnacle, betfair_ex_uk, or paper')
    .option('--bet-id <id>', 'client bet id (idempotency key; default generated)')
    .option('--home-team <name>', 'home team (for reports)')
    .option('--away-team <name>', 'away team (for reports)')
    .option('--commission <fraction>', 'exchange commission on net winnings, e.g. 0.02')
    .option('--account <name>', 'ledger account (default paper)')
    .option('--note <text>', 'free text')
    .option('--json', 'print JSON')
    .action((flags: PlaceFlags) => placeAction(program, flags));
  bets
    .command('settle')
    .description(
      'settle one bet by status, every bet on an event from its final score, or from feed scores (once)',
    )
    .option('--scores <sport>', 'settle open bets on completed events from The Odds API scores of this sport')
    .option('--days-from <n>', 'with --scores: games completed up to 1-3 days ago (default 3)')
    .option('--bet <id>', 'bet id')
    .option('--status <status>', 'won | lost | void | half-won | half-lost | cashed-out')
    .option('--cashout <amount>', 'with cashed-out: the amount received')
    .option('--event <id>', 'settle every open bet on this event')
    .option('--score <h-a>', 'with --event: the final score, e.g. 2-1')
    .option('--json', 'print JSON')
    .action((flags: SettleFlags) => settleAction(program, flags));
  bets
    .command('report')
    .description('balance, open stakes and P&L/ROI by sport, market, bookmaker or account')
    .option('--by <group>', 'sport | market | bookmaker | account', 'sport')
    .option('--account <name>', 'one account (default paper)')
    .option('--bets', 'also list every bet')
    .option('--json', 'print JSON')
    .action((flags: ReportFlags) => reportAction(program, flags));
  bets
    .command('deposit')
    .description('add money to a ledger account')
    .requiredOption('--amount <amount>', 'amount, e.g. 500.00')
    .option('--account <name>', 'ledger account (default paper)')
    .action((flags: { amount: string; account?: string }) => depositAction(program, flags));

  sports
    .command('backtest')
    .description(
      'the evaluation table and a value-betting backtest (flat and fractional Kelly) with ROI and its 95% interval',
    )
    .option('--leagues <list>', 'leagues (default all five)')
    .option('--models <list>', 'forecasters evaluated (default poisson, dixon-coles, elo)')
    .option('--model <name>', 'forecaster that picks the bets (default dixon-coles)')
    .option('--threshold <ev>', 'smallest expected value per unit to bet (default 0.05)')
    .option('--fraction <f>', 'fraction of full Kelly (default 0.25)')
    .option('--max-bet <f>', 'most of the bankroll on one bet (default 0.05)')
    .option('--max-event <f>', 'most on one match (default 0.05)')
    .option('--max-day <f>', 'most in one match week (default 0.25)')
    .option('--stop-below <f>', 'stop betting below this fraction of the starting bankroll (default 0.2)')
    .option('--xi <rate>', 'time decay per week (default 0.013)')
    .option('--training-seasons <n>', 'past seasons per training window (default 3)')
    .option('--ridge <weight>', 'ridge towards team priors (default 1)')
    .option('--resamples <n>', 'bootstrap resamples for the ROI interval (default 2000)')
    .option('--seed <n>', 'bootstrap seed (default 42)')
    .option('--json', 'print JSON')
    .action((flags: BacktestFlags) => backtestAction(flags));
}
