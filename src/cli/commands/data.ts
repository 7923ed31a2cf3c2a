import type { Command } from 'commander';
import type { BarSeries } from '../../core/bars.js';
import { loadCliConfig } from '../context.js';

/**
 * Market data commands: `market-data` prints or saves bars from any provider, `data list` shows the
 * bundled and imported symbols, `data import` validates a CSV and stores it for `--provider file`.
 * Only flags are defined here; the library is imported inside the actions to keep `--help` fast.
 */
interface MarketDataFlags {
  symbol: string;
  start?: string;
  end?: string;
  provider?: string;
  file?: string;
  timeframe?: string;
  refresh?: boolean;
  output?: string;
  json?: boolean;
  limit?: string;
  adjusted?: boolean;
  seed?: string;
}

interface ImportFlags {
  symbol: string;
  force?: boolean;
  sort?: boolean;
  dedupe?: boolean;
  timeframe?: string;
  adjusted?: boolean;
  timezone?: string;
  json?: boolean;
}

/** Decimal places needed to print every price exactly (at most 6), judged on a sample of closes. */
function priceDigits(series: BarSeries): number {
  const step = Math.max(1, Math.floor(series.length / 200));
  let digits = 2;
  for (let i = 0; i < series.length && digits < 6; i += step) {
    for (const column of [series.open, series.high, series.low, series.close]) {
      const value = column[i];
      while (digits < 6 && Math.abs(Math.round(value * 10 ** digits) / 10 ** digits - value) > 1e-9 * value) {
        digits++;
      }
    }
  }
  return digits;
}

async function marketData(program: Command, flags: MarketDataFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { ValidationError } = await import('../../core/errors.js');
  const { parseTimeframe } = await import('../../core/timeframe.js');
  const { timestampFormatter } = await import('../../core/time.js');
  const { fetchMarketData, PROVIDER_NAMES } = await import('../../data/registry.js');
  const provider = flags.provider ?? (flags.file ? 'file' : 'sample');
  if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new ValidationError(`--provider: unknown provider "${provider}"`, {
      field: 'provider',
      hint: `use one of ${PROVIDER_NAMES.join(', ')}`,
    });
  }
  if (flags.file && provider !== 'file') {
    throw new ValidationError(`--file is only read by --provider file (got --provider ${provider})`, {
      field: 'file',
      hint: 'drop --provider or use --provider file',
    });
  }
  let limit: number | undefined;
  if (flags.limit !== undefined) {
    limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ValidationError(`--limit: expected a positive whole number, got "${flags.limit}"`, {
        field: 'limit',
      });
    }
  }
  let seed: number | undefined;
  if (flags.seed !== undefined) {
    seed = Number(flags.seed);
    if (!Number.isInteger(seed)) {
      throw new ValidationError(`--seed: expected a whole number, got "${flags.seed}"`, { field: 'seed' });
    }
  }
  const timeframe = flags.timeframe ? parseTimeframe(flags.timeframe) : undefined;
  let series = await fetchMarketData(flags.symbol, flags.start, flags.end, provider, {
    timeframe,
    refresh: flags.refresh,
    path: flags.file,
    home: config.home,
    adjusted: flags.adjusted,
    seed,
    // Alpaca serves raw prices unless asked; Polygon is split-adjusted by default.
    alpaca: flags.adjusted ? { adjustment: 'all' } : undefined,
  });
  if (limit !== undefined && series.length > limit) series = series.slice(series.length - limit);
  const formatTime = timestampFormatter(series.timestamps);
  const summary = `${series.length} ${series.symbol} ${series.timeframe} bars, ${formatTime(series.firstTimestamp)} to ${formatTime(series.lastTimestamp)} (${provider})`;

  if (flags.output) {
    const { formatCsvBars } = await import('../../data/csv.js');
    const { writeFileAtomic } = await import('../../data/store.js');
    const { jsonText } = await import('../output.js');
    const lower = flags.output.toLowerCase();
    if (lower.endsWith('.csv')) {
      writeFileAtomic(flags.output, formatCsvBars(series));
    } else if (lower.endsWith('.json')) {
      writeFileAtomic(flags.output, jsonText(seriesJson(series, provider)));
    } else {
      throw new ValidationError(`--output: cannot tell the format of "${flags.output}"`, {
        field: 'output',
        hint: 'name the file .csv or .json',
      });
    }
    process.stderr.write(`wrote ${summary} to ${flags.output}\n`);
    return;
  }
  if (flags.json) {
    const { printJson } = await import('../output.js');
    printJson(seriesJson(series, provider));
    return;
  }
  process.stdout.write(renderBars(series, formatTime));
}

/**
 * Bars as an aligned table: every price with the same number of decimals (enough to show the data
 * exactly, at most 6), volumes as integers, built in one pass without per-bar objects.
 */
function renderBars(series: BarSeries, formatTimestamp: (ts: number) => string): string {
  const digits = priceDigits(series);
  const columns = series.closeOnly
    ? [{ name: 'close', values: series.close, digits }]
    : [
        { name: 'open', values: series.open, digits },
        { name: 'high', values: series.high, digits },
        { name: 'low', values: series.low, digits },
        { name: 'close', values: series.close, digits },
        { name: 'volume', values: series.volume, digits: 0 },
      ];
  const dates: string[] = new Array(series.length);
  let dateWidth = 4;
  for (let i = 0; i < series.length; i++) {
    dates[i] = formatTimestamp(series.timestamps[i]);
    if (dates[i].length > dateWidth) dateWidth = dates[i].length;
  }
  const cells = columns.map((column) => {
    const text: string[] = new Array(series.length);
    let width = column.name.length;
    for (let i = 0; i < series.length; i++) {
      text[i] = column.values[i].toFixed(column.digits);
      if (text[i].length > width) width = text[i].length;
    }
    return { name: column.name, text, width };
  });
  const lines: string[] = [
    ['date'.padEnd(dateWidth), ...cells.map((c) => c.name.padStart(c.width))].join('  '),
    ['-'.repeat(dateWidth), ...cells.map((c) => '-'.repeat(c.width))].join('  '),
  ];
  for (let i = 0; i < series.length; i++) {
    lines.push([dates[i].padEnd(dateWidth), ...cells.map((c) => c.text[i].padStart(c.width))].join('  '));
  }
  return `${lines.join('\n')}\n`;
}

