import type { Command } from 'commander';
import { MCP_TOOLSETS } from '../../mcp/toolsets.js';
import { loadCliConfig } from '../context.js';

interface StartOptions {
  transport: string;
  port: string;
  host: string;
  token?: string;
  toolsets?: string;
}

interface ToolsOptions {
  toolsets?: string;
  json?: boolean;
}

/** Stop cleanly on Ctrl-C / SIGTERM (close sessions, flush the journal) and exit 0. */
function closeOnSignals(close: () => Promise<void>): void {
  const stop = () => {
    close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function register(program: Command): void {
  const mcp = program
    .command('mcp')
    .description('Model Context Protocol server: every capability as tools for AI assistants');

  mcp
    .command('start')
    .description('serve MCP over stdio (default) or Streamable HTTP')
    .option('--transport <transport>', 'stdio or http', 'stdio')
    .option('--port <port>', 'HTTP port (0 = any free port)', '3000')
    .option('--host <host>', 'HTTP bind address (non-loopback requires a token)', '127.0.0.1')
    .option('--token <token>', 'HTTP bearer token (prefer NEURAL_TRADER_MCP_TOKEN: flags show in ps)')
    .option('--toolsets <list>', 'comma list of toolsets to expose (default NEURAL_TRADER_TOOLSETS or all)')
    .addHelpText(
      'after',
      `\nToolsets: ${MCP_TOOLSETS.filter((t) => t !== 'system').join(', ')}, system (always on).\n` +
        'Orders are paper unless NEURAL_TRADER_LIVE_TRADING=true with a live broker endpoint.',
    )
    .action(async (options: StartOptions) => {
      const config = await loadCliConfig(program);
      const { ValidationError } = await import('../../core/errors.js');
      const toolsets = options.toolsets ?? config.mcp.toolsets;
      if (options.transport === 'stdio') {
        const { startMcpStdioServer } = await import('../../mcp/index.js');
        const handle = await startMcpStdioServer({ config, toolsets });
        closeOnSignals(handle.close);
        await handle.closed;
        return;
      }
      if (options.transport !== 'http') {
        throw new ValidationError(`--transport: unknown "${options.transport}"; valid: stdio, http`, {
          field: 'transport',
        });
      }
      const { countFlag } = await import('../flags.js');
      const port = countFlag('port', options.port, 0) as number;
      if (port > 65_535) {
        throw new ValidationError(`--port: expected a port number 0-65535, got ${port}`, { field: 'port' });
      }
      const { startMcpHttpServer } = await import('../../mcp/index.js');
      const handle = await startMcpHttpServer({
        config,
        toolsets,
        host: options.host,
        port,
        token: options.token ?? config.mcp.token,
      });
      const auth = options.token || config.mcp.token ? 'bearer token required' : 'no token (loopback only)';
      process.stderr.write(`neural-trader MCP server listening on ${handle.url} (${auth})\n`);
      closeOnSignals(handle.close);
      await handle.closed;
    });

  mcp
    .command('tools')
    .description('list the tools the server exposes (after toolset filtering)')
    .option('--toolsets <list>', 'comma list of toolsets (default NEURAL_TRADER_TOOLSETS or all)')
    .option('--json', 'print JSON')
    .action(async (options: ToolsOptions) => {
      const config = await loadCliConfig(program);
      const [{ listMcpTools }, { printJson, printTable }] = await Promise.all([
        import('../../mcp/index.js'),
        import('../output.js'),
      ]);
      const tools = listMcpTools(options.toolsets ?? config.mcp.toolsets);
      if (options.json) {
        printJson(tools);
        return;
      }
      printTable(
        tools.map((tool) => ({
          tool: tool.name,
          toolset: tool.toolset,
          access: tool.hints.readOnlyHint ? 'read' : tool.hints.destructiveHint ? 'write!' : 'write',
          // The first sentence ("e.g." does not end one).
          description: tool.description.split(/(?<!e\.g)\.\s+(?=[A-Z])/)[0].replace(/\.$/, ''),
        })),
      );
    });
}
