import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { listMcpTools } from '../../src/mcp/index.js';
import { BIN, baseEnv, callError, callOk, stdioSuite } from './helpers.js';

describe('mcp start (stdio): protocol, system tools, prompts', () => {
  const mcp = stdioSuite();

  it('lists every registered tool with schemas and truthful annotations', async () => {
    const { tools } = await mcp.session.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(listMcpTools().map((t) => t.name));
    expect(names).toContain('ping');
    expect(names).toContain('get_system_metrics');
    for (const tool of tools) {
      expect(tool.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(tool.description?.length).toBeGreaterThan(10);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      const a = tool.annotations;
      expect(a).toBeDefined();
      expect(typeof a?.readOnlyHint).toBe('boolean');
      expect(typeof a?.destructiveHint).toBe('boolean');
      expect(typeof a?.idempotentHint).toBe('boolean');
      expect(typeof a?.openWorldHint).toBe('boolean');
      // A read-only tool cannot also be destructive.
      if (a?.readOnlyHint) expect(a.destructiveHint).toBe(false);
    }
  });

  it('ping answers with the server version', async () => {
    const data = await callOk(mcp.session.client, 'ping');
    expect(data.status).toBe('ok');
    expect(data.server).toBe('neural-trader');
    expect(data.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('get_system_metrics reports paper mode, toolsets and versions', async () => {
    const data = await callOk(mcp.session.client, 'get_system_metrics');
    expect(data.trading_mode).toBe('paper');
    expect(data.live_trading_enabled).toBe(false);
    expect(data.transport).toBe('stdio');
    expect(data.home).toBe(mcp.sandbox.home);
    const versions = data.versions as Record<string, string | null>;
    expect(versions['@modelcontextprotocol/sdk']).toMatch(/^1\./);
    expect(versions.node).toBe(process.versions.node);
    const toolsets = data.toolsets as { name: string; enabled: boolean }[];
    expect(toolsets.every((t) => t.enabled)).toBe(true);
    expect(data.tools).toEqual(listMcpTools().map((t) => t.name));
    expect((data.memory_mb as { rss: number }).rss).toBeGreaterThan(10);
  });

  it('rejects unknown arguments, naming the key, and keeps serving', async () => {
    const text = await callError(mcp.session.client, 'ping', { verbose: true });
    expect(text).toMatch(/verbose/);
    const data = await callOk(mcp.session.client, 'ping');
    expect(data.status).toBe('ok');
  });

  it('an unknown tool is an error, not a crash', async () => {
    const result = await mcp.session.client.callTool({ name: 'no_such_tool', arguments: {} });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/no_such_tool/);
  });

  it('offers the analyze_symbol and daily_risk_review prompts', async () => {
    const { prompts } = await mcp.session.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(
      expect.arrayContaining(['analyze_symbol', 'daily_risk_review']),
    );
    const prompt = await mcp.session.client.getPrompt({
      name: 'analyze_symbol',
      arguments: { symbol: 'AAPL' },
    });
    const text = (prompt.messages[0].content as { text: string }).text;
    expect(text).toContain('AAPL');
    // Only tools this server exposes are mentioned.
    const toolNames = listMcpTools().map((t) => t.name);
    for (const mentioned of text.match(/\b[a-z]+_[a-z_]+\b/g) ?? []) expect(toolNames).toContain(mentioned);
    const review = await mcp.session.client.getPrompt({ name: 'daily_risk_review', arguments: {} });
    expect((review.messages[0].content as { text: string }).text).toMatch(/risk review/);
  });

  it('answers requests piped in before stdin closes, then exits cleanly', async () => {
    const lines = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'pipe', version: '1' },
        },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_orders', arguments: {} } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ping', arguments: {} } },
    ];
    const child = spawn(process.execPath, [BIN, 'mcp', 'start'], {
      cwd: mcp.sandbox.cwd,
      env: baseEnv(mcp.sandbox),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin.end(`${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const responses = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; result: unknown });
    expect(responses.map((r) => r.id).sort()).toEqual([1, 2, 3]);
  });
});
