// MCP server: spawn-to-first-tools/list latency and `ping` round trips over stdio, against the real CLI
// (bin/neural-trader.js -> dist/). Run with `npm run bench mcp`.
import { spawn } from 'node:child_process';
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

/**
 * Spawn the server, send initialize + tools/list as raw JSON-RPC lines, and time until the tools/list
 * response arrives. Raw lines keep the client's own work (the SDK client compiles a validator for every
 * output schema) out of the server's figure.
 */
function timeToFirstToolsList() {
  const init = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  };
  const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, 'mcp', 'start'], {
      cwd: sandbox,
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n').slice(0, -1)) {
        const message = JSON.parse(line);
        if (message.id === 2) {
          const elapsed = performance.now() - started;
          child.stdin.end();
          child.once('exit', () => resolve({ elapsed, tools: message.result.tools.length }));
          return;
        }
      }
    });
    child.once('error', reject);
    child.stdin.write(
      `${JSON.stringify(init)}\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n${JSON.stringify(list)}\n`,
    );
  });
}

try {
  // Warm the OS file cache once so the first sample is not a cold-disk outlier.
  await timeToFirstToolsList();

  const starts = [];
  let toolCount = 0;
  for (let i = 0; i < 5; i++) {
    const { elapsed, tools } = await timeToFirstToolsList();
    starts.push(elapsed);
    toolCount = tools;
  }
  starts.sort((a, b) => a - b);
  // Context for the figure: how long a bare `node -e 0` takes on this machine right now.
  const bare = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await new Promise((resolve) => spawn(process.execPath, ['-e', '0']).once('exit', resolve));
    bare.push(performance.now() - started);
  }
  bare.sort((a, b) => a - b);
  console.log(
    `MCP server start to first tools/list (${toolCount} tools), median of 5 spawns: ${quantile(starts, 0.5).toFixed(0)} ms ` +
      `(min ${starts[0].toFixed(0)}, max ${starts[4].toFixed(0)}) (target < 500 ms; a bare \`node -e 0\` takes ${bare[2].toFixed(0)} ms here)`,
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
