import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { setLogLevel, setLogSink } from '../../src/core/log.js';
import { buildMcpServer, createMcpRuntime } from '../../src/mcp/server.js';
import { FakeAlpacaTrading } from '../fakes/alpaca-trading.js';
import { BIN, type CliResult, scratchDir } from '../helpers/cli.js';

/**
 * Planted credentials and a fake Alpaca whose every error body echoes them back. None of them may
 * appear anywhere: stdout, stderr, `order list --json`, MCP results, log lines at trace level, or any
 * byte of any file the journal wrote.
 */

const KEY = 'PKPLANTEDKEY0123456789';
const SECRET = 'plantedSECRETvalue9876543210zyxw';
const WRONG_KEY = 'PKWRONGKEYplanted55555';
const WRONG_SECRET = 'wrongSECRETplanted44444abcd';
const PLANTED = [KEY, SECRET, WRONG_KEY, WRONG_SECRET];

let fake: FakeAlpacaTrading;
let cwd: string;
beforeAll(async () => {
  fake = await new FakeAlpacaTrading({ keyId: KEY, secretKey: SECRET, echoCredentials: true }).start();
  cwd = scratchDir('nt-secrets-exec-');
});
afterAll(async () => {
  await fake.stop();
  const { rmSync } = await import('node:fs');
  rmSync(cwd, { recursive: true, force: true });
});

/** The CLI, spawned asynchronously: the fake broker lives in this process and must keep answering. */
function runCli(args: string[], dir: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, NEURAL_TRADER_HOME: join(dir, 'nt'), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function occurrences(text: string): number {
  return PLANTED.reduce((count, secret) => count + text.split(secret).length - 1, 0);
}

/** Every byte of every file under a directory, as text. */
function allFiles(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    text += statSync(path).isDirectory() ? allFiles(path) : readFileSync(path).toString('latin1');
  }
  return text;
}

describe('broker responses are redacted before they are printed, returned or stored', () => {
  it('the echoing broker really does echo (the test would see a leak)', async () => {
    const response = await fetch(`${fake.baseUrl}/v2/orders/nope`, {
      headers: { 'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': SECRET },
    });
    expect(occurrences(await response.text())).toBeGreaterThanOrEqual(4);
  });

  it('CLI at trace level: rejections, auth failures, refused cancels, listings: 0 occurrences anywhere', async () => {
    const env = {
      ALPACA_API_KEY: KEY,
      ALPACA_SECRET_KEY: SECRET,
      ALPACA_BASE_URL: fake.baseUrl,
      LOG_LEVEL: 'trace',
    };
    const outputs: string[] = [];
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await runCli(args, cwd, { ...env, ...extra });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    // Rejected by the broker (insufficient buying power), body echoing the keys.
    const rejected = await run([
      'order',
      'submit',
      '--broker',
      'alpaca',
      '--symbol',
      'MSFT',
      '--side',
      'buy',
      '--quantity',
      '100000',
      '--json',
    ]);
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stdout).order.reason).toMatch(/insufficient buying power/);
    // Refused credentials, echoed back.
    const unauthorised = await run(
      ['order', 'submit', '--broker', 'alpaca', '--symbol', 'MSFT', '--side', 'buy', '--quantity', '1'],
      {
        ALPACA_API_KEY: WRONG_KEY,
        ALPACA_SECRET_KEY: WRONG_SECRET,
      },
    );
    expect(unauthorised.code).toBe(1);
    expect(unauthorised.stderr).toMatch(/not authorized/);
    // A filled order, then a cancel the broker refuses (422, echoed).
    const filled = await run([
      'order',
      'submit',
      '--broker',
      'alpaca',
      '--symbol',
      'MSFT',
      '--side',
      'buy',
      '--quantity',
      '2',
      '--json',
    ]);
    expect(filled.code, filled.stderr).toBe(0);
    const id = JSON.parse(filled.stdout).order.id;
    const cancel = await run(['order', 'cancel', id, '--account', 'alpaca']);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/refused to cancel|already filled|only open orders/);
    const list = await run(['order', 'list', '--account', 'alpaca', '--status', 'all', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(
      JSON.parse(list.stdout)
        .map((o: { status: string }) => o.status)
        .sort(),
    ).toEqual(['filled', 'rejected']);
    expect((await run(['portfolio', 'show', '--account', 'alpaca'])).code).toBe(0);
    expect((await run(['account', 'list', '--json'])).code).toBe(0);
    const joined = outputs.join('\n');
    // Trace logging was on (the test would see lines logged by the broker client).
    expect(joined).toMatch(/TRACE/);
    expect(occurrences(joined)).toBe(0);
    // Not one byte of the journal (every row, the WAL, the lease) holds a planted value.
    expect(occurrences(allFiles(join(cwd, 'nt')))).toBe(0);
  });

  it('MCP results and trace logs of a live desk on the echoing broker: 0 occurrences', async () => {
    const lines: string[] = [];
    const previousSink = setLogSink((line) => lines.push(line));
    setLogLevel('trace');
    const home = join(cwd, 'mcp');
    const base = loadConfig({
      env: {
        NEURAL_TRADER_HOME: home,
        ALPACA_API_KEY: KEY,
        ALPACA_SECRET_KEY: SECRET,
        ALPACA_BASE_URL: fake.baseUrl,
        NEURAL_TRADER_LIVE_TRADING: 'true',
        LOG_LEVEL: 'trace',
      },
      envFile: false,
    });
    // The fake stands in for the live API (its host is 127.0.0.1, which the gate never calls live).
    const config = { ...base, alpaca: { ...base.alpaca, isLiveEndpoint: true } };
    const runtime = createMcpRuntime({ config, toolsets: 'trading,portfolio' });
    const server = buildMcpServer(runtime);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'secrets-test', version: '1.0.0' });
    await server.connect(serverSide);
    await client.connect(clientSide);
    const results: string[] = [];
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      results.push(JSON.stringify(result));
      return result as { isError?: boolean; structuredContent?: Record<string, unknown> };
    };
    try {
      const rejected = await call('execute_trade', {
        symbol: 'MSFT',
        side: 'buy',
        quantity: 100_000,
        client_order_id: 'mcp-echo-1',
        confirm: true,
      });
      expect(rejected.isError).toBe(true);
      const ok = await call('execute_trade', {
        symbol: 'MSFT',
        side: 'buy',
        quantity: 1,
        client_order_id: 'mcp-ok-1',
        confirm: true,
      });
      expect(ok.isError, JSON.stringify(ok)).toBeFalsy();
      const cancel = await call('cancel_order', { order_id: 'mcp-ok-1' });
      expect(cancel.isError).toBe(true);
      const orders = await call('get_orders', { status: 'all' });
      expect(orders.isError).toBeFalsy();
      expect(JSON.stringify(orders.structuredContent)).toMatch(/insufficient buying power/);
      await call('get_portfolio_status', {});
    } finally {
      await client.close();
      await runtime.close();
      setLogSink(previousSink);
      setLogLevel('warn');
    }
    expect(lines.some((line) => line.includes('TRACE'))).toBe(true);
    expect(occurrences(results.join('\n'))).toBe(0);
    expect(occurrences(lines.join('\n'))).toBe(0);
    expect(occurrences(allFiles(home))).toBe(0);
  });
});
