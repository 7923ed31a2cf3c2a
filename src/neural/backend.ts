import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * tfjs loading. tfjs is heavy (hundreds of ms to load), so nothing imports it at module load: the first
 * neural call does, through `createRequire` (tfjs ships CommonJS for Node, so `require` and `import`
 * give the same instance). That first call, synchronous or not, also starts the WebAssembly backend
 * (5-20x faster than the pure-JS CPU backend) synchronously: Node compiles and instantiates the tfjs
 * wasm binary with `new WebAssembly.Module/Instance`, which it allows on the main thread at any size,
 * so `predict()` on a freshly loaded model runs on wasm without `initNeuralBackend()`. The CPU backend
 * remains the fallback when the wasm binary cannot be loaded.
 */
export type Tf = typeof import('@tensorflow/tfjs');

const require = createRequire(import.meta.url);
let tfModule: Tf | undefined;
let started: string | undefined;

/** The tfjs module (loaded on first use), with its backend started (wasm, else cpu). */
export function getTf(): Tf {
  if (tfModule && started) return tfModule;
  if (!tfModule) {
    tfModule = require('@tensorflow/tfjs') as Tf;
    // Silence tfjs' "hi there, use tfjs-node" banner and kernel-registration warnings on stderr.
    tfModule.env().set('PROD', true);
  }
  const tf = tfModule;
  let name = 'cpu';
  try {
    startWasmSync(tf);
    installFastBatchMatMul(tf);
    installFastSliceAndUnpack(tf);
    name = 'wasm';
  } catch {
    // The CPU backend's factory is synchronous, so setBackend takes effect before it returns.
    void tf.setBackend('cpu');
  }
  started = name;
  return tf;
}

/**
 * The backend every neural entry point starts on first use (wasm; cpu if the wasm binary cannot be
 * loaded). Kept for callers that await it; calling it is no longer needed. Idempotent.
 */
export function initNeuralBackend(): Promise<string> {
  getTf();
  return Promise.resolve(started ?? 'cpu');
}

/** The name of the active backend ('wasm' or 'cpu'), or undefined before tfjs is loaded. */
export function activeBackend(): string | undefined {
  return tfModule?.getBackend();
}

/** The synchronous WebAssembly API (a global in Node; not in the TypeScript libraries this project uses). */
interface SyncWebAssembly {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WebAssemblySync = (globalThis as unknown as { WebAssembly: SyncWebAssembly }).WebAssembly;

/** The emscripten module object tfjs' BackendWasm wraps (only the members used here). */
interface WasmModule {
  cwrap(name: string, returns: string | null, args: string[]): unknown;
  tfjs?: Record<string, unknown>;
  instantiateWasm?: (
    imports: object,
    receive: (instance: { exports: object }, module: object) => void,
  ) => object;
}

/**
 * Start tfjs' wasm backend synchronously: the same binary the package's asynchronous loader picks in Node
 * (SIMD when the engine validates it; Node never uses the threaded build), the package's own emscripten
 * factory and BackendWasm class, compiled with the synchronous WebAssembly API. Emscripten finishes its
 * start-up synchronously when `instantiateWasm` returns the instance's exports, and tfjs' setBackend sets
 * a backend with a synchronous factory before its promise settles. Throws if anything is missing.
 */
function startWasmSync(tf: Tf): void {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js') as (
    config: WasmModule,
  ) => Promise<unknown>;
  let compiled: object;
  try {
    compiled = new WebAssemblySync.Module(
      readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')),
    );
  } catch {
    compiled = new WebAssemblySync.Module(
      readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')),
    );
  }
  const module = {
    instantiateWasm(imports, receive) {
      const instance = new WebAssemblySync.Instance(compiled, imports);
      receive(instance, compiled);
      return instance.exports;
    },
  } as WasmModule;
  // The factory's promise settles later; by then `module` is fully set up (or start-up threw here).
  factory(module).catch(() => {});
  if (typeof module.cwrap !== 'function') throw new Error('wasm module did not start synchronously');
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  const backend = new wasm.BackendWasm(
    module as unknown as ConstructorParameters<typeof wasm.BackendWasm>[0],
  );
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => backend, 2);
  void tf.setBackend('wasm');
  if (tf.getBackend() !== 'wasm') throw new Error('wasm backend did not start');
}

