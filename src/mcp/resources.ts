import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { toPlainJson } from './format.js';
import type { McpRuntime } from './tool.js';

/**
 * Read-only resources: catalogues an assistant can load into context without a tool call. Each is
 * registered with the toolset it belongs to, and loads its library only when read.
 */
function json(uri: URL, value: unknown) {
  return {
    contents: [
      { uri: uri.href, mimeType: 'application/json', text: JSON.stringify(toPlainJson(value), null, 2) },
    ],
  };
}

export function registerResources(server: McpServer, runtime: McpRuntime): void {
  if (runtime.toolsets.has('strategies')) {
    server.registerResource(
      'strategies',
      'neural-trader://strategies',
      {
        title: 'Strategy catalogue',
        description:
          'Every built-in strategy: description, symbols it trades, parameters with defaults and ranges.',
        mimeType: 'application/json',
      },
      async (uri) => {
        const [{ listStrategies }, { describeStrategy }] = await Promise.all([
          import('../strategies/index.js'),
          import('./tools/strategies.js'),
        ]);
        return json(uri, { strategies: listStrategies().map(describeStrategy) });
      },
    );
  }
  if (runtime.toolsets.has('data')) {
    server.registerResource(
      'datasets',
      'neural-trader://datasets',
      {
        title: 'Bundled market datasets',
        description:
          'Every symbol of the offline sample provider: dataset, timeframe, first/last date, bar count, source.',
        mimeType: 'application/json',
      },
      async (uri) => {
        const { listSampleDatasets } = await import('../data/index.js');
        return json(uri, { provider: 'sample', datasets: listSampleDatasets() });
      },
    );
  }
}
