import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/memory/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Run the burst child until it acknowledged `count` episodes, then SIGKILL it mid-burst. */
function burstAndKill(path: string, count: number): Promise<{ id: number; key: string }[]> {
  const script = resolve(import.meta.dirname, 'fixtures/episode-burst.mjs');
  const child = spawn(process.execPath, [script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: { id: number; key: string }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((done, reject) => {
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const [tag, id, key] = buffer.slice(0, nl).split(' ');
        buffer = buffer.slice(nl + 1);
        if (tag === 'ACK') acks.push({ id: Number(id), key });
        nl = buffer.indexOf('\n');
      }
      if (acks.length >= count && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') done(acks);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe('memory crash safety (SIGKILL mid-burst)', () => {
  it('keeps every acknowledged episode with its vector, and rebuilds the stale approximate index from the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-memory-crash-'));
    dirs.push(dir);
    const path = join(dir, 'memory.db');
    const acks = await burstAndKill(path, 300);
    expect(acks.length).toBeGreaterThanOrEqual(300);
    const store = MemoryStore.open({ path });
    try {
      const count = store.count();
      expect(count).toBeGreaterThanOrEqual(acks.length);
      for (const ack of acks) {
        const episode = store.getEpisode(ack.id);
        expect(episode.key).toBe(ack.key);
        const i = Number(ack.key.slice('burst-'.length));
        const state = store.getEpisodeState(ack.id);
        expect(state[5]).toBe(Math.fround(Math.sin(i * 0.37 + 5)));
        // The vector table holds it too: an exact search for its own state finds it at distance 0.
        const found = store.retrieveSimilar(state, { k: 1, method: 'exact' });
        expect(found.neighbours[0].distance).toBe(0);
      }
      // Vector table and episode table agree row for row (one transaction each).
      const all = store.exportAll();
      expect(all.episodes.length).toBe(count);
      // The index file was saved before the burst; the kill left it stale, so it is rebuilt from the table.
      expect(store.annInStep()).toBe(false);
      const hit = store.retrieveSimilar(store.getEpisodeState(acks[acks.length - 1].id), {
        k: 1,
        method: 'approximate',
      });
      expect(hit.method).toBe('approximate');
      expect(hit.neighbours[0].distance).toBe(0);
      expect(store.annIndex().size).toBe(count);
    } finally {
      store.close();
    }
    const reopened = MemoryStore.open({ path });
    expect(reopened.annInStep()).toBe(true);
    reopened.close();
  }, 60_000);
});
