import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { getConfig } from '../core/config.js';
import { DataError, ValidationError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { parseIdentifier } from '../core/inputs.js';
import { BUNDLED_SOCCER_SOURCE, loadSoccerMatches, type SoccerMatch } from './data.js';
import { DEFAULT_TIME_DECAY_PER_WEEK } from './defaults.js';
import { fitGoalsModel, GoalsModel, type GoalsModelKind } from './goals/dixon-coles.js';
import { EloRatings } from './goals/elo.js';
import { fairOddsOfResults, type ResultProbabilities } from './goals/score-matrix.js';

/**
 * Fitting a goals model to a league of the bundled data (or a CSV of the same columns), saving it as a
 * versioned JSON file and predicting a match's markets from it. These are what the CLI's `sports model`
 * commands and the MCP `predict_match` tool call.
 */
export interface FitLeagueOptions {
  league: string;
  /** Last season included, e.g. 2018-2019 (default: the latest in the data). */
  season?: string;
  /** How many seasons up to `season` to fit on (default 1). */
  seasons?: number;
  kind?: GoalsModelKind;
  /** Time decay per week (default DEFAULT_TIME_DECAY_PER_WEEK; 0 = all matches equal). */
  xi?: number;
  ridge?: number;
  /** A CSV instead of the bundled data. */
  file?: string;
}

export interface FittedLeagueModel {
  model: GoalsModel;
  league: string;
  seasons: string[];
  matches: number;
  source: string;
  fitMs: number;
}

function seasonsOf(matches: readonly SoccerMatch[]): string[] {
  return [...new Set(matches.map((m) => m.season))].sort();
}

export function fitLeagueModel(options: FitLeagueOptions): FittedLeagueModel {
  const league = options.league.trim().toUpperCase();
  const all = loadSoccerMatches({ file: options.file, leagues: [league] });
  const available = seasonsOf(all);
  const last = options.season ?? available[available.length - 1];
  if (!available.includes(last)) {
    throw new ValidationError(`season: ${league} has no season "${last}"`, {
      field: 'season',
      hint: `seasons available: ${available[0]}..${available[available.length - 1]}`,
    });
  }
  const count = options.seasons ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > available.length) {
    throw new ValidationError(`seasons: must be a whole number from 1 to ${available.length}, got ${count}`, {
      field: 'seasons',
    });
  }
  const upTo = available.indexOf(last);
  const chosen = available.slice(Math.max(0, upTo - count + 1), upTo + 1);
  const played = all.filter((m) => chosen.includes(m.season) && m.homeGoals !== null);
  const started = performance.now();
  const model = fitGoalsModel(
    played.map((m) => ({
      homeTeam: m.homeTeam,
      awayTeam: m.awayTeam,
      homeGoals: m.homeGoals as number,
      awayGoals: m.awayGoals as number,
      time: m.week,
    })),
    {
      kind: options.kind ?? 'dixon-coles',
      xi: options.xi ?? DEFAULT_TIME_DECAY_PER_WEEK,
      ridge: options.ridge ?? 0,
    },
  );
  return {
    model,
    league,
    seasons: chosen,
    matches: played.length,
    source: options.file ?? BUNDLED_SOCCER_SOURCE,
    fitMs: performance.now() - started,
  };
}

/** Elo ratings after every match of a league up to the end of `season` (a table, not a saved model). */
export function leagueEloTable(
  league: string,
  season?: string,
  file?: string,
): { team: string; rating: number }[] {
  const all = loadSoccerMatches({ file, leagues: [league] });
  const last = season ?? seasonsOf(all).at(-1);
  const elo = new EloRatings();
  for (const m of all) {
    if (m.season > (last as string) || m.homeGoals === null) continue;
    elo.update(m.homeTeam, m.awayTeam, m.homeGoals, m.awayGoals as number);
  }
  return elo.table();
}

const MODEL_FILE_FORMAT = 'neural-trader-goals-model';

