import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NeuralTraderError } from '../../src/core/errors.js';
import { writeFileAtomic } from '../../src/core/files.js';

describe('writeFileAtomic', () => {
  it('writes the file and leaves no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-files-'));
    writeFileAtomic(join(dir, 'a', 'out.txt'), 'hello');
    expect(readFileSync(join(dir, 'a', 'out.txt'), 'utf8')).toBe('hello');
    expect(readdirSync(join(dir, 'a'))).toEqual(['out.txt']);
  });

  it('turns an unwritable path into a user error naming the path, writing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-files-'));
    const blocker = join(dir, 'file');
    writeFileAtomic(blocker, 'x');
    const target = join(blocker, 'inside', 'out.txt'); // a directory under a regular file
    let caught: unknown;
    try {
      writeFileAtomic(target, 'data');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NeuralTraderError);
    expect((caught as NeuralTraderError).message).toMatch(
      /^cannot write .*out\.txt: .*file is a file, not a directory \(ENOTDIR\)$/,
    );
    expect(existsSync(target)).toBe(false);
  });
});
