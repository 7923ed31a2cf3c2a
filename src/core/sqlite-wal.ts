import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/**
 * A check of a SQLite write-ahead log (`<db>-wal`) before the database is opened. SQLite silently
 * ignores a WAL whose header is damaged, and stops reading a WAL at the first damaged frame: every
 * transaction committed after that point is dropped without a word. For a journal of orders and
 * fills that is silent loss of acknowledged money movements, so the damage is detected here and the
 * file is refused instead.
 *
 * What counts as damage (and what does not):
 *  - a non-empty WAL shorter than its 32-byte header, or a header with a wrong magic number, version or
 *    checksum: SQLite writes the header in one 32-byte write before any frame, so a crash cannot leave it
 *    half-written;
 *  - a frame of the current WAL generation (its salts match the header's) whose checksum is wrong while a
 *    LATER frame of the same generation follows it: committed frames after it would be lost.
 * A bad or partial LAST frame of the generation is not damage: a process killed between writing a frame
 * header and its page leaves exactly that, and SQLite correctly discards the unfinished transaction.
 * Frames with other salts are left over from an earlier generation and are ignored by design.
 *
 * Format: https://www.sqlite.org/fileformat.html#the_write_ahead_log
 */

const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
const MAGIC_LITTLE_ENDIAN = 0x377f0682;
const MAGIC_BIG_ENDIAN = 0x377f0683;
const WAL_FORMAT_VERSION = 3007000;
/** Read the WAL in chunks of this many frames (keeps memory bounded on a large WAL). */
const FRAMES_PER_READ = 256;

interface Checksum {
  s1: number;
  s2: number;
}

/** SQLite's WAL checksum: pairs of 32-bit words, Fibonacci-weighted, seeded with the previous sum. */
function walChecksum(
  bytes: Buffer,
  start: number,
  end: number,
  bigEndian: boolean,
  seed: Checksum,
): Checksum {
  let s1 = seed.s1;
  let s2 = seed.s2;
  for (let i = start; i < end; i += 8) {
    const x0 = bigEndian ? bytes.readUInt32BE(i) : bytes.readUInt32LE(i);
    const x1 = bigEndian ? bytes.readUInt32BE(i + 4) : bytes.readUInt32LE(i + 4);
    s1 = (s1 + x0 + s2) >>> 0;
    s2 = (s2 + x1 + s1) >>> 0;
  }
  return { s1, s2 };
}

/** Why the WAL next to `databasePath` is damaged, or undefined when it is absent, empty or sound. */
export function walProblem(databasePath: string): string | undefined {
  const path = `${databasePath}-wal`;
  if (!existsSync(path)) return undefined;
  const size = statSync(path).size;
  if (size === 0) return undefined;
  if (size < WAL_HEADER_BYTES) return `has a write-ahead log ${path} shorter than its header (${size} bytes)`;
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(WAL_HEADER_BYTES);
    readSync(fd, header, 0, WAL_HEADER_BYTES, 0);
    const magic = header.readUInt32BE(0);
    if (magic !== MAGIC_LITTLE_ENDIAN && magic !== MAGIC_BIG_ENDIAN) {
      return `has a damaged write-ahead log ${path} (bad header)`;
    }
    const bigEndian = magic === MAGIC_BIG_ENDIAN;
    const pageSize = header.readUInt32BE(8);
    const validPageSize = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0;
    const sum = walChecksum(header, 0, 24, bigEndian, { s1: 0, s2: 0 });
    if (
      header.readUInt32BE(4) !== WAL_FORMAT_VERSION ||
      !validPageSize ||
      sum.s1 !== header.readUInt32BE(24) ||
      sum.s2 !== header.readUInt32BE(28)
    ) {
      return `has a damaged write-ahead log ${path} (header checksum)`;
    }
    const salt1 = header.readUInt32BE(16);
    const salt2 = header.readUInt32BE(20);
    const frameBytes = FRAME_HEADER_BYTES + pageSize;
    const frames = Math.floor((size - WAL_HEADER_BYTES) / frameBytes);
    const chunk = Buffer.alloc(frameBytes * FRAMES_PER_READ);
    let running = sum;
    let badFrame = -1;
    for (let first = 0; first < frames; first += FRAMES_PER_READ) {
      const count = Math.min(FRAMES_PER_READ, frames - first);
      readSync(fd, chunk, 0, count * frameBytes, WAL_HEADER_BYTES + first * frameBytes);
      for (let k = 0; k < count; k++) {
        const at = k * frameBytes;
        const sameGeneration = chunk.readUInt32BE(at + 8) === salt1 && chunk.readUInt32BE(at + 12) === salt2;
        // Frames of an earlier generation: the current one ended before them.
        if (!sameGeneration) return undefined;
        if (badFrame >= 0) {
          return `has a damaged write-ahead log ${path} (frame ${badFrame + 1} of ${frames} is corrupt and committed frames follow it)`;
        }
        let next = walChecksum(chunk, at, at + 8, bigEndian, running);
        next = walChecksum(chunk, at + FRAME_HEADER_BYTES, at + frameBytes, bigEndian, next);
        if (next.s1 !== chunk.readUInt32BE(at + 16) || next.s2 !== chunk.readUInt32BE(at + 20)) {
          badFrame = first + k;
          continue;
        }
        running = next;
      }
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}