function seriesJson(series: BarSeries, provider: string) {
  return {
    symbol: series.symbol,
    timeframe: series.timeframe,
    provider,
    closeOnly: series.closeOnly,
    bars: series.toRecords(),
  };
}

async function dataList(program: Command, flags: { json?: boolean }): Promise<void> {
  const config = await loadCliConfig(program);
  const { listSampleDatasets } = await import('../../data/sample.js');
  const { listImportedSymbols } = await import('../../data/store.js');
  const samples = listSampleDatasets();
  const imported = listImportedSymbols(config.home);
  if (flags.json) {
    const { printJson } = await import('../output.js');
    printJson({ samples, imported });
    return;
  }
  const { renderTable } = await import('../output.js');
  const rows = [
    ...samples.map((s) => ({ ...s, provider: 'sample' })),
    ...imported.map((s) => ({ ...s, provider: 'file', dataset: `imported from ${s.source}` })),
  ];
  process.stdout.write(
    renderTable(rows, ['symbol', 'provider', 'timeframe', 'first', 'last', 'bars', 'columns', 'dataset']),
  );
  process.stdout.write(
    `\nMSFT is the OHLCV file; the Dow 30 close series is DJ30:MSFT (every Dow member is also DJ30:<TICKER>).\n` +
      `${imported.length} imported symbol(s) in ${config.home}/data (add with \`npx neural-trader data import FILE --symbol X\`).\n`,
  );
}

async function dataImport(program: Command, file: string, flags: ImportFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { parseTimeframe } = await import('../../core/timeframe.js');
  const { importCsvFile } = await import('../../data/csv.js');
  const { printWarnings } = await import('../flags.js');
  const { warnings, ...info } = importCsvFile(file, {
    symbol: flags.symbol,
    force: flags.force,
    sort: flags.sort,
    dedupe: flags.dedupe,
    adjusted: flags.adjusted,
    timeZone: flags.timezone,
    timeframe: flags.timeframe ? parseTimeframe(flags.timeframe) : undefined,
    home: config.home,
  });
  printWarnings(warnings);
  if (flags.json) {
    const { printJson } = await import('../output.js');
    printJson(info);
    return;
  }
  process.stdout.write(
    `imported ${info.bars} ${info.timeframe} bars of ${info.symbol} (${info.first} to ${info.last}, ${info.columns}) into ${info.path}\n` +
      `read them with: npx neural-trader market-data --provider file --symbol ${info.symbol}\n`,
  );
}

export function register(program: Command): void {
  program
    .command('market-data')
    .description('print or save bars for a symbol from a provider (default: the bundled sample data)')
    .requiredOption('-s, --symbol <symbol>', 'ticker, e.g. AAPL, SPX, KO, USDCHF (see `data list`)')
    .option('--start <date>', 'first date (inclusive), e.g. 2014-01-01')
    .option('--end <date>', 'last date (inclusive), e.g. 2014-12-31')
    .option(
      '-p, --provider <name>',
      'sample | file | synthetic | alpaca | polygon (default sample, or file with --file)',
    )
    .option('-f, --file <path>', 'CSV file to read (implies --provider file)')
    .option(
      '-t, --timeframe <tf>',
      'bar size: 1Min 5Min 15Min 30Min 1Hour 4Hour 1Day 1Week 1Month (coarser = resampled)',
    )
    .option('--refresh', 'ignore the local cache and download again (alpaca, polygon)')
    .option(
      '--adjusted',
      'split/dividend-adjusted prices (CSV/sample: Adj Close column; alpaca: adjustment=all)',
    )
    .option('--seed <n>', 'random seed for --provider synthetic (default 42)')
    .option('-o, --output <file>', 'write the bars to a .csv or .json file instead of printing them')
    .option('--json', 'print JSON instead of a table')
    .option('-n, --limit <n>', 'only the most recent N bars')
    .action(async (flags: MarketDataFlags) => marketData(program, flags));

  const data = program.command('data').description('bundled datasets and imported CSV files');
  data
    .command('list')
    .description('list the bundled sample symbols and the symbols imported with `data import`')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => dataList(program, flags));
  data
    .command('import')
    .description('validate a CSV of bars and store it under NEURAL_TRADER_HOME/data for --provider file')
    .argument('<file>', 'CSV with Date and Open/High/Low/Close[/Adj Close][/Volume] or one price column')
    .requiredOption('-s, --symbol <symbol>', 'ticker to store the bars under')
    .option('--sort', 'sort rows by date instead of rejecting an out-of-order file')
    .option('--dedupe', 'drop repeated timestamps (keeping the last row) instead of rejecting the file')
    .option('-t, --timeframe <tf>', 'bar size of the file (default: inferred from the timestamps)')
    .option(
      '--adjusted',
      'store Adj Close-adjusted prices (default: the raw OHLC, with a warning if there is an Adj Close)',
    )
    .option('--force', 'replace an earlier import of the same symbol')
    .option('--timezone <zone>', 'IANA zone of zone-less timestamps, e.g. Europe/Zurich (default UTC)')
    .option('--json', 'print what was stored as JSON')
    .action(async (file: string, flags: ImportFlags) => dataImport(program, file, flags));
}
