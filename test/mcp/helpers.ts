import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * The MCP integration tests drive the real CLI (`node bin/neural-trader.js mcp start`) with the SDK's
 * own Client, in a temp cwd (no developer .env is read) and a temp NEURAL_TRADER_HOME.
 */
export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/neural-trader.js');
export const TOKEN = 'test-token-0123456789abcdef0123456789';

export interface Sandbox {
  home: string;
  cwd: string;
  cleanup(): void;
}

export function makeSandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'nt-mcp-'));
  const home = join(base, 'home');
  return { home, cwd: base, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** A minimal environment: nothing from the developer's shell that could switch on live trading. */
export function baseEnv(sandbox: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: sandbox.cwd,
    NEURAL_TRADER_HOME: sandbox.home,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export interface StdioSession {
  client: Client;
  stderr(): string;
  /** Protocol errors seen by the client, e.g. a non-JSON line on the server's stdout. */
  protocolErrors(): string[];
  close(): Promise<void>;
}

export async function connectStdio(
  sandbox: Sandbox,
  extraEnv: Record<string, string> = {},
): Promise<StdioSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', 'start'],
    cwd: sandbox.cwd,
    env: baseEnv(sandbox, extraEnv),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'neural-trader-tests', version: '1.0.0' });
  const errors: string[] = [];
  client.onerror = (error) => errors.push(error.message);
  await client.connect(transport);
  return { client, stderr: () => stderr, protocolErrors: () => errors, close: () => client.close() };
}

/** A suite's MCP server over stdio and the sandbox (home, cwd) it runs in. */
export interface StdioSuite {
  readonly session: StdioSession;
  readonly sandbox: Sandbox;
}

/**
 * A stdio session shared by the tests of one describe block: started before them, closed (with its
 * sandbox) after them. Its fields are getters, since the session exists only once `beforeAll` has run.
 */
export function stdioSuite(extraEnv: Record<string, string> = {}): StdioSuite {
  let sandbox: Sandbox | undefined;
  let session: StdioSession | undefined;
  beforeAll(async () => {
    sandbox = makeSandbox();
    session = await connectStdio(sandbox, extraEnv);
  });
  afterAll(async () => {
    await session?.close();
    sandbox?.cleanup();
  });
  return {
    get session() {
      if (!session) throw new Error('the MCP session was not started (beforeAll failed)');
      return session;
    },
    get sandbox() {
      if (!sandbox) throw new Error('the MCP sandbox was not made (beforeAll failed)');
      return sandbox;
    },
  };
}

/** stdioSuite's session alone, as an accessor. */
export function stdioSessionForSuite(extraEnv: Record<string, string> = {}): () => StdioSession {
  const suite = stdioSuite(extraEnv);
  return () => suite.session;
}

export interface HttpServerProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Spawn `mcp start --transport http --port 0 ...` and wait for its "listening on" line. */
export async function spawnHttpServer(
  sandbox: Sandbox,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<HttpServerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'mcp', 'start', '--transport', 'http', '--port', '0', ...args],
    {
      cwd: sandbox.cwd,
      env: baseEnv(sandbox, extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stderr}`));
    });
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      }),
  };
}

export async function connectHttp(url: string, token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : undefined,
  });
  const client = new Client({ name: 'neural-trader-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Run the CLI to completion (for commands that should fail fast). */
/**
 * The CLI run to completion on the test's thread (for long runs such as training, where the test has
 * nothing to do meanwhile), in the sandbox, with a generous time limit.
 */
export function runCliSync(
  sandbox: Sandbox,
  args: string[],
  timeoutMs = 120_000,
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: sandbox.cwd,
    encoding: 'utf8',
    env: baseEnv(sandbox),
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function runCli(
  sandbox: Sandbox,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: sandbox.cwd,
      env: baseEnv(sandbox, extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

interface ToolResultLike {
  isError?: boolean;
  content?: unknown;
  structuredContent?: Record<string, unknown>;
}

function textOf(result: ToolResultLike): string {
  const content = (result.content ?? []) as { type: string; text?: string }[];
  return content.map((c) => c.text ?? '').join('\n');
}

/** Call a tool that must succeed; returns its structuredContent. */
export async function callOk(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResultLike;
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  expect(result.structuredContent).toBeDefined();
  expect(textOf(result).length).toBeGreaterThan(0);
  return result.structuredContent as Record<string, unknown>;
}

/** Call a tool that must fail with a tool error; returns the error text. */
export async function callError(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as ToolResultLike;
  expect(result.isError, `${name} should fail; got ${JSON.stringify(result.structuredContent)}`).toBe(true);
  return textOf(result);
}
