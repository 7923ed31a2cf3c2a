import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BarSeries } from '../core/bars.js';
import { DataError } from '../core/errors.js';
import { formatTimestamp } from '../core/time.js';
import type { Timeframe } from '../core/timeframe.js';
import { loadCsvBars } from './csv.js';
import { importedSymbolPath, windowSeries } from './store.js';
import type { FetchBarsOptions, MarketDataProvider } from './types.js';

/**
 * The real datasets bundled with the package (data/samples, see DATA_SOURCES.md), served by ticker so
 * that every example, test and tutorial works offline. Files are parsed on first use and kept in memory.
 */
interface SampleFile {
  dataset: string;
  file: string;
  timeframe: Timeframe;
  source: string;
  /** Zone of the file's wall-clock timestamps, converted to UTC on load. */
  timeZone?: string;
}

interface SampleSymbol {
  symbol: string;
  file: SampleFile;
  /** For wide close-only files: the column holding this symbol. */
  column?: string;
}

const SP500: SampleFile = {
  dataset: 'sp500_daily_ohlcv_2000_2020',
  file: 'sp500_daily_ohlcv_2000_2020.csv',
  timeframe: '1Day',
  source: 'S&P 500 index, Yahoo Finance via vega-datasets (BSD-3-Clause)',
};
const AAPL: SampleFile = {
  dataset: 'aapl_daily_ohlcv_2013_2018',
  file: 'aapl_daily_ohlcv_2013_2018.csv',
  timeframe: '1Day',
  source: 'Apple Inc., Yahoo Finance via @observablehq/sample-datasets (ISC)',
};
const MSFT: SampleFile = {
  dataset: 'msft_daily_ohlcv_2000_2001',
  file: 'msft_daily_ohlcv_2000_2001.csv',
  timeframe: '1Day',
  source: 'Microsoft, Yahoo Finance via R timeSeries (GPL>=2)',
};
const DOW30: SampleFile = {
  dataset: 'dowjones30_daily_close_1991_2000',
  file: 'dowjones30_daily_close_1991_2000.csv',
  timeframe: '1Day',
  source: 'Dow Jones 30 members, split-adjusted closes, Yahoo via R fBasics (GPL>=2)',
};
const GOLD_SILVER: SampleFile = {
  dataset: 'gold_silver_daily_1977_2012',
  file: 'gold_silver_daily_1977_2012.csv',
  timeframe: '1Day',
  source: 'gold and silver price indices, R AER GoldSilver (GPL-2|3)',
};
const DJIA: SampleFile = {
  dataset: 'djia_daily_close_1980_2012',
  file: 'djia_daily_close_1980_2012.csv',
  timeframe: '1Day',
  source: 'Dow Jones Industrial Average, R AER DJIA8012 (GPL-2|3)',
};
const SWX: SampleFile = {
  dataset: 'swx_daily_close_2000_2007',
  file: 'swx_daily_close_2000_2007.csv',
  timeframe: '1Day',
  source: 'SIX Swiss Exchange / Pictet indices, R fPortfolio SWX (GPL>=2)',
};
const USDCHF: SampleFile = {
  dataset: 'usdchf_30min_1996_2001',
  file: 'usdchf_30min_1996_2001.csv',
  timeframe: '30Min',
  source: 'USD/CHF 30-minute closes, R timeSeries USDCHF (GPL>=2); Zurich time converted to UTC',
  timeZone: 'Europe/Zurich',
};

/** Dow 30 tickers in file order; `MSFT` alone means the OHLCV file, so its Dow close is `DJ30:MSFT`. */
export const DOW30_TICKERS = [
  'AA',
  'AXP',
  'T',
  'BA',
  'CAT',
  'C',
  'KO',
  'DD',
  'EK',
  'XOM',
  'GE',
  'GM',
  'HWP',
  'HD',
  'HON',
  'INTC',
  'IBM',
  'IP',
  'JPM',
  'JNJ',
  'MCD',
  'MRK',
  'MSFT',
  'MMM',
  'MO',
  'PG',
  'SBC',
  'UTX',
  'WMT',
  'DIS',
] as const;

