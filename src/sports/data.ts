import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError, ValidationError } from '../core/errors.js';
import { sampleDataDirectory } from '../data/sample.js';

/**
 * Football results with bookmaker odds: the bundled dataset (data/sports/soccer_odds_top5_2005_2019.csv,
 * see DATA_SOURCES.md) or a CSV of the same columns:
 *   league,season,round,home_team,away_team,home_goals,away_goals,odds_home,odds_draw,odds_away
 * Odds are decimal 1X2 prices (the bundled file has the average of several bookmakers' pre-match prices).
 * A blank score is a match without a result (postponed, abandoned): kept as a fixture, never used to fit
 * or to score a forecast.
 */
export const BUNDLED_SOCCER_FILE = 'soccer_odds_top5_2005_2019.csv';
export const BUNDLED_SOCCER_SOURCE =
  'bundled soccer_odds_top5_2005_2019.csv (iredchuk/soccer-bookmaker-odds, MIT): EPL, Ligue 1, Bundesliga, Serie A, La Liga 2005-06..2018-19, average pre-match 1X2 odds';

const COLUMNS = [
  'league',
  'season',
  'round',
  'home_team',
  'away_team',
  'home_goals',
  'away_goals',
  'odds_home',
  'odds_draw',
  'odds_away',
] as const;

export interface SoccerMatch {
  league: string;
  /** "2018-2019". */
  season: string;
  /** First calendar year of the season (2018 for 2018-2019). */
  seasonStart: number;
  /** Match week within the season, from 1. */
  round: number;
  homeTeam: string;
  awayTeam: string;
  /** null when the match has no result. */
  homeGoals: number | null;
  awayGoals: number | null;
  /** Decimal odds home, draw, away. */
  odds: readonly [number, number, number];
  /**
   * Weeks on one clock across seasons (seasonStart * 52 + round): the file has no dates, so a season is
   * taken to start in week 1 of its first year and to play one round a week.
   */
  week: number;
  /** 1-based line in the file, for messages. */
  line: number;
}

export interface LoadSoccerOptions {
  /** A CSV with the columns above; default the bundled file. */
  file?: string;
  /** Keep only these leagues (e.g. EPL, GER1). */
  leagues?: readonly string[];
}

/** Path of the bundled dataset. */
export function bundledSoccerFile(): string {
  return join(dirname(sampleDataDirectory()), 'sports', BUNDLED_SOCCER_FILE);
}

/** Split one CSV line into fields (double-quoted fields may hold commas and "" escapes). */
function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

const SEASON = /^(\d{4})(?:[-/](\d{2}|\d{4}))?$/;

let bundledCache: SoccerMatch[] | undefined;

/** Parse the bundled dataset or a CSV file of the same columns, refusing the first bad row with `file:line: field`. */
export function loadSoccerMatches(options: LoadSoccerOptions = {}): SoccerMatch[] {
  const path = options.file ?? bundledSoccerFile();
  let all: SoccerMatch[];
  if (!options.file && bundledCache) {
    all = bundledCache;
  } else {
    if (!existsSync(path)) {
      throw new DataError(`${path}: file not found`, {
        field: 'file',
        hint: options.file ? 'check the path' : 'reinstall neural-trader; the package ships data/sports',
      });
    }
    all = parseSoccerCsv(readFileSync(path, 'utf8'), path);
    if (!options.file) bundledCache = all;
  }
  if (!options.leagues || options.leagues.length === 0) return all;
  const wanted = new Set(options.leagues.map((l) => l.trim().toUpperCase()));
  const known = new Set(all.map((m) => m.league.toUpperCase()));
  for (const league of wanted) {
    if (!known.has(league)) {
      throw new ValidationError(`leagues: no matches of league "${league}" in ${path}`, {
        field: 'leagues',
        hint: `leagues in the file: ${[...known].sort().join(', ')}`,
      });
    }
  }
  return all.filter((m) => wanted.has(m.league.toUpperCase()));
}

export function parseSoccerCsv(text: string, source = 'input'): SoccerMatch[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const position = COLUMNS.map((c) => header.indexOf(c));
  const missing = COLUMNS.filter((_, i) => position[i] < 0);
  if (missing.length > 0) {
    throw new DataError(`${source}:1: missing column(s) ${missing.join(', ')}`, {
      field: 'file',
      hint: `the header needs ${COLUMNS.join(',')}`,
    });
  }
  const matches: SoccerMatch[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const cells = splitCsvLine(raw);
    const at = (c: (typeof COLUMNS)[number]) => (cells[position[COLUMNS.indexOf(c)]] ?? '').trim();
    const fail = (field: string, what: string, hint?: string) =>
      new DataError(`${source}:${i + 1}: ${field}: ${what}`, { field, hint });
    const league = at('league');
    if (league === '') throw fail('league', 'empty');
    const season = at('season');
    const sm = SEASON.exec(season);
    if (!sm)
      throw fail(
        'season',
        `"${season.slice(0, 20)}" is not a season`,
        'write seasons like 2018-2019 or 2018',
      );
    const round = Number(at('round'));
    if (!Number.isInteger(round) || round < 1 || round > 100)
      throw fail('round', `"${at('round')}" is not a round number 1-100`);
    const homeTeam = at('home_team');
    const awayTeam = at('away_team');
    if (homeTeam === '' || awayTeam === '') throw fail('home_team', 'team names must not be empty');
    if (homeTeam === awayTeam) throw fail('away_team', `${homeTeam} cannot play itself`);
    const goal = (c: 'home_goals' | 'away_goals') => {
      const t = at(c);
      if (t === '') return null;
      if (!/^\d{1,2}$/.test(t)) throw fail(c, `"${t.slice(0, 10)}" is not a number of goals`);
      return Number(t);
    };
    const homeGoals = goal('home_goals');
    const awayGoals = goal('away_goals');
    if ((homeGoals === null) !== (awayGoals === null))
      throw fail('home_goals', 'one side of the score is missing');
    const price = (c: 'odds_home' | 'odds_draw' | 'odds_away') => {
      const t = at(c);
      const v = Number(t);
      if (t === '' || !/^\d+(\.\d+)?$/.test(t) || !(v > 1)) {
        throw fail(c, `"${t.slice(0, 10)}" is not decimal odds above 1`);
      }
      return v;
    };
    const odds = [price('odds_home'), price('odds_draw'), price('odds_away')] as const;
    const key = `${league}|${season}|${homeTeam}|${awayTeam}|${round}`;
    if (seen.has(key)) throw fail('home_team', `${homeTeam} v ${awayTeam} in round ${round} is listed twice`);
    seen.add(key);
    const seasonStart = Number(sm[1]);
    matches.push({
      league,
      season,
      seasonStart,
      round,
      homeTeam,
      awayTeam,
      homeGoals,
      awayGoals,
      odds,
      week: seasonStart * 52 + round,
      line: i + 1,
    });
  }
  if (matches.length === 0) throw new DataError(`${source}: no matches`, { field: 'file' });
  return matches;
}

/** 0 home win, 1 draw, 2 away win. */
export function matchOutcome(homeGoals: number, awayGoals: number): 0 | 1 | 2 {
  return homeGoals > awayGoals ? 0 : homeGoals === awayGoals ? 1 : 2;
}
