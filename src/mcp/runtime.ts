import { readFileSync } from 'node:fs';
import type { Config } from '../core/config.js';
import { createLogger } from '../core/log.js';
import type { McpRuntime } from './tool.js';
import type { McpToolset } from './toolsets.js';

export interface RuntimeOptions {
  config: Config;
  transport: 'stdio' | 'http';
  toolsets: ReadonlySet<McpToolset>;
  toolNames: readonly string[];
}

/** The package version, read once from package.json (two levels up from src/mcp or dist/mcp). */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function createRuntime(options: RuntimeOptions): McpRuntime {
  const services = new Map<string, Promise<unknown>>();
  return {
    config: options.config,
    startedAt: Date.now(),
    transport: options.transport,
    toolsets: options.toolsets,
    toolNames: options.toolNames,
    log: createLogger('mcp'),
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
      await Promise.allSettled(
        pending.map(async (service) => {
          const value = (await service) as { close?: () => unknown };
          if (typeof value?.close === 'function') await value.close();
        }),
      );
    },
  };
}
