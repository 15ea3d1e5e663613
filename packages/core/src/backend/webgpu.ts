import { existsSync, mkdirSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { recordDeviceError } from './device-errors';
import { quietStderr } from './quiet';

/**
 * The WebGPU backend: Dawn (the `webgpu` npm package, ESM only) provides `navigator.gpu`, and
 * `@tensorflow/tfjs-backend-webgpu` runs its kernels on it. This module finds the adapter, decides
 * whether it may be used (software adapters only on request), and hands exactly that adapter to
 * tfjs. Results can only be read asynchronously: tfjs' synchronous read needs `OffscreenCanvas`.
 */

/** The parts of the WebGPU API used here (core does not depend on @webgpu/types). */
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuDevice {
  addEventListener(type: 'uncapturederror', listener: (ev: { error?: { message?: string } }) => void): void;
}
interface GpuAdapter {
  info?: GpuAdapterInfo;
  isFallbackAdapter?: boolean;
  requestDevice(descriptor?: unknown): Promise<GpuDevice>;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapter | null>;
  getPreferredCanvasFormat(): string;
  wgslLanguageFeatures?: unknown;
}
interface Dawn {
  create(options: string[]): Gpu;
  globals: Record<string, unknown>;
}

export interface AdapterFacts {
  vendor: string;
  architecture: string;
  description: string;
  /** A fallback/CPU adapter (lavapipe, SwiftShader, WARP). */
  software: boolean;
}

/** `import()` that tsc's CommonJS output leaves as a real dynamic import (the package is ESM only). */
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

/**
 * Loads Dawn: through the package's ESM entry in Node; where dynamic import is unavailable (jest
 * runs modules in a VM context without it), through the same native binding the entry loads.
 */
async function loadDawn(): Promise<Dawn> {
  try {
    return (await importEsm('webgpu')) as Dawn;
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (!code.startsWith('ERR_VM_DYNAMIC_IMPORT')) throw e;
  }
  const dir = dirname(require.resolve('webgpu/package.json'));
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const binding = join(dir, 'dist', `${process.platform}-${arch}`, 'dawn.node');
  if (!existsSync(binding)) throw new Error(`webgpu has no Dawn binary for ${process.platform}-${arch}`);
  return require(binding) as Dawn;
}

/** Dawn on Linux needs the Vulkan loader; without it, it only prints warnings and finds nothing. */
export function vulkanMissing(): boolean {
  if (process.platform !== 'linux') return false;
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/local/lib'];
  return !dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

/** Mesa's Vulkan drivers print errors about a missing runtime directory when it is unset. */
function runtimeDir(): void {
  if (process.platform !== 'linux' || process.env.XDG_RUNTIME_DIR) return;
  const dir = join(tmpdir(), `lasagne-xdg-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  } catch {
    // Mesa only complains; nothing depends on it.
  }
}

export const softwareAllowed = (): boolean => /^(1|true|yes)$/i.test(process.env.LASAGNE_WEBGPU_ALLOW_SOFTWARE ?? '');

export function adapterFacts(adapter: GpuAdapter): AdapterFacts {
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description || info.device || '';
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const software = fallback || architecture === 'software' || /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i.test(`${vendor} ${description}`);
  return { vendor, architecture, description, software };
}

export function describeAdapter(f: AdapterFacts): string {
  const name = f.description || [f.vendor, f.architecture].filter(Boolean).join(' ') || 'an unnamed adapter';
  return `${name}${f.software ? ', a software adapter' : ''}`;
}

export type WebgpuLoad = { ok: true; facts: AdapterFacts } | { ok: false; reason: string };
let loading: Promise<WebgpuLoad> | undefined;

/**
 * Finds the adapter and registers tfjs' webgpu backend on it (once per process). A software
 * adapter is refused unless LASAGNE_WEBGPU_ALLOW_SOFTWARE=1: it is slower than wasm, so it is
 * never chosen automatically.
 */
export function loadWebgpu(): Promise<WebgpuLoad> {
  if (!loading) loading = tryLoad();
  return loading.then((r) => {
    if (r.ok && r.facts.software && !softwareAllowed()) {
      return { ok: false, reason: `only a software WebGPU adapter (${describeAdapter(r.facts)}) is present; set LASAGNE_WEBGPU_ALLOW_SOFTWARE=1 to use it anyway.` };
    }
    return r;
  });
}

async function tryLoad(): Promise<WebgpuLoad> {
  if (vulkanMissing()) return { ok: false, reason: 'no Vulkan loader (libvulkan.so.1) on this machine, so no WebGPU adapter.' };
  runtimeDir();
  let dawn: Dawn;
  try {
    dawn = await loadDawn();
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split('\n')[0];
    const absent = /Cannot find (module|package) 'webgpu/.test(msg);
    return { ok: false, reason: absent ? 'webgpu is not installed (optional: npm install webgpu @tensorflow/tfjs-backend-webgpu)' : `webgpu (Dawn) failed to load: ${msg}` };
  }
  // Dawn prints adapter start-up warnings straight to stderr (e.g. "maxDynamicUniformBuffers...
  // artificially reduced"); LASAGNE_DEBUG shows them.
  const quiet = process.env.LASAGNE_DEBUG ? <T>(f: () => Promise<T>) => f() : quietStderr;
  try {
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    const adapter = await quiet(() => gpu.requestAdapter({ powerPreference: 'high-performance' }));
    if (!adapter) return { ok: false, reason: 'Dawn found no WebGPU adapter (no Vulkan driver for this GPU?).' };
    const facts = adapterFacts(adapter);
    // tfjs asks navigator.gpu for an adapter itself: give it the one chosen here, and watch the
    // device it creates for errors.
    const requestDevice = adapter.requestDevice.bind(adapter);
    adapter.requestDevice = async (d) => {
      const device = await quiet(() => requestDevice(d));
      device.addEventListener('uncapturederror', (ev) => recordDeviceError(String(ev.error?.message ?? ev)));
      return device;
    };
    const nav = {
      requestAdapter: async () => adapter,
      getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat(),
      wgslLanguageFeatures: gpu.wgslLanguageFeatures,
    };
    Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis as { navigator?: object }).navigator, gpu: nav }, configurable: true, writable: true });
    require('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' when navigator.gpu exists
    return { ok: true, facts };
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split('\n')[0];
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND' && msg.includes('tfjs-backend-webgpu')) return { ok: false, reason: '@tensorflow/tfjs-backend-webgpu is not installed (optional: npm install @tensorflow/tfjs-backend-webgpu)' };
    return { ok: false, reason: `WebGPU failed: ${msg}` };
  }
}
