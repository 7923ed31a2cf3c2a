import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSoccerMatches, parseSoccerCsv, type SoccerMatch } from '../../src/sports/data.js';
import { rollingEvaluation } from '../../src/sports/evaluation.js';
import { removeMargin } from '../../src/sports/margin.js';
import { rankedProbabilityScore } from '../../src/sports/metrics.js';
import { valueBacktest } from '../../src/sports/value-backtest.js';

describe('bundled football data', () => {
  it('has 25,564 matches of five leagues over 14 seasons, one without a result', () => {
    const all = loadSoccerMatches();
    expect(all).toHaveLength(25_564);
    expect(new Set(all.map((m) => m.league))).toEqual(new Set(['EPL', 'FRA1', 'GER1', 'ITA1', 'ESP1']));
    expect(new Set(all.map((m) => `${m.league} ${m.season}`)).size).toBe(70);
    const unplayed = all.filter((m) => m.homeGoals === null);
    expect(unplayed.map((m) => `${m.homeTeam} v ${m.awayTeam} ${m.season}`)).toEqual([
      'FC Nantes v Toulouse FC 2006-2007',
    ]);
    expect(all[0]).toMatchObject({
      league: 'EPL',
      season: '2005-2006',
      round: 1,
      homeTeam: 'Everton FC',
      odds: [4.8, 3.4, 1.7],
    });
    expect(loadSoccerMatches({ leagues: ['epl'] })).toHaveLength(5_320);
    expect(() => loadSoccerMatches({ leagues: ['MLS'] })).toThrow(/leagues: no matches of league "MLS"/);
  });

  it('refuses a bad row with file:line and the field', () => {
    const header =
      'league,season,round,home_team,away_team,home_goals,away_goals,odds_home,odds_draw,odds_away';
    expect(() => parseSoccerCsv(`${header}\nEPL,2019-2020,1,A,B,1,0,1.0,3,4`, 'x.csv')).toThrow(
      /x.csv:2: odds_home: "1.0" is not decimal odds above 1/,
    );
    expect(() => parseSoccerCsv(`${header}\nEPL,2019-2020,1,A,A,1,0,2,3,4`, 'x.csv')).toThrow(
      /x.csv:2: away_team: A cannot play itself/,
    );
    expect(() => parseSoccerCsv(`${header}\nEPL,2019-2020,1,A,B,1,,2,3,4`, 'x.csv')).toThrow(
      /one side of the score is missing/,
    );
    expect(() => parseSoccerCsv('league,season\nEPL,2019', 'x.csv')).toThrow(
      /x.csv:1: missing column\(s\) round/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'nt-sports-'));
    const file = join(dir, 'm.csv');
    writeFileSync(file, `${header}\n"EPL","2019-2020",1,"Brighton, Hove",B,2,2,2.5,3.2,2.9\n`);
    expect(loadSoccerMatches({ file })[0]).toMatchObject({ homeTeam: 'Brighton, Hove', homeGoals: 2 });
  });
});

function epl(seasons: number): SoccerMatch[] {
  const all = loadSoccerMatches({ leagues: ['EPL'] });
  const first = all[0].seasonStart;
  return all.filter((m) => m.seasonStart < first + seasons);
}

