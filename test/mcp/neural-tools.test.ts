import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { callError, callOk, stdioSuite } from './helpers.js';

describe('neural tools over stdio', () => {
  const mcp = stdioSuite();
  let modelName = '';

  it('neural_model_status is empty on a fresh home', async () => {
    const data = await callOk(mcp.session.client, 'neural_model_status');
    expect(data.count).toBe(0);
    expect(data.models_directory).toBe(`${mcp.sandbox.home}/models`);
  });

  it('neural_train trains, saves and registers a model, with progress per epoch', async () => {
    const progress: number[] = [];
    const result = await mcp.session.client.callTool(
      {
        name: 'neural_train',
        arguments: {
          symbol: 'AAPL',
          model_type: 'nhits',
          start_date: '2015-01-01',
          end_date: '2016-12-31',
          input_size: 20,
          horizon: 3,
          epochs: 2,
          quantiles: true,
        },
      },
      undefined,
      { onprogress: (p) => progress.push(p.progress), timeout: 120_000 },
    );
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const data = result.structuredContent as {
      model: { name: string; path: string; symbol: string; horizon: number; trained_to: string };
      training: { epochs_run: number };
    };
    expect(data.model.symbol).toBe('AAPL');
    expect(data.model.horizon).toBe(3);
    expect(data.model.trained_to).toBe('2016-12-30');
    expect(data.model.path.startsWith(`${mcp.sandbox.home}/models/`)).toBe(true);
    expect(existsSync(data.model.path)).toBe(true);
    expect(data.training.epochs_run).toBeGreaterThan(0);
    expect(progress.length).toBe(data.training.epochs_run);
    modelName = data.model.name;
  });

  it('neural_model_status lists the model', async () => {
    const data = await callOk(mcp.session.client, 'neural_model_status');
    expect(data.count).toBe(1);
    const one = await callOk(mcp.session.client, 'neural_model_status', { model: modelName });
    expect((one.models as { name: string }[])[0].name).toBe(modelName);
  });

  it('neural_forecast forecasts the horizon with quantile bands', async () => {
    const data = await callOk(mcp.session.client, 'neural_forecast', {
      model: modelName,
      date: '2017-06-30',
    });
    expect(data.symbol).toBe('AAPL');
    expect(data.origin_date).toBe('2017-06-30');
    const forecast = data.forecast as { step: number; value: number; p10: number; p90: number }[];
    expect(forecast).toHaveLength(3);
    for (const step of forecast) {
      expect(step.value).toBeGreaterThan(0);
      expect(step.p10).toBeLessThanOrEqual(step.p90);
    }
  });

  it('neural_evaluate scores the model after its training range against baselines', async () => {
    const data = await callOk(mcp.session.client, 'neural_evaluate', {
      model: modelName,
      end_date: '2017-12-31',
    });
    expect(data.overlaps_training).toBe(false);
    // The first origin is the last training day: every forecast target lies after training.
    expect((data.period as { start: string }).start).toBe('2016-12-30');
    expect(data.origins as number).toBeGreaterThan(100);
    expect(Object.keys(data.baselines as object)).toEqual(expect.arrayContaining(['random-walk']));
    expect((data.summary as string[]).length).toBeGreaterThan(0);
    // SPX trades on weekdays: the seasonal-naive season is one week of its daily bars, measured, and said.
    expect(data.season).toEqual({
      bars: 5,
      basis: expect.stringContaining('one week of us-equity daily bars'),
    });
    const weekly = await callOk(mcp.session.client, 'neural_evaluate', {
      model: modelName,
      end_date: '2017-12-31',
      season: 10,
    });
    expect(weekly.season).toEqual({ bars: 10, basis: '10 bars (given)' });
    expect(weekly.baselines).not.toEqual(data.baselines);
    const inSample = await callOk(mcp.session.client, 'neural_evaluate', {
      model: modelName,
      start_date: '2016-01-04',
      end_date: '2016-12-30',
    });
    expect(inSample.overlaps_training).toBe(true);
  });

  it('neural_train honours cancellation: nothing is saved and the server keeps serving', async () => {
    const controller = new AbortController();
    const call = mcp.session.client.callTool(
      { name: 'neural_train', arguments: { symbol: 'AAPL', model_type: 'nhits', epochs: 500, patience: 0 } },
      undefined,
      {
        signal: controller.signal,
        timeout: 120_000,
        onprogress: (p) => {
          if (p.progress >= 1) controller.abort();
        },
      },
    );
    await expect(call).rejects.toThrow(/abort/i);
    const started = Date.now();
    expect((await callOk(mcp.session.client, 'ping')).status).toBe('ok');
    // Cancelled training stops at its next epoch boundary and registers nothing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const status = await callOk(mcp.session.client, 'neural_model_status');
    expect(status.count).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('kept stdout clean while tfjs was loaded and used', () => {
    // A progress notification racing the cancellation is expected; a non-JSON stdout line is not.
    const errors = mcp.session
      .protocolErrors()
      .filter((e) => !/progress notification for an unknown token/.test(e));
    expect(errors).toEqual([]);
  });

  it('names the field of bad arguments and unknown models', async () => {
    expect(
      await callError(mcp.session.client, 'neural_train', { symbol: 'AAPL', model_type: 'gpt' }),
    ).toMatch(/unknown "gpt"; valid: nhits, nbeats, lstm, transformer/);
    expect(await callError(mcp.session.client, 'neural_train', { symbol: 'AAPL', epochs: 0 })).toMatch(
      /epochs/,
    );
    const unknown = await callError(mcp.session.client, 'neural_forecast', { model: 'nope.ntm' });
    expect(unknown).toMatch(/model: unknown model "nope.ntm"/);
    expect(unknown).toContain(modelName);
  });
});
