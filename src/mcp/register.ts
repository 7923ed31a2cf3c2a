import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { NeuralTraderError } from '../core/errors.js';
import { describeToolError, JobFailedError, toolErrorResult } from './errors.js';
import { renderData, toPlainJson } from './format.js';
import { DEFAULT_TIME_LIMIT_SECONDS, timeLimitSeconds } from './limits.js';
import type { AnyToolSpec, McpRuntime, ToolCallContext, ToolData } from './tool.js';

/** The parts of the SDK's per-request `extra` that tools use. */
interface RequestExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; total?: number; message?: string };
  }) => Promise<void>;
}

function cancelledError(): NeuralTraderError {
  return new NeuralTraderError('CANCELLED', 'the request was cancelled by the client');
}

function callContext(runtime: McpRuntime, extra: RequestExtra, signal: AbortSignal): ToolCallContext {
  const token = extra._meta?.progressToken;
  return {
    runtime,
    signal,
    async progress(done, total, message) {
      if (signal.aborted) throw cancelledError();
      if (token === undefined) return;
      await extra.sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress: done,
          ...(total === undefined ? {} : { total }),
          ...(message === undefined ? {} : { message }),
        },
      });
    },
  };
}

/** The time limit a tool runs under on this server (configuration, else the tool's own default). */
export function toolTimeLimitSeconds(spec: AnyToolSpec, runtime: McpRuntime): number {
  const fallback =
    spec.timeLimitSeconds ??
    (spec.worker ? DEFAULT_TIME_LIMIT_SECONDS.worker : DEFAULT_TIME_LIMIT_SECONDS.main);
  return timeLimitSeconds(runtime.settings.timeLimits, spec.name, fallback);
}

/**
 * One signal for everything that ends a call early: the client's cancel (or disconnect, which the HTTP
 * transport turns into a cancel) and the tool's time limit. Its reason is the error the caller sees.
 */
function callControl(spec: AnyToolSpec, client: AbortSignal, seconds: number) {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(cancelledError());
  if (client.aborted) onClientAbort();
  else client.addEventListener('abort', onClientAbort, { once: true });
  const mayHaveActed = !spec.hints.readOnlyHint && !spec.worker;
  const timer = setTimeout(() => {
    controller.abort(
      new NeuralTraderError('TIMEOUT', `${spec.name} stopped at its time limit of ${seconds} s`, {
        hint: mayHaveActed
          ? 'the action may still complete: check its state (e.g. get_orders) before retrying'
          : 'ask for less (a shorter date range, fewer combinations or epochs), or the operator can raise ' +
            `it with NEURAL_TRADER_MCP_TIME_LIMITS=${spec.name}=<seconds>`,
      }),
    );
  }, seconds * 1000);
  timer.unref();
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      client.removeEventListener('abort', onClientAbort);
    },
  };
}

/** Settle with the work, or reject with the signal's reason as soon as it aborts (the work is abandoned). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Calls in progress per runtime (all sessions), to refuse a flood instead of queueing it in memory. */
const inFlight = new WeakMap<McpRuntime, { count: number }>();

function admit(runtime: McpRuntime): () => void {
  let counter = inFlight.get(runtime);
  if (!counter) {
    counter = { count: 0 };
    inFlight.set(runtime, counter);
  }
  if (counter.count >= runtime.settings.maxInFlight) {
    throw new NeuralTraderError('RATE_LIMIT', `server busy: ${counter.count} tool calls are in progress`, {
      hint: 'retry in a few seconds',
    });
  }
  counter.count++;
  const held = counter;
  return () => {
    held.count--;
  };
}

/** Run a heavy tool in the worker pool; its progress is relayed and awaited before the result. */
async function runInWorker(
  spec: AnyToolSpec,
  args: Record<string, unknown>,
  context: ToolCallContext,
  runtime: McpRuntime,
): Promise<ToolData> {
  const prepared = spec.prepare
    ? await untilAborted(spec.prepare(args as never, context), context.signal)
    : undefined;
  const notifications: Promise<void>[] = [];
  const data = await (await runtime.jobs()).run(
    { tool: spec.name, args, prepared },
    {
      signal: context.signal,
      long: spec.worker?.long,
      maxConcurrent: spec.worker?.maxConcurrent,
      onProgress: (done, total, message) => {
        // Progress is best-effort: a notification that fails must not fail the call.
        notifications.push(context.progress(done, total, message).catch(() => {}));
      },
    },
  );
  await Promise.all(notifications);
  return data as ToolData;
}

/** The description a client sees: the tool's own, then its size and time limits. */
function describeWithLimits(spec: AnyToolSpec, seconds: number): string {
  const size = spec.sizeLimit ? `${spec.sizeLimit}; ` : '';
  const where = spec.worker ? 'runs in a worker thread, ' : '';
  return `${spec.description} Limits: ${size}${where}stops after ${seconds} s (NEURAL_TRADER_MCP_TIME_LIMITS).`;
}

/**
 * Register one tool spec on a server: strict input validation (unknown keys are errors, so a misspelt
 * optional argument is not silently ignored), a size check before any work, heavy tools in the worker
 * pool, a time limit, library errors as tool errors, structuredContent plus a text rendering.
 */
export function registerToolSpec(server: McpServer, spec: AnyToolSpec, runtime: McpRuntime): void {
  const log = runtime.log.child(spec.name);
  const seconds = toolTimeLimitSeconds(spec, runtime);
  const handler = async (args: Record<string, unknown>, extra: RequestExtra): Promise<CallToolResult> => {
    const started = performance.now();
    let release: (() => void) | undefined;
    const control = callControl(spec, extra.signal, seconds);
    try {
      if (control.signal.aborted) throw control.signal.reason;
      release = admit(runtime);
      spec.checkSize?.(args as never);
      const context = callContext(runtime, extra, control.signal);
      const data = spec.worker
        ? await runInWorker(spec, args, context, runtime)
        : (toPlainJson(await untilAborted(spec.run(args as never, context), control.signal)) as ToolData);
      const text = spec.render ? spec.render(data) : renderData(data);
      log.debug('ok', { ms: Math.round(performance.now() - started) });
      return { content: [{ type: 'text', text }], structuredContent: data };
    } catch (error) {
      const { text, expected } =
        error instanceof JobFailedError
          ? { text: error.text, expected: error.expected }
          : describeToolError(error);
      if (expected) log.info('tool error', { error: text });
      else {
        const stack = error instanceof JobFailedError ? error.workerStack : (error as Error)?.stack;
        log.error('tool failed', { error: stack ?? text });
      }
      return toolErrorResult(text);
    } finally {
      control.dispose();
      release?.();
    }
  };
  server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: describeWithLimits(spec, seconds),
      inputSchema: z.strictObject(spec.input),
      outputSchema: z.object(spec.output),
      annotations: { title: spec.title, ...spec.hints },
    },
    handler as never,
  );
}
