import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE } from '../src/cli/commands/index.js';
import { listStrategies } from '../src/strategies/registry.js';
import { deletePrefix } from './distributed/helpers.js';
import { BIN, ROOT } from './helpers/cli.js';

/**
 * The README as a new user follows it: every `sh` block, top to bottom, in one fresh NEURAL_TRADER_HOME, offline,
 * through the real CLI (`npx neural-trader` resolves to this checkout's bin/neural-trader.js). A command fails
 * the test when it exits non-zero, or when its output differs from a `text` block quoted right after its block.
 *
 * An HTML comment directly before a block changes how it runs (see CONTRIBUTING.md "The README test"):
 *   <!-- readme-test: skip: <reason> -->               not run (the reason is required)
 *   <!-- readme-test: needs-keys -->                    each command must stop with one error line naming a *_KEY
 *   <!-- readme-test: expect-error -->                  each command must stop with one error line (a quoted
 *                                                       text block is then compared with its stderr)
 *   <!-- readme-test: shorten "<from>" "<to>" ... -->   run with these replacements (each must apply)
 *   <!-- readme-test: serve "<text>" -->                a server: started, must print <text>, then stopped
 */
interface Directives {
  skip?: string;
  needsKeys: boolean;
  expectError: boolean;
  shorten: [string, string][];
  serve?: string;
}

interface ShellBlock {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  commands: string[];
  directives: Directives;
  /** A `text` block quoted after this one: the expected stdout of its last command. */
  expected?: string[];
}

function parseDirectives(comment: string, line: number): Directives {
  const directives: Directives = { needsKeys: false, expectError: false, shorten: [] };
  const skip = /^skip:\s*(.*)$/.exec(comment);
  if (skip) {
    if (skip[1].trim() === '') throw new Error(`README line ${line}: readme-test skip needs a reason`);
    directives.skip = skip[1].trim();
    return directives;
  }
  const tokens = [...comment.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => ({
    quoted: m[1] !== undefined,
    text: m[1] ?? m[2],
  }));
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i].text;
    if (word === 'needs-keys') directives.needsKeys = true;
    else if (word === 'expect-error') directives.expectError = true;
    else if (word === 'serve' && tokens[i + 1]?.quoted) directives.serve = tokens[++i].text;
    else if (word === 'shorten') {
      while (tokens[i + 1]?.quoted && tokens[i + 2]?.quoted) {
        directives.shorten.push([tokens[i + 1].text, tokens[i + 2].text]);
        i += 2;
      }
    } else throw new Error(`README line ${line}: unknown readme-test directive "${word}"`);
  }
  return directives;
}

/** Commands of a shell block: backslash continuations joined, blank and comment-only lines dropped. */
function splitCommands(code: string): string[] {
  const commands: string[] = [];
  let current = '';
  for (const raw of code.split('\n')) {
    const line = raw.trim();
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    current += line;
    if (current.trim() !== '' && !current.trim().startsWith('#')) commands.push(current.trim());
    current = '';
  }
  return commands;
}

