import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BarSeries } from '../core/bars.js';
import { zoneOffsetReader } from '../core/calendar.js';
import { DataError, ValidationError } from '../core/errors.js';
import { formatTimestamp, timestampFormatter, tryParseDate } from '../core/time.js';
import { TIMEFRAME_MS, type Timeframe } from '../core/timeframe.js';
import {
  type ImportedSymbolInfo,
  importedSymbolPath,
  listImportedSymbols,
  normaliseImportSymbol,
  readImportedInfo,
  windowSeries,
  writeFileAtomic,
} from './store.js';
import type { FetchBarsOptions, MarketDataProvider } from './types.js';

/**
 * OHLCV CSV loading. The parser walks the file text once with `charCodeAt`, parses numbers and dates
 * from character codes and writes straight into growing Float64Arrays: no per-row strings, arrays or
 * objects, so a million-row file loads in a few hundred milliseconds. Every row is validated as it is
 * read; the first bad row is reported as `file:line: what is wrong` with editor (1-based) line numbers.
 */
export interface CsvBarsOptions {
  /** Symbol the series is labelled with. */
  symbol: string;
  /** Bar timeframe; inferred from the spacing of the timestamps when omitted. */
  timeframe?: Timeframe;
  /** Sort rows by timestamp instead of rejecting an out-of-order file. */
  sort?: boolean;
  /** Drop rows with a repeated timestamp, keeping the last one, instead of rejecting the file. */
  dedupe?: boolean;
  /** Use the Adj Close column: open/high/low are scaled by adjClose/close, close becomes adjClose. */
  adjusted?: boolean;
  /**
   * For close-only files with several price columns (e.g. one column per ticker): the column to read,
   * matched case-insensitively.
   */
  column?: string;
  /**
   * IANA time zone (e.g. `Europe/Zurich`) in which zone-less timestamps are written; they are converted
   * to UTC. Default: zone-less timestamps are UTC.
   */
  timeZone?: string;
  /** Name used in error messages (the path for `loadCsvBars`). */
  source?: string;
}

type Role = 'date' | 'open' | 'high' | 'low' | 'close' | 'adjclose' | 'volume';

const ROLE_NONE = 0;
const ROLE_DATE = 1;
const ROLE_OPEN = 2;
const ROLE_HIGH = 3;
const ROLE_LOW = 4;
const ROLE_CLOSE = 5;
const ROLE_ADJ = 6;
const ROLE_VOLUME = 7;

const HEADER_ALIASES: Record<string, Role> = {
  date: 'date',
  datetime: 'date',
  timestamp: 'date',
  time: 'date',
  t: 'date',
  open: 'open',
  o: 'open',
  high: 'high',
  h: 'high',
  low: 'low',
  l: 'low',
  close: 'close',
  c: 'close',
  price: 'close',
  adjclose: 'adjclose',
  adjustedclose: 'adjclose',
  volume: 'volume',
  vol: 'volume',
  v: 'volume',
};

const ROLE_CODE: Record<Role, number> = {
  date: ROLE_DATE,
  open: ROLE_OPEN,
  high: ROLE_HIGH,
  low: ROLE_LOW,
  close: ROLE_CLOSE,
  adjclose: ROLE_ADJ,
  volume: ROLE_VOLUME,
};

const ROLE_LABEL = ['', 'date', 'open', 'high', 'low', 'close', 'adj close', 'volume'];

