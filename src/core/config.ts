import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { type LogLevel, setLogLevel } from './log.js';
import { registerSecret } from './redact.js';

/**
 * One typed configuration from `.env` plus the environment (the environment wins, as with dotenv).
 * The keys are the old Python/Rust system's, so existing `.env` files keep working unchanged.
 */
export const ALPACA_PAPER_URL = 'https://paper-api.alpaca.markets';
export const ALPACA_LIVE_URL = 'https://api.alpaca.markets';
export const ALPACA_DATA_URL = 'https://data.alpaca.markets';
export const POLYGON_URL = 'https://api.polygon.io';
export const ODDS_API_URL = 'https://api.the-odds-api.com';

/** Alpaca's paper trading host: the only Alpaca host that does not trade real money. */
const ALPACA_PAPER_HOST = 'paper-api.alpaca.markets';

/**
 * Whether a trading API URL reaches Alpaca's live (real-money) API. The URL is parsed and its host
 * compared exactly: `https://api.alpaca.markets/paper-api.alpaca.markets/..` is the LIVE host with an
 * odd path, and `https://paper-api.alpaca.markets.example.com` is not Alpaca at all. Every
 * *.alpaca.markets host other than the paper one counts as live; other hosts (a local test server, a
 * proxy) are not Alpaca's live API.
 */
export function isAlpacaLiveUrl(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  if (host === ALPACA_PAPER_HOST) return false;
  return host === 'alpaca.markets' || host.endsWith('.alpaca.markets');
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;

const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''].includes(v), {
    message: 'expected true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const url = z.string().trim().url({ message: 'expected a URL such as https://paper-api.alpaca.markets' });
const optionalSecret = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** A whole number in [min, max] from a variable; blank means unset. */
function optionalCount(min: number, max: number) {
  return z
    .string()
    .trim()
    .optional()
    .refine((v) => v === undefined || v === '' || (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max), {
      message: `expected a whole number from ${min} to ${max}`,
    })
    .transform((v) => (v === undefined || v === '' ? undefined : Number(v)));
}

const EnvSchema = z.object({
  ALPACA_API_KEY: optionalSecret,
  ALPACA_SECRET_KEY: optionalSecret,
  ALPACA_BASE_URL: url.default(ALPACA_PAPER_URL),
  ALPACA_DATA_URL: url.default(ALPACA_DATA_URL),
  POLYGON_API_KEY: optionalSecret,
  POLYGON_BASE_URL: url.default(POLYGON_URL),
  ODDS_API_KEY: optionalSecret,
  ODDS_API_BASE_URL: url.default(ODDS_API_URL),
  NEURAL_TRADER_HOME: z.string().trim().min(1).optional(),
  LOG_LEVEL: z.string().optional(),
  RUST_LOG: z.string().optional(),
  NEURAL_TRADER_LIVE_TRADING: booleanFlag.default(false),
  // Not trimmed to "unset": a whitespace-only token must reach the MCP server, which refuses it, instead
  // of silently turning authentication off.
  NEURAL_TRADER_MCP_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v.trim() === '' ? v : v.trim())),
  NEURAL_TRADER_TOOLSETS: z.string().optional(),
  NEURAL_TRADER_MCP_WORKERS: optionalCount(1, 64),
  NEURAL_TRADER_MCP_QUEUE: optionalCount(1, 100_000),
  NEURAL_TRADER_MCP_MAX_SESSIONS: optionalCount(1, 100_000),
  NEURAL_TRADER_MCP_SESSION_IDLE_SECONDS: optionalCount(1, 7 * 86_400),
  NEURAL_TRADER_MCP_TIME_LIMITS: z.string().optional(),
  NEURAL_TRADER_QUEUE_URL: optionalSecret,
});

export interface Config {
  alpaca: {
    apiKey?: string;
    secretKey?: string;
    /** Trading API root; the paper endpoint unless the user points it at the live one. */
    baseUrl: string;
    dataUrl: string;
    /** True when baseUrl is not Alpaca's paper endpoint (i.e. real money if keys are live). */
    isLiveEndpoint: boolean;
  };
  polygon: { apiKey?: string; baseUrl: string };
  /** The Odds API (v4) for the sports-betting odds feed; the key goes in its `apiKey` query parameter. */
  oddsApi: { apiKey?: string; baseUrl: string };
  /** Where SQLite databases, caches and models live. */
  home: string;
  logLevel: LogLevel;
  /** Real-money orders are refused unless this is true (NEURAL_TRADER_LIVE_TRADING=true). */
  liveTrading: boolean;
  mcp: {
    token?: string;
    toolsets?: string[];
    /** Worker threads for heavy tools (default: cores, at least 2). */
    workers?: number;
    /** Heavy calls that may wait for a worker before new ones are refused as busy. */
    queue?: number;
    /** HTTP sessions kept before the least recently used idle one is closed. */
    maxSessions?: number;
    /** An HTTP session with no request for this long is closed. */
    sessionIdleSeconds?: number;
    /** Per-tool time limits, `tool=seconds,...` (`*=seconds` for every tool); parsed by the MCP server. */
    timeLimits?: string;
  };
  /** Queue mode's Redis URL (may hold a password): used by `--queue` without a URL. */
  queueUrl?: string;
  /** The .env file that was read, if any. */
  envFile?: string;
}

export interface LoadConfigOptions {
  /** Environment to read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Path of a .env file; defaults to ./.env when it exists. Pass false to skip. */
  envFile?: string | false;
  /** Apply the log level to the global logger (default true). */
  applyLogLevel?: boolean;
}