function parseReadme(text: string): ShellBlock[] {
  const lines = text.split('\n');
  const blocks: ShellBlock[] = [];
  let pending: { comment: string; line: number } | undefined;
  let last: ShellBlock | undefined;
  for (let i = 0; i < lines.length; i++) {
    const comment = /^<!--\s*readme-test:\s*(.*?)\s*-->\s*$/.exec(lines[i]);
    if (comment) {
      pending = { comment: comment[1], line: i + 1 };
      continue;
    }
    const fence = /^```(\w*)\s*$/.exec(lines[i]);
    if (!fence) {
      if (lines[i].trim() !== '' && pending)
        throw new Error(`README line ${pending.line}: readme-test comment is not right before a block`);
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const lang = fence[1];
    if (lang === 'sh' || lang === 'bash' || lang === 'shell') {
      const directives = pending
        ? parseDirectives(pending.comment, pending.line)
        : { needsKeys: false, shorten: [] };
      let code = body.join('\n');
      for (const [from, to] of directives.shorten) {
        if (!code.includes(from))
          throw new Error(`README line ${start + 1}: shorten "${from}" does not occur in the block`);
        code = code.split(from).join(to);
      }
      last = { line: start + 1, commands: splitCommands(code), directives };
      blocks.push(last);
    } else if (lang === 'text' && last && last.expected === undefined) {
      last.expected = body;
    } else {
      last = undefined;
    }
    pending = undefined;
  }
  return blocks;
}

/** Quoted output against actual stdout: lines in order, `...` standing for any number of lines. */
function matchesQuote(expected: readonly string[], stdout: string): boolean {
  const actual = stdout
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.trimEnd());
  const quote = expected.map((l) => l.trimEnd());
  const segments: string[][] = [[]];
  for (const line of quote) {
    if (line === '...') segments.push([]);
    else segments[segments.length - 1].push(line);
  }
  const anchoredStart = quote[0] !== '...';
  const anchoredEnd = quote[quote.length - 1] !== '...';
  let position = 0;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s];
    if (segment.length === 0) continue;
    const fits = (at: number) => segment.every((line, k) => actual[at + k] === line);
    let at = -1;
    if (s === 0 && anchoredStart) at = fits(0) ? 0 : -1;
    else for (let k = position; k + segment.length <= actual.length && at < 0; k++) if (fits(k)) at = k;
    if (at < 0) return false;
    position = at + segment.length;
  }
  return !anchoredEnd || position === actual.length;
}

/** A scratch directory laid out like a clone (examples/) with `npx neural-trader` bound to this checkout. */
function sandbox(): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = mkdtempSync(join(tmpdir(), 'nt-readme-'));
  cpSync(join(ROOT, 'examples'), join(cwd, 'examples'), { recursive: true });
  const shims = join(cwd, '.bin');
  mkdirSync(shims);
  // Offline: only `npx neural-trader` is available; anything else npx would fetch is an error.
  writeFileSync(
    join(shims, 'npx'),
    `#!/bin/sh\nif [ "$1" = neural-trader ]; then shift; exec "${process.execPath}" "${BIN}" "$@"; fi\n` +
      'echo "readme test: only npx neural-trader is available offline" >&2\nexit 127\n',
  );
  chmodSync(join(shims, 'npx'), 0o755);
  return {
    cwd,
    env: {
      PATH: `${shims}:${process.env.PATH}`,
      HOME: cwd,
      NEURAL_TRADER_HOME: join(cwd, 'nt'),
    },
  };
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Start a server command, wait for `text` in its output, then stop its whole process group. */
async function serve(command: string, text: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child: ChildProcess = spawn('bash', ['-c', command], {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${text}" within 30 s:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(text)) {
          clearTimeout(timer);
          resolve(output);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before printing "${text}":\n${output}`));
      });
    });
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  }
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  const blocks = parseReadme(README);

  it('every shell block runs as written (or as its marker says) and prints what the README quotes', async () => {
    const { cwd, env } = sandbox();
    // Redis key prefixes of the queue demo get a suffix of this run (so parallel runs never meet) and are
    // deleted afterwards: the README test leaves nothing in the shared Redis.
    const runId = randomBytes(4).toString('hex');
    const prefixes = new Set<string>();
    const isolate = (command: string) =>
      command.replace(/prefix=([\w.-]+)/g, (_, prefix: string) => {
        prefixes.add(`${prefix}-${runId}`);
        return `prefix=${prefix}-${runId}`;
      });
    let ran = 0;
    try {
      for (const block of blocks) {
        if (block.directives.skip) continue;
        for (const [k, given] of block.commands.entries()) {
          const command = isolate(given);
          const where = `README.md:${block.line}: ${command}`;
          if (block.directives.serve) {
            const output = await serve(command, block.directives.serve, cwd, env);
            expect(output, where).toContain(block.directives.serve);
            ran++;
            continue;
          }
          const result = run(command, cwd, env);
          ran++;
          if (block.directives.expectError) {
            // A documented mistake: one line and a hint, non-zero exit, no stack trace.
            expect(result.code, `${where}\n${result.stdout}`).not.toBe(0);
            const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
            expect(errors, `${where}\n${result.stderr}`).toHaveLength(1);
            expect(result.stderr, where).not.toMatch(/\n\s+at /);
            if (block.expected && k === block.commands.length - 1) {
              expect(
                matchesQuote(block.expected, result.stderr),
                `${where}\nquoted:\n${block.expected.join('\n')}\nprinted:\n${result.stderr}`,
              ).toBe(true);
            }
            continue;
          }
          if (block.directives.needsKeys) {
            // Without keys: a clear stop, one line naming the key to set, no stack trace.
            expect(result.code, `${where}\n${result.stdout}`).not.toBe(0);
            const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
            expect(errors, `${where}\n${result.stderr}`).toHaveLength(1);
            expect(result.stderr, where).toMatch(/[A-Z]+_(API|SECRET)_KEY/);
            expect(result.stderr, where).not.toMatch(/\n\s+at /);
            continue;
          }
          expect(result.code, `${where}\nstderr:\n${result.stderr}`).toBe(0);
          if (block.expected && k === block.commands.length - 1) {
            expect(
              matchesQuote(block.expected, result.stdout),
              `${where}\nquoted:\n${block.expected.join('\n')}\nprinted:\n${result.stdout}`,
            ).toBe(true);
          }
        }
      }
    } finally {
      for (const prefix of prefixes) await deletePrefix(prefix);
    }
    expect(prefixes.size).toBeGreaterThan(0);
    expect(ran).toBeGreaterThan(40);
  }, 900_000);

  it('marks only what it must: install/test loops are skipped, everything else runs', () => {
    const skipped = blocks.filter((b) => b.directives.skip);
    for (const block of skipped)
      expect(
        block.commands.every((c) => /^npm /.test(c)),
        `README.md:${block.line}`,
      ).toBe(true);
    expect(blocks.filter((b) => !b.directives.skip).length).toBeGreaterThanOrEqual(15);
  });

  it('writes every command as `npx neural-trader`, runnable from a fresh clone', () => {
    for (const block of blocks) {
      for (const command of block.commands) {
        if (/neural-trader/.test(command))
          expect(command, `README.md:${block.line}`).toMatch(/(^|\s)npx neural-trader /);
        // Placeholders such as [--json] or <file> would break a shell.
        expect(command, `README.md:${block.line}`).not.toMatch(/\s\[--|<[a-z]+>/);
      }
    }
    // Inline commands in prose and tables too: `neural-trader backtest` without npx is not on PATH.
    const bare = [...README.matchAll(/`neural-trader [a-z]/g)].map((m) =>
      README.slice(m.index, m.index + 40),
    );
    expect(bare).toEqual([]);
  });

  it('lists every registered strategy in the strategies table', () => {
    const table = README.split('\n').filter((line) => /^\| [a-z-]+ \| \d\+? \|/.test(line));
    expect(table.map((line) => line.split('|')[1].trim())).toEqual(listStrategies().map((s) => s.name));
  });

  it('the example CSV it imports is shipped', () => {
    expect(readdirSync(join(ROOT, 'examples'))).toEqual(
      expect.arrayContaining(['prices.csv', 'portfolio.json']),
    );
  });

  it('hints in the product name the command as `npx neural-trader`, like the README', () => {
    // `neural-trader <command>` right after a quote or "with: ", for every command the CLI registers.
    const commands = COMMAND_TABLE.flatMap((entry) => Object.keys(entry.commands)).join('|');
    const bareCommand = new RegExp(`([\`'"]|: )neural-trader (${commands})\\b`);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, n) => {
              const code = line.trim();
              if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return;
              if (bareCommand.test(code)) offenders.push(`${relative(ROOT, path)}:${n + 1}: ${code}`);
            });
        }
      }
    };
    walk(join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });
});

