import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callOk,
  connectHttp,
  type HttpServerProcess,
  makeSandbox,
  type Sandbox,
  spawnHttpServer,
  TOKEN,
} from './helpers.js';

/**
 * A cancelled, disconnected or timed-out heavy call must stop burning CPU (neural_train once kept a core
 * busy for 112 s after cancel) and leave the server serving. "Stopped" is read from the server's CPU
 * time in /proc: the test waits (up to a generous bound) for a window in which the process is idle.
 */
const CLK_TCK_MS = 10;
/**
 * A bound for tests that start training, wait for the idle window (itself bounded at 20 s) and train again:
 * on a loaded two-core machine they take longer than the suite's 20 s default, which is no failure.
 */
const HEAVY_TEST_MS = 90_000;

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLK_TCK_MS;
}

/** Resolves once the process used under 15% of one core over a 500 ms window; rejects after 20 s. */
async function waitForIdle(pid: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let before = cpuMs(pid);
  let since = performance.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const used = cpuMs(pid) - before;
    const elapsed = performance.now() - since;
    if (used / elapsed < 0.15) return;
    before = cpuMs(pid);
    since = performance.now();
  }
  throw new Error('the server kept using CPU for 20 s after the call ended');
}

/** Start a long training call and resolve once its first epoch has reported progress. */
function startTraining(client: Client, signal?: AbortSignal) {
  let started: () => void = () => {};
  const firstEpoch = new Promise<void>((resolve) => {
    started = resolve;
  });
  const call = client
    .callTool({ name: 'neural_train', arguments: { symbol: 'SPX', epochs: 300, patience: 0 } }, undefined, {
      signal,
      timeout: 120_000,
      onprogress: () => started(),
    })
    .then(
      (result) => ({
        result: result as { isError?: boolean; content: { text: string }[] },
        error: undefined,
      }),
      (error: Error) => ({ result: undefined, error }),
    );
  return { call, firstEpoch };
}

describe.skipIf(!existsSync('/proc/self/stat'))('stopping heavy calls', () => {
  let sandbox: Sandbox;
  let server: HttpServerProcess;
  let client: Client;

  beforeAll(async () => {
    sandbox = makeSandbox();
    server = await spawnHttpServer(sandbox, [], {
      NEURAL_TRADER_MCP_TOKEN: TOKEN,
      // Short enough for a test; evaluation is the tool this file times out.
      NEURAL_TRADER_MCP_TIME_LIMITS: 'optimize_strategy=1.5',
      LOG_LEVEL: 'info',
    });
    client = await connectHttp(server.url, TOKEN);
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    sandbox?.cleanup();
  });

  it('states each tool’s time limit (configured or default) in its description', async () => {
    const { tools } = await client.listTools();
    const description = (name: string) => tools.find((tool) => tool.name === name)?.description ?? '';
    expect(description('optimize_strategy')).toMatch(
      /Limits: at most 20,000 grid combinations, .*runs in a worker thread, stops after 1\.5 s \(NEURAL_TRADER_MCP_TIME_LIMITS\)\.$/,
    );
    expect(description('neural_train')).toMatch(/stops after 600 s/);
    expect(description('ping')).toMatch(/Limits: stops after 30 s/);
  });

  it(
    'neural_train cancelled by the client stops using CPU, and the server keeps serving',
    async () => {
      const controller = new AbortController();
      const { call, firstEpoch } = startTraining(client, controller.signal);
      await firstEpoch;
      controller.abort();
      const outcome = await call;
      expect(outcome.error?.message).toMatch(/AbortError|aborted/);
      await waitForIdle(server.child.pid as number);
      expect((await callOk(client, 'ping')).status).toBe('ok');
      const trained = await callOk(client, 'neural_train', { symbol: 'AAPL', epochs: 2 });
      expect((trained.training as { epochs_run: number }).epochs_run).toBe(2);
    },
    HEAVY_TEST_MS,
  );

  it(
    'a client that disconnects mid-call cancels it',
    async () => {
      const cancels = () =>
        server.stderr().match(/\[mcp:neural_train\] tool error .*cancelled by the client/g)?.length ?? 0;
      const before = cancels();
      const { call, firstEpoch } = startTraining(client);
      await firstEpoch;
      // Hang up every connection of this client: the POST carrying the call goes with it.
      await client.close();
      await call;
      await waitForIdle(server.child.pid as number);
      client = await connectHttp(server.url, TOKEN);
      expect((await callOk(client, 'ping')).status).toBe('ok');
      expect(cancels()).toBe(before + 1);
    },
    HEAVY_TEST_MS,
  );

  it(
    'a call past its time limit is an isError result and its work stops',
    async () => {
      const result = (await client.callTool(
        {
          name: 'optimize_strategy',
          arguments: {
            strategy: 'sma-crossover',
            symbols: ['SYN'],
            provider: 'synthetic',
            start_date: '2000-01-01',
            end_date: '2019-12-31',
            param_space: { fast: { min: 2, max: 60, step: 1 }, slow: { min: 61, max: 260, step: 1 } },
          },
        },
        undefined,
        { timeout: 60_000 },
      )) as { isError?: boolean; content: { text: string }[] };
      expect(result.isError).toBe(true);
      expect(result.content[0].text).toMatch(
        /^optimize_strategy stopped at its time limit of 1\.5 s\nhint: ask for less/,
      );
      await waitForIdle(server.child.pid as number);
      expect((await callOk(client, 'ping')).status).toBe('ok');
    },
    HEAVY_TEST_MS,
  );
});