const modelFileSchema = z.object({
  format: z.literal(MODEL_FILE_FORMAT),
  version: z.literal(1),
  league: z.string(),
  seasons: z.array(z.string()),
  source: z.string(),
  model: z.object({
    kind: z.enum(['poisson', 'dixon-coles']),
    teams: z.array(z.string()).min(2),
    attack: z.array(z.number().finite()),
    defence: z.array(z.number().finite()),
    intercept: z.number().finite(),
    homeAdvantage: z.number().finite(),
    rho: z.number().finite(),
    xi: z.number().finite(),
    ridge: z.number().finite(),
    logLikelihood: z.number().finite(),
    matches: z.number().int(),
    iterations: z.number().int(),
    converged: z.boolean(),
  }),
});

export type GoalsModelFile = z.infer<typeof modelFileSchema>;

/** Where named models live: {NEURAL_TRADER_HOME}/sports/models/NAME.json. */
export function modelPath(name: string, home = getConfig().home): string {
  return join(home, 'sports', 'models', `${parseIdentifier(name, 'name')}.json`);
}

export function saveGoalsModel(path: string, fitted: FittedLeagueModel): void {
  const file: GoalsModelFile = {
    format: MODEL_FILE_FORMAT,
    version: 1,
    league: fitted.league,
    seasons: fitted.seasons,
    source: fitted.source,
    model: fitted.model.toJSON(),
  };
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
}

export function loadGoalsModel(path: string): { model: GoalsModel; file: GoalsModelFile } {
  if (!existsSync(path)) {
    throw new DataError(`${path}: model file not found`, {
      field: 'model',
      hint: 'fit one with `npx neural-trader sports model fit --league EPL --save NAME`',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new DataError(`${path}: not a JSON model file`, { field: 'model' });
  }
  const parsed = modelFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DataError(
      `${path}: not a goals model file (${issue.path.join('.') || 'file'}: ${issue.message})`,
      {
        field: 'model',
        hint: 'the file must be written by `sports model fit --output/--save`',
      },
    );
  }
  const m = parsed.data.model;
  if (m.attack.length !== m.teams.length || m.defence.length !== m.teams.length) {
    throw new DataError(`${path}: ratings do not match the team list`, { field: 'model' });
  }
  return { model: new GoalsModel(m), file: parsed.data };
}

export interface MarketLine<T> {
  line: number;
  prices: T;
}

export interface ResultWithFairOdds extends ResultProbabilities {
  fairOdds: number;
}

export interface MatchPrediction {
  homeTeam: string;
  awayTeam: string;
  expectedGoals: { home: number; away: number };
  outcome: { home: number; draw: number; away: number };
  fairOdds: { home: number; draw: number; away: number };
  totals: MarketLine<{ over: ResultWithFairOdds; under: ResultWithFairOdds }>[];
  asianHandicap: MarketLine<{ home: ResultWithFairOdds; away: ResultWithFairOdds }>[];
  bothTeamsToScore: { yes: number; no: number };
  correctScores: { score: string; probability: number }[];
  model: { kind: GoalsModelKind; rho: number; homeAdvantage: number };
}

const withFair = (r: ResultProbabilities): ResultWithFairOdds => ({ ...r, fairOdds: fairOddsOfResults(r) });

/** Every market of a match from the model's score matrix, with fair (zero-margin) odds. */
export function predictMatch(
  model: GoalsModel,
  homeTeam: string,
  awayTeam: string,
  options: { totals?: readonly number[]; handicaps?: readonly number[]; scores?: number } = {},
): MatchPrediction {
  const matrix = model.scoreMatrix(homeTeam, awayTeam);
  const outcome = matrix.matchOutcome();
  return {
    homeTeam,
    awayTeam,
    expectedGoals: model.rates(homeTeam, awayTeam),
    outcome,
    fairOdds: { home: 1 / outcome.home, draw: 1 / outcome.draw, away: 1 / outcome.away },
    totals: (options.totals ?? [1.5, 2.5, 3.5]).map((line) => {
      const t = matrix.totals(line);
      return { line, prices: { over: withFair(t.over), under: withFair(t.under) } };
    }),
    asianHandicap: (options.handicaps ?? [-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5]).map((line) => {
      const a = matrix.asianHandicap(line);
      return { line, prices: { home: withFair(a.home), away: withFair(a.away) } };
    }),
    bothTeamsToScore: matrix.bothTeamsToScore(),
    correctScores: matrix.mostLikelyScores(options.scores ?? 6),
    model: { kind: model.kind, rho: model.rho, homeAdvantage: model.homeAdvantage },
  };
}
