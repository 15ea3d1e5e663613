import { BackendError, SyncCallError } from '../errors';
import { tf } from '../tf';
import { BACKEND_ORDER, envVar, platform } from '../platform';
import type { BackendName, LoadResult } from './loaders';
import { hasHostMemory } from './host-memory';

export type { BackendName };
export { BACKEND_ORDER };
/** Backends whose results can only be read asynchronously (tfjs' webgpu read needs OffscreenCanvas). */
const ASYNC_ONLY: ReadonlySet<BackendName> = new Set(['webgpu']);

let chosen: { name: BackendName; tfName: string; detail: string } | undefined;
let noticeSink: (line: string) => void = (line) => platform().write(line);
const notices: string[] = [];

/** Where lasagne-ts' one-line backend notices go (default: stderr in Node, the console in a browser). */
export function onBackendNotice(sink: (line: string) => void): void {
  noticeSink = sink;
}
function notice(line: string): void {
  noticeSink(line);
}
const debug = () => !!envVar('LASAGNE_DEBUG') && envVar('LASAGNE_DEBUG') !== '0';

function canonical(name: string): BackendName {
  const n = name.toLowerCase();
  const alias: Record<string, BackendName> = { gpu: 'tensorflow-gpu', cuda: 'tensorflow-gpu', node: 'tensorflow', 'tensorflow-cpu': 'tensorflow', js: 'cpu', plain: 'cpu' };
  const out = (alias[n] ?? n) as BackendName;
  if (!BACKEND_ORDER.includes(out)) {
    throw new BackendError(`setBackend: unknown backend '${name}'; expected one of ${BACKEND_ORDER.join(', ')} (or 'auto').`);
  }
  return out;
}

function load(name: BackendName, named = false): Promise<LoadResult> {
  const loader = platform().loaders[name];
  return loader ? loader({ named }) : Promise.resolve({ ok: false, tfName: name, detail: '', reason: `not available in ${platform().name === 'node' ? 'Node' : 'a browser'}.` });
}

async function activate(name: BackendName, r: LoadResult): Promise<void> {
  const ok = await tf.setBackend(r.tfName);
  if (!ok) throw new BackendError(`backend '${name}' was registered but failed to initialise.`);
  await tf.ready();
  chosen = { name, tfName: r.tfName, detail: r.detail };
}

/**
 * Selects the backend: a name from BACKEND_ORDER, or 'auto' (also the default when
 * LASAGNE_BACKEND is unset) to take the first that loads. A named backend that cannot load is a
 * BackendError saying why. In 'auto' mode the next is tried, quietly: why each was skipped is in
 * `backendNotices()`, and printed (one line each, plus the choice) only with LASAGNE_DEBUG=1.
 * Without it, at most one line is printed: when a backend whose package you installed could not
 * be used on a machine that has what it needs, naming it and the backend chosen.
 */
export async function setBackend(name: string = envVar('LASAGNE_BACKEND') || 'auto'): Promise<string> {
  if (name === 'auto') {
    notices.length = 0;
    const surprising: BackendName[] = [];
    for (const candidate of BACKEND_ORDER) {
      const r = await load(candidate);
      if (r.ok) {
        await activate(candidate, r);
        if (debug()) notices.forEach(notice);
        if (debug()) notice(`lasagne-ts: using ${describeBackend()}`);
        else if (surprising.length) {
          notice(`lasagne-ts: using ${candidate}; ${surprising.join(', ')} installed but not usable here (LASAGNE_DEBUG=1 says why)`);
        }
        return candidate;
      }
      notices.push(`lasagne-ts: backend '${candidate}' not used: ${r.reason ?? 'it did not load.'}`);
      if (platform().surprisingSkip(candidate)) surprising.push(candidate);
    }
    notices.forEach(notice);
    throw new BackendError('no backend could be loaded (not even the plain-JS one); reinstall @lasagne-ts/core.');
  }
  const n = canonical(name);
  const r = await load(n, true);
  if (!r.ok) throw new BackendError(`backend '${n}' cannot be used: ${r.reason}`);
  await activate(n, r);
  return n;
}

/** Makes sure a backend is selected and initialised (selecting as `setBackend()` would). */
export async function ready(): Promise<string> {
  if (chosen && tf.getBackend() === chosen.tfName) return chosen.name;
  return setBackend();
}

