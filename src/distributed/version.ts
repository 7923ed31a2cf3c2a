import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The code version a sweep's results depend on: the package version plus a hash of the built engine
 * (every compiled module except the faces, which format but never compute). A coordinator and a worker
 * with different versions could rank differently, so workers serve only their own version's queue and
 * both sides say so in one line when they meet a different one.
 */
export interface CodeVersion {
  package: string;
  /** 16 hex digits of the SHA-256 over the built modules' paths and contents. */
  engine: string;
}

/** Folders whose modules cannot change a trial's numbers. */
const NOT_ENGINE = new Set(['cli', 'mcp', 'report']);

let cached: CodeVersion | undefined;

function listFiles(dir: string, root: string, extension: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dir === root && NOT_ENGINE.has(entry.name)) continue;
      listFiles(path, root, extension, out);
    } else if (entry.name.endsWith(extension) && !entry.name.endsWith('.test.ts')) out.push(path);
  }
}

export function codeVersion(): CodeVersion {
  if (cached) return cached;
  const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
  let version = '0.0.0';
  try {
    const text = readFileSync(join(packageRoot, 'package.json'), 'utf8');
    version = (JSON.parse(text) as { version?: string }).version ?? version;
  } catch {
    // An unpacked copy without package.json: the engine hash still tells builds apart.
  }
  // The built engine is what workers run; a source checkout without a build hashes its sources.
  const built = join(packageRoot, 'dist');
  const [root, extension] = existsSync(built) ? [built, '.js'] : [join(packageRoot, 'src'), '.ts'];
  const files: string[] = [];
  listFiles(root, root, extension, files);
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(root, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  cached = { package: version, engine: hash.digest('hex').slice(0, 16) };
  return cached;
}

export function describeVersion(version: CodeVersion): string {
  return `neural-trader ${version.package}, engine ${version.engine}`;
}

export function sameVersion(a: CodeVersion, b: CodeVersion): boolean {
  return a.package === b.package && a.engine === b.engine;
}
