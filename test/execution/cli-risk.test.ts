import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `neural-trader trade` with the risk flags, on the replayed bundled sample data (paper, offline). */

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/neural-trader.js');
let home: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'nt-cli-risk-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function cli(args: string[], ntHome: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', NEURAL_TRADER_HOME: ntHome },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const trade = ['trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '250'];

describe('trade risk flags', () => {
  it('a tiny --max-drawdown trips the circuit breaker, reports it once and refuses every later order', async () => {
    const ntHome = join(home, 'drawdown');
    const r = await cli([...trade, '--max-drawdown', '0.001'], ntHome);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const halts = lines.filter((l) => l.startsWith('risk halt:'));
    expect(halts).toHaveLength(1);
    const trip =
      /^risk halt: circuit breaker tripped at (\d{4}-\d{2}-\d{2}): drawdown from peak [\d.]+% exceeds 0\.10%/.exec(
        halts[0],
      );
    expect(trip, halts[0]).not.toBeNull();
    // After the halt, every order the strategy tries is refused by the breaker; none before it.
    const at = lines.indexOf(halts[0]);
    const before = lines.slice(0, at).filter((l) => l.startsWith('order refused:'));
    const after = lines.slice(at + 1).filter((l) => l.startsWith('order '));
    expect(before).toEqual([]);
    expect(after.length).toBeGreaterThan(0);
    for (const line of after) expect(line).toMatch(/^order refused: .*circuit breaker tripped/);
    expect(r.stdout).toMatch(/^halts\s+1$/m);
    expect(r.stdout).toMatch(new RegExp(`^rejected\\s+${after.length}$`, 'm'));

    // The run's replay account holds only orders decided up to the trip (its market time is the bar
    // time; created/updated are the wall clock).
    const account = /^account\s+(replay-\S+)$/m.exec(r.stdout)?.[1] as string;
    expect(account).toBeDefined();
    const list = await cli(['order', 'list', '--account', account, '--status', 'all', '--json'], ntHome);
    expect(list.code, list.stderr).toBe(0);
    const orders: { marketTime: string; createdAt: string; updatedAt: string }[] = JSON.parse(list.stdout);
    expect(orders.length).toBeGreaterThan(0);
    const tripTime = Date.parse(`${trip?.[1]}T00:00:00Z`);
    for (const order of orders) {
      expect(Date.parse(order.marketTime)).toBeLessThan(tripTime);
      expect(Date.parse(order.updatedAt)).toBeGreaterThanOrEqual(Date.parse(order.createdAt));
    }
    // The default account was never touched.
    const paper = await cli(['order', 'list', '--status', 'all', '--json'], ntHome);
    expect(JSON.parse(paper.stdout)).toEqual([]);
  });

  it('reports the halt on stderr with --json too, and the summary lists it', async () => {
    const r = await cli(
      [...trade, '--max-drawdown', '0.001', '--max-daily-loss', '0.5', '--json'],
      join(home, 'json'),
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.halts).toEqual([
      expect.stringMatching(/^risk halt: circuit breaker tripped at .*drawdown/),
    ]);
    expect(r.stderr).toContain(summary.halts[0]);
    expect(summary.rejected).toBeGreaterThan(0);
  });

  it('--max-position-weight refuses orders that would make the position too large', async () => {
    const r = await cli([...trade, '--max-position-weight', '0.5'], join(home, 'weight'));
    expect(r.code, r.stderr).toBe(0);
    const refused = r.stderr.split('\n').filter((l) => l.startsWith('order refused:'));
    expect(refused.length).toBeGreaterThan(0);
    for (const line of refused)
      expect(line).toMatch(/AAPL would be [\d.]+% of equity, above the 50\.00% position limit/);
  });

  it('out-of-range risk flags are a one-line error naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--max-drawdown', '2'], /^error: --max-drawdown: expected a fraction in \(0, 1\) .*got 2$/],
      [['--max-daily-loss', '0'], /^error: --max-daily-loss: expected a fraction in \(0, 1\) .*got 0$/],
      [
        ['--max-position-weight', '1.5'],
        /^error: --max-position-weight: expected a fraction in \(0, 1\] .*got 1\.5$/,
      ],
      [['--max-drawdown', 'ten'], /^error: --max-drawdown: "ten" is not a decimal number$/],
      [['--max-drawdown', '0x10'], /^error: --max-drawdown: "0x10" is not a decimal number$/],
    ];
    for (const [flags, message] of cases) {
      const r = await cli([...trade, ...flags], join(home, 'errors'));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      // One error line, optionally followed by its hint.
      const lines = r.stderr.trim().split('\n');
      expect(lines[0], r.stderr).toMatch(message);
      expect(
        lines.slice(1).every((l) => l.startsWith('  hint: ')),
        r.stderr,
      ).toBe(true);
    }
  });
});
