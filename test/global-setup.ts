import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * CLI and MCP integration tests spawn the real entry point (bin/neural-trader.js -> dist/). Build dist/
 * once before the run so they test the current source. CI builds during `npm ci` already; the
 * incremental build then costs about a second.
 */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..');
  const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const out = String((error as { stdout?: Buffer }).stdout ?? '');
    process.stderr.write(`[global-setup] tsc reported errors (dist/ may be stale):\n${out.slice(0, 4000)}\n`);
  }
  if (
    !existsSync(resolve(root, 'dist/cli/main.js')) ||
    statSync(resolve(root, 'dist/cli/main.js')).size === 0
  ) {
    throw new Error('dist/cli/main.js was not built');
  }
}
