import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

/** Helpers for tests that drive the real CLI entry point (bin/neural-trader.js -> dist/). */
export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/neural-trader.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh scratch directory (used as cwd, HOME and NEURAL_TRADER_HOME parent). */
export function scratchDir(prefix = 'nt-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Run the CLI in `home` (so no developer .env is read) with its own NEURAL_TRADER_HOME. */
export function runCli(
  args: string[],
  home: string,
  env: Record<string, string> = {},
  timeout = 60_000,
): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: home,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: home, NEURAL_TRADER_HOME: join(home, 'nt'), ...env },
    timeout,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `runCli` without blocking, so independent runs overlap (the machine has two cores). */
export function runCliAsync(
  args: string[],
  home: string,
  env: Record<string, string> = {},
  timeout = 60_000,
): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, NEURAL_TRADER_HOME: join(home, 'nt'), ...env },
      timeout,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Lines of stderr that start with `warning:`. */
export function warningLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
}

/** A user mistake: exit 1, exactly one `error:` line matching `pattern`, no stack trace, nothing on stdout. */
export function expectUserError(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(1);
  const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).toBe('');
}
