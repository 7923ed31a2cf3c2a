import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The approximate index: a usearch HNSW graph over the episode vectors (squared L2), saved next to the
 * database as `<db>.usearch`. It is a cache of the table, never the record: the store checks the row
 * count and largest id it was saved at against the table and rebuilds it from the table when the file
 * is missing or stale (a crash between inserts and the save, an import).
 */

interface UsearchMatches {
  keys: BigUint64Array;
  distances: Float32Array;
}
interface UsearchIndex {
  add(keys: bigint | BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vector: Float32Array, k: number, threads: number): UsearchMatches;
  size(): number;
  save(path: string): void;
  load(path: string): void;
  changeExpansionSearch?(value: number): void;
}
interface UsearchModule {
  Index: new (options: {
    metric: string;
    connectivity: number;
    dimensions: number;
    expansion_add: number;
    expansion_search: number;
    multi: boolean;
    quantization?: string;
  }) => UsearchIndex;
}

let usearchModule: UsearchModule | undefined;
function usearch(): UsearchModule {
  // usearch ships CommonJS with a prebuilt native addon; loaded on first use only.
  usearchModule ??= createRequire(import.meta.url)('usearch') as UsearchModule;
  return usearchModule;
}

export interface AnnParameters {
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
}

/**
 * Measured at 1M i.i.d. Gaussian 32-d vectors: connectivity 16 / expansion 64 / 200 gave recall@10 0.813 at
 * 0.9 ms; 32 / 128 / 300 gives 0.987 at 2.0 ms (bench/memory.bench.mjs), at twice the build time.
 */
export const DEFAULT_ANN_PARAMETERS: AnnParameters = {
  connectivity: 32,
  expansionAdd: 128,
  expansionSearch: 300,
};

export class AnnIndex {
  private readonly index: UsearchIndex;

  constructor(
    readonly dimensions: number,
    readonly parameters: AnnParameters = DEFAULT_ANN_PARAMETERS,
  ) {
    const { Index } = usearch();
    this.index = new Index({
      metric: 'l2sq',
      connectivity: parameters.connectivity,
      dimensions,
      expansion_add: parameters.expansionAdd,
      expansion_search: parameters.expansionSearch,
      multi: false,
      quantization: 'f32',
    });
  }

  get size(): number {
    return this.index.size();
  }

  /** Add vectors (flat, dimensions each) under their episode ids. */
  add(ids: readonly number[], vectors: Float32Array): void {
    if (ids.length === 0) return;
    this.index.add(
      BigUint64Array.from(ids, (id) => BigInt(id)),
      vectors,
    );
  }

  /** The k nearest ids with their L2 distances (not squared), nearest first. */
  search(vector: Float32Array, k: number): { id: number; distance: number }[] {
    const found = this.index.search(vector, k, 1);
    const out: { id: number; distance: number }[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      const d = found.distances[i];
      if (!Number.isFinite(d)) continue;
      out.push({ id: Number(found.keys[i]), distance: Math.sqrt(Math.max(0, d)) });
    }
    return out;
  }

  /** Write to `path` through a temporary file and a rename, so a crash never leaves half a file. */
  save(path: string): void {
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      this.index.save(tmp);
      renameSync(tmp, path);
    } finally {
      if (existsSync(tmp)) rmSync(tmp, { force: true });
    }
  }

  static load(
    path: string,
    dimensions: number,
    parameters: AnnParameters = DEFAULT_ANN_PARAMETERS,
  ): AnnIndex {
    const index = new AnnIndex(dimensions, parameters);
    index.index.load(path);
    return index;
  }
}