describe('rolling out-of-sample evaluation', () => {
  const matches = epl(3);
  const result = rollingEvaluation({ matches });

  it('scores every match after the first season with every forecaster, the market from its own prices', () => {
    expect(result.matchesEvaluated).toBe(760);
    expect(result.matchesSkipped.firstSeason).toBe(380);
    const names = result.rows.map((r) => r.name);
    expect(names).toEqual([
      'market:multiplicative',
      'market:additive',
      'market:power',
      'market:shin',
      'market:odds-ratio',
      'base-rate',
      'poisson',
      'dixon-coles',
      'elo',
    ]);
    for (const row of result.rows) expect(row.matches).toBe(760);
    // The market row is the mean RPS of the de-margined prices, computed here independently.
    let rps = 0;
    for (const f of result.forecasts)
      rps += rankedProbabilityScore(removeMargin(f.odds, 'shin').probabilities, f.outcome);
    expect(result.rows.find((r) => r.name === 'market:shin')?.rps).toBeCloseTo(rps / 760, 12);
    // Sanity: every model beats the base rate on these seasons.
    const base = result.rows.find((r) => r.name === 'base-rate')?.rps as number;
    for (const model of ['poisson', 'dixon-coles', 'elo']) {
      expect(result.rows.find((r) => r.name === model)?.rps).toBeLessThan(base);
    }
  });

  it('never looks ahead: changing results from week 20 on leaves every forecast up to week 20 unchanged', () => {
    const cut = { season: '2007-2008', round: 20 };
    const altered = matches.map((m) =>
      m.season === cut.season && m.round >= cut.round ? { ...m, homeGoals: 7, awayGoals: 0 } : m,
    );
    const again = rollingEvaluation({ matches: altered });
    // Week 20's own forecasts are made before its results: they must not move either.
    const before = (f: (typeof result.forecasts)[number]) =>
      !(f.season === cut.season && f.round > cut.round);
    const original = result.forecasts.filter(before);
    const replayed = again.forecasts.filter(before);
    expect(replayed).toHaveLength(original.length);
    for (const [i, f] of original.entries()) expect(replayed[i].probabilities).toEqual(f.probabilities);
    // ...while the forecasts after round 20 do see the altered results.
    const later = again.forecasts.find((f) => f.season === cut.season && f.round === cut.round + 1);
    const laterOriginal = result.forecasts.find((f) => f.season === cut.season && f.round === cut.round + 1);
    expect(later?.probabilities['dixon-coles']).not.toEqual(laterOriginal?.probabilities['dixon-coles']);
  });

  it('is deterministic and gives the same forecasts with and without warm starts', () => {
    const cold = rollingEvaluation({ matches, warmStart: false, models: ['dixon-coles'] });
    const warm = result.forecasts.map((f) => f.probabilities['dixon-coles']);
    cold.forecasts.forEach((f, i) => {
      for (let k = 0; k < 3; k++) expect(f.probabilities['dixon-coles'][k]).toBeCloseTo(warm[i][k], 6);
    });
  });

  it('refuses bad options with one line', () => {
    expect(() => rollingEvaluation({ matches, ridge: 0 })).toThrow(/ridge: must be above 0/);
    expect(() => rollingEvaluation({ matches, models: ['neural' as 'elo'] })).toThrow(
      /models: unknown model "neural"/,
    );
    expect(() => rollingEvaluation({ matches, trainingSeasons: 0 })).toThrow(
      /trainingSeasons: must be a whole number/,
    );
  });

  it('value backtest: flat ROI is the mean return per bet over the same selections; the interval brackets the ROI', () => {
    const backtest = valueBacktest(result.forecasts, { model: 'dixon-coles', threshold: 0.05 });
    const [flat, kelly] = backtest.results;
    // Recompute the flat bets independently from the forecasts.
    let bets = 0;
    let profit = 0;
    for (const f of result.forecasts) {
      const p = f.probabilities['dixon-coles'];
      for (let i = 0; i < 3; i++) {
        if (p[i] * f.odds[i] - 1 < 0.05) continue;
        bets++;
        profit += f.outcome === i ? f.odds[i] - 1 : -1;
      }
    }
    expect(flat.bets).toBe(bets);
    expect(flat.roi).toBeCloseTo(profit / bets, 12);
    expect(flat.roiInterval[0]).toBeLessThanOrEqual(flat.roi);
    expect(flat.roiInterval[1]).toBeGreaterThanOrEqual(flat.roi);
    expect(kelly.bets).toBeGreaterThan(0);
    expect(kelly.bets).toBeLessThanOrEqual(flat.bets); // the same selections, fewer if Kelly zeroes some
    expect(valueBacktest(result.forecasts, { model: 'dixon-coles' })).toEqual(backtest);
    expect(() => valueBacktest(result.forecasts, { model: 'magic' })).toThrow(
      /model: no forecasts by "magic"/,
    );
  });
});