/**
 * The wasm backend's BatchMatMul runs XNNPACK only for one [M, K] x [K, N] product without transpose flags;
 * anything else goes to a naive loop 4-20x slower. Re-register the kernel so that (1) transpose flags
 * become explicit transposes (dense-layer gradients use the flags), and (2) a batch of products
 * [n, M, K] x [n, K, N] (attention heads) runs as n XNNPACK products on views of the same wasm memory
 * (no copies). Each output element is still one float32 dot product over K.
 */
function installFastBatchMatMul(tf: Tf): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return;
  type KernelArgs = Parameters<typeof original.kernelFunc>[0];
  let sliced: ReturnType<typeof batchedXnnMatMul> | null = null;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args: KernelArgs) => {
      const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
      const backend = args.backend as { disposeData(dataId: object): void };
      const inputs = args.inputs as Record<string, WasmTensorInfo>;
      const swapLast = (info: WasmTensorInfo) => {
        const rank = info.shape.length;
        const perm = info.shape.map((_, i) => i);
        perm[rank - 2] = rank - 1;
        perm[rank - 1] = rank - 2;
        return transpose.kernelFunc({
          inputs: { x: info },
          attrs: { perm },
          backend: args.backend,
        } as unknown as KernelArgs) as WasmTensorInfo;
      };
      const a = attrs.transposeA ? swapLast(inputs.a) : inputs.a;
      const b = attrs.transposeB ? swapLast(inputs.b) : inputs.b;
      if (sliced === null) sliced = batchedXnnMatMul(tf, args.backend);
      const result =
        sliced?.(a, b) ??
        original.kernelFunc({
          ...args,
          inputs: { ...inputs, a, b },
          attrs: { ...attrs, transposeA: false, transposeB: false },
        } as unknown as KernelArgs);
      if (a !== inputs.a) backend.disposeData(a.dataId);
      if (b !== inputs.b) backend.disposeData(b.dataId);
      return result as never;
    },
  });
}

interface WasmModuleView {
  cwrap(name: string, returns: null, args: string[]): (...args: unknown[]) => void;
  tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
}

/**
 * [..., M, K] x [..., K, N] with the same (> 1) number of batch entries on both sides, as one XNNPACK
 * product per entry: each entry's a, b and output are registered as tensors aliasing the batched
 * tensors' wasm memory (registration only; the memory stays owned by the batched tensors), multiplied by
 * the backend's own BatchMatMul entry point (its XNNPACK path), then unregistered. Returns undefined
 * for shapes it does not handle (broadcast batches, rank 2), which the original kernel computes.
 */
