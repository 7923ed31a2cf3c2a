import { parentPort, workerData } from 'node:worker_threads';
import { setConfig } from '../core/config.js';
import { NeuralTraderError } from '../core/errors.js';
import { createLogger, setLogLevel } from '../core/log.js';
import { registerSecret } from '../core/redact.js';
import { describeToolError } from './errors.js';
import { toPlainJson } from './format.js';
import type { JobMessage, WorkerMessage } from './pool.js';
import type { WorkerInit } from './runtime.js';
import { mcpSettings } from './settings.js';
import type { AnyToolSpec, McpRuntime, ToolCallContext } from './tool.js';
import { ALL_TOOLS } from './tools/index.js';

/**
 * The body of a worker thread of the MCP job pool (pool.ts; worker.ts starts it at low priority). It
 * runs one heavy tool call at a time with the same tool code the event loop would run, and answers with
 * plain JSON. Libraries are imported on first use and stay loaded for the worker's life (tfjs, the
 * backtest engine), so later calls start warm.
 */
const port = parentPort;
if (!port) throw new Error('src/mcp/worker-jobs.ts runs only in a worker thread');
const init = workerData as WorkerInit;

// The same configuration (and the same secrets to redact) as the server that started this worker.
setConfig(init.config);
setLogLevel(init.config.logLevel);
for (const secret of [
  init.config.alpaca.apiKey,
  init.config.alpaca.secretKey,
  init.config.polygon.apiKey,
  init.config.oddsApi.apiKey,
  init.config.mcp.token,
]) {
  if (secret?.trim()) registerSecret(secret);
}

const runtime: McpRuntime = {
  config: init.config,
  startedAt: Date.now(),
  transport: init.transport,
  toolsets: new Set(init.toolsets),
  toolNames: init.toolNames,
  settings: mcpSettings(init.config),
  log: createLogger('mcp:worker'),
  service() {
    // Process-wide services (the trading journal) live on the event loop; a worker tool gets what it
    // needs from them through prepare().
    throw new Error('services are not available inside a worker; resolve them in prepare()');
  },
  jobs() {
    return Promise.reject(new Error('a worker cannot start jobs of its own'));
  },
  async close() {},
};

const tools = new Map<string, AnyToolSpec>(
  ALL_TOOLS.filter((tool) => tool.worker).map((tool) => [tool.name, tool]),
);
const running = new Map<number, AbortController>();

function post(message: WorkerMessage): void {
  port?.postMessage(message);
}

function cancelled(): NeuralTraderError {
  return new NeuralTraderError('CANCELLED', 'the request was cancelled');
}

async function run(message: Extract<JobMessage, { type: 'run' }>): Promise<void> {
  const controller = new AbortController();
  running.set(message.id, controller);
  try {
    const spec = tools.get(message.tool);
    if (!spec) throw new Error(`no worker tool named ${message.tool}`);
    const context: ToolCallContext = {
      runtime,
      signal: controller.signal,
      prepared: message.prepared,
      async progress(done, total, text) {
        if (controller.signal.aborted) throw cancelled();
        post({ type: 'progress', id: message.id, done, total, message: text });
      },
    };
    const data = toPlainJson(await spec.run(message.args as never, context));
    post({ type: 'result', id: message.id, data });
  } catch (error) {
    const { text, expected } = describeToolError(error);
    post({
      type: 'failure',
      id: message.id,
      text,
      expected,
      stack: expected || !(error instanceof Error) ? undefined : error.stack,
    });
  } finally {
    running.delete(message.id);
  }
}

port.on('message', (message: JobMessage) => {
  if (message.type === 'cancel') running.get(message.id)?.abort(cancelled());
  else void run(message);
});

// Warm up: the libraries most calls need, loaded once before the first job arrives.
await Promise.all([
  import('../data/index.js'),
  import('../backtest/index.js'),
  import('../strategies/index.js'),
]);
post({ type: 'ready' });
