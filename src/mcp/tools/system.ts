import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { packageVersion } from '../runtime.js';
import { type AnyToolSpec, defineTool, READ_ONLY } from '../tool.js';
import { MCP_TOOLSETS } from '../toolsets.js';

/** Version of an installed dependency, read from its package.json without loading the package. */
function dependencyVersion(name: string): string | null {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve(name)));
    while (dir !== dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest)) {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (parsed.name === name) return parsed.version ?? null;
      }
      dir = dirname(dir);
    }
    return null;
  } catch {
    return null;
  }
}

const ping = defineTool({
  name: 'ping',
  title: 'Ping',
  description: 'Check that the neural-trader MCP server is alive; returns the server time and version.',
  toolset: 'system',
  input: {},
  output: { status: z.literal('ok'), server: z.string(), version: z.string(), time: z.string() },
  hints: READ_ONLY,
  async run() {
    return {
      status: 'ok',
      server: 'neural-trader',
      version: packageVersion(),
      time: new Date().toISOString(),
    };
  },
});

const systemMetrics = defineTool({
  name: 'get_system_metrics',
  title: 'System metrics',
  description:
    'Server health and configuration: uptime, memory, versions, which toolsets and tools are enabled, ' +
    'and whether live trading is enabled (orders are paper/simulated unless it is).',
  toolset: 'system',
  input: {},
  output: {
    uptime_seconds: z.number(),
    transport: z.enum(['stdio', 'http']),
    memory_mb: z.object({
      rss: z.number(),
      heap_used: z.number(),
      heap_total: z.number(),
      external: z.number(),
    }),
    versions: z.record(z.string(), z.string().nullable()),
    toolsets: z.array(z.object({ name: z.string(), enabled: z.boolean() })),
    tools: z.array(z.string()),
    trading_mode: z.enum(['paper', 'live']),
    live_trading_enabled: z.boolean(),
    home: z.string(),
    pid: z.number(),
    platform: z.string(),
  },
  hints: READ_ONLY,
  async run(_args, { runtime }) {
    const memory = process.memoryUsage();
    const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
    const config = runtime.config;
    const live = config.liveTrading && config.alpaca.isLiveEndpoint;
    return {
      uptime_seconds: Math.round((Date.now() - runtime.startedAt) / 100) / 10,
      transport: runtime.transport,
      memory_mb: {
        rss: mb(memory.rss),
        heap_used: mb(memory.heapUsed),
        heap_total: mb(memory.heapTotal),
        external: mb(memory.external),
      },
      versions: {
        'neural-trader': packageVersion(),
        node: process.versions.node,
        v8: process.versions.v8,
        '@modelcontextprotocol/sdk': dependencyVersion('@modelcontextprotocol/sdk'),
        '@tensorflow/tfjs': dependencyVersion('@tensorflow/tfjs'),
        'better-sqlite3': dependencyVersion('better-sqlite3'),
        zod: dependencyVersion('zod'),
      },
      toolsets: MCP_TOOLSETS.map((name) => ({ name, enabled: runtime.toolsets.has(name) })),
      tools: [...runtime.toolNames],
      trading_mode: live ? 'live' : 'paper',
      live_trading_enabled: live,
      home: config.home,
      pid: process.pid,
      platform: `${process.platform}-${process.arch}`,
    };
  },
});

export const systemTools: readonly AnyToolSpec[] = [ping, systemMetrics];
