import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { NeuralTraderError } from '../core/errors.js';
import { describeToolError, toolErrorResult } from './errors.js';
import { renderData, toPlainJson } from './format.js';
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

function callContext(runtime: McpRuntime, extra: RequestExtra): ToolCallContext {
  const token = extra._meta?.progressToken;
  return {
    runtime,
    signal: extra.signal,
    async progress(done, total, message) {
      if (extra.signal.aborted) throw cancelledError();
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

/**
 * Register one tool spec on a server: strict input validation (unknown keys are errors, so a misspelt
 * optional argument is not silently ignored), library errors as tool errors, structuredContent plus a
 * text rendering.
 */
export function registerToolSpec(server: McpServer, spec: AnyToolSpec, runtime: McpRuntime): void {
  const log = runtime.log.child(spec.name);
  const handler = async (args: Record<string, unknown>, extra: RequestExtra): Promise<CallToolResult> => {
    const started = performance.now();
    try {
      if (extra.signal.aborted) throw cancelledError();
      const data = toPlainJson(await spec.run(args as never, callContext(runtime, extra))) as ToolData;
      const text = spec.render ? spec.render(data) : renderData(data);
      log.debug('ok', { ms: Math.round(performance.now() - started) });
      return { content: [{ type: 'text', text }], structuredContent: data };
    } catch (error) {
      const { text, expected } = describeToolError(error);
      if (expected) log.info('tool error', { error: text });
      else
        log.error('tool failed', { error: error instanceof Error ? (error.stack ?? error.message) : error });
      return toolErrorResult(text);
    }
  };
  server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: z.strictObject(spec.input),
      outputSchema: z.object(spec.output),
      annotations: { title: spec.title, ...spec.hints },
    },
    handler as never,
  );
}
