import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, scratchDir } from '../helpers/cli.js';

/**
 * The HTML report as a person sees it: `backtest --report` output opened in a real (headless) Chromium,
 * Debian's `chromium` package driven by playwright-core (`.ci/run` installs it when missing). Checks
 * that every chart draws, that the y-axis labels are whole readable numbers that fit their axis (uPlot's
 * default axis clipped "160,000" to "0,000"), that both metric columns are complete, and that the page
 * logs no error. `NT_UPDATE_SCREENSHOT=1` also refreshes docs/report.png for the README.
 */
const CHROMIUM = '/usr/bin/chromium';

// Without these Chromium tries the network (component updates, sync, QUIC probes) and stalls offline.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface AxisReport {
  chart: string;
  labels: string[];
  /** Width the axis reserves for labels (CSS px) and the widest label's text width. */
  axisSize: number;
  widest: number;
  tickAndGap: number;
}

describe('HTML report in headless Chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`,
      );
    }
    const home = scratchDir('nt-report-');
    // The README's command (SMA crossover on SPX 2005-2015): buy-and-hold passes 160,000, the case whose
    // labels were clipped.
    const run = runCli(
      [
        'backtest',
        '--strategy',
        'sma-crossover',
        '--symbols',
        'SPX',
        '--start',
        '2005',
        '--end',
        '2015',
        '--report',
        'report.html',
      ],
      home,
    );
    expect(run.code, run.stderr).toBe(0);
    profile = mkdtempSync(join(tmpdir(), 'nt-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      // The fresh profile directory is Chromium's --user-data-dir (playwright passes it).
      args: CHROMIUM_FLAGS,
      viewport: { width: 1200, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(pathToFileURL(join(home, 'report.html')).href);
    await page.waitForFunction(
      () => (window as { neuralTraderCharts?: unknown[] }).neuralTraderCharts !== undefined,
    );
    if (process.env.NT_UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: resolve(ROOT, 'docs/report.png'), fullPage: false });
    }
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('draws every chart: each canvas has painted pixels', async () => {
    const painted = await page.evaluate(() =>
      Array.from(document.querySelectorAll('canvas'), (canvas) => {
        const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 3; pixels && i < pixels.length; i += 4) if (pixels[i] !== 0) count++;
        return { width: canvas.width, height: canvas.height, painted: count };
      }),
    );
    // Equity, drawdown and one price chart for SPX.
    expect(painted).toHaveLength(3);
    for (const canvas of painted) {
      expect(canvas.width).toBeGreaterThan(0);
      expect(canvas.painted).toBeGreaterThan(1000);
    }
  });

  it('y-axis labels are whole readable numbers that fit inside their axis', async () => {
    const axes: AxisReport[] = await page.evaluate(() => {
      type Axis = {
        _values?: (string | null)[];
        _size: number;
        font: [string];
        ticks: { size: number };
        gap: number;
      };
      type Chart = { axes: Axis[]; ctx: CanvasRenderingContext2D; root: HTMLElement };
      const charts = (window as unknown as { neuralTraderCharts: Chart[] }).neuralTraderCharts;
      return charts.map((chart) => {
        const axis = chart.axes[1];
        const labels = (axis._values ?? []).filter((v): v is string => v != null && v !== '');
        chart.ctx.font = axis.font[0];
        const widest = Math.max(...labels.map((l) => chart.ctx.measureText(l).width / devicePixelRatio));
        return {
          chart: chart.root.getAttribute('data-chart') ?? '',
          labels,
          axisSize: axis._size,
          widest,
          tickAndGap: axis.ticks.size + axis.gap,
        };
      });
    });
    expect(axes.map((a) => a.chart)).toEqual(['equity', 'drawdown', 'SPX']);
    for (const axis of axes) {
      expect(axis.labels.length).toBeGreaterThanOrEqual(2);
      for (const label of axis.labels) expect(label).toMatch(/^-?\d{1,3}(,\d{3})*(\.\d+)?$/);
      expect(axis.widest + axis.tickAndGap).toBeLessThanOrEqual(axis.axisSize);
    }
    const equity = axes[0];
    expect(equity.labels.some((label) => /^\d{3},\d{3}$/.test(label))).toBe(true);
  });

  it('lists every metric for the strategy and the curve metrics for buy-and-hold', async () => {
    const rows = await page.evaluate(() =>
      Array.from(document.querySelectorAll('#metrics tbody tr'), (tr) =>
        Array.from(tr.querySelectorAll('td'), (td) => td.textContent?.trim() ?? ''),
      ),
    );
    expect(rows).toHaveLength(17);
    for (const [name, strategy, benchmark] of rows) {
      expect(strategy, name).not.toBe('');
      expect(benchmark, name).not.toBe('');
    }
    const byName = Object.fromEntries(rows.map((row) => [row[0], row]));
    for (const name of [
      'Annualised volatility',
      'Sortino',
      'Calmar',
      'Max drawdown duration (days)',
      'Sharpe',
      'Max drawdown',
    ]) {
      expect(byName[name][2], name).toMatch(/^-?\d+(\.\d+)?%?$/);
    }
    const trades = await page.evaluate(() => {
      const heading = Array.from(document.querySelectorAll('h2')).find((h) =>
        h.textContent?.startsWith('Trades'),
      );
      const count = Number(/\((\d+)\)/.exec(heading?.textContent ?? '')?.[1]);
      const table = document.getElementById('trades') as HTMLTableElement;
      const cells = Array.from(table.querySelectorAll('tbody td'), (td) => td.textContent?.trim() ?? '');
      return {
        count,
        rows: table.querySelectorAll('tbody tr').length,
        blank: cells.filter((c) => c === '').length,
      };
    });
    expect(trades.count).toBeGreaterThan(10);
    expect(trades.rows).toBe(trades.count);
    expect(trades.blank).toBe(0);
  });

  it('states its assumptions and logs no console error', async () => {
    const assumptions = await page.evaluate(() => document.getElementById('assumptions')?.textContent ?? '');
    expect(assumptions).toMatch(
      /commission percent\(0\.001\).*slippage 0 bps.*financing.*annualisation: .*periods\/year.*data: sample/,
    );
    expect(consoleErrors).toEqual([]);
  });
});
