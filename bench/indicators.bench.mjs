// Indicator throughput: batch and streaming forms over 1,000,000 synthetic OHLCV bars (values/s), plus
// the SMA crossover strategy's own onBar cost with a minimal context (the engine's target is
// > 5M bars/s for SMA crossover over 252,000 bars, engine included).

import { Random } from '../dist/core/random.js';
import * as ind from '../dist/indicators/index.js';
import { SmaCrossoverStrategy } from '../dist/strategies/index.js';

const N = 1_000_000;
const random = new Random(42);
const open = new Float64Array(N);
const high = new Float64Array(N);
const low = new Float64Array(N);
const close = new Float64Array(N);
const volume = new Float64Array(N);
let price = 100;
for (let i = 0; i < N; i++) {
  open[i] = price;
  price *= Math.exp(random.normal() * 0.01);
  close[i] = price;
  high[i] = Math.max(open[i], close[i]) * (1 + random.next() * 0.005);
  low[i] = Math.min(open[i], close[i]) * (1 - random.next() * 0.005);
  volume[i] = 1e6 * (0.5 + random.next());
}

function measure(run) {
  run(); // warm up the JIT
  const rounds = 3;
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rows = [];
function bench(name, batch, makeStream, step) {
  const batchMs = measure(batch);
  const streamMs = measure(() => {
    const indicator = makeStream();
    let sink = 0;
    for (let i = 0; i < N; i++) sink += step(indicator, i);
    return sink;
  });
  rows.push([name, batchMs, streamMs]);
  process.stdout.write(
    `${name.padEnd(22)} batch ${batchMs.toFixed(1).padStart(7)} ms (${fmt((N / batchMs) * 1000).padStart(12)} values/s)   ` +
      `streaming ${streamMs.toFixed(1).padStart(7)} ms (${fmt((N / streamMs) * 1000).padStart(12)} values/s)\n`,
  );
}

process.stdout.write(`Indicators over ${fmt(N)} bars (best of 3):\n`);
bench(
  'SMA(20)',
  () => ind.sma(close, 20),
  () => new ind.Sma(20),
  (x, i) => x.update(close[i]),
);
bench(
  'EMA(20)',
  () => ind.ema(close, 20),
  () => new ind.Ema(20),
  (x, i) => x.update(close[i]),
);
bench(
  'WMA(20)',
  () => ind.wma(close, 20),
  () => new ind.Wma(20),
  (x, i) => x.update(close[i]),
);
bench(
  'RSI(14)',
  () => ind.rsi(close, 14),
  () => new ind.Rsi(14),
  (x, i) => x.update(close[i]),
);
bench(
  'MACD(12,26,9)',
  () => ind.macd(close),
  () => new ind.Macd(),
  (x, i) => x.update(close[i]),
);
bench(
  'Bollinger(20,2)',
  () => ind.bollingerBands(close, 20, 2),
  () => new ind.BollingerBands(20, 2),
  (x, i) => x.update(close[i]),
);
bench(
  'rolling std(20)',
  () => ind.rollingStd(close, 20),
  () => new ind.RollingStd(20),
  (x, i) => x.update(close[i]),
);
bench(
  'z-score(20)',
  () => ind.zScore(close, 20),
  () => new ind.ZScore(20),
  (x, i) => x.update(close[i]),
);
bench(
  'rolling OLS(60)',
  () => ind.rollingOls(close, open, 60),
  () => new ind.RollingOls(60),
  (x, i) => x.update(close[i], open[i]),
);
bench(
  'ATR(14)',
  () => ind.atr(high, low, close, 14),
  () => new ind.Atr(14),
  (x, i) => x.update(high[i], low[i], close[i]),
);
bench(
  'ADX(14)',
  () => ind.adx(high, low, close, 14),
  () => new ind.Adx(14),
  (x, i) => x.update(high[i], low[i], close[i]),
);
bench(
  'Stochastic(14,3)',
  () => ind.stochastic(high, low, close, 14, 3),
  () => new ind.Stochastic(14, 3),
  (x, i) => x.update(high[i], low[i], close[i]),
);
bench(
  'OBV',
  () => ind.obv(close, volume),
  () => new ind.Obv(),
  (x, i) => x.update(close[i], volume[i]),
);
bench(
  'VWAP',
  () => ind.vwap(high, low, close, volume),
  () => new ind.Vwap(),
  (x, i) => x.update(high[i], low[i], close[i], volume[i]),
);
bench(
  'rolling VWAP(20)',
  () => ind.rollingVwap(high, low, close, volume, 20),
  () => new ind.RollingVwap(20),
  (x, i) => x.update(high[i], low[i], close[i], volume[i]),
);
bench(
  'Donchian(20)',
  () => ind.donchian(high, low, 20),
  () => new ind.DonchianChannel(20),
  (x, i) => x.update(high[i], low[i]),
);
bench(
  'ROC(20)',
  () => ind.roc(close, 20),
  () => new ind.Roc(20),
  (x, i) => x.update(close[i]),
);

// The strategy side of the engine target: SmaCrossoverStrategy.onBar over 252,000 bars with a context
// that only reads the current close and counts orders.
const BARS = 252_000;
const context = {
  symbols: ['BENCH'],
  barIndex: 0,
  timestamp: 0,
  orders: 0,
  close() {
    return close[this.barIndex];
  },
  orderTargetPercent() {
    this.orders++;
    return 'o';
  },
};
const strategyMs = measure(() => {
  const strategy = new SmaCrossoverStrategy('BENCH', { fast: 10, slow: 30 });
  strategy.onStart(context);
  context.orders = 0;
  for (let i = 0; i < BARS; i++) {
    context.barIndex = i;
    strategy.onBar(context);
  }
});
process.stdout.write(
  `\nSMA crossover onBar, ${fmt(BARS)} bars (strategy only, ${fmt(context.orders)} orders): ${strategyMs.toFixed(1)} ms ` +
    `= ${fmt((BARS / strategyMs) * 1000)} bars/s (engine target > 5,000,000 bars/s including the engine)\n`,
);
