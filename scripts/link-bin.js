#!/usr/bin/env node
// After `npm install` in a clone of this repository, make `npx neural-trader` run THIS checkout's CLI.
// npm links the bins of dependencies into node_modules/.bin but not the project's own; without this
// link, npx would fetch an unrelated package of the same name from the registry.
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, 'node_modules', '.bin');
const target = join(root, 'bin', 'neural-trader.js');
const link = join(binDir, 'neural-trader');
// Installed as somebody's dependency, npm links the bin itself; only act in a checkout.
if (!existsSync(join(root, '.git')) && !existsSync(join(root, 'src'))) process.exit(0);
mkdirSync(binDir, { recursive: true });
const wanted = relative(binDir, target);
let current;
try {
  current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'not a link';
} catch {
  current = undefined;
}
if (current !== wanted) {
  if (current !== undefined) rmSync(link, { force: true });
  if (process.platform === 'win32') {
    writeFileSync(`${link}.cmd`, `@node "%~dp0\\${wanted}" %*\r\n`);
  } else {
    symlinkSync(wanted, link);
  }
}