function buildCatalog(): SampleSymbol[] {
  const symbols: SampleSymbol[] = [
    { symbol: 'SPX', file: SP500 },
    { symbol: 'AAPL', file: AAPL },
    { symbol: 'MSFT', file: MSFT },
  ];
  for (const ticker of DOW30_TICKERS) {
    // Bare tickers for the Dow members without an OHLCV file of their own; every member as DJ30:TICKER.
    if (ticker !== 'MSFT') symbols.push({ symbol: ticker, file: DOW30, column: ticker });
  }
  for (const ticker of DOW30_TICKERS) symbols.push({ symbol: `DJ30:${ticker}`, file: DOW30, column: ticker });
  symbols.push(
    { symbol: 'GOLD', file: GOLD_SILVER, column: 'gold' },
    { symbol: 'SILVER', file: GOLD_SILVER, column: 'silver' },
    { symbol: 'DJIA', file: DJIA, column: 'djia' },
  );
  for (const index of ['SBI', 'SPI', 'SII', 'LP25', 'LP40', 'LP60']) {
    symbols.push({ symbol: index, file: SWX, column: index });
  }
  symbols.push({ symbol: 'USDCHF', file: USDCHF, column: 'usdchf' });
  return symbols;
}

const CATALOG = buildCatalog();
const BY_SYMBOL = new Map(CATALOG.map((entry) => [entry.symbol, entry]));

let samplesDirectory: string | undefined;

/**
 * data/samples of the installed package: walk up from this module (src/data under vitest, dist/data
 * when installed) to the folder holding package.json.
 */
export function sampleDataDirectory(): string {
  if (samplesDirectory) return samplesDirectory;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'data', 'samples'))) {
      samplesDirectory = join(dir, 'data', 'samples');
      return samplesDirectory;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new DataError('bundled sample data not found (data/samples next to package.json)', {
        hint: 'reinstall neural-trader; the package ships data/samples',
      });
    }
    dir = parent;
  }
}

const loaded = new Map<string, BarSeries>();

export interface SampleDatasetInfo {
  symbol: string;
  dataset: string;
  timeframe: Timeframe;
  first: string;
  last: string;
  bars: number;
  columns: 'ohlcv' | 'close-only';
  source: string;
}

/** Every symbol the sample provider serves, with its dataset, range and size. */
export function listSampleDatasets(): SampleDatasetInfo[] {
  // Columns of one file share its date column and every row must parse, so one column per file gives the
  // range and bar count of all of them (the tests load every column to keep that true).
  const perFile = new Map<SampleFile, BarSeries>();
  return CATALOG.map((entry) => {
    let series = perFile.get(entry.file);
    if (!series) {
      series = loadSampleSeries(entry.symbol);
      perFile.set(entry.file, series);
    }
    return {
      symbol: entry.symbol,
      dataset: entry.file.dataset,
      timeframe: series.timeframe,
      first: formatTimestamp(series.firstTimestamp),
      last: formatTimestamp(series.lastTimestamp),
      bars: series.length,
      columns: series.closeOnly ? 'close-only' : 'ohlcv',
      source: entry.file.source,
    };
  });
}

/** Symbols the sample provider knows, in catalogue order. */
export function sampleSymbols(): string[] {
  return CATALOG.map((entry) => entry.symbol);
}

/** Edit distance counting a swap of neighbours as one edit (APPL/AAPL), for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * Bundled symbols that look like a typo of `symbol`: one edit away (two for names of 6+ characters), or
 * starting with what was typed. A ticker that is simply not bundled (TSLA) gets no suggestion rather than
 * an unrelated one (AA, BA).
 */