/** Exact powers of ten: mantissa / POW10[k] is correctly rounded for mantissa < 2^53 and k <= 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Header name normalised for matching: lower case, no spaces, underscores, dashes, dots or quotes. */
function normaliseHeader(name: string): string {
  return name
    .trim()
    .replace(/^\uFEFF/, '')
    .replace(/^"|"$/g, '')
    .toLowerCase()
    .replace(/[\s_.\-"]/g, '');
}

function splitHeader(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((cell) => cell.trim().replace(/^"|"$/g, ''));
}

/**
 * Parse a decimal number from text[start, end). Fast path: optional sign, up to 15 digits with one
 * optional dot (exact integer mantissa, one correctly rounded division). Anything else (exponents,
 * long mantissas, spaces) falls back to Number(). Empty text gives NaN.
 */
function parseNumber(bytes: Buffer, start: number, end: number): number {
  let i = start;
  let negative = false;
  let code = bytes[i];
  if (code === 45) {
    negative = true;
    i++;
  } else if (code === 43) {
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let dot = false;
  for (; i < end; i++) {
    code = bytes[i];
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      if (dot) fraction++;
    } else if (code === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (i === end && digits > 0 && digits <= 15) {
    const value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
    return negative ? -value : value;
  }
  const raw = bytes.toString('utf8', start, end).trim();
  return raw === '' ? Number.NaN : Number(raw);
}

function twoDigits(bytes: Buffer, i: number): number {
  const a = bytes[i] - 48;
  const b = bytes[i + 1] - 48;
  return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
}

/** Date.UTC of the last calendar day parsed: consecutive intraday rows share it. */
let lastDayKey = -1;
let lastDayMs = 0;

/**
 * Parse a timestamp from text[start, end) to epoch ms (UTC unless the text carries a zone). Fast paths
 * for `YYYY-MM-DD` and `YYYY-MM-DD[ T]HH:MM[:SS]`; everything else goes through `tryParseDate` (ISO with
 * zones and fractions, epoch seconds/ms). NaN when it cannot be parsed.
 */
function parseTimestamp(bytes: Buffer, start: number, end: number): number {
  const length = end - start;
  if (
    (length === 10 || length === 16 || length === 19) &&
    bytes[start + 4] === 45 &&
    bytes[start + 7] === 45
  ) {
    const y1 = twoDigits(bytes, start);
    const y2 = twoDigits(bytes, start + 2);
    const month = twoDigits(bytes, start + 5);
    const day = twoDigits(bytes, start + 8);
    if (y1 >= 0 && y2 >= 0 && month >= 1 && month <= 12 && day >= 1) {
      const year = y1 * 100 + y2;
      const dayKey = year * 10_000 + month * 100 + day;
      let dayMs: number;
      if (dayKey === lastDayKey) {
        dayMs = lastDayMs;
      } else {
        const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
        if (day > DAYS_IN_MONTH[month] + leap) return Number.NaN;
        dayMs = Date.UTC(year, month - 1, day);
        lastDayKey = dayKey;
        lastDayMs = dayMs;
      }
      if (length === 10) return dayMs;
      const sep = bytes[start + 10];
      if ((sep === 32 || sep === 84) && bytes[start + 13] === 58) {
        const hour = twoDigits(bytes, start + 11);
        const minute = twoDigits(bytes, start + 14);
        let second = 0;
        if (length === 19) second = bytes[start + 16] === 58 ? twoDigits(bytes, start + 17) : -1;
        if (hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59) {
          return dayMs + hour * 3_600_000 + minute * 60_000 + second * 1000;
        }
      }
    }
  }
  const raw = bytes.toString('utf8', start, end).trim();
  return raw === '' ? Number.NaN : tryParseDate(raw);
}

/**
 * Converts wall-clock times of an IANA zone (parsed as if UTC) to true UTC. Offsets are looked up with
 * Intl once per local hour and cached, so a 30-minute series costs one lookup per hour of data at most.
 */
function localToUtcConverter(timeZone: string): (localMs: number) => number {
  let offsetAt: (utcMs: number) => number;
  try {
    offsetAt = zoneOffsetReader(timeZone);
  } catch {
    throw new ValidationError(`timeZone: unknown time zone "${timeZone}"`, {
      field: 'timeZone',
      hint: 'use an IANA zone name such as Europe/Zurich or America/New_York',
    });
  }
  const exactOffset = (localMs: number): number => {
    const guess = offsetAt(localMs);
    const corrected = offsetAt(localMs - guess);
    // Near a DST switch the offset at the guessed instant differs; the second lookup is the right one.
    return corrected === guess ? guess : corrected;
  };
  // Offsets change at most once or twice a year, so cache per local day: when the day starts and ends
  // with the same offset the whole day has it; only switch days fall back to one lookup per hour.
  const dayCache = new Map<number, number>();
  const hourCache = new Map<number, number>();
  return (localMs: number): number => {
    const day = Math.floor(localMs / 86_400_000);
    let offset = dayCache.get(day);
    if (offset === undefined) {
      const startOffset = exactOffset(day * 86_400_000);
      const endOffset = exactOffset(day * 86_400_000 + 86_399_000);
      offset = startOffset === endOffset ? startOffset : Number.NaN;
      dayCache.set(day, offset);
    }
    if (Number.isNaN(offset)) {
      const hour = Math.floor(localMs / 3_600_000);
      offset = hourCache.get(hour);
      if (offset === undefined) {
        offset = exactOffset(localMs);
        hourCache.set(hour, offset);
      }
    }
    return localMs - offset;
  };
}

/** Guess the bar timeframe from the smallest gap between consecutive timestamps. */
export function inferTimeframe(timestamps: Float64Array): Timeframe {
  const n = Math.min(timestamps.length, 2000);
  let minGap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < n; i++) {
    const gap = timestamps[i] - timestamps[i - 1];
    if (gap > 0 && gap < minGap) minGap = gap;
  }
  if (!Number.isFinite(minGap)) return '1Day';
  const day = TIMEFRAME_MS['1Day'];
  if (minGap >= 27 * day) return '1Month';
  if (minGap >= 6 * day) return '1Week';
  if (minGap >= 20 * 3_600_000) return '1Day';
  const intraday: Timeframe[] = ['4Hour', '1Hour', '30Min', '15Min', '5Min', '1Min'];
  for (const tf of intraday) if (minGap >= TIMEFRAME_MS[tf]) return tf;
  return '1Min';
}

interface Columns {
  roles: Int8Array;
  closeOnly: boolean;
  hasAdj: boolean;
  hasVolume: boolean;
  /** Number of fields a data row must have (index of the last used column + 1). */
  required: number;
}

function resolveColumns(headers: string[], options: CsvBarsOptions, source: string): Columns {
  const roles = new Int8Array(headers.length);
  const seen = new Map<Role, string>();
  const unmatched: number[] = [];
  const wanted = options.column === undefined ? undefined : normaliseHeader(options.column);
  let columnIndex = -1;
  headers.forEach((header, index) => {
    const key = normaliseHeader(header);
    if (wanted !== undefined && key === wanted) columnIndex = index;
    const role = HEADER_ALIASES[key];
    if (role && !seen.has(role)) {
      seen.set(role, header);
      roles[index] = ROLE_CODE[role];
    } else if (!role && key !== '') {
      unmatched.push(index);
    }
  });
  if (!seen.has('date')) {
    throw new DataError(`${source}:1: no date column in header "${headers.join(',')}"`, {
      field: 'date',
      hint: 'name the timestamp column Date, Datetime, Timestamp or Time',
    });
  }
  const ohl = (['open', 'high', 'low'] as const).filter((r) => seen.has(r));
  let closeOnly = false;
  if (wanted !== undefined) {
    if (columnIndex < 0) {
      throw new DataError(`${source}:1: no column named "${options.column}"`, {
        field: 'column',
        hint: `columns are: ${headers.join(', ')}`,
      });
    }
    // A chosen column is read as the close of a close-only series (one ticker of a wide file).
    for (let i = 0; i < roles.length; i++) if (roles[i] !== ROLE_DATE) roles[i] = ROLE_NONE;
    roles[columnIndex] = ROLE_CLOSE;
    closeOnly = true;
  } else if (ohl.length === 0) {
    closeOnly = true;
    if (!seen.has('close')) {
      if (unmatched.length === 1) {
        roles[unmatched[0]] = ROLE_CLOSE;
      } else if (unmatched.length === 0) {
        throw new DataError(`${source}:1: no price column in header "${headers.join(',')}"`, {
          field: 'close',
          hint: 'expected Open,High,Low,Close[,Volume] or a single price column',
        });
      } else {
        const names = unmatched.map((i) => headers[i]);
        throw new DataError(
          `${source}:1: several price columns (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''}) and no Close`,
          { field: 'column', hint: `choose one, e.g. column: '${names[0]}'` },
        );
      }
    }
  } else if (ohl.length < 3 || !seen.has('close')) {
    const missing = (['open', 'high', 'low', 'close'] as const).filter((r) => !seen.has(r));
    throw new DataError(`${source}:1: header has ${ohl.join('/')} but no ${missing.join('/')} column`, {
      field: missing[0],
      hint: 'an OHLC file needs Open, High, Low and Close columns (or give only Date and one price column)',
    });
  }
  const hasAdj = roles.includes(ROLE_ADJ);
  if (options.adjusted && !hasAdj) {
    throw new DataError(`${source}:1: adjusted prices requested but there is no Adj Close column`, {
      field: 'adjusted',
      hint: 'drop the adjusted option, or use a file with an Adj Close column',
    });
  }
  if (!options.adjusted) {
    for (let i = 0; i < roles.length; i++) if (roles[i] === ROLE_ADJ) roles[i] = ROLE_NONE;
  }
  let required = 0;
  for (let i = 0; i < roles.length; i++) if (roles[i] !== ROLE_NONE) required = i + 1;
  return {
    roles,
    closeOnly,
    hasAdj: options.adjusted === true,
    hasVolume: roles.includes(ROLE_VOLUME),
    required,
  };
}

/** Growable column storage: doubles when full, trimmed (as subarrays) at the end. */
class ColumnBuffer {
  capacity: number;
  length = 0;
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  lines: Int32Array;

  constructor(capacity: number) {
    this.capacity = Math.max(16, capacity);
    this.timestamps = new Float64Array(this.capacity);
    this.open = new Float64Array(this.capacity);
    this.high = new Float64Array(this.capacity);
    this.low = new Float64Array(this.capacity);
    this.close = new Float64Array(this.capacity);
    this.volume = new Float64Array(this.capacity);
    this.lines = new Int32Array(this.capacity);
  }

  grow(): void {
    const capacity = this.capacity * 2;
    const widen = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.timestamps = widen(this.timestamps);
    this.open = widen(this.open);
    this.high = widen(this.high);
    this.low = widen(this.low);
    this.close = widen(this.close);
    this.volume = widen(this.volume);
    const lines = new Int32Array(capacity);
    lines.set(this.lines);
    this.lines = lines;
    this.capacity = capacity;
  }
}

function rowError(source: string, line: number, message: string, field: string, hint?: string): DataError {
  return new DataError(`${source}:${line}: ${message}`, {
    field,
    hint: hint ?? 'fix or remove the row and load the file again',
  });
}

/** Slots of the per-row scratch array filled by `readRow`. */
const SLOT_TS = 0;
const SLOT_OPEN = 1;
const SLOT_HIGH = 2;
const SLOT_LOW = 3;
const SLOT_CLOSE = 4;
const SLOT_ADJ = 5;
const SLOT_VOLUME = 6;
const SLOT_FIELDS = 7;
const ROW_SLOTS = 8;

/** Role code -> scratch slot. */
const ROLE_SLOT = [-1, SLOT_TS, SLOT_OPEN, SLOT_HIGH, SLOT_LOW, SLOT_CLOSE, SLOT_ADJ, SLOT_VOLUME];

/**
 * Rows in the file, estimated from the length of the first lines of `bytes` (from `pos`) and the
 * `remaining` bytes of the input from there (the buffer still grows if short).
 */
function estimateRows(bytes: Buffer, pos: number, remaining: number): number {
  let lines = 0;
  let i = pos;
  while (i < bytes.length && lines < 64) {
    const eol = bytes.indexOf(10, i);
    if (eol < 0) break;
    i = eol + 1;
    lines++;
  }
  if (lines === 0) return 16;
  const average = (i - pos) / lines;
  return Math.ceil((remaining / average) * 1.25) + 16;
}

/**
 * Read one line starting at cursor[0] into `row` (missing numbers NaN, volume 0) and leave cursor[0] at
 * the start of the next line. Returns -1, or the index of a field that is not a number/date (its
 * bounds are left in cursor[0..1] for the error message). Kept small and allocation-free so V8
 * optimises it early.
 */
function readRow(
  bytes: Buffer,
  cursor: Int32Array,
  roles: Int8Array,
  delimiter: number,
  row: Float64Array,
): number {
  const length = bytes.length;
  row[SLOT_TS] = Number.NaN;
  row[SLOT_OPEN] = Number.NaN;
  row[SLOT_HIGH] = Number.NaN;
  row[SLOT_LOW] = Number.NaN;
  row[SLOT_CLOSE] = Number.NaN;
  row[SLOT_ADJ] = Number.NaN;
  row[SLOT_VOLUME] = 0;
  const roleCount = roles.length;
  let field = 0;
  let i = cursor[0];
  for (;;) {
    let start = i;
    let end: number;
    const role = field < roleCount ? roles[field] : ROLE_NONE;
    // Plain decimals are parsed in the same pass that finds the delimiter (one read per byte); anything
    // else (quotes, exponents, signs, spaces, long mantissas) takes the general path below.
    let fused = Number.NaN;
    if (role > ROLE_DATE && i < length && bytes[i] !== 34) {
      let mantissa = 0;
      let digits = 0;
      let fraction = 0;
      let dot = false;
      let plain = true;
      while (i < length) {
        const b = bytes[i];
        if (b >= 48 && b <= 57) {
          mantissa = mantissa * 10 + (b - 48);
          digits++;
          if (dot) fraction++;
        } else if (b === delimiter || b === 10 || b === 13) {
          break;
        } else if (b === 46 && !dot) {
          dot = true;
        } else {
          plain = false;
        }
        i++;
      }
      if (plain && digits > 0 && digits <= 15) fused = fraction === 0 ? mantissa : mantissa / POW10[fraction];
      end = i;
    } else if (i < length && bytes[i] === 34) {
      // Quoted field: take everything up to the closing quote, then skip to the delimiter.
      let q = i + 1;
      while (q < length && bytes[q] !== 34 && bytes[q] !== 10) q++;
      start = i + 1;
      end = q;
      i = q < length && bytes[q] === 34 ? q + 1 : q;
      while (i < length && bytes[i] !== delimiter && bytes[i] !== 10 && bytes[i] !== 13) i++;
    } else {
      while (i < length) {
        const b = bytes[i];
        if (b === delimiter || b === 10 || b === 13) break;
        i++;
      }
      end = i;
    }
    if (role !== ROLE_NONE) {
      const value = !Number.isNaN(fused)
        ? fused
        : role === ROLE_DATE
          ? parseTimestamp(bytes, start, end)
          : parseNumber(bytes, start, end);
      if (Number.isNaN(value)) {
        cursor[0] = start;
        cursor[1] = end;
        return role;
      }
      row[ROLE_SLOT[role]] = value;
    }
    field++;
    if (i < length && bytes[i] === delimiter) {
      i++;
      continue;
    }
    break;
  }
  // Past the end of the line (a CR before the LF is skipped too).
  while (i < length && bytes[i] !== 10) i++;
  cursor[0] = i + 1;
  row[SLOT_FIELDS] = field;
  return -1;
}

function unreadableField(
  bytes: Buffer,
  cursor: Int32Array,
  role: number,
  source: string,
  line: number,
): DataError {
  const raw = bytes.toString('utf8', cursor[0], cursor[1]).trim();
  if (role === ROLE_DATE) {
    return rowError(
      source,
      line,
      raw === '' ? 'date is missing' : `cannot parse date "${raw}"`,
      'date',
      'dates must look like 2024-01-31, 2024-01-31 15:30[:00], ISO 8601 or epoch seconds/ms',
    );
  }
  const label = ROLE_LABEL[role];
  return rowError(
    source,
    line,
    raw === '' ? `${label} is missing` : `${label} "${raw}" is not a number`,
    label,
  );
}

/** Validate one parsed row (and apply the Adj Close factor in place). */
/**
 * Validate one parsed row (and apply the Adj Close factor). The common case is one branch-light test;
 * only a failing row goes to `rowProblem` to find and word the first broken rule. Keeping message
 * building out of this function keeps it small enough for V8 to optimise; with the messages inline it
 * ran at interpreter speed and cost as much as the whole parse.
 */
function checkRow(row: Float64Array, hasAdj: boolean, source: string, line: number): void {
  const open = row[SLOT_OPEN];
  const high = row[SLOT_HIGH];
  const low = row[SLOT_LOW];
  const close = row[SLOT_CLOSE];
  const volume = row[SLOT_VOLUME];
  const valid =
    close > 0 &&
    close < Number.POSITIVE_INFINITY &&
    open > 0 &&
    open < Number.POSITIVE_INFINITY &&
    high < Number.POSITIVE_INFINITY &&
    low > 0 &&
    high >= open &&
    high >= close &&
    low <= open &&
    low <= close &&
    volume >= 0 &&
    volume < Number.POSITIVE_INFINITY;
  if (!valid) throw rowProblem(row, source, line);
  if (hasAdj) {
    const adj = row[SLOT_ADJ];
    if (!(adj > 0 && adj < Number.POSITIVE_INFINITY)) {
      throw rowError(source, line, `adj close ${adj} is not a positive price`, 'adj close');
    }
    const factor = adj / close;
    row[SLOT_OPEN] = open * factor;
    row[SLOT_HIGH] = high * factor;
    row[SLOT_LOW] = low * factor;
    row[SLOT_CLOSE] = adj;
  }
}

/** The first rule a row breaks, as a `file:line: what is wrong` error. */
function rowProblem(row: Float64Array, source: string, line: number): DataError {
  const open = row[SLOT_OPEN];
  const high = row[SLOT_HIGH];
  const low = row[SLOT_LOW];
  const close = row[SLOT_CLOSE];
  const volume = row[SLOT_VOLUME];
  const positive = (x: number) => x > 0 && x < Number.POSITIVE_INFINITY;
  if (!positive(close)) return rowError(source, line, `close ${close} is not a positive price`, 'close');
  if (!positive(open)) return rowError(source, line, `open ${open} is not a positive price`, 'open');
  if (!positive(high)) return rowError(source, line, `high ${high} is not a positive price`, 'high');
  if (!positive(low)) return rowError(source, line, `low ${low} is not a positive price`, 'low');
  if (high < open) return rowError(source, line, `high ${high} is below open ${open}`, 'high');
  if (high < close) return rowError(source, line, `high ${high} is below close ${close}`, 'high');
  if (low > open) return rowError(source, line, `low ${low} is above open ${open}`, 'low');
  if (low > close) return rowError(source, line, `low ${low} is above close ${close}`, 'low');
  return rowError(source, line, `volume ${volume} is negative`, 'volume');
}

function orderError(
  source: string,
  line: number,
  ts: number,
  previous: number,
  previousLine: number,
): DataError {
  if (ts === previous) {
    return rowError(
      source,
      line,
      `duplicate timestamp ${formatTimestamp(ts)} (also on line ${previousLine})`,
      'date',
      'remove the repeated row, or pass dedupe: true (CLI: `data import --dedupe`) to keep the last one',
    );
  }
  return rowError(
    source,
    line,
    `timestamp ${formatTimestamp(ts)} is before the previous row's ${formatTimestamp(previous)} (line ${previousLine}); rows must be in ascending order`,
    'date',
    'sort the file by date, or pass sort: true (CLI: `data import --sort`)',
  );
}

/** Parse OHLCV (or close-only) CSV text into a validated BarSeries. */
export function parseCsvBars(text: string | Uint8Array, options: CsvBarsOptions): BarSeries {
  const bytes =
    typeof text === 'string'
      ? Buffer.from(text, 'utf8')
      : Buffer.isBuffer(text)
        ? text
        : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  return parseCsvBytes(bytes, options);
}

/**
 * The parser proper, over the file's bytes: CSV numbers and dates are ASCII, so working on bytes skips
 * decoding the whole file to a JS string (which alone costs more than parsing).
 */
function parseCsvBytes(bytes: Buffer, options: CsvBarsOptions): BarSeries {
  const parser = new CsvBarsParser(options, bytes.length);
  parser.feed(bytes);
  return parser.finish();
}

/**
 * Parses CSV bars fed in pieces of whole lines (a file is read in chunks, so its bytes are never all in
 * memory at once: a 24 MB file of 252,000 bars would otherwise add 24 MB to the process's peak beside
 * the 12 MB of columns it becomes). The state between pieces is the header's column map, the line
 * number, the previous timestamp and the columns so far.
 */
class CsvBarsParser {
  private readonly source: string;
  private lineNo = 0;
  private started = false;
  private columns: Columns | undefined;
  private delimiterCode = 44;
  /** Bytes fed before the current piece. */
  private consumed = 0;
  private toUtc: ((localMs: number) => number) | undefined;
  private buffer: ColumnBuffer | undefined;
  private unsorted = false;
  private previous = Number.NEGATIVE_INFINITY;
  private readonly row = new Float64Array(ROW_SLOTS);
  private readonly cursor = new Int32Array(2);

  constructor(
    private readonly options: CsvBarsOptions,
    /** The whole input's size in bytes (sizes the columns from the first lines' length). */
    private readonly totalBytes: number,
  ) {
    this.source = options.source ?? 'csv';
    lastDayKey = -1;
  }

  /** Parse `bytes`: whole lines, each ending in a newline except the input's last. */
  feed(bytes: Buffer): void {
    const length = bytes.length;
    let pos = 0;
    if (!this.started) {
      this.started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) pos = 3;
    }
    // Header: the first non-blank line.
    while (this.columns === undefined && pos < length) {
      this.lineNo++;
      let eol = bytes.indexOf(10, pos);
      if (eol < 0) eol = length;
      const headerLine = bytes.toString('utf8', pos, eol).replace(/\r$/, '');
      pos = eol + 1;
      if (headerLine.trim() === '') continue;
      const delimiter = headerLine.includes(',') ? ',' : headerLine.includes(';') ? ';' : '\t';
      this.columns = resolveColumns(splitHeader(headerLine, delimiter), this.options, this.source);
      this.delimiterCode = delimiter.charCodeAt(0);
      this.toUtc = this.options.timeZone ? localToUtcConverter(this.options.timeZone) : undefined;
      this.buffer = new ColumnBuffer(estimateRows(bytes, pos, this.totalBytes - this.consumed - pos));
    }
    const columns = this.columns;
    const buffer = this.buffer;
    if (columns === undefined || buffer === undefined) {
      this.consumed += length;
      return;
    }
    // The loop works on locals (V8 keeps them in registers); the state is written back at the end.
    const source = this.source;
    const roles = columns.roles;
    const delimiterCode = this.delimiterCode;
    const toUtc = this.toUtc;
    const sortLater = this.options.sort === true;
    const dedupe = this.options.dedupe === true;
    const closeOnly = columns.closeOnly;
    const hasAdj = columns.hasAdj;
    const required = columns.required;
    const row = this.row;
    const cursor = this.cursor;
    let lineNo = this.lineNo;
    let unsorted = this.unsorted;
    let previous = this.previous;

    while (pos < length) {
      lineNo++;
      const first = bytes[pos];
      if (first === 10 || (first === 13 && (pos + 1 === length || bytes[pos + 1] === 10))) {
        pos += first === 10 ? 1 : 2; // blank line
        continue;
      }
      cursor[0] = pos;
      const problem = readRow(bytes, cursor, roles, delimiterCode, row);
      if (problem >= 0) throw unreadableField(bytes, cursor, problem, source, lineNo);
      pos = cursor[0];
      if (row[SLOT_FIELDS] < required) {
        throw rowError(
          source,
          lineNo,
          `expected ${required} columns, found ${row[SLOT_FIELDS]}`,
          'row',
          'every row needs a value for each column in the header',
        );
      }
      if (closeOnly) row[SLOT_OPEN] = row[SLOT_HIGH] = row[SLOT_LOW] = row[SLOT_CLOSE];
      checkRow(row, hasAdj, source, lineNo);
      let ts = row[SLOT_TS];
      if (toUtc) ts = toUtc(ts);
      let index = buffer.length;
      if (!unsorted && ts <= previous) {
        if (ts === previous && dedupe) {
          index--; // keep the last of adjacent duplicates
        } else if (sortLater) {
          unsorted = true;
        } else {
          throw orderError(source, lineNo, ts, previous, buffer.lines[index - 1]);
        }
      }
      if (index === buffer.capacity) buffer.grow();
      buffer.timestamps[index] = ts;
      buffer.open[index] = row[SLOT_OPEN];
      buffer.high[index] = row[SLOT_HIGH];
      buffer.low[index] = row[SLOT_LOW];
      buffer.close[index] = row[SLOT_CLOSE];
      buffer.volume[index] = row[SLOT_VOLUME];
      buffer.lines[index] = lineNo;
      buffer.length = index + 1;
      previous = ts;
    }
    this.lineNo = lineNo;
    this.unsorted = unsorted;
    this.previous = previous;
    this.consumed += length;
  }

  /** The series, once every line was fed. */
  finish(): BarSeries {
    const source = this.source;
    const columns = this.columns;
    const buffer = this.buffer;
    if (columns === undefined || buffer === undefined) {
      throw new DataError(`${source}: file is empty`, { hint: 'expected a header row and at least one bar' });
    }
    if (buffer.length === 0) {
      throw new DataError(`${source}: no data rows after the header`, {
        hint: 'the file needs at least one bar',
      });
    }
    if (this.unsorted) sortAndCheck(buffer, source, this.options.dedupe === true);
    const n = buffer.length;
    return new BarSeries(
      this.options.symbol,
      this.options.timeframe ?? inferTimeframe(buffer.timestamps.subarray(0, n)),
      {
        timestamps: buffer.timestamps.subarray(0, n),
        open: buffer.open.subarray(0, n),
        high: buffer.high.subarray(0, n),
        low: buffer.low.subarray(0, n),
        close: buffer.close.subarray(0, n),
        volume: buffer.volume.subarray(0, n),
      },
      columns.closeOnly,
    );
  }
}

/** Stable sort of the buffered rows by timestamp, then duplicate handling (keep last or fail). */
function sortAndCheck(buffer: ColumnBuffer, source: string, dedupe: boolean): void {
  const n = buffer.length;
  const ts = buffer.timestamps;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ts[a] - ts[b] || a - b);
  const permute = <T extends Float64Array | Int32Array>(column: T, out: T): T => {
    for (let i = 0; i < n; i++) out[i] = column[order[i]];
    return out;
  };
  const sorted = {
    timestamps: permute(ts, new Float64Array(buffer.capacity)),
    open: permute(buffer.open, new Float64Array(buffer.capacity)),
    high: permute(buffer.high, new Float64Array(buffer.capacity)),
    low: permute(buffer.low, new Float64Array(buffer.capacity)),
    close: permute(buffer.close, new Float64Array(buffer.capacity)),
    volume: permute(buffer.volume, new Float64Array(buffer.capacity)),
    lines: permute(buffer.lines, new Int32Array(buffer.capacity)),
  };
  let out = 0;
  for (let i = 0; i < n; i++) {
    if (out > 0 && sorted.timestamps[i] === sorted.timestamps[out - 1]) {
      if (!dedupe) {
        const [first, second] = [sorted.lines[out - 1], sorted.lines[i]].sort((a, b) => a - b);
        throw rowError(
          source,
          second,
          `duplicate timestamp ${formatTimestamp(sorted.timestamps[i])} (also on line ${first})`,
          'date',
          'remove the repeated row, or pass dedupe: true (CLI: `data import --dedupe`) to keep the last one',
        );
      }
      out--; // stable sort put the later row last: it replaces the earlier one
    }
    sorted.timestamps[out] = sorted.timestamps[i];
    sorted.open[out] = sorted.open[i];
    sorted.high[out] = sorted.high[i];
    sorted.low[out] = sorted.low[i];
    sorted.close[out] = sorted.close[i];
    sorted.volume[out] = sorted.volume[i];
    sorted.lines[out] = sorted.lines[i];
    out++;
  }
  buffer.timestamps = sorted.timestamps;
  buffer.open = sorted.open;
  buffer.high = sorted.high;
  buffer.low = sorted.low;
  buffer.close = sorted.close;
  buffer.volume = sorted.volume;
  buffer.lines = sorted.lines;
  buffer.length = out;
}

/** Bytes read from a CSV file at a time (grown while one line is longer). */
const READ_CHUNK_BYTES = 1 << 20;

/** Read and parse a CSV file of bars. Errors name the file and the 1-based line. */
export function loadCsvBars(
  path: string,
  options: Omit<CsvBarsOptions, 'source'> & { source?: string },
): BarSeries {
  return readCsvBarsFile(path, options, READ_CHUNK_BYTES);
}

/**
 * loadCsvBars reading `chunkBytes` at a time: each chunk's whole lines are parsed and the partial last
 * line is carried into the next read, so the file is never in memory whole. (Exported for tests that
 * cut lines at every possible place with tiny chunks.)
 */
export function readCsvBarsFile(
  path: string,
  options: Omit<CsvBarsOptions, 'source'> & { source?: string },
  chunkBytes: number,
): BarSeries {
  const cannotRead = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    return new DataError(
      code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${(error as Error).message}`,
      { field: 'file', hint: 'check the path', cause: error },
    );
  };
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
  } catch (error) {
    throw cannotRead(error);
  }
  try {
    const parser = new CsvBarsParser({ ...options, source: options.source ?? path }, size);
    let chunk = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, size + 1)));
    let filled = 0;
    for (;;) {
      if (filled === chunk.length) {
        const wider = Buffer.allocUnsafe(chunk.length * 2);
        chunk.copy(wider, 0, 0, filled);
        chunk = wider;
      }
      let read: number;
      try {
        read = readSync(fd, chunk, filled, chunk.length - filled, null);
      } catch (error) {
        throw cannotRead(error);
      }
      filled += read;
      if (read === 0) {
        if (filled > 0) parser.feed(chunk.subarray(0, filled));
        return parser.finish();
      }
      const lastNewline = chunk.lastIndexOf(10, filled - 1);
      if (lastNewline < 0) continue;
      parser.feed(chunk.subarray(0, lastNewline + 1));
      chunk.copy(chunk, 0, lastNewline + 1, filled);
      filled -= lastNewline + 1;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Serialise bars as normalised CSV (`date,open,high,low,close,volume`, or `date,close` for close-only
 * series). Numbers use the shortest text that reads back to the same float, so a round trip is exact.
 */
export function formatCsvBars(series: BarSeries): string {
  const n = series.length;
  const chunks: string[] = [series.closeOnly ? 'date,close\n' : 'date,open,high,low,close,volume\n'];
  let chunk = '';
  for (let i = 0; i < n; i++) {
    const date = formatTimestamp(series.timestamps[i]);
    chunk += series.closeOnly
      ? `${date},${series.close[i]}\n`
      : `${date},${series.open[i]},${series.high[i]},${series.low[i]},${series.close[i]},${series.volume[i]}\n`;
    if (chunk.length > 65_536) {
      chunks.push(chunk);
      chunk = '';
    }
  }
  chunks.push(chunk);
  return chunks.join('');
}

export interface CsvProviderOptions {
  /** One CSV file: every requested symbol is served from it (labelled with the requested symbol). */
  path?: string;
  /** A directory of SYMBOL.csv files. */
  directory?: string;
  /** NEURAL_TRADER_HOME whose imported symbols (`data import`) are also served; default from config. */
  home?: string;
  /** Timeframe of the files; inferred from the timestamps when omitted. */
  timeframe?: Timeframe;
  sort?: boolean;
  dedupe?: boolean;
  adjusted?: boolean;
  timeZone?: string;
}

/**
 * Bars from CSV files: a single file (`{ path }`), a directory of SYMBOL.csv files (`{ directory }`),
 * and symbols imported with `neural-trader data import` (NEURAL_TRADER_HOME/data). Parsed files are
 * cached in memory and re-read when they change on disk.
 */
export class CsvProvider implements MarketDataProvider {
  readonly name = 'file';
  private readonly options: CsvProviderOptions;
  private readonly cache = new Map<string, { mtimeMs: number; size: number; series: BarSeries }>();

  constructor(options: CsvProviderOptions = {}) {
    this.options = options;
  }

  async fetchBars(symbol: string, options: FetchBarsOptions = {}): Promise<BarSeries> {
    return windowSeries(this.load(symbol), options, 'file');
  }

  /** The whole file behind `symbol`, parsed and validated. */
  load(symbol: string): BarSeries {
    const { path, timeframe } = this.locate(symbol);
    const stat = statSync(path);
    const cached = this.cache.get(path);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) {
      return cached.series.symbol === symbol ? cached.series : cached.series.withSymbol(symbol);
    }
    const series = loadCsvBars(path, {
      symbol,
      timeframe: this.options.timeframe ?? timeframe,
      sort: this.options.sort,
      dedupe: this.options.dedupe,
      adjusted: this.options.adjusted,
      timeZone: this.options.timeZone,
    });
    this.cache.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, series });
    return series;
  }

  private locate(symbol: string): { path: string; timeframe?: Timeframe } {
    if (this.options.path) {
      const path = resolve(this.options.path);
      if (!existsSync(path)) {
        throw new DataError(`file not found: ${this.options.path}`, {
          field: 'file',
          hint: 'check the path',
        });
      }
      return { path };
    }
    const looked: string[] = [];
    if (this.options.directory) {
      for (const name of new Set([symbol, symbol.toUpperCase(), symbol.toLowerCase()])) {
        const path = join(this.options.directory, `${name}.csv`);
        if (existsSync(path)) return { path };
      }
      looked.push(join(this.options.directory, `${symbol}.csv`));
    }
    let imported: string | undefined;
    try {
      imported = importedSymbolPath(symbol, this.options.home);
    } catch {
      imported = undefined; // not a storable ticker, so it cannot have been imported
    }
    if (imported) {
      if (existsSync(imported)) return { path: imported, timeframe: readImportedInfo(imported)?.timeframe };
      looked.push(imported);
    }
    throw new DataError(`no CSV file for symbol ${symbol} (looked for ${looked.join(', ')})`, {
      field: 'symbol',
      hint: `import one with \`npx neural-trader data import FILE --symbol ${symbol}\`, or pass --file path.csv`,
    });
  }

  /** Symbols this provider can serve without a path: the directory's files and imported symbols. */
  listSymbols(): string[] {
    const symbols = new Set<string>();
    if (this.options.directory && existsSync(this.options.directory)) {
      for (const entry of readdirSafe(this.options.directory)) {
        if (entry.endsWith('.csv')) symbols.add(entry.slice(0, -4));
      }
    }
    for (const info of listImportedSymbols(this.options.home)) symbols.add(info.symbol);
    return [...symbols].sort();
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface ImportCsvOptions extends Omit<CsvBarsOptions, 'source'> {
  /** NEURAL_TRADER_HOME to import into; default from config. */
  home?: string;
  /** Replace an earlier import of the same symbol (refused otherwise, so nothing is lost by accident). */
  force?: boolean;
}

/** What `importCsvFile` stored, plus one line per thing the user should know (warnings are not stored). */
export type ImportCsvResult = ImportedSymbolInfo & { warnings: string[] };

/** Whether the first non-blank line of a CSV file names an Adj Close column. */
export function csvHasAdjClose(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    const read = readSync(fd, chunk, 0, chunk.length, 0);
    const header =
      chunk
        .toString('utf8', 0, read)
        .split(/\r?\n/)
        .find((line) => line.trim() !== '') ?? '';
    const delimiter = header.includes(',') ? ',' : header.includes(';') ? ';' : '\t';
    return splitHeader(header, delimiter).some(
      (name) => HEADER_ALIASES[normaliseHeader(name)] === 'adjclose',
    );
  } finally {
    closeSync(fd);
  }
}

