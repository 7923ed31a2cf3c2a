import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, runCliAsync, scratchDir } from '../helpers/cli.js';

/**
 * Cancel and replace from a process that does not own the account: the CLI hands them to the owner
 * (which runs them through its own OrderManager and answers), or, when the owner takes no handoffs,
 * refuses with one line naming it. Two real processes: a library owner and the real CLI.
 */

const FIXTURE = join(import.meta.dirname, 'fixtures/change-owner.mjs');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

function startOwner(cwd: string, mode: 'serve' | 'noserve'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FIXTURE, join(cwd, 'nt'), mode], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, NEURAL_TRADER_HOME: join(cwd, 'nt') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((ready, fail) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      if (out.includes('READY')) ready(child);
    });
    child.stderr?.on('data', (chunk) => {
      err += chunk;
    });
    child.on('exit', (code) => fail(new Error(`owner exited ${code}: ${err}`)));
  });
}

function stopOwner(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    child.on('exit', (code) => done(code));
    child.stdin?.write('STOP\n');
  });
}

const json = (r: CliResult) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('cancel and replace from a second process', () => {
  it('are handed to the owner, which does them once; the result says who did it', async () => {
    const cwd = scratchDir('nt-handoff-change-');
    const owner = await startOwner(cwd, 'serve');
    const ownerLine = new RegExp(`^pid ${owner.pid} on this host`);

    const replaced = json(
      await runCliAsync(
        ['order', 'replace', 'rest-2', '--limit-price', '60', '--quantity', '3', '--json'],
        cwd,
      ),
    );
    expect(replaced.doneBy).toMatch(ownerLine);
    expect(replaced.order).toMatchObject({
      clientOrderId: 'rest-2',
      limitPrice: 60,
      quantity: 3,
      status: 'accepted',
    });

    const canceled = json(await runCliAsync(['order', 'cancel', 'rest-1', '--json'], cwd));
    expect(canceled.doneBy).toMatch(ownerLine);
    expect(canceled.order).toMatchObject({ clientOrderId: 'rest-1', status: 'canceled' });

    // A refusal by the owner comes back as one error line (the order is no longer open).
    const again = await runCliAsync(['order', 'replace', 'rest-1', '--limit-price', '55'], cwd);
    expect(again.code).toBe(1);
    expect(again.stderr.split('\n')[0]).toMatch(
      /^error: order \S+ is already canceled; only open orders can be replaced/,
    );

    expect(await stopOwner(owner)).toBe(0);
    // The owner's journal holds exactly what was asked, once, and passes its integrity check.
    const orders = json(await runCliAsync(['order', 'list', '--status', 'all', '--json'], cwd)) as {
      clientOrderId: string;
      status: string;
      limitPrice: number;
      quantity: number;
    }[];
    const byId = new Map(orders.map((o) => [o.clientOrderId, o]));
    expect(orders).toHaveLength(2);
    expect(byId.get('rest-1')?.status).toBe('canceled');
    expect(byId.get('rest-2')).toMatchObject({ status: 'accepted', limitPrice: 60, quantity: 3 });
  });

  it('are refused with one line naming the owner when it takes no handoffs', async () => {
    const cwd = scratchDir('nt-handoff-refuse-');
    const owner = await startOwner(cwd, 'noserve');
    for (const args of [
      ['order', 'cancel', 'rest-1', '--wait', '0'],
      ['order', 'replace', 'rest-1', '--limit-price', '51', '--wait', '0'],
    ]) {
      const r = await runCliAsync(args, cwd);
      expect(r.code, r.stdout).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^error: account paper is in use by pid ${owner.pid} on this host \\(change-owner .*\\) since \\S+, last heartbeat [\\d.]+ s ago$`,
        ),
      );
    }
    expect(await stopOwner(owner)).toBe(0);
    const orders = json(await runCliAsync(['order', 'list', '--status', 'all', '--json'], cwd)) as {
      status: string;
      limitPrice: number;
    }[];
    expect(orders.map((o) => [o.status, o.limitPrice])).toEqual([
      ['accepted', 50],
      ['accepted', 50],
    ]);
  });
});
