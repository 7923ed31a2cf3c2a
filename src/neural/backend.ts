import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * tfjs loading. tfjs is heavy (hundreds of ms to load), so nothing imports it at module load: the first
 * neural call does, through `createRequire` (tfjs ships CommonJS for Node, so `require` and `import`
 * give the same instance). `initNeuralBackend()` switches to the WebAssembly backend (5-20x faster than
 * the pure-JS CPU backend); synchronous callers that run before it (a strategy's onBar) fall back to
 * the CPU backend, which initialises synchronously.
 */
export type Tf = typeof import('@tensorflow/tfjs');

const require = createRequire(import.meta.url);
let tfModule: Tf | undefined;
let wasmReady: Promise<string> | undefined;

/** The tfjs module (loaded on first use). Ensures some backend is active. */
export function getTf(): Tf {
  if (!tfModule) {
    tfModule = require('@tensorflow/tfjs') as Tf;
    // Silence tfjs' "hi there, use tfjs-node" banner and kernel-registration warnings on stderr.
    tfModule.env().set('PROD', true);
  }
  const tf = tfModule;
  if (!wasmReady && tf.getBackend() !== 'cpu') {
    // tf.getBackend() would pick wasm (higher priority) once registered but it initialises asynchronously.
    void tf.setBackend('cpu');
  }
  return tf;
}

/** Load tfjs with the wasm backend (files read from node_modules, never the network). Idempotent. */
export function initNeuralBackend(): Promise<string> {
  if (!wasmReady) {
    wasmReady = (async () => {
      if (!tfModule) {
        tfModule = require('@tensorflow/tfjs') as Tf;
        tfModule.env().set('PROD', true);
      }
      const tf = tfModule;
      try {
        const wasm =
          require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
        const distDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
        wasm.setWasmPaths(`${join(distDir, '/')}`);
        const ok = await tf.setBackend('wasm');
        if (!ok) throw new Error('wasm backend did not initialise');
        installFastBatchMatMul(tf);
      } catch {
        await tf.setBackend('cpu');
      }
      await tf.ready();
      return tf.getBackend();
    })();
  }
  return wasmReady;
}

/** The name of the active backend ('wasm' or 'cpu'), or undefined before tfjs is loaded. */
export function activeBackend(): string | undefined {
  return tfModule?.getBackend();
}

/**
 * The wasm backend's BatchMatMul is 10-20x slower with a transpose flag set than on explicitly transposed
 * inputs; gradients of dense layers use the flags. Re-register the kernel so it transposes first
 * (numerically identical: the same products summed in the same order).
 */
function installFastBatchMatMul(tf: Tf): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return;
  type KernelArgs = Parameters<typeof original.kernelFunc>[0];
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args: KernelArgs) => {
      const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
      const backend = args.backend as { disposeData(dataId: object): void };
      const inputs = args.inputs as Record<string, { shape: number[]; dataId: object }>;
      const swapLast = (info: { shape: number[]; dataId: object }) => {
        const rank = info.shape.length;
        const perm = info.shape.map((_, i) => i);
        perm[rank - 2] = rank - 1;
        perm[rank - 1] = rank - 2;
        return transpose.kernelFunc({
          inputs: { x: info },
          attrs: { perm },
          backend: args.backend,
        } as unknown as KernelArgs) as {
          shape: number[];
          dataId: object;
        };
      };
      const a = attrs.transposeA ? swapLast(inputs.a) : inputs.a;
      const b = attrs.transposeB ? swapLast(inputs.b) : inputs.b;
      const result = original.kernelFunc({
        ...args,
        inputs: { ...inputs, a, b },
        attrs: { ...attrs, transposeA: false, transposeB: false },
      } as unknown as KernelArgs);
      if (a !== inputs.a) backend.disposeData(a.dataId);
      if (b !== inputs.b) backend.disposeData(b.dataId);
      return result;
    },
  });
}
