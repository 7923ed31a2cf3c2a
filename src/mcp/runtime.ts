import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../core/config.js';
import { NeuralTraderError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { JobPool } from './pool.js';
import { mcpSettings } from './settings.js';
import type { McpRuntime } from './tool.js';
import type { McpToolset } from './toolsets.js';

export interface RuntimeOptions {
  config: Config;
  transport: 'stdio' | 'http';
  toolsets: ReadonlySet<McpToolset>;
  toolNames: readonly string[];
}

let version: string | undefined;

/** What a pool worker needs to run tools as this server would (worker-jobs.ts). */
export interface WorkerInit {
  config: Config;
  transport: 'stdio' | 'http';
  toolsets: McpToolset[];
  toolNames: string[];
}

/** The package version, read once from package.json (two levels up from src/mcp or dist/mcp). */
export function packageVersion(): string {
  if (version !== undefined) return version;
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    version = (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    version = '0.0.0';
  }
  return version;
}

/** The compiled worker script: beside this module in dist/, or in dist/ when running from src/ (tests). */
function workerScript(): URL {
  const beside = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/mcp/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new NeuralTraderError('UNSUPPORTED', 'the MCP worker script is missing (dist/mcp/worker.js)', {
    hint: 'run `npm run build`',
  });
}

/** Heap ceiling of one worker: a runaway job fails with "out of memory" instead of taking the server. */
const WORKER_HEAP_MB = 1024;

export function createRuntime(options: RuntimeOptions): McpRuntime {
  const services = new Map<string, Promise<unknown>>();
  const settings = mcpSettings(options.config);
  const log = createLogger('mcp');
  let pool: Promise<JobPool> | undefined;
  return {
    config: options.config,
    startedAt: Date.now(),
    transport: options.transport,
    toolsets: options.toolsets,
    toolNames: options.toolNames,
    settings,
    log,
    jobs() {
      pool ??= import('./pool.js').then(({ JobPool }) => {
        const init: WorkerInit = {
          config: options.config,
          transport: options.transport,
          toolsets: [...options.toolsets],
          toolNames: [...options.toolNames],
        };
        return new JobPool({
          script: workerScript(),
          size: settings.workers,
          maxQueued: settings.queue,
          workerData: init,
          resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
          log: log.child('pool'),
        });
      });
      return pool;
    },
    service<T>(key: string, create: () => Promise<T>): Promise<T> {
      let existing = services.get(key) as Promise<T> | undefined;
      if (!existing) {
        existing = create();
        services.set(key, existing);
        // A failed creation (e.g. a bad config) is retried on the next call rather than cached.
        existing.catch(() => services.delete(key));
      }
      return existing;
    },
    async close() {
      const pending = [...services.values()];
      services.clear();
      await Promise.allSettled([
        pool?.then((jobs) => jobs.close()),
        ...pending.map(async (service) => {
          const value = (await service) as { close?: () => unknown };
          if (typeof value?.close === 'function') await value.close();
        }),
      ]);
    },
  };
}
