import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BacktestResult } from '../backtest/types.js';
import { timestampFormatter } from '../core/time.js';

/**
 * A backtest as one self-contained HTML file: the charting library (uPlot) and the data are inlined, so
 * the report opens offline, can be mailed, and renders the same in a year. Charts: equity against
 * buy-and-hold, drawdown, and each symbol's close with the strategy's fills marked; then the metrics and
 * trade tables.
 */
export interface ReportOptions {
  title?: string;
  /** Closing prices per symbol aligned with result.timestamps (default: the result's own closes). */
  prices?: Readonly<Record<string, ArrayLike<number>>>;
  /** Most trades listed in the table (all are in the charts). Default 500. */
  maxTradeRows?: number;
}

let uplotAssets: { js: string; css: string } | undefined;

function loadUplot(): { js: string; css: string } {
  if (!uplotAssets) {
    const require = createRequire(import.meta.url);
    const jsPath = require.resolve('uplot/dist/uPlot.iife.min.js');
    const cssPath = require.resolve('uplot/dist/uPlot.min.css');
    uplotAssets = { js: readFileSync(jsPath, 'utf8'), css: readFileSync(cssPath, 'utf8') };
  }
  return uplotAssets;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** JSON safe to place inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Float64Array) return Array.from(v, (x) => (Number.isFinite(x) ? x : null));
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    return v;
  })
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : 'n/a';
}

function num(x: number, digits = 2): string {
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function duration(m: { maxDrawdownDurationDays: number }): string {
  return num(m.maxDrawdownDurationDays, 0);
}

/** Strategy and buy-and-hold side by side; trade statistics exist for the strategy only. */
function metricsRows(result: BacktestResult): string {
  const m = result.metrics;
  const b = m.benchmark;
  const rows: [string, string, string][] = [
    ['Total return', pct(m.totalReturn), pct(b.totalReturn)],
    ['Annualised return', pct(m.annualizedReturn), pct(b.annualizedReturn)],
    ['Annualised volatility', pct(m.annualizedVolatility), pct(b.annualizedVolatility)],
    ['Sharpe', num(m.sharpeRatio), num(b.sharpeRatio)],
    ['Sortino', num(m.sortinoRatio), num(b.sortinoRatio)],
    ['Max drawdown', pct(m.maxDrawdown), pct(b.maxDrawdown)],
    ['Max drawdown duration (days)', duration(m), duration(b)],
    ['Calmar', num(m.calmarRatio), num(b.calmarRatio)],
    ['Exposure', pct(m.exposure), pct(1)],
    ['Trades', String(m.tradeCount), '-'],
    ['Win rate', pct(m.winRate), '-'],
    ['Profit factor', num(m.profitFactor), '-'],
    ['Average win', num(m.averageWin), '-'],
    ['Average loss', num(m.averageLoss), '-'],
    ['Turnover', num(m.turnover), '-'],
    ['Commission paid', num(m.totalCommission), '-'],
    ['Annualisation', escapeHtml(m.annualisation.description), 'same as the strategy'],
  ];
  return rows
    .map(([name, strat, bench]) => `<tr><td>${name}</td><td>${strat}</td><td>${bench}</td></tr>`)
    .join('\n');
}

/** A quantity as written: no padding zeros (1991, not 1991.0000), at most 6 decimals. */
function quantity(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toFixed(6))) : 'n/a';
}

function tradeRows(result: BacktestResult, limit: number): string {
  const formatTime = timestampFormatter(result.timestamps);
  return result.trades
    .slice(0, limit)
    .map(
      (t) =>
        `<tr><td>${escapeHtml(t.symbol)}</td><td>${t.direction}</td><td>${formatTime(t.entryTime)}</td>` +
        `<td>${num(t.entryPrice, 4)}</td><td>${formatTime(t.exitTime)}</td><td>${num(t.exitPrice, 4)}</td>` +
        `<td>${quantity(t.quantity)}</td><td class="${t.pnl >= 0 ? 'pos' : 'neg'}">${num(t.pnl)}</td>` +
        `<td>${pct(t.returnFraction)}</td><td>${t.barsHeld}</td></tr>`,
    )
    .join('\n');
}

