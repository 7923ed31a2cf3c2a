import { ValidationError } from '../core/errors.js';
import { BUNDLED_SOCCER_SOURCE, loadSoccerMatches, matchOutcome, type SoccerMatch } from './data.js';
import {
  DEFAULT_EVALUATION_RIDGE,
  DEFAULT_TIME_DECAY_PER_WEEK,
  DEFAULT_TRAINING_SEASONS,
} from './defaults.js';
import { fitGoalsModel, type GoalsMatch, type GoalsModel, type TeamRating } from './goals/dixon-coles.js';
import { EloRatings, fitOrderedLogit, type OrderedLogit, orderedLogitProbabilities } from './goals/elo.js';
import { MARGIN_METHODS, type MarginMethod, removeMargin } from './margin.js';
import { type ForecastScores, ScoreAccumulator } from './metrics.js';

/**
 * Rolling out-of-sample evaluation on real results and odds: for every match week of every league, the
 * models are fitted on everything played before that week (the last `trainingSeasons` seasons plus the
 * current season so far, older matches down-weighted by time decay) and predict the week; the
 * bookmakers' de-margined prices for the same matches are scored the same way. Nothing a forecast uses
 * is later than the week it forecasts (team lists of a season are known before it starts, as fixtures
 * are published in advance).
 *
 * Promoted teams: at the start of a season each newcomer is given the average rating of the teams that
 * left the league (the relegated ones) as its prior, and a small ridge penalty pulls its estimate towards
 * that prior until it has played enough matches. Elo does the same with ratings.
 */
export const EVALUATION_MODELS = ['poisson', 'dixon-coles', 'elo'] as const;
export type EvaluationModel = (typeof EVALUATION_MODELS)[number];

export interface RollingEvaluationOptions {
  /** Matches to use (default: the bundled dataset). */
  matches?: readonly SoccerMatch[];
  /** Only these leagues (default all). */
  leagues?: readonly string[];
  models?: readonly EvaluationModel[];
  /** De-margining methods whose market forecasts are scored (default all five). */
  marketMethods?: readonly MarginMethod[];
  /** Time decay per week (default DEFAULT_TIME_DECAY_PER_WEEK). */
  xi?: number;
  /** Past seasons in each training window, besides the current one (default 3). */
  trainingSeasons?: number;
  /** Ridge towards each team's prior (default DEFAULT_EVALUATION_RIDGE). */
  ridge?: number;
  /** Start each fit from the previous week's parameters (default true; same optimum, fewer iterations). */
  warmStart?: boolean;
  /** Called after every week; return false to stop early (the result then covers the weeks done). */
  onProgress?: (done: number, total: number) => boolean | undefined;
}

/** A forecast of one match by every model and market method, with the result. */
export interface MatchForecast {
  league: string;
  season: string;
  round: number;
  /** Chronological group across leagues: seasonStart * 100 + round. */
  week: number;
  homeTeam: string;
  awayTeam: string;
  homeGoals: number;
  awayGoals: number;
  /** 0 home, 1 draw, 2 away. */
  outcome: 0 | 1 | 2;
  /** Decimal odds home, draw, away. */
  odds: readonly [number, number, number];
  /** Home/draw/away probabilities by forecaster name ("dixon-coles", "market:shin", "base-rate"...). */
  probabilities: Record<string, [number, number, number]>;
}

export interface EvaluationRow extends ForecastScores {
  name: string;
  kind: 'market' | 'model' | 'baseline';
  matches: number;
}

export interface RollingEvaluation {
  rows: EvaluationRow[];
  forecasts: MatchForecast[];
  /** Matches scored, and matches in the data that were not (first season of a league, no result). */
  matchesEvaluated: number;
  matchesSkipped: { firstSeason: number; noResult: number };
  fits: number;
  elapsedMs: number;
  /** True when onProgress stopped the run early. */
  stoppedEarly: boolean;
  assumptions: {
    data: string;
    leagues: string[];
    seasons: string;
    scheme: string;
    xiPerWeek: number;
    trainingSeasons: number;
    ridge: number;
    maxGoals: number;
    outcomes: string;
    logLoss: string;
  };
}