/**
 * Validate a whole CSV file and store it, normalised, as an imported symbol (atomic write: if any row is
 * bad nothing is written). An earlier import of the symbol is replaced only with `force`. A file with an
 * Adj Close column imported without `adjusted` keeps the raw prices and says so in `warnings`.
 */
export function importCsvFile(file: string, options: ImportCsvOptions): ImportCsvResult {
  const symbol = normaliseImportSymbol(options.symbol);
  const path = importedSymbolPath(symbol, options.home);
  const earlier = existsSync(path) ? readImportedInfo(path) : undefined;
  if (existsSync(path) && !options.force) {
    throw new ValidationError(
      `${symbol} is already imported${earlier ? ` (${earlier.bars} bars from ${earlier.source}, ${earlier.importedAt})` : ''}; nothing was changed`,
      {
        field: 'symbol',
        hint: 'pass --force (library: force: true) to replace it, or import under another --symbol',
      },
    );
  }
  const series = loadCsvBars(file, { ...options, symbol });
  const warnings: string[] = [];
  if (!options.adjusted && csvHasAdjClose(file)) {
    warnings.push(
      `${file} has an Adj Close column; stored the unadjusted Open/High/Low/Close (import with --adjusted for split- and dividend-adjusted prices)`,
    );
  }
  if (earlier)
    warnings.push(`replaced the earlier import of ${symbol} (${earlier.bars} bars from ${earlier.source})`);
  const formatTime = timestampFormatter(series.timestamps);
  const info: ImportedSymbolInfo = {
    symbol,
    timeframe: series.timeframe,
    bars: series.length,
    first: formatTime(series.firstTimestamp),
    last: formatTime(series.lastTimestamp),
    columns: series.closeOnly ? 'close-only' : 'ohlcv',
    adjusted: options.adjusted === true,
    source: resolve(file),
    importedAt: new Date().toISOString(),
    path,
  };
  writeFileAtomic(path, formatCsvBars(series));
  const { path: _omit, ...meta } = info;
  writeFileAtomic(path.replace(/\.csv$/, '.meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return { ...info, warnings };
}
