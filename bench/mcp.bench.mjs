// MCP server: spawn-to-first-tools/list latency and `ping` round trips over stdio, against the real CLI
// (bin/neural-trader.js -> dist/). Run with `npm run bench mcp`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/neural-trader.js');
const sandbox = mkdtempSync(join(tmpdir(), 'nt-mcp-bench-'));
const env = { PATH: process.env.PATH ?? '', HOME: sandbox, NEURAL_TRADER_HOME: join(sandbox, 'home') };

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function connect() {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', 'start'],
    cwd: sandbox,
    env,
  });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

try {
  // Warm the OS file cache once so the first sample is not a cold-disk outlier.
  await (await connect()).close();

  const starts = [];
  let toolCount = 0;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const client = await connect();
    const { tools } = await client.listTools();
    starts.push(performance.now() - started);
    toolCount = tools.length;
    await client.close();
  }
  starts.sort((a, b) => a - b);
  console.log(
    `MCP server start to first tools/list (${toolCount} tools), median of 5 spawns: ${quantile(starts, 0.5).toFixed(0)} ms ` +
      `(min ${starts[0].toFixed(0)}, max ${starts[4].toFixed(0)}) (target < 500 ms)`,
  );

  const client = await connect();
  for (let i = 0; i < 50; i++) await client.callTool({ name: 'ping', arguments: {} });
  const samples = [];
  for (let i = 0; i < 500; i++) {
    const started = performance.now();
    await client.callTool({ name: 'ping', arguments: {} });
    samples.push(performance.now() - started);
  }
  await client.close();
  samples.sort((a, b) => a - b);
  console.log(
    `MCP ping round trip over stdio, 500 calls: p50 ${quantile(samples, 0.5).toFixed(2)} ms, ` +
      `p99 ${quantile(samples, 0.99).toFixed(2)} ms (target p50 < 5 ms)`,
  );
} finally {
  rmSync(sandbox, { recursive: true, force: true });
}