export function renderBacktestReport(result: BacktestResult, options: ReportOptions = {}): string {
  const { js, css } = loadUplot();
  const formatTime = timestampFormatter(result.timestamps);
  const title =
    options.title ??
    `${result.strategy} on ${result.symbols.join('/')} ${formatTime(result.start)} to ${formatTime(result.end)}`;
  const fillsBySymbol: Record<string, { buys: [number, number][]; sells: [number, number][] }> = {};
  for (const symbol of result.symbols) fillsBySymbol[symbol] = { buys: [], sells: [] };
  for (const fill of result.fills) {
    const entry = fillsBySymbol[fill.symbol];
    if (!entry) continue;
    (fill.side === 'buy' ? entry.buys : entry.sells).push([fill.barIndex, fill.price]);
  }
  const data = {
    times: Array.from(result.timestamps, (t) => t / 1000),
    equity: result.equity,
    benchmark: result.benchmarkEquity,
    drawdown: Array.from(result.drawdown, (d) => d * 100),
    symbols: result.symbols,
    prices: Object.fromEntries(
      result.symbols.map((s) => {
        const closes = options.prices?.[s] ?? result.closes?.[s];
        return [s, closes ? Array.from(closes) : null];
      }),
    ),
    fills: fillsBySymbol,
  };
  const limit = options.maxTradeRows ?? 500;
  const hidden =
    result.trades.length > limit
      ? `<p class="note">Showing the first ${limit} of ${result.trades.length} trades.</p>`
      : '';
  const rejections =
    result.rejections.length > 0
      ? `<h2>Rejected orders (${result.rejections.length})</h2><p class="note">Orders a risk check or the simulated broker refused; the first is at ${formatTime(result.rejections[0].timestamp)} (${escapeHtml(result.rejections[0].check)}: ${escapeHtml(result.rejections[0].message)}).</p>`
      : '';
  const a = result.assumptions;
  const warnings = (result.warnings ?? [])
    .map((w) => `<p class="warning">Warning: ${escapeHtml(w)}</p>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="neural-trader">
<title>${escapeHtml(title)}</title>
<style>${css}
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #e3e6ec;text-align:right}
td:first-child,th:first-child{text-align:left}.pos{color:#137333}.neg{color:#b3261e}.note{color:#5f6b7a}
.chart{margin:8px 0 20px}.warning{color:#b3261e;font-weight:600}
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">Initial capital ${num(result.initialCapital)}; final equity ${num(result.finalEquity)}; ${result.bars} bars.</p>
${warnings}
<p class="note" id="assumptions">Assumptions: commission ${escapeHtml(a.commission)}; slippage ${a.slippageBps} bps; financing ${escapeHtml(a.financing)}; risk-free rate ${a.annualization.riskFreeRate}; annualisation: ${escapeHtml(a.annualization.description)}; fills: ${escapeHtml(a.fills)}; data: ${escapeHtml(a.dataSource)}.</p>
<h2>Equity</h2><div id="equity" class="chart"></div>
<h2>Drawdown (%)</h2><div id="drawdown" class="chart"></div>
<div id="prices"></div>
<h2>Metrics</h2>
<table id="metrics"><thead><tr><th>Measure</th><th>Strategy</th><th>Buy and hold</th></tr></thead><tbody>
${metricsRows(result)}
</tbody></table>
${rejections}
<h2>Trades (${result.trades.length})</h2>${hidden}
<table id="trades"><thead><tr><th>Symbol</th><th>Side</th><th>Entry</th><th>Entry price</th><th>Exit</th><th>Exit price</th><th>Qty</th><th>P&amp;L</th><th>Return</th><th>Bars</th></tr></thead><tbody>
${tradeRows(result, limit)}
</tbody></table>
<script>${js}</script>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('report-data').textContent);
  var width = Math.min(1060, document.body.clientWidth - 20);
  var grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  // Y-axis labels with thousands separators, and an axis wide enough for the longest of them (uPlot's
  // default 50 px clips "160,000" to "0,000").
  function labels(u, splits) { return splits.map(function (v) { return v == null ? '' : grouped.format(v); }); }
  function axisSize(u, values, axisIdx, cycleNum) {
    var axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    var size = axis.ticks.size + axis.gap;
    var longest = (values || []).reduce(function (acc, v) { return v != null && String(v).length > acc.length ? String(v) : acc; }, '');
    if (longest !== '') {
      u.ctx.font = axis.font[0];
      size += u.ctx.measureText(longest).width / devicePixelRatio;
    }
    return Math.ceil(size) + 4;
  }
  var yAxis = { values: labels, size: axisSize };
  var charts = [];
  function plot(opts, data, box) {
    opts.width = width;
    opts.axes = [{}, yAxis];
    var chart = new uPlot(opts, data, box);
    chart.root.setAttribute('data-chart', box.id || box.getAttribute('data-symbol'));
    charts.push(chart);
    return chart;
  }
  plot({ height: 300, series: [{}, { label: 'Strategy', stroke: '#1a73e8' }, { label: 'Buy and hold', stroke: '#9aa0a6' }] },
    [d.times, d.equity, d.benchmark], document.getElementById('equity'));
  plot({ height: 160, series: [{}, { label: 'Drawdown %', stroke: '#b3261e', fill: 'rgba(179,38,30,0.12)' }] },
    [d.times, d.drawdown], document.getElementById('drawdown'));
  d.symbols.forEach(function (symbol) {
    var f = d.fills[symbol];
    var n = d.times.length;
    var price = d.prices[symbol];
    var buys = new Array(n).fill(null), sells = new Array(n).fill(null);
    f.buys.forEach(function (b) { buys[b[0]] = b[1]; });
    f.sells.forEach(function (s) { sells[s[0]] = s[1]; });
    var box = document.createElement('div');
    box.className = 'chart';
    box.setAttribute('data-symbol', symbol);
    var h = document.createElement('h2');
    h.textContent = symbol + (price ? ' close and fills' : ' fills');
    document.getElementById('prices').appendChild(h);
    document.getElementById('prices').appendChild(box);
    var series = [{}], data = [d.times];
    if (price) { series.push({ label: symbol, stroke: '#3c4043' }); data.push(price); }
    series.push({ label: 'Buy', stroke: '#137333', width: 0, points: { show: true, size: 9, fill: '#137333' } });
    series.push({ label: 'Sell', stroke: '#b3261e', width: 0, points: { show: true, size: 9, fill: '#b3261e' } });
    data.push(buys, sells);
    plot({ height: 260, series: series }, data, box);
  });
  // The chart objects, for anyone inspecting the report from the browser console.
  window.neuralTraderCharts = charts;
})();
</script>
</body>
</html>
`;
}