function closeMatches(symbol: string, count = 3): string[] {
  const wanted = symbol.toUpperCase();
  const allowed = wanted.length >= 6 ? 2 : 1;
  return (
    CATALOG.map((entry) => entry.symbol)
      .map((candidate) => {
        const bare = candidate.replace(/^DJ30:/, '');
        const distance = Math.min(editDistance(wanted, candidate), editDistance(wanted, bare));
        const prefix = wanted.length >= 2 && bare.startsWith(wanted);
        return { candidate, distance, ok: distance <= allowed || prefix };
      })
      // DJ30:KO duplicates KO: suggest the qualified names only to someone who typed one.
      .filter((x) => x.ok && (wanted.startsWith('DJ30:') || !x.candidate.startsWith('DJ30:')))
      .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
      .slice(0, count)
      .map((x) => x.candidate)
  );
}

/** The whole bundled series for a symbol (case-insensitive), parsed on first use. */
export function loadSampleSeries(symbol: string, options: { adjusted?: boolean } = {}): BarSeries {
  const key = symbol.trim().toUpperCase();
  const entry = BY_SYMBOL.get(key);
  if (!entry) {
    const matches = closeMatches(key);
    throw new DataError(
      `unknown sample symbol "${symbol}"${matches.length > 0 ? `; did you mean ${matches.join(', ')}?` : ''}`,
      {
        field: 'symbol',
        hint:
          matches.length > 0
            ? 'run `npx neural-trader data list` to see every bundled symbol'
            : 'the bundled data has SPX, AAPL, MSFT, the Dow 30 of 1991-2000, GOLD, SILVER, DJIA, Swiss indices and ' +
              'USDCHF (`npx neural-trader data list`); for other tickers import a CSV with `data import` or use ' +
              '--provider alpaca or polygon',
      },
    );
  }
  const adjusted = options.adjusted === true && (entry.file === AAPL || entry.file === SP500);
  const cacheKey = adjusted ? `${key}#adjusted` : key;
  let series = loaded.get(cacheKey);
  if (!series) {
    series = loadCsvBars(join(sampleDataDirectory(), entry.file.file), {
      symbol: entry.symbol,
      timeframe: entry.file.timeframe,
      column: entry.column,
      timeZone: entry.file.timeZone,
      adjusted,
    });
    loaded.set(cacheKey, series);
  }
  return series;
}

export interface SampleProviderOptions {
  /** Use Adj Close (dividend/split adjusted) where the dataset has it (AAPL, SPX). Default false. */
  adjusted?: boolean;
}

/** Bundled real datasets by ticker: SPX, AAPL, MSFT, the Dow 30 (KO, PG, ...), GOLD, DJIA, USDCHF, ... */
/** Whether `data import` stored this ticker in the home's data directory (a bad ticker name is simply no). */
function importedSymbolExists(symbol: string): boolean {
  try {
    return existsSync(importedSymbolPath(symbol));
  } catch {
    return false;
  }
}

export class SampleProvider implements MarketDataProvider {
  readonly name = 'sample';
  private readonly adjusted: boolean;

  constructor(options: SampleProviderOptions = {}) {
    this.adjusted = options.adjusted === true;
  }

  async fetchBars(symbol: string, options: FetchBarsOptions = {}): Promise<BarSeries> {
    let series: BarSeries;
    try {
      series = loadSampleSeries(symbol, { adjusted: this.adjusted });
    } catch (error) {
      // A ticker the user imported is read by the file provider: say so instead of "import a CSV".
      if (error instanceof DataError && importedSymbolExists(symbol)) {
        throw new DataError(
          `"${symbol}" is not bundled sample data, but it was imported with \`data import\``,
          {
            field: 'symbol',
            hint: 'read it with --provider file (MCP: provider "file")',
          },
        );
      }
      throw error;
    }
    return windowSeries(series, options, 'sample');
  }

  listSymbols(): string[] {
    return sampleSymbols();
  }
}
