import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NeuralTraderError } from './errors.js';

/**
 * Write a file so that readers see either the old contents or the new, never half a file: write a temp
 * file beside it, then rename over the target (atomic on one filesystem). Used for every result, report
 * and imported dataset the CLI writes.
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  checkWritablePath(path);
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
    throw cannotWrite(path, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
  }
}

/**
 * Refuse, before any work is done, an output path that can never be written: one whose parent is a file
 * (`README.md/r.html`) or which is itself a directory. Says which part of the path is in the way instead
 * of the operating system's EEXIST/ENOTDIR. Directories that do not exist yet are fine (they are created).
 */
export function checkWritablePath(path: string): void {
  const target = resolve(path);
  const own = statOrUndefined(target);
  if (own?.isDirectory()) {
    throw cannotWrite(path, 'EISDIR', `${path} is a directory; give a file name inside it`);
  }
  for (let dir = dirname(target); ; dir = dirname(dir)) {
    const stat = statOrUndefined(dir);
    if (stat) {
      if (!stat.isDirectory()) {
        throw cannotWrite(path, 'ENOTDIR', `${dir} is a file, not a directory`);
      }
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a part of the path is a file, not a directory',
};

/** A path the user chose that cannot be written is their fix to make, not a bug: say which and why. */
function cannotWrite(path: string, code: string, detail?: string): NeuralTraderError {
  const reason = detail ?? REASONS[code] ?? code;
  return new NeuralTraderError('IO', `cannot write ${path}: ${reason} (${code})`, {
    field: 'path',
    hint: 'choose a file path in a directory you can write to',
  });
}
