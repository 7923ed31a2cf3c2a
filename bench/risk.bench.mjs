// Risk benchmarks: Monte Carlo VaR (100,000 scenarios, 50 assets), historical VaR (30 assets x 10 years),
// and seeded reproducibility. Prices are a seeded synthetic one-factor market (shapes like real data).
import { performance } from 'node:perf_hooks';
import { Random } from '../dist/core/random.js';
import { calculateVaR, preparePortfolio, varOfPrepared } from '../dist/risk/index.js';

function market(assets, days, seed) {
  const rng = new Random(seed);
  const closes = Array.from({ length: assets }, () => new Float64Array(days));
  const vols = Array.from({ length: assets }, (_, i) => 0.01 + (i % 10) * 0.002);
  for (let i = 0; i < assets; i++) closes[i][0] = 50 + i;
  for (let t = 1; t < days; t++) {
    const common = rng.normal();
    for (let i = 0; i < assets; i++) {
      const z = 0.6 * common + 0.8 * rng.normal();
      closes[i][t] = closes[i][t - 1] * (1 + vols[i] * z);
    }
  }
  const prices = {};
  const positions = [];
  closes.forEach((c, i) => {
    prices[`S${i}`] = c;
    positions.push({ symbol: `S${i}`, quantity: 100 + i * 10 });
  });
  return { positions, prices, cash: 10_000 };
}

function time(fn, runs = 5) {
  fn(); // warm-up (JIT)
  const times = [];
  let result;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)], best: times[0], result };
}

const fmt = (ms) => `${ms.toFixed(1)} ms`;

// Calibration: a plain loop of 10^8 multiply-adds takes about 100 ms on an idle modern core; a much larger
// figure means the machine is busy and every number below is inflated by about the same factor.
{
  const t0 = performance.now();
  let s = 0;
  for (let i = 0; i < 1e8; i++) s += i * 0.5;
  console.log(
    `Calibration: 1e8 multiply-adds in ${fmt(performance.now() - t0)} (about 100 ms on an idle core)${s < 0 ? '' : ''}`,
  );
}

// 1. Monte Carlo, 50 assets, 100,000 scenarios.
const big = market(50, 2521, 1);
const prepared = preparePortfolio(big);
const mcFull = time(() => varOfPrepared(prepared, 0.99, 'monte-carlo', { simulations: 100_000, seed: 42 }));
const mcVarOnly = time(() =>
  varOfPrepared(prepared, 0.99, 'monte-carlo', { simulations: 100_000, seed: 42, contributions: false }),
);
console.log(
  `Monte Carlo VaR, 50 assets x 100,000 scenarios (99%): ${fmt(mcVarOnly.median)} median, best ${fmt(mcVarOnly.best)} (target < 200 ms)`,
);
console.log(
  `  with per-position contributions (pilot-tail draws kept in one pass): ${fmt(mcFull.median)} median, best ${fmt(mcFull.best)}`,
);
console.log(
  `  VaR ${mcFull.result.var.toFixed(2)}, CVaR ${mcFull.result.cvar.toFixed(2)} on value ${mcFull.result.portfolioValue.toFixed(2)}`,
);
const tMc = time(() =>
  varOfPrepared(prepared, 0.99, 'monte-carlo', {
    simulations: 100_000,
    seed: 42,
    distribution: 'student-t',
    contributions: false,
  }),
);
console.log(
  `  Student-t (df 5): ${fmt(tMc.median)} median; bootstrap:`,
  fmt(
    time(() =>
      varOfPrepared(prepared, 0.99, 'monte-carlo', {
        simulations: 100_000,
        seed: 42,
        distribution: 'bootstrap',
        contributions: false,
      }),
    ).median,
  ),
);

// 2. Historical, 30 assets x 10 years of daily returns.
const hist = market(30, 2521, 2);
const historical = time(() => calculateVaR(hist, 0.99, 'historical'), 11);
const historicalNoContrib = time(() => calculateVaR(hist, 0.99, 'historical', { contributions: false }), 11);
console.log(
  `Historical VaR, 30 assets x 10 years (2,520 returns), validation included: ${fmt(historical.median)} median, best ${fmt(historical.best)} with contributions; ${fmt(historicalNoContrib.median)} median without (target < 10 ms)`,
);

// 3. Seeded reproducibility.
const a = calculateVaR(big, 0.95, 'monte-carlo', { simulations: 50_000, seed: 7 });
const b = calculateVaR(big, 0.95, 'monte-carlo', { simulations: 50_000, seed: 7 });
const c = calculateVaR(big, 0.95, 'monte-carlo', { simulations: 50_000, seed: 8 });
const same =
  a.var === b.var && a.cvar === b.cvar && a.contributions.every((x, i) => x.var === b.contributions[i].var);
console.log(
  `Seeded reproducibility: seed 7 twice -> VaR ${a.var.toFixed(6)} and ${b.var.toFixed(6)}: ${same ? 'identical' : 'DIFFERENT'}; seed 8 -> ${c.var.toFixed(6)}`,
);
if (!same) process.exitCode = 1;
