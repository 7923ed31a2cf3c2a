import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { redact } from '../core/redact.js';
import { boundText, toolErrorResult } from './errors.js';

/**
 * Checks on raw JSON-RPC messages, before the SDK parses them and after it answers. They sit on the
 * transport because some problems are invisible later: the SDK copies `arguments` into a fresh object,
 * where a `__proto__` key becomes the object's prototype instead of a key, so a schema never sees it.
 */

/** Keys that name parts of JavaScript's object model, never a real parameter. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Nodes looked at before giving up on a pathological message (the SDK refuses it on size anyway). */
const MAX_NODES_SCANNED = 200_000;

/** The dotted path of the first unsafe key in `value`, or undefined. Iterative: deep nesting cannot overflow. */
export function findUnsafeKey(value: unknown, root = 'arguments'): string | undefined {
  const stack: [unknown, string][] = [[value, root]];
  let scanned = 0;
  while (stack.length > 0 && scanned < MAX_NODES_SCANNED) {
    const [node, path] = stack.pop() as [unknown, string];
    scanned++;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push([node[i], `${path}[${i}]`]);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (UNSAFE_KEYS.has(key)) return `${path}.${key}`;
      stack.push([(node as Record<string, unknown>)[key], `${path}.${key}`]);
    }
  }
  return undefined;
}

type Request = Extract<JSONRPCMessage, { method: string; id: string | number }>;

function isRequest(message: JSONRPCMessage): message is Request {
  return 'method' in message && 'id' in message && message.id !== undefined;
}

/** The answer to a request carrying an unsafe key, or undefined when it is fine. */
export function refuseUnsafeRequest(message: JSONRPCMessage): JSONRPCMessage | undefined {
  if (!isRequest(message) || message.params === undefined) return undefined;
  const params = message.params as Record<string, unknown>;
  const isToolCall = message.method === 'tools/call';
  const path = isToolCall ? findUnsafeKey(params.arguments) : findUnsafeKey(params, 'params');
  if (path === undefined) return undefined;
  const key = path.slice(path.lastIndexOf('.') + 1);
  const text = `${path}: "${key}" is not a parameter name any tool accepts (it names part of JavaScript's object model)`;
  if (isToolCall) return { jsonrpc: '2.0', id: message.id, result: toolErrorResult(text) };
  return { jsonrpc: '2.0', id: message.id, error: { code: -32602, message: text } };
}

/** Outgoing errors (ours and the SDK's own validation messages, which quote input) redacted and bounded. */
export function boundOutgoing(message: JSONRPCMessage): JSONRPCMessage {
  if ('error' in message && message.error && typeof message.error.message === 'string') {
    return { ...message, error: { ...message.error, message: boundText(redact(message.error.message)) } };
  }
  if (!('result' in message)) return message;
  const result = message.result as { isError?: boolean; content?: { type: string; text?: string }[] };
  if (result.isError !== true || !Array.isArray(result.content)) return message;
  return {
    ...message,
    result: {
      ...result,
      content: result.content.map((part) =>
        part.type === 'text' && typeof part.text === 'string'
          ? { ...part, text: boundText(redact(part.text)) }
          : part,
      ),
    },
  } as JSONRPCMessage;
}

/** Install both checks on a connected transport (call after server.connect). */
export function guardTransport(transport: Transport): void {
  const receive = transport.onmessage;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(boundOutgoing(message), options);
  transport.onmessage = (message, extra) => {
    const refusal = refuseUnsafeRequest(message);
    if (refusal) {
      void transport.send(refusal, { relatedRequestId: (message as Request).id }).catch(() => {});
      return;
    }
    receive?.(message, extra);
  };
}