/**
 * For synchronous callers (compiled functions) when `ready()` was never awaited: selects the
 * environment's backend if it can start synchronously, else the plain-JS one with a notice. On a
 * backend that can only read asynchronously it throws a SyncCallError naming `what` (e.g.
 * "compiled function 'train'") and saying to use `fn.async`, unless the caller reads nothing
 * (`noReads`: outputs left on the device).
 */
export function ensureBackendSync(what = 'a compiled function', noReads = false): string {
  if (chosen && tf.getBackend() === chosen.tfName) {
    if (ASYNC_ONLY.has(chosen.name) && !noReads) throw syncCallError(what, chosen.name);
    return chosen.name;
  }
  const wanted = envVar('LASAGNE_BACKEND');
  if (wanted === 'cpu' || wanted === undefined || wanted === '' || wanted === 'auto') {
    if (wanted !== 'cpu') notice("lasagne-ts: using the plain-JS 'cpu' backend because `await ready()` was not called; await it to get the fastest backend.");
    tf.setBackend('cpu');
    chosen = { name: 'cpu', tfName: 'cpu', detail: 'plain JavaScript' };
    return 'cpu';
  }
  const n = canonical(wanted);
  if (ASYNC_ONLY.has(n)) throw syncCallError(what, n);
  throw new BackendError(`backend '${wanted}' (from LASAGNE_BACKEND) initialises asynchronously: call \`await ready()\` before running compiled functions.`);
}

function syncCallError(what: string, name: BackendName): SyncCallError {
  return new SyncCallError(`${what} was called synchronously, but the '${name}' backend can only read results asynchronously; call \`await fn.async(...args)\` instead of \`fn(...args)\` (same arguments and outputs).`);
}

/** For asynchronous callers: the selected backend, selecting one as `ready()` does when none is. */
export async function ensureBackend(): Promise<string> {
  return ready();
}

/** Whether the selected backend can read values synchronously (false on webgpu). */
export function readsSynchronously(): boolean {
  return !chosen || !ASYNC_ONLY.has(chosen.name);
}

/** The selected backend's name (as in BACKEND_ORDER), or undefined before selection. */
export function getBackend(): BackendName | undefined {
  return chosen?.name;
}

/**
 * A one-line description of what runs where, e.g. "wasm (WebAssembly (XNNPACK), 2 threads;
 * matmul: oneDNN, OpenBLAS 0.3.21 (Haswell kernels) under a profiler; conv/pool: oneDNN 2.6.3
 * (nChw8c, 2 OpenMP threads))".
 * The in-process backends name the native libraries their matrix products and convolutions run
 * on (each with its own thread pool), or tfjs where there is none (see backend/native/).
 */
export function describeBackend(): string {
  if (!chosen) return 'none selected';
  if (!hasHostMemory(chosen.tfName)) return `${chosen.name} (${chosen.detail})`;
  const p = platform();
  const [blas, dnnl] = [p.blas()?.describe, p.dnnl()?.describe];
  // With oneDNN the products run on its matmul; BLAS then takes them while a profiler may run (Dnnl.gemmSafe).
  const matmul = dnnl ? `oneDNN${blas ? `, ${blas} under a profiler` : ''}` : (blas ?? 'tfjs, no native BLAS');
  return `${chosen.name} (${chosen.detail}; matmul: ${matmul}; conv/pool: ${dnnl ?? 'tfjs, no oneDNN'})`;
}

/** Why the in-process backends run matrix products without a native BLAS (undefined when they have one; always a reason in a browser). */
export function blasStatus(): string | undefined {
  return platform().blasReason();
}

/** Why each backend the last 'auto' selection skipped was skipped (one line each; printed only with LASAGNE_DEBUG=1). */
export function backendNotices(): readonly string[] {
  return notices;
}

/** Why the in-process backends run convolutions and pooling without oneDNN (undefined when they have it; always a reason in a browser). */
export function dnnlStatus(): string | undefined {
  return platform().dnnlReason();
}

/** The tfjs engine's backend name (for kernel-availability checks). */
export function tfBackendName(): string {
  return tf.getBackend();
}
