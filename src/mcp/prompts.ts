import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { McpRuntime } from './tool.js';

/**
 * Prompts are reusable conversation starters a client offers its user. Each names only the tools this
 * server actually exposes (toolset filtering may have removed some), so the assistant is never told to
 * call a tool it cannot see.
 */
function steps(runtime: McpRuntime, candidates: readonly [tool: string, step: string][]): string {
  const available = new Set(runtime.toolNames);
  return candidates
    .filter(([tool]) => available.has(tool))
    .map(([, step], i) => `${i + 1}. ${step}`)
    .join('\n');
}

export function registerPrompts(server: McpServer, runtime: McpRuntime): void {
  server.registerPrompt(
    'analyze_symbol',
    {
      title: 'Analyze a symbol',
      description: 'Technical, risk and forecast review of one symbol using the neural-trader tools.',
      argsSchema: {
        symbol: z.string().describe('Ticker, e.g. AAPL or SPX'),
        date: z.string().optional().describe('Analysis date YYYY-MM-DD (default: latest data)'),
      },
    },
    ({ symbol, date }) => {
      const when = date ? ` as of ${date}` : ' as of the latest available data';
      const plan = steps(runtime, [
        ['quick_analysis', `Call quick_analysis for ${symbol}${date ? ` with date ${date}` : ''}.`],
        [
          'get_market_data',
          `Call get_market_data for ${symbol} over the last 6 months to see the price path.`,
        ],
        ['risk_analysis', `Call risk_analysis for a portfolio of ${symbol} alone to get its VaR and CVaR.`],
        [
          'neural_forecast',
          `If a trained model exists (neural_model_status), call neural_forecast for ${symbol}.`,
        ],
        ['run_backtest', `Backtest one trend and one mean-reversion strategy on ${symbol} (run_backtest).`],
      ]);
      return {
        description: `Analysis of ${symbol}`,
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text:
                `Analyse ${symbol}${when}.\n${plan}\n` +
                'Summarise the trend, momentum, volatility and risk in plain words, say what the evidence ' +
                'does not show, and do not place any order.',
            },
          },
        ],
      };
    },
  );

  server.registerPrompt(
    'daily_risk_review',
    {
      title: 'Daily risk review',
      description:
        'Review the paper/live portfolio: positions, P&L, VaR, concentration and stress scenarios.',
      argsSchema: {
        confidence: z.string().optional().describe('VaR confidence level, e.g. 0.95 (default) or 0.99'),
      },
    },
    ({ confidence }) => {
      const level = confidence ?? '0.95';
      const plan = steps(runtime, [
        ['get_portfolio_status', 'Call get_portfolio_status for cash, equity and P&L.'],
        ['get_positions', 'Call get_positions and note the largest positions by market value.'],
        ['get_orders', 'Call get_orders with status "open" to list working orders.'],
        [
          'risk_analysis',
          `Call risk_analysis at confidence ${level} for VaR and CVaR of the current holdings.`,
        ],
        ['correlation_analysis', 'Call correlation_analysis on the held symbols to find concentrated bets.'],
        ['stress_test', 'Call stress_test to see the portfolio under historical crash scenarios.'],
        ['performance_report', 'Call performance_report for returns, Sharpe ratio and drawdown.'],
      ]);
      return {
        description: 'Daily risk review',
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text:
                `Run today's risk review of my portfolio.\n${plan}\n` +
                'Report the numbers in a short table, flag anything above a 2% one-day VaR or any single ' +
                'position above 25% of equity, and suggest (do not execute) adjustments.',
            },
          },
        ],
      };
    },
  );
}
