import { tf } from '../tf';
import type { BackendName, LoadOptions, LoadResult } from '../backend/loaders';
import { setPlatform } from './index';

/**
 * Browsers: `webgpu` (navigator.gpu), `webgl`, `wasm` (XNNPACK; threads when the page is
 * cross-origin isolated), `cpu`. Each tfjs backend package is imported when selection reaches it.
 * Imported only by the browser entry (`src/browser.ts`).
 */

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0];
const fail = (tfName: string, reason: string): LoadResult => ({ ok: false, tfName, detail: '', reason });

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(o?: object): Promise<{ info?: AdapterInfo; isFallbackAdapter?: boolean } | null>;
}
const nav = () => (globalThis as unknown as { navigator?: { gpu?: GpuLike; hardwareConcurrency?: number } }).navigator;

/** Software WebGPU adapters (SwiftShader) are used only when asked for by name (`setBackend('webgpu')`). */
async function webgpu(o: LoadOptions = {}): Promise<LoadResult> {
  const gpu = nav()?.gpu;
  if (!gpu) return fail('webgpu', 'this browser has no WebGPU (navigator.gpu).');
  let adapter;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return fail('webgpu', `requestAdapter failed: ${firstLine(e)}`);
  }
  if (!adapter) return fail('webgpu', 'no WebGPU adapter.');
  const info = adapter.info ?? {};
  const desc = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'an adapter';
  const software = info.isFallbackAdapter || adapter.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software/i.test(desc);
  if (software && !o.named) return fail('webgpu', `only a software WebGPU adapter (${desc}); setBackend('webgpu') uses it anyway.`);
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return fail('webgpu', 'tfjs could not start WebGPU on this adapter.');
  } catch (e) {
    return fail('webgpu', `WebGPU failed: ${firstLine(e)}`);
  }
  return { ok: true, tfName: 'webgpu', detail: `WebGPU on ${desc}${software ? ' (software)' : ''}` };
}

async function webgl(): Promise<LoadResult> {
  try {
    await import('@tensorflow/tfjs-backend-webgl');
    if (!(await tf.setBackend('webgl'))) return fail('webgl', 'no WebGL context could be created.');
  } catch (e) {
    return fail('webgl', `WebGL failed: ${firstLine(e)}`);
  }
  const version = tf.env().getNumber('WEBGL_VERSION');
  if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return fail('webgl', `WebGL ${version} cannot render float32 textures here (results would be float16).`);
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: { getExtension(n: string): { UNMASKED_RENDERER_WEBGL: number } | null; getParameter(p: number): unknown; RENDERER: number } } }).gpgpu?.gl;
  let renderer = '';
  try {
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    renderer = String(gl?.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  } catch {
    // renderer names are informative only
  }
  return { ok: true, tfName: 'webgl', detail: `WebGL ${version}${renderer ? ` on ${renderer}` : ''}` };
}

let wasmPrefix: string | undefined;

/**
 * Where the page serves tfjs-backend-wasm's `.wasm` files (the package's `dist/*.wasm`), e.g.
 * `setWasmPaths('/wasm/')`. Without it they are fetched beside the bundled script.
 */
export function setWasmPaths(prefix: string): void {
  wasmPrefix = prefix;
}

async function wasm(): Promise<LoadResult> {
  try {
    const w = await import('@tensorflow/tfjs-backend-wasm');
    if (wasmPrefix !== undefined) w.setWasmPaths(wasmPrefix);
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    if (isolated) w.setThreadsCount(Math.max(1, nav()?.hardwareConcurrency ?? 1));
    if (!(await tf.setBackend('wasm'))) return fail('wasm', 'the WebAssembly module could not start (were its .wasm files served? see setWasmPaths).');
    const threads = w.getThreadsCount();
    return { ok: true, tfName: 'wasm', detail: `WebAssembly (XNNPACK), ${threads} thread${threads > 1 ? 's' : ''}${isolated ? '' : ' (the page is not cross-origin isolated)'}` };
  } catch (e) {
    return fail('wasm', `WebAssembly failed: ${firstLine(e)}`);
  }
}

async function cpu(): Promise<LoadResult> {
  return { ok: true, tfName: 'cpu', detail: 'plain JavaScript' };
}

const loaders: Partial<Record<BackendName, (o?: LoadOptions) => Promise<LoadResult>>> = { webgpu, webgl, wasm, cpu };

setPlatform({
  name: 'browser',
  order: ['webgpu', 'webgl', 'wasm', 'cpu'],
  loaders,
  env: () => undefined,
  write: (line) => console.warn(line),
  blas: () => undefined,
  blasReason: () => 'no native BLAS in a browser',
  dnnl: () => undefined,
  dnnlReason: () => 'no oneDNN in a browser',
  surprisingSkip: () => false,
});
