import { tf, type Tensor } from '../tf';
import { platform } from '../platform';
import type { Blas } from './native/blas';

/**
 * Host kernels: code that reads and writes float32 tensor memory directly, for the two backends
 * whose tensors live in this process's memory (wasm: the WebAssembly heap; cpu: JS typed arrays).
 * Used where a JS loop or a native library (BLAS) beats the tfjs kernels; no copies are made.
 */
export const hasHostMemory = (backend: string): boolean => backend === 'wasm' || backend === 'cpu';

/** The native BLAS when `backend` keeps tensors here and every operand is float32, else undefined. */
export function hostBlas(backend: string, operands: readonly Tensor[]): Blas | undefined {
  return hasHostMemory(backend) && operands.every((t) => t.dtype === 'float32') ? platform().blas() : undefined;
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): { dataId: object; shape: number[]; dtype: 'float32' };
  typedArrayFromHeap(info: { dataId: object; shape: number[]; dtype: string }): Float32Array;
}
interface CpuBackend {
  readSync(dataId: object): ArrayLike<number>;
}

/**
 * Runs `body` on views of the inputs' memory and of fresh outputs of the given shapes, and returns
 * the outputs as tensors. All outputs are allocated before any view is taken (allocating can grow
 * the wasm heap, which would invalidate earlier views). Inputs must be float32; `body` must not
 * write to them.
 */
export function runHostKernel(inputs: readonly Tensor[], outShapes: readonly number[][], body: (ins: Float32Array[], outs: Float32Array[]) => void): Tensor[] {
  for (const t of inputs) if (t.dtype !== 'float32') throw new TypeError(`host kernel: expected float32 inputs, received ${t.dtype}.`);
  const backend = tf.backend();
  if (tf.getBackend() === 'wasm') {
    const wasm = backend as unknown as WasmBackend;
    const infos = outShapes.map((s) => wasm.makeOutput([...s], 'float32'));
    const outs = infos.map((i) => wasm.typedArrayFromHeap(i));
    body(
      inputs.map((t) => wasm.typedArrayFromHeap(t as unknown as { dataId: object; shape: number[]; dtype: string })),
      outs,
    );
    return infos.map((i) => tf.engine().makeTensorFromTensorInfo(i));
  }
  if (tf.getBackend() === 'cpu') {
    const outs = outShapes.map((s) => new Float32Array(tf.util.sizeFromShape([...s])));
    // A float32 tensor cast from int32 shares the int32 tensor's Int32Array there (tfjs' cpu Cast
    // keeps the data when no precision is lost): such values are copied to float32 first.
    const views = inputs.map((t) => {
      const v = (backend as unknown as CpuBackend).readSync(t.dataId) as ArrayLike<number>;
      return v instanceof Float32Array ? v : Float32Array.from(v);
    });
    body(views, outs);
    return outs.map((o, i) => tf.tensor(o, outShapes[i], 'float32'));
  }
  throw new Error(`host kernel: backend '${tf.getBackend()}' keeps tensors outside this process's memory.`);
}
