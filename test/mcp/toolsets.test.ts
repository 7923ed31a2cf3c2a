import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMcpTools, MCP_TOOLSETS, parseMcpToolsets } from '../../src/mcp/index.js';
import { callOk, connectStdio, makeSandbox, runCli, type Sandbox, type StdioSession } from './helpers.js';

describe('parseMcpToolsets', () => {
  it('means everything when empty or "all"', () => {
    expect([...parseMcpToolsets(undefined)]).toEqual([...MCP_TOOLSETS]);
    expect([...parseMcpToolsets('')]).toEqual([...MCP_TOOLSETS]);
    expect([...parseMcpToolsets('all')]).toEqual([...MCP_TOOLSETS]);
  });

  it('always keeps system and accepts spaces and case', () => {
    expect([...parseMcpToolsets(' Data , risk ')].sort()).toEqual(['data', 'risk', 'system']);
  });

  it('refuses an unknown toolset, listing the valid ones', () => {
    expect(() => parseMcpToolsets('data,tradeing')).toThrow(/unknown toolset "tradeing"/);
    try {
      parseMcpToolsets('x');
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain('data, strategies, backtest, trading');
    }
  });

  it('listMcpTools filters by toolset', () => {
    const all = listMcpTools();
    const systemOnly = listMcpTools('system');
    expect(systemOnly.map((t) => t.name)).toEqual(
      all.filter((t) => t.toolset === 'system').map((t) => t.name),
    );
    for (const set of MCP_TOOLSETS) {
      for (const tool of listMcpTools(set)) expect(['system', set]).toContain(tool.toolset);
    }
  });
});

describe('NEURAL_TRADER_TOOLSETS limits the exposed tools', () => {
  let sandbox: Sandbox;
  let session: StdioSession;
  const selection = 'data,risk';

  beforeAll(async () => {
    sandbox = makeSandbox();
    session = await connectStdio(sandbox, { NEURAL_TRADER_TOOLSETS: selection });
  });

  afterAll(async () => {
    await session?.close();
    sandbox?.cleanup();
  });

  it('lists only the selected toolsets (plus system)', async () => {
    const { tools } = await session.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(listMcpTools(selection).map((t) => t.name));
    const toolsets = new Map(listMcpTools().map((t) => [t.name, t.toolset]));
    for (const name of names) expect(['data', 'risk', 'system']).toContain(toolsets.get(name));
    for (const hidden of listMcpTools().filter((t) => !['data', 'risk', 'system'].includes(t.toolset))) {
      expect(names).not.toContain(hidden.name);
      const result = await session.client.callTool({ name: hidden.name, arguments: {} });
      expect(result.isError).toBe(true);
    }
  });

  it('get_system_metrics reports which toolsets are enabled', async () => {
    const data = await callOk(session.client, 'get_system_metrics');
    const enabled = (data.toolsets as { name: string; enabled: boolean }[])
      .filter((t) => t.enabled)
      .map((t) => t.name);
    expect(enabled.sort()).toEqual(['data', 'risk', 'system']);
  });

  it('an unknown toolset stops the server at start with a clear error', async () => {
    const result = await runCli(sandbox, ['mcp', 'start'], { NEURAL_TRADER_TOOLSETS: 'data,bogus' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown toolset "bogus"/);
    expect(result.stdout).toBe('');
  });

  it('mcp tools --toolsets prints the filtered table', async () => {
    const result = await runCli(sandbox, ['mcp', 'tools', '--toolsets', 'system', '--json']);
    expect(result.code).toBe(0);
    const tools = JSON.parse(result.stdout) as { name: string; toolset: string }[];
    expect(tools.map((t) => t.name)).toEqual(['ping', 'get_system_metrics']);
  });

  it('mcp start --help names every toolset; a port that is not a plain whole number is one error', async () => {
    const help = await runCli(sandbox, ['mcp', 'start', '--help']);
    expect(help.code).toBe(0);
    const line = help.stdout.split('\n').find((l) => l.startsWith('Toolsets: ')) ?? '';
    for (const set of MCP_TOOLSETS) expect(line).toContain(set);
    for (const port of ['0x10', '65536', '-1', 'http']) {
      const result = await runCli(sandbox, ['mcp', 'start', '--transport', 'http', '--port', port]);
      expect(result.code, port).toBe(1);
      expect(result.stderr, port).toMatch(/^error: --port: /);
      expect(result.stderr.trim().split('\n').length, port).toBeLessThanOrEqual(2);
    }
  });
});
