import { existsSync, readdirSync } from 'fs';
import { dirname, join } from 'path';
import { tf } from '../tf';
import { startThreadedWasm, wantedWasmThreads } from './wasm-threads';
import { describeAdapter, loadWebgpu } from './webgpu';

export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'webgl' | 'tensorflow' | 'wasm' | 'cpu';
/** `named`: the backend was asked for by name (`setBackend('webgpu')`), not reached by 'auto'. */
export interface LoadOptions {
  named?: boolean;
}
export interface LoadResult {
  ok: boolean;
  tfName: string;
  detail: string;
  /** Why it could not be used (one line), when !ok. */
  reason?: string;
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];

function tryRequire(mod: string): { mod?: unknown; error?: string } {
  try {
    return { mod: require(mod) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { error: code === 'MODULE_NOT_FOUND' && firstLine(e).includes(mod) ? `${mod} is not installed (optional: npm install ${mod})` : `${mod} failed to load: ${firstLine(e)}` };
  }
}

/**
 * tfjs-node(-gpu) registers its kernels before loading its native binding, so requiring a copy
 * whose install could not download libtensorflow leaves half-registered kernels behind. Check for
 * the binding first.
 */
function nativeMissing(mod: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(require.resolve(`${mod}/package.json`));
  } catch {
    return `${mod} is not installed (optional: npm install ${mod})`;
  }
  const lib = join(dir, 'lib');
  const found = existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  return found ? undefined : `${mod} is installed without its native binding (its install script could not download libtensorflow)`;
}

let gpuPackageLoaded = false;

async function tensorflowGpu(): Promise<LoadResult> {
  const missing = nativeMissing('@tensorflow/tfjs-node-gpu');
  if (missing) return { ok: false, tfName: 'tensorflow', detail: '', reason: `${missing}; it also needs CUDA 11.2 and cuDNN 8.1 on the machine.` };
  const r = tryRequire('@tensorflow/tfjs-node-gpu');
  if (r.error) return { ok: false, tfName: 'tensorflow', detail: '', reason: `${r.error}. It needs CUDA 11.2 and cuDNN 8.1 on the machine.` };
  gpuPackageLoaded = true;
  await tf.setBackend('tensorflow');
  const be = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  if (!be.isUsingGpuDevice) return { ok: false, tfName: 'tensorflow', detail: '', reason: '@tensorflow/tfjs-node-gpu loaded but sees no GPU (no CUDA device or driver).' };
  return { ok: true, tfName: 'tensorflow', detail: 'libtensorflow with CUDA' };
}

async function tensorflowCpu(): Promise<LoadResult> {
  // tfjs-node-gpu without a GPU is libtensorflow on the CPU: use it rather than loading a second copy.
  if (gpuPackageLoaded) return { ok: true, tfName: 'tensorflow', detail: 'libtensorflow CPU (from tfjs-node-gpu, no GPU seen)' };
  const missing = nativeMissing('@tensorflow/tfjs-node');
  if (missing) return { ok: false, tfName: 'tensorflow', detail: '', reason: missing };
  const r = tryRequire('@tensorflow/tfjs-node');
  if (r.error) return { ok: false, tfName: 'tensorflow', detail: '', reason: r.error };
  return { ok: true, tfName: 'tensorflow', detail: 'libtensorflow CPU' };
}

async function webgpu(): Promise<LoadResult> {
  const r = await loadWebgpu();
  if (!r.ok) return { ok: false, tfName: 'webgpu', detail: '', reason: r.reason };
  return { ok: true, tfName: 'webgpu', detail: `WebGPU on ${describeAdapter(r.facts)}` };
}

async function wasm(): Promise<LoadResult> {
  const r = tryRequire('@tensorflow/tfjs-backend-wasm');
  if (r.error) return { ok: false, tfName: 'wasm', detail: '', reason: r.error };
  const wanted = wantedWasmThreads();
  if (wanted > 1) {
    const threads = await startThreadedWasm(wanted);
    if (threads > 0) return { ok: true, tfName: 'wasm', detail: `WebAssembly (XNNPACK), ${threads} thread${threads > 1 ? 's' : ''}` };
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // the threaded start failed: use the single-threaded build
  }
  return { ok: true, tfName: 'wasm', detail: 'WebAssembly (XNNPACK), 1 thread' };
}

async function cpu(): Promise<LoadResult> {
  return { ok: true, tfName: 'cpu', detail: 'plain JavaScript' };
}

export const loaders: Partial<Record<BackendName, (o?: LoadOptions) => Promise<LoadResult>>> = {
  'tensorflow-gpu': tensorflowGpu,
  webgpu,
  tensorflow: tensorflowCpu,
  wasm,
  cpu,
};
