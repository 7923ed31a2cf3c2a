import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { listStrategies } from '../../src/strategies/index.js';
import { callError, callOk, stdioSuite } from './helpers.js';

describe('strategy and backtest tools over stdio', () => {
  const mcp = stdioSuite();

  it('list_strategies lists the registry', async () => {
    const data = await callOk(mcp.session.client, 'list_strategies');
    const names = (data.strategies as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(listStrategies().map((s) => s.name));
    expect(names).toEqual(expect.arrayContaining(['sma-crossover', 'pairs']));
  });

  it('get_strategy_info describes parameters and the optimisation grid', async () => {
    const data = await callOk(mcp.session.client, 'get_strategy_info', { strategy: 'pairs' });
    expect(data.name).toBe('pairs');
    expect(data.min_symbols).toBe(2);
    const params = data.parameters as { name: string }[];
    expect(params.map((p) => p.name)).toContain('lookback');
    expect((data.optimisation_grid as unknown[]).length).toBeGreaterThan(0);
  });

  it('get_strategy_info names the field and the valid strategies for an unknown one', async () => {
    const text = await callError(mcp.session.client, 'get_strategy_info', { strategy: 'foo' });
    expect(text).toMatch(/^strategy: unknown strategy "foo"/);
    expect(text).toMatch(/valid strategies: .*pairs.*sma-crossover|valid strategies: .*sma-crossover/);
  });

  it('serves the strategy catalogue as a resource', async () => {
    const read = await mcp.session.client.readResource({ uri: 'neural-trader://strategies' });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as {
      strategies: { name: string }[];
    };
    expect(body.strategies.map((s) => s.name)).toEqual(listStrategies().map((s) => s.name));
  });

  it('run_backtest matches the backtest library', async () => {
    const args = {
      strategy: 'sma-crossover',
      symbols: ['AAPL'],
      start_date: '2014-01-01',
      end_date: '2016-12-31',
      initial_capital: 50_000,
      commission: 0.001,
      params: { fast: 10, slow: 40 },
    };
    const data = await callOk(mcp.session.client, 'run_backtest', args);
    const expected = await backtest(
      'sma-crossover',
      { fast: 10, slow: 40, symbols: ['AAPL'] },
      '2014-01-01',
      '2016-12-31',
      {
        initialCapital: 50_000,
        commission: 0.001,
      },
    );
    expect(data.final_equity).toBeCloseTo(expected.finalEquity, 6);
    expect(data.trade_count).toBe(expected.trades.length);
    expect((data.metrics as { sharpe_ratio: number }).sharpe_ratio).toBeCloseTo(
      expected.metrics.sharpeRatio,
      8,
    );
    expect(data.start).toBe('2014-01-02');
    const curve = data.equity_curve as { date: string; equity: number }[];
    expect(curve.length).toBeLessThanOrEqual(61);
    expect(curve.at(-1)?.equity).toBeCloseTo(expected.finalEquity, 6);
  });

  it('run_backtest reports bad parameters and symbols by name', async () => {
    const badParam = await callError(mcp.session.client, 'run_backtest', {
      strategy: 'sma-crossover',
      symbols: ['AAPL'],
      params: { fast: -3 },
    });
    expect(badParam).toMatch(/fast/);
    expect(
      await callError(mcp.session.client, 'run_backtest', { strategy: 'sma-crossover', symbols: [] }),
    ).toMatch(/symbols/);
    expect(
      await callError(mcp.session.client, 'run_backtest', { strategy: 'nope', symbols: ['AAPL'] }),
    ).toMatch(/strategy: unknown strategy "nope"/);
    expect(
      await callError(mcp.session.client, 'run_backtest', {
        strategy: 'sma-crossover',
        symbols: ['AAPL'],
        initial_capital: -1,
      }),
    ).toMatch(/initial_capital/);
  });

  it('optimize_strategy ranks a small grid with progress', async () => {
    const progress: number[] = [];
    const result = await mcp.session.client.callTool(
      {
        name: 'optimize_strategy',
        arguments: {
          strategy: 'sma-crossover',
          symbols: ['AAPL'],
          start_date: '2014-01-01',
          end_date: '2016-12-31',
          param_space: { fast: [5, 10], slow: { min: 30, max: 50, step: 10 } },
          top: 3,
        },
      },
      undefined,
      { onprogress: (p) => progress.push(p.progress), timeout: 60_000 },
    );
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const data = result.structuredContent as {
      trials_run: number;
      best: { params: { fast: number; slow: number }; score: number };
      top: { rank: number; score: number }[];
    };
    expect(data.trials_run).toBe(6);
    expect(data.top).toHaveLength(3);
    expect(data.top[0].score).toBeGreaterThanOrEqual(data.top[1].score);
    // The best trial agrees with a direct backtest of its parameters.
    const check = await backtest(
      'sma-crossover',
      { ...data.best.params, symbols: ['AAPL'] },
      '2014-01-01',
      '2016-12-31',
    );
    expect(data.best.score).toBeCloseTo(check.metrics.sharpeRatio, 8);
    // The server sends one notification per trial before it answers, but the SDK client handles
    // notifications asynchronously and drops those it reads in the same chunk as the response, so under
    // load only a prefix may arrive: assert it is a non-empty, increasing prefix of 1..6.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual(Array.from({ length: progress.length }, (_, i) => i + 1));
  });

  it('optimize_strategy names a bad metric', async () => {
    const text = await callError(mcp.session.client, 'optimize_strategy', {
      strategy: 'sma-crossover',
      symbols: ['AAPL'],
      metric: 'alpha',
    });
    expect(text).toMatch(/unknown "alpha"; valid: sharpeRatio/);
  });
});
