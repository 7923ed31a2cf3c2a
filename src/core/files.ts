import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NeuralTraderError } from './errors.js';

/**
 * Write a file so that readers see either the old contents or the new, never half a file: write a temp
 * file beside it, then rename over the target (atomic on one filesystem). Used for every result, report
 * and imported dataset the CLI writes.
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, contents);
    renameSync(temp, path);
  } catch (error) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The directory itself is unusable; there is no temp file to remove.
    }
    // A path the user chose that cannot be written is their fix to make, not a bug: say which and why.
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new NeuralTraderError('IO', `cannot write ${path} (${reason})`, {
      field: 'path',
      hint: 'choose a path in a directory you can write to',
      cause: error,
    });
  }
}
