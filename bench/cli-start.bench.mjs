#!/usr/bin/env node
// CLI cold start: `node bin/neural-trader.js --help`, 10 runs, median and p90 wall time (target < 200 ms).
// When over target it lists what the help path loads, so the eager import can be found.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/neural-trader.js');
const RUNS = 10;
const TARGET_MS = 200;

const times = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, '--help'], { cwd: root, encoding: 'utf8' });
  times.push(performance.now() - t0);
  if (r.status !== 0) {
    console.error(`--help exited ${r.status}: ${r.stderr}`);
    process.exit(1);
  }
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(RUNS / 2)];
const p90 = sorted[Math.ceil(RUNS * 0.9) - 1];
const baseline = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  baseline.push(performance.now() - t0);
}
baseline.sort((a, b) => a - b);
console.log(
  `CLI --help cold start: median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms (target < ${TARGET_MS} ms); ` +
    `bare node startup ${baseline[2].toFixed(0)} ms`,
);

// Which modules does the help path load? A resolve hook records every ESM import.
const hook = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
port1.on('message', (url) => seen.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(\`
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}\`), { data: { port: port2 }, transferList: [port2] });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify([...new Set(seen)]) + '\\n'));
`;
const traced = spawnSync(
  process.execPath,
  ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, bin, '--help'],
  { cwd: root, encoding: 'utf8' },
);
const line = traced.stderr.split('\n').find((l) => l.startsWith('LOADED '));
if (line) {
  const urls = JSON.parse(line.slice(7)).filter((u) => u.startsWith('file:'));
  const own = urls.filter((u) => u.includes('/dist/'));
  const deps = [
    ...new Set(
      urls.filter((u) => u.includes('/node_modules/')).map((u) => u.split('/node_modules/')[1].split('/')[0]),
    ),
  ];
  console.log(
    `--help loads ${own.length} dist modules and packages: ${deps.join(', ') || '(none besides builtins)'}`,
  );
  if (median > TARGET_MS) {
    const heavy = ['zod', 'better-sqlite3', '@tensorflow', '@modelcontextprotocol', 'ws', 'dotenv'];
    const eager = deps.filter((d) => heavy.some((h) => d.startsWith(h)));
    console.log(`over target; eagerly loaded heavy packages: ${eager.join(', ') || 'none'}`);
    console.log(`dist modules loaded: ${own.map((u) => u.split('/dist/')[1]).join(', ')}`);
  }
}
