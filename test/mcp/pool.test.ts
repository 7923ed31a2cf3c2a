import { afterEach, describe, expect, it } from 'vitest';
import { NeuralTraderError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/log.js';
import { JobFailedError } from '../../src/mcp/errors.js';
import { JobPool, type JobPoolOptions } from '../../src/mcp/pool.js';

/**
 * The job pool with a toy worker (fixtures/job-worker.mjs) that speaks the same protocol as the MCP
 * worker: queue bound, lanes, per-tool caps, cooperative and forced cancellation, lost workers.
 */
const SCRIPT = new URL('./fixtures/job-worker.mjs', import.meta.url);
const pools: JobPool[] = [];

function pool(options: Partial<JobPoolOptions> = {}): JobPool {
  const created = new JobPool({
    script: SCRIPT,
    size: 2,
    maxQueued: 16,
    log: createLogger('test'),
    ...options,
  });
  pools.push(created);
  return created;
}

function never(): AbortSignal {
  return new AbortController().signal;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('JobPool', () => {
  it('runs a job on a worker and relays its progress before the result', async () => {
    const jobs = pool();
    const steps: number[] = [];
    const data = await jobs.run(
      { tool: 'progress', args: { steps: 5 } },
      { signal: never(), onProgress: (done) => steps.push(done) },
    );
    expect(data).toEqual({ steps: 5 });
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    expect(await jobs.run({ tool: 'echo', args: { a: [1, 2] } }, { signal: never() })).toMatchObject({
      args: { a: [1, 2] },
    });
  });

  it('refuses a job as busy when the queue is full, and still runs the queued ones', async () => {
    const jobs = pool({ size: 1, maxQueued: 2 });
    const accepted = [0, 1, 2].map(() => jobs.run({ tool: 'sleep', args: { ms: 50 } }, { signal: never() }));
    const refused = await jobs.run({ tool: 'echo', args: {} }, { signal: never() }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NeuralTraderError);
    expect((refused as NeuralTraderError).code).toBe('RATE_LIMIT');
    expect((refused as Error).message).toMatch(/server busy: 2 heavy calls are already waiting/);
    expect(await Promise.all(accepted)).toHaveLength(3);
  });

  it('keeps one worker free of long jobs, so a quick job passes a queued long one', async () => {
    const jobs = pool({ size: 2 });
    const finished: string[] = [];
    const track = (name: string, promise: Promise<unknown>) =>
      promise.then(
        () => finished.push(name),
        () => finished.push(`${name} (cancelled)`),
      );
    // long-1 holds the long lane until the test releases it, so the order below cannot depend on how fast
    // a loaded machine starts worker threads.
    const release = new AbortController();
    const first = track(
      'long-1',
      jobs.run({ tool: 'sleep', args: { ms: 60_000 } }, { signal: release.signal, long: true }),
    );
    const second = track(
      'long-2',
      jobs.run({ tool: 'sleep', args: { ms: 10 } }, { signal: never(), long: true }),
    );
    const quick = track('quick', jobs.run({ tool: 'echo', args: {} }, { signal: never() }));
    expect(jobs.stats()).toMatchObject({ busy: 2, queued: 1 });
    await quick;
    // The quick job ran on the free worker; long-2 is still waiting for long-1's lane.
    expect(finished).toEqual(['quick']);
    expect(jobs.stats()).toMatchObject({ busy: 1, queued: 1 });
    release.abort(new Error('released by the test'));
    await Promise.all([first, second]);
    expect(finished).toEqual(['quick', 'long-1 (cancelled)', 'long-2']);
  });

  it('runs at most maxConcurrent calls of one tool at a time', async () => {
    const jobs = pool({ size: 3 });
    const a = jobs.run({ tool: 'sleep', args: { ms: 100 } }, { signal: never(), maxConcurrent: 1 });
    const b = jobs.run({ tool: 'sleep', args: { ms: 100 } }, { signal: never(), maxConcurrent: 1 });
    expect(jobs.stats()).toMatchObject({ busy: 1, queued: 1 });
    await Promise.all([a, b]);
    expect(jobs.stats()).toMatchObject({ busy: 0, queued: 0, completed: 2 });
  });

  it('stops a cancelled job that cooperates and reuses its worker', async () => {
    const jobs = pool({ size: 1 });
    const { threadId } = (await jobs.run({ tool: 'echo', args: {} }, { signal: never() })) as {
      threadId: number;
    };
    const controller = new AbortController();
    const running = jobs.run({ tool: 'sleep', args: { ms: 60_000 } }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by test')), 50);
    await expect(running).rejects.toThrow('cancelled by test');
    expect(jobs.stats().replaced).toBe(0);
    const again = (await jobs.run({ tool: 'echo', args: {} }, { signal: never() })) as { threadId: number };
    expect(again.threadId).toBe(threadId);
  });

  it('terminates a worker that ignores the cancel, so its CPU stops, and replaces it', async () => {
    const jobs = pool({ size: 1, cancelGraceMs: 100 });
    const { threadId } = (await jobs.run({ tool: 'echo', args: {} }, { signal: never() })) as {
      threadId: number;
    };
    const controller = new AbortController();
    const loops = new Int32Array(new SharedArrayBuffer(4));
    const spinning = jobs.run(
      { tool: 'spin', args: { ms: 120_000, counter: loops.buffer } },
      { signal: controller.signal },
    );
    while (Atomics.load(loops, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('time limit'));
    await expect(spinning).rejects.toThrow('time limit');
    expect(jobs.stats().replaced).toBe(1);
    // The spinning thread is gone: its loop counter stops moving (however busy the machine is).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = Atomics.load(loops, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(Atomics.load(loops, 0)).toBe(stoppedAt);
    const again = (await jobs.run({ tool: 'echo', args: {} }, { signal: never() })) as { threadId: number };
    expect(again.threadId).not.toBe(threadId);
  });

  it('removes a cancelled job from the queue without running it', async () => {
    const jobs = pool({ size: 1 });
    const blocker = jobs.run({ tool: 'sleep', args: { ms: 100 } }, { signal: never() });
    const controller = new AbortController();
    const queued = jobs.run({ tool: 'echo', args: {} }, { signal: controller.signal });
    controller.abort(new Error('gone'));
    await expect(queued).rejects.toThrow('gone');
    await blocker;
    expect(jobs.stats()).toMatchObject({ completed: 1, queued: 0 });
    const aborted = new AbortController();
    aborted.abort(new Error('before start'));
    await expect(jobs.run({ tool: 'echo', args: {} }, { signal: aborted.signal })).rejects.toThrow(
      'before start',
    );
  });

  it('fails the job of a worker that exits and keeps serving with a fresh worker', async () => {
    const jobs = pool({ size: 1 });
    const lost = await jobs.run({ tool: 'exit', args: {} }, { signal: never() }).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(JobFailedError);
    expect((lost as JobFailedError).text).toMatch(/exit stopped unexpectedly: worker exited with code 3/);
    expect(await jobs.run({ tool: 'echo', args: { ok: true } }, { signal: never() })).toMatchObject({
      args: { ok: true },
    });
    expect(jobs.stats().replaced).toBe(1);
  });

  it('turns a worker that runs out of heap into a tool error, not a crash', async () => {
    const jobs = pool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 32 } });
    const failed = await jobs.run({ tool: 'hog', args: {} }, { signal: never() }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(JobFailedError);
    expect((failed as JobFailedError).text).toMatch(/hog ran out of memory in its worker/);
    expect(await jobs.run({ tool: 'echo', args: {} }, { signal: never() })).toHaveProperty('threadId');
  });

  it('fails queued and running jobs when it closes', async () => {
    const jobs = pool({ size: 1 });
    const running = jobs.run({ tool: 'sleep', args: { ms: 60_000 } }, { signal: never() });
    const queued = jobs.run({ tool: 'echo', args: {} }, { signal: never() });
    const outcomes = Promise.allSettled([running, queued]);
    await jobs.close();
    for (const outcome of await outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason.message).toBe('the server is shutting down');
    }
    await expect(jobs.run({ tool: 'echo', args: {} }, { signal: never() })).rejects.toThrow(/shutting down/);
  });
});
