// Sports benchmarks: a Dixon-Coles fit of one 380-match season (EPL 2018-19, bundled data), the whole
// rolling out-of-sample evaluation of ~25,000 matches (Poisson, Dixon-Coles and Elo, warm starts) with the
// value-betting backtest, and an arbitrage scan of 1,000 events x 20 bookmakers x 3 outcomes.
// Each figure is printed next to its target; CPU time is printed beside wall time for the long run because
// this machine is shared (wall time grows with other people's load, CPU time much less).
import { performance } from 'node:perf_hooks';
import { Random } from '../dist/core/random.js';
import { findArbitrage, fitGoalsModel, loadSoccerMatches, sportsBacktest } from '../dist/sports/index.js';

const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const verdict = (value, target) => (value < target ? 'OK' : 'OVER TARGET');

function timeRuns(fn, runs) {
  const first = performance.now();
  fn();
  const cold = performance.now() - first;
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { cold, median: times[Math.floor(runs / 2)], best: times[0] };
}

// 1. Dixon-Coles fit of one season (380 matches, 20 teams, 43 parameters), time decay on.
{
  const season = loadSoccerMatches({ leagues: ['EPL'] })
    .filter((m) => m.season === '2018-2019' && m.homeGoals !== null)
    .map((m) => ({
      homeTeam: m.homeTeam,
      awayTeam: m.awayTeam,
      homeGoals: m.homeGoals,
      awayGoals: m.awayGoals,
      time: m.week,
    }));
  let model;
  const t = timeRuns(() => {
    model = fitGoalsModel(season, { xi: 0.013 });
  }, 50);
  console.log(
    `Dixon-Coles fit, ${season.length} matches (EPL 2018-19): median ${fmt(t.median)}, first (cold JIT) ${fmt(t.cold)}, ` +
      `${model.iterations} Newton iterations (target < 200 ms) ${verdict(t.cold, 200)}`,
  );
}

// 2. The whole rolling evaluation and the value-betting backtest (what `neural-trader sports backtest` runs).
{
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = sportsBacktest();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const e = result.evaluation;
  console.log(
    `Rolling evaluation + backtest, ${e.matchesEvaluated} matches scored of ${e.matchesEvaluated + e.matchesSkipped.firstSeason + e.matchesSkipped.noResult}, ` +
      `${e.fits} model fits: wall ${(wall / 1000).toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (target < 60 s) ${verdict(wall, 60_000)}`,
  );
  for (const row of e.rows) {
    console.log(
      `  ${row.name.padEnd(22)} log loss ${row.logLoss.toFixed(4)}  Brier ${row.brier.toFixed(4)}  RPS ${row.rps.toFixed(4)}`,
    );
  }
  for (const r of result.backtest.results) {
    console.log(
      `  ${result.backtest.model} value bets, ${r.plan} staking: ${r.bets} bets, ROI ${(r.roi * 100).toFixed(2)}% ` +
        `[${(r.roiInterval[0] * 100).toFixed(2)}%, ${(r.roiInterval[1] * 100).toFixed(2)}%]`,
    );
  }
}

// 3. Arbitrage scan: 1,000 events x 20 bookmakers x 3 outcomes (seeded prices with 2-8% margins and noise, so
// about one event in eight has a sure bet across the 20 books).
{
  const rng = new Random(7);
  const events = [];
  for (let e = 0; e < 1000; e++) {
    const p = [0.2 + 0.4 * rng.next(), 0.2 + 0.1 * rng.next()];
    p.push(1 - p[0] - p[1]);
    const quotes = [];
    for (let b = 0; b < 20; b++) {
      const margin = 0.02 + 0.06 * rng.next();
      quotes.push({
        bookmaker: `book${b}`,
        prices: p.map(
          (q) => Math.round((1 / (q * (1 + margin))) * (1 + 0.06 * (rng.next() - 0.5)) * 100) / 100,
        ),
      });
    }
    events.push({ eventId: `event-${e}`, outcomes: ['home', 'draw', 'away'], quotes });
  }
  let found = [];
  const t = timeRuns(() => {
    found = findArbitrage(events);
  }, 200);
  console.log(
    `Arbitrage scan, 1,000 events x 20 bookmakers x 3 outcomes: median ${fmt(t.median)}, best ${fmt(t.best)}, ` +
      `${found.length} sure bets found (target < 10 ms) ${verdict(t.median, 10)}`,
  );
}