interface RoundGroup {
  season: number;
  seasonName: string;
  round: number;
  matches: SoccerMatch[];
}

function toGoalsMatch(m: SoccerMatch): GoalsMatch {
  return {
    homeTeam: m.homeTeam,
    awayTeam: m.awayTeam,
    homeGoals: m.homeGoals as number,
    awayGoals: m.awayGoals as number,
    time: m.week,
  };
}

function average(ratings: readonly TeamRating[]): TeamRating | undefined {
  if (ratings.length === 0) return undefined;
  let attack = 0;
  let defence = 0;
  for (const r of ratings) {
    attack += r.attack;
    defence += r.defence;
  }
  return { attack: attack / ratings.length, defence: defence / ratings.length };
}

/** Run the rolling evaluation. Deterministic: the same data and options give the same table. */
export function rollingEvaluation(options: RollingEvaluationOptions = {}): RollingEvaluation {
  const started = performance.now();
  const all = options.matches ?? loadSoccerMatches({ leagues: options.leagues });
  const models = options.models ?? EVALUATION_MODELS;
  const methods = options.marketMethods ?? MARGIN_METHODS;
  const xi = options.xi ?? DEFAULT_TIME_DECAY_PER_WEEK;
  const trainingSeasons = options.trainingSeasons ?? DEFAULT_TRAINING_SEASONS;
  const ridge = options.ridge ?? DEFAULT_EVALUATION_RIDGE;
  const warm = options.warmStart !== false;
  for (const model of models) {
    if (!EVALUATION_MODELS.includes(model)) {
      throw new ValidationError(`models: unknown model "${model}"`, {
        field: 'models',
        hint: `use ${EVALUATION_MODELS.join(', ')}`,
      });
    }
  }
  if (!(Number.isFinite(ridge) && ridge > 0)) {
    throw new ValidationError(`ridge: must be above 0 in the rolling evaluation, got ${ridge}`, {
      field: 'ridge',
      hint: 'promoted teams have no matches at the start of a season; the ridge rates them at their prior',
    });
  }
  if (!Number.isInteger(trainingSeasons) || trainingSeasons < 1 || trainingSeasons > 20) {
    throw new ValidationError(
      `trainingSeasons: must be a whole number from 1 to 20, got ${trainingSeasons}`,
      {
        field: 'trainingSeasons',
      },
    );
  }
  const leagueFilter = options.leagues ? new Set(options.leagues.map((l) => l.toUpperCase())) : undefined;
  const matches = leagueFilter ? all.filter((m) => leagueFilter.has(m.league.toUpperCase())) : all;
  if (matches.length === 0) throw new ValidationError('matches: nothing to evaluate', { field: 'matches' });

  // Rounds per league in time order.
  const leagues = new Map<string, RoundGroup[]>();
  const groups = new Map<string, RoundGroup>();
  for (const m of matches) {
    let rounds = leagues.get(m.league);
    if (!rounds) {
      rounds = [];
      leagues.set(m.league, rounds);
    }
    const key = `${m.league}|${m.seasonStart}|${m.round}`;
    let group = groups.get(key);
    if (!group) {
      group = { season: m.seasonStart, seasonName: m.season, round: m.round, matches: [] };
      groups.set(key, group);
      rounds.push(group);
    }
    group.matches.push(m);
  }
  let totalRounds = 0;
  for (const rounds of leagues.values()) {
    rounds.sort((a, b) => a.season - b.season || a.round - b.round);
    totalRounds += rounds.length;
  }

  const forecasters = [
    ...methods.map((m) => ({ name: `market:${m}`, kind: 'market' as const })),
    { name: 'base-rate', kind: 'baseline' as const },
    ...models.map((m) => ({ name: m, kind: 'model' as const })),
  ];
  const scores = new Map(forecasters.map((f) => [f.name, new ScoreAccumulator()]));
  const forecasts: MatchForecast[] = [];
  const skipped = { firstSeason: 0, noResult: 0 };
  let fits = 0;
  let roundsDone = 0;
  let stoppedEarly = false;
  const goalKinds = models.filter((m): m is 'poisson' | 'dixon-coles' => m !== 'elo');

  leagueLoop: for (const [league, rounds] of leagues) {
    const played: GoalsMatch[] = [];
    const playedSeason: number[] = [];
    const seasons = [...new Set(rounds.map((r) => r.season))].sort((a, b) => a - b);
    const teamsBySeason = new Map<number, Set<string>>();
    for (const r of rounds) {
      let set = teamsBySeason.get(r.season);
      if (!set) {
        set = new Set();
        teamsBySeason.set(r.season, set);
      }
      for (const m of r.matches) {
        set.add(m.homeTeam);
        set.add(m.awayTeam);
      }
    }
    const fitted = new Map<string, GoalsModel>();
    const priors = new Map<string, Map<string, TeamRating>>();
    const elo = new EloRatings();
    // Elo's ordered logit is calibrated on the same window as the goals models (index into `played`).
    const eloDiffs: number[] = [];
    const eloOutcomes: number[] = [];
    let logit: OrderedLogit | undefined;
    const baseCounts = [0, 0, 0];
    let currentSeason = Number.NaN;
    let trainingStart = 0;
    // One fit of the training window as it stands before `group` (warm-started from the last fit).
    const fitWindow = (
      kind: 'poisson' | 'dixon-coles',
      group: RoundGroup,
      teamPriors?: ReadonlyMap<string, TeamRating>,
      teams?: ReadonlySet<string>,
    ): GoalsModel => {
      fits++;
      return fitGoalsModel(played.slice(trainingStart), {
        kind,
        xi,
        asOf: group.season * 52 + group.round,
        ridge,
        priors: teamPriors,
        teams: teams ? [...teams] : undefined,
        warmStart: warm ? fitted.get(kind) : undefined,
      });
    };
    for (const group of rounds) {
      const seasonIndex = seasons.indexOf(group.season);
      const teams = teamsBySeason.get(group.season) as Set<string>;
      if (group.season !== currentSeason) {
        currentSeason = group.season;
        // Training window: the last `trainingSeasons` seasons before this one, plus this one so far.
        const firstSeason = seasons[Math.max(0, seasonIndex - trainingSeasons)];
        while (trainingStart < played.length && playedSeason[trainingStart] < firstSeason) trainingStart++;
        if (seasonIndex > 0) {
          const previous = teamsBySeason.get(seasons[seasonIndex - 1]) as Set<string>;
          const newcomers = [...teams].filter((t) => !previous.has(t));
          const leavers = [...previous].filter((t) => !teams.has(t));
          // Elo: newcomers start at the average rating of the teams they replace.
          const leaverElo = leavers.filter((t) => elo.has(t)).map((t) => elo.rating(t));
          if (leaverElo.length > 0) {
            const mean = leaverElo.reduce((a, b) => a + b, 0) / leaverElo.length;
            for (const t of newcomers) elo.setRating(t, mean);
          }
          // Goals models: one fit on the window before the season gives the leavers' level as the prior.
          for (const kind of goalKinds) {
            const before = fitWindow(kind, group);
            const prior = average(leavers.filter((t) => before.hasTeam(t)).map((t) => before.rating(t)));
            const map = new Map<string, TeamRating>();
            if (prior) for (const t of newcomers) map.set(t, prior);
            priors.set(kind, map);
            fitted.set(kind, before);
          }
        }
      }
      const results = group.matches.filter((m) => m.homeGoals !== null);
      skipped.noResult += group.matches.length - results.length;
      if (seasonIndex === 0) {
        skipped.firstSeason += results.length;
      } else {
        const predictions = new Map<string, GoalsModel>();
        for (const kind of goalKinds) {
          const model = fitWindow(kind, group, priors.get(kind), teams);
          fitted.set(kind, model);
          predictions.set(kind, model);
        }
        if (models.includes('elo')) {
          logit = fitOrderedLogit(eloDiffs.slice(trainingStart), eloOutcomes.slice(trainingStart), logit);
        }
        const baseTotal = baseCounts[0] + baseCounts[1] + baseCounts[2];
        for (const m of results) {
          const outcome = matchOutcome(m.homeGoals as number, m.awayGoals as number);
          const probabilities: Record<string, [number, number, number]> = {};
          for (const method of methods) {
            const p = removeMargin(m.odds, method).probabilities;
            probabilities[`market:${method}`] = [p[0], p[1], p[2]];
          }
          probabilities['base-rate'] = [
            baseCounts[0] / baseTotal,
            baseCounts[1] / baseTotal,
            baseCounts[2] / baseTotal,
          ];
          for (const [kind, model] of predictions) {
            const o = model.scoreMatrix(m.homeTeam, m.awayTeam).matchOutcome();
            probabilities[kind] = [o.home, o.draw, o.away];
          }
          if (logit) {
            const o = orderedLogitProbabilities(logit, elo.difference(m.homeTeam, m.awayTeam));
            probabilities.elo = [o.home, o.draw, o.away];
          }
          for (const f of forecasters) scores.get(f.name)?.add(probabilities[f.name], outcome);
          forecasts.push({
            league,
            season: m.season,
            round: m.round,
            week: m.seasonStart * 100 + m.round,
            homeTeam: m.homeTeam,
            awayTeam: m.awayTeam,
            homeGoals: m.homeGoals as number,
            awayGoals: m.awayGoals as number,
            outcome,
            odds: m.odds,
            probabilities,
          });
        }
      }
      // After the week: results become history.
      const diffs = results.map((m) => elo.difference(m.homeTeam, m.awayTeam));
      results.forEach((m, i) => {
        const outcome = matchOutcome(m.homeGoals as number, m.awayGoals as number);
        eloDiffs.push(diffs[i]);
        eloOutcomes.push(outcome);
        baseCounts[outcome]++;
        elo.update(m.homeTeam, m.awayTeam, m.homeGoals as number, m.awayGoals as number);
        played.push(toGoalsMatch(m));
        playedSeason.push(m.seasonStart);
      });
      roundsDone++;
      if (options.onProgress?.(roundsDone, totalRounds) === false) {
        stoppedEarly = true;
        break leagueLoop;
      }
    }
  }

  const rows: EvaluationRow[] = forecasters.map((f) => {
    const acc = scores.get(f.name) as ScoreAccumulator;
    return { name: f.name, kind: f.kind, matches: acc.n, ...acc.mean() };
  });
  const seasonNames = [...new Set(matches.map((m) => m.season))].sort();
  return {
    rows,
    forecasts,
    matchesEvaluated: forecasts.length,
    matchesSkipped: skipped,
    fits,
    elapsedMs: performance.now() - started,
    stoppedEarly,
    assumptions: {
      data: options.matches ? 'given matches' : BUNDLED_SOCCER_SOURCE,
      leagues: [...leagues.keys()],
      seasons: `${seasonNames[0]}..${seasonNames[seasonNames.length - 1]} (the first season of each league is training only)`,
      scheme: 'rolling: fit on every match before the week, predict the week',
      xiPerWeek: xi,
      trainingSeasons,
      ridge,
      maxGoals: 10,
      outcomes: 'home/draw/away, ordered for RPS',
      logLoss: 'natural log',
    },
  };
}