describe('README test machinery', () => {
  it('matches quoted output with ... as any lines, anchored at both ends otherwise', () => {
    const out = 'a\nb\nc\nd\n';
    expect(matchesQuote(['a', '...', 'd'], out)).toBe(true);
    expect(matchesQuote(['a', 'b', 'c', 'd'], out)).toBe(true);
    expect(matchesQuote(['...', 'c', '...'], out)).toBe(true);
    expect(matchesQuote(['a', 'c'], out)).toBe(false);
    expect(matchesQuote(['b', '...'], out)).toBe(false);
    expect(matchesQuote(['...', 'c'], out)).toBe(false);
  });

  it('reads directives and refuses a skip without a reason or a shorten that no longer applies', () => {
    const blocks = parseReadme(
      '<!-- readme-test: shorten "--epochs 30" "--epochs 1" -->\n```sh\nnpx neural-trader neural train \\\n  --epochs 30\n```\n```text\nok\n```\n',
    );
    expect(blocks[0].commands).toEqual(['npx neural-trader neural train --epochs 1']);
    expect(blocks[0].expected).toEqual(['ok']);
    expect(() => parseReadme('<!-- readme-test: skip: -->\n```sh\nnpm test\n```\n')).toThrow(
      /needs a reason/,
    );
    expect(() => parseReadme('<!-- readme-test: shorten "--x" "--y" -->\n```sh\nnpm test\n```\n')).toThrow(
      /does not occur/,
    );
  });
});