function batchedXnnMatMul(tf: Tf, rawBackend: unknown) {
  const backend = rawBackend as WasmBackendView & {
    wasm: WasmModuleView;
    dataIdMap: { get(dataId: object): { memoryOffset: number } };
    dataIdNextNumber: number;
  };
  if (!backend.wasm?.cwrap || !backend.wasm.tfjs?.registerTensor || backend.dataIdNextNumber === undefined)
    return undefined;
  const matMul = backend.wasm.cwrap('BatchMatMul', null, [
    'number',
    'array',
    'number',
    'number',
    'array',
    'number',
    'number',
    'number',
    'number',
  ]);
  return (a: WasmTensorInfo, b: WasmTensorInfo): WasmTensorInfo | undefined => {
    const rank = a.shape.length;
    if (rank < 3 || b.shape.length !== rank || a.dtype !== 'float32' || b.dtype !== 'float32')
      return undefined;
    const outer = a.shape.slice(0, -2);
    if (outer.some((d, i) => d !== b.shape[i])) return undefined;
    const count = tf.util.sizeFromShape(outer);
    const [M, K] = a.shape.slice(-2);
    const N = b.shape[rank - 1];
    if (count < 2 || b.shape[rank - 2] !== K || M * K * N === 0) return undefined;
    const out = backend.makeOutput([...outer, M, N], 'float32');
    const offsets = [a, b, out].map((t) => backend.dataIdMap.get(t.dataId).memoryOffset);
    const aShape = new Uint8Array(new Int32Array([1, M, K]).buffer);
    const bShape = new Uint8Array(new Int32Array([1, K, N]).buffer);
    const ids = [0, 0, 0];
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < 3; j++) ids[j] = backend.dataIdNextNumber++;
      backend.wasm.tfjs.registerTensor(ids[0], M * K, offsets[0] + 4 * i * M * K);
      backend.wasm.tfjs.registerTensor(ids[1], K * N, offsets[1] + 4 * i * K * N);
      backend.wasm.tfjs.registerTensor(ids[2], M * N, offsets[2] + 4 * i * M * N);
      matMul(ids[0], aShape, 3, ids[1], bShape, 3, 0, 0, ids[2]);
      // Unregistering b also deletes the XNNPACK operator cached for it.
      for (const id of ids) backend.wasm.tfjs.disposeData(id);
    }
    return out;
  };
}

interface WasmTensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}
interface WasmBackendView {
  makeOutput(shape: number[], dtype: string): WasmTensorInfo;
  typedArrayFromHeap(info: WasmTensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * The wasm backend's Slice (and Unpack, which calls it per output) first copies the WHOLE source tensor
 * out of the wasm heap (readSync), so taking the T per-step rows of a [T, B, H] tensor cost O(T^2 B H).
 * Re-register both so a contiguous slice copies only its own elements straight from the heap (the same
 * values; strided slices and strings still go to the original kernels).
 */
function installFastSliceAndUnpack(tf: Tf): void {
  const slice = tf.getKernel('Slice', 'wasm');
  const unpack = tf.getKernel('Unpack', 'wasm');
  if (!slice || !unpack) return;
  type KernelArgs = Parameters<typeof slice.kernelFunc>[0];
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    ...slice,
    kernelFunc: (args: KernelArgs) => {
      const x = args.inputs.x as unknown as WasmTensorInfo;
      const attrs = args.attrs as { begin: number | number[]; size: number | number[] };
      if (x.dtype === 'string') return slice.kernelFunc(args);
      const [begin, size] = tf.slice_util.parseSliceParams(
        x as unknown as import('@tensorflow/tfjs').TensorInfo as never,
        attrs.begin,
        attrs.size,
      );
      if (!tf.slice_util.isSliceContinous(x.shape, begin, size)) return slice.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackendView;
      const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
      const count = tf.util.sizeFromShape(size);
      const out = backend.makeOutput(size, x.dtype);
      // Views are taken after makeOutput: allocating may grow (and so detach) the wasm memory.
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + count));
      return out as never;
    },
  });
  tf.unregisterKernel('Unpack', 'wasm');
  tf.registerKernel({
    ...unpack,
    kernelFunc: (args: KernelArgs) => {
      const value = args.inputs.value as unknown as WasmTensorInfo;
      const axis = (args.attrs as { axis: number }).axis;
      if (value.dtype === 'string' || (axis !== 0 && axis !== -value.shape.length))
        return unpack.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackendView;
      const rest = value.shape.slice(1);
      const count = tf.util.sizeFromShape(rest);
      const outs = Array.from({ length: value.shape[0] }, () => backend.makeOutput(rest, value.dtype));
      const source = backend.typedArrayFromHeap(value);
      outs.forEach((out, i) => {
        backend.typedArrayFromHeap(out).set(source.subarray(i * count, (i + 1) * count));
      });
      return outs as never;
    },
  });
}
