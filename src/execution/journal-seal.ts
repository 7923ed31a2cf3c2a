import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { z } from 'zod';

/**
 * The seal of a journal that passed its checks: the SHA-256 of the database file's bytes as they were
 * when the last process closed it cleanly (WAL checkpointed, nothing pending), kept beside it in
 * `<journal>.sealed`.
 *
 * Opening a journal checks every row's checksum, the fills against the orders and positions, and
 * SQLite's quick_check (journal-check.ts). That costs time in proportion to the journal (about 0.35 s
 * at 20,000 orders), paid by every CLI command. A journal whose bytes are exactly the bytes sealed at the
 * last clean close holds nothing that was not already checked or written by a process that had checked
 * it, so its row checksums and quick_check need not be repeated: hashing the file (~15 ms at 20,000
 * orders) proves it is byte-identical. Anything else (no seal, a WAL with frames after a crash, a file
 * edited, truncated or rotted on disk, a seal that does not parse) gets the full check, as before.
 *
 * The seal is a cache of a check already done, never a source of truth: deleting it only costs one full
 * check on the next open. It is written only after the database is closed and its WAL is empty.
 */

const SealSchema = z.object({
  version: z.literal(1),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type JournalSeal = z.infer<typeof SealSchema>;

const CHUNK_BYTES = 1 << 20;

export function sealPath(journalPath: string): string {
  return `${journalPath}.sealed`;
}

/** True when the journal's WAL is absent or empty (every committed page is in the main file). */
export function walIsEmpty(journalPath: string): boolean {
  const wal = `${journalPath}-wal`;
  return !existsSync(wal) || statSync(wal).size === 0;
}

/** SHA-256 of a file, read in 1 MiB chunks (bounded memory for any journal size). */
export function fileDigest(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (n <= 0) break;
      hash.update(n === CHUNK_BYTES ? buffer : buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function readSeal(journalPath: string): JournalSeal | undefined {
  try {
    const parsed = SealSchema.safeParse(JSON.parse(readFileSync(sealPath(journalPath), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The seal that matches the journal's current bytes, or undefined (no seal, a WAL with frames, another
 * size, or other bytes). A match means the full check may be skipped.
 */
export function matchingSeal(journalPath: string): JournalSeal | undefined {
  const seal = readSeal(journalPath);
  if (seal === undefined || !existsSync(journalPath) || !walIsEmpty(journalPath)) return undefined;
  const stat = statSync(journalPath);
  if (stat.size !== seal.size) return undefined;
  return fileDigest(journalPath) === seal.sha256 ? { ...seal, mtimeMs: stat.mtimeMs } : undefined;
}

/**
 * Seal the journal's current bytes (after its connection is closed). Skipped when the WAL holds frames
 * (another process still has it open and will seal it when it closes last) or when `unchanged` is the
 * seal already matching the file's size and modification time. Never throws: a seal is only a cache.
 */
export function writeSeal(journalPath: string, unchanged?: JournalSeal): void {
  try {
    if (!existsSync(journalPath) || !walIsEmpty(journalPath)) return;
    const before = statSync(journalPath);
    if (unchanged !== undefined && before.size === unchanged.size && before.mtimeMs === unchanged.mtimeMs)
      return;
    const sha256 = fileDigest(journalPath);
    const after = statSync(journalPath);
    // Written while it was hashed (another process): leave it unsealed; the next open checks it fully.
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || !walIsEmpty(journalPath)) return;
    const seal: JournalSeal = { version: 1, size: after.size, mtimeMs: after.mtimeMs, sha256 };
    const temporary = `${sealPath(journalPath)}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(seal)}\n`);
    renameSync(temporary, sealPath(journalPath));
  } catch {
    // A read-only directory or a vanished file: no seal, so the next open runs the full check.
  }
}