/**
 * RUST_LOG accepts `debug`, or directives such as `neural_trader=debug,warn`: take the first bare level,
 * else the level of the first directive.
 */
function levelFromRustLog(value: string): string | undefined {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const bare = parts.find((p) => !p.includes('='));
  const candidate = bare ?? parts[0]?.split('=')[1];
  return candidate?.toLowerCase();
}

function normaliseLevel(value: string | undefined, source: string): LogLevel | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  const mapped = v === 'warning' ? 'warn' : v === 'off' ? 'silent' : v;
  if ((LOG_LEVELS as readonly string[]).includes(mapped)) return mapped as LogLevel;
  throw new ConfigError(`${source}: unknown log level "${value}"`, {
    field: source,
    hint: `use one of ${LOG_LEVELS.join(', ')}`,
  });
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  let fileValues: Record<string, string> = {};
  let envFile: string | undefined;
  if (options.envFile !== false) {
    const candidate = resolve(options.envFile ?? '.env');
    if (existsSync(candidate)) {
      envFile = candidate;
      fileValues = parseDotenv(readFileSync(candidate));
    } else if (options.envFile) {
      throw new ConfigError(`env file not found: ${candidate}`, {
        hint: 'check the path given to --env',
      });
    }
  }
  const merged: Record<string, string | undefined> = { ...fileValues };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;

  const parsed = EnvSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${key}: ${issue.message}`, {
      field: key,
      hint: `fix ${key} in ${envFile ?? 'the environment'}`,
    });
  }
  const e = parsed.data;
  for (const secret of [
    e.ALPACA_API_KEY,
    e.ALPACA_SECRET_KEY,
    e.POLYGON_API_KEY,
    e.NEURAL_TRADER_QUEUE_URL,
    // A blank token is refused by the MCP server; registered, it would redact runs of spaces.
    e.NEURAL_TRADER_MCP_TOKEN?.trim() ? e.NEURAL_TRADER_MCP_TOKEN : undefined,
    e.ODDS_API_KEY,
  ]) {
    registerSecret(secret);
  }
  const logLevel =
    normaliseLevel(e.LOG_LEVEL, 'LOG_LEVEL') ??
    normaliseLevel(e.RUST_LOG === undefined ? undefined : levelFromRustLog(e.RUST_LOG), 'RUST_LOG') ??
    'warn';
  if (options.applyLogLevel !== false) setLogLevel(logLevel);
  const baseUrl = e.ALPACA_BASE_URL.replace(/\/+$/, '');
  const home = e.NEURAL_TRADER_HOME ? resolve(e.NEURAL_TRADER_HOME) : join(homedir(), '.neural-trader');
  return {
    alpaca: {
      apiKey: e.ALPACA_API_KEY,
      secretKey: e.ALPACA_SECRET_KEY,
      baseUrl,
      dataUrl: e.ALPACA_DATA_URL.replace(/\/+$/, ''),
      isLiveEndpoint: isAlpacaLiveUrl(baseUrl),
    },
    polygon: { apiKey: e.POLYGON_API_KEY, baseUrl: e.POLYGON_BASE_URL.replace(/\/+$/, '') },
    oddsApi: { apiKey: e.ODDS_API_KEY, baseUrl: e.ODDS_API_BASE_URL.replace(/\/+$/, '') },
    home,
    logLevel,
    liveTrading: e.NEURAL_TRADER_LIVE_TRADING,
    mcp: {
      token: e.NEURAL_TRADER_MCP_TOKEN,
      toolsets: e.NEURAL_TRADER_TOOLSETS?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      workers: e.NEURAL_TRADER_MCP_WORKERS,
      queue: e.NEURAL_TRADER_MCP_QUEUE,
      maxSessions: e.NEURAL_TRADER_MCP_MAX_SESSIONS,
      sessionIdleSeconds: e.NEURAL_TRADER_MCP_SESSION_IDLE_SECONDS,
      timeLimits: e.NEURAL_TRADER_MCP_TIME_LIMITS,
    },
    queueUrl: e.NEURAL_TRADER_QUEUE_URL,
    envFile,
  };
}

let cached: Config | undefined;

/** The process-wide config, loaded once from ./.env and process.env. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** For tests and for the CLI's --env: replace the process-wide config. */
export function setConfig(config: Config | undefined): void {
  cached = config;
}

function mask(value: string | undefined): string {
  if (!value) return '(not set)';
  return `*** (set, ${value.length} chars)`;
}

/** The effective config with every secret masked, as `neural-trader config` prints it. */
export function redactedConfig(config: Config): Record<string, string | boolean> {
  return {
    ALPACA_API_KEY: mask(config.alpaca.apiKey),
    ALPACA_SECRET_KEY: mask(config.alpaca.secretKey),
    ALPACA_BASE_URL: config.alpaca.baseUrl,
    ALPACA_DATA_URL: config.alpaca.dataUrl,
    POLYGON_API_KEY: mask(config.polygon.apiKey),
    POLYGON_BASE_URL: config.polygon.baseUrl,
    ODDS_API_KEY: mask(config.oddsApi.apiKey),
    ODDS_API_BASE_URL: config.oddsApi.baseUrl,
    NEURAL_TRADER_HOME: config.home,
    LOG_LEVEL: config.logLevel,
    NEURAL_TRADER_LIVE_TRADING: config.liveTrading,
    NEURAL_TRADER_MCP_TOKEN: mask(config.mcp.token),
    NEURAL_TRADER_TOOLSETS: config.mcp.toolsets?.join(',') ?? '(all)',
    NEURAL_TRADER_QUEUE_URL: mask(config.queueUrl),
    env_file: config.envFile ?? '(none)',
  };
}
