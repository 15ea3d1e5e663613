import { mkdtempSync, writeFileSync } from 'fs';
import { cpus, tmpdir } from 'os';
import { dirname, join } from 'path';
import { tf } from '../tf';

/**
 * Starts tfjs' wasm backend with XNNPACK's thread pool in Node.
 *
 * Stock tfjs-backend-wasm turns threads off under Node (tfjs issue 3830). Forcing them on fails
 * for three reasons, each fixed here, only while the backend initialises:
 * - emscripten hands `worker_threads` `blob:` URLs for the worker and the main script
 *   (ERR_WORKER_PATH). The worker source tfjs builds is written to a temporary file, and the
 *   main script is pointed at the file the package ships in `wasm-out/`.
 * - the pool is capped at logical cores / 2. `os.cpus()` is reported doubled during start-up,
 *   so the cap is the real core count.
 * - the pool's workers would keep the process alive. They are unref'd.
 * Returns the number of threads, or 0 when the threaded start failed (the caller then starts the
 * single-threaded build).
 */
export async function startThreadedWasm(threads: number): Promise<number> {
  const wasmPkg = require('@tensorflow/tfjs-backend-wasm') as { setThreadsCount(n: number): void; getThreadsCount(): number };
  const out = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const main = join(out, 'tfjs-backend-wasm-threaded-simd.js');

  const g = globalThis as unknown as { Blob: unknown };
  const realBlob = g.Blob;
  const realCreate = URL.createObjectURL;
  const os = require('os') as { cpus: typeof cpus };
  const realCpus = os.cpus;
  class FileBlob {
    readonly path: string;
    constructor(parts: unknown[]) {
      // tfjs makes exactly two blobs: the worker source and the threaded module's factory.
      const text = parts.map(String).join('');
      if (text.startsWith('var WasmBackendModuleThreadedSimd')) this.path = main;
      else {
        this.path = join(mkdtempSync(join(tmpdir(), 'lasagne-wasm-')), 'worker.js');
        writeFileSync(this.path, text);
      }
    }
  }
  g.Blob = FileBlob;
  URL.createObjectURL = ((b: unknown) => (b instanceof FileBlob ? b.path : realCreate(b as Blob))) as typeof URL.createObjectURL;
  Object.defineProperty(Object.prototype, 'mainScriptUrlOrBlob', {
    configurable: true,
    set(this: object, v: unknown) {
      Object.defineProperty(this, 'mainScriptUrlOrBlob', { value: v instanceof FileBlob ? v.path : v, writable: true, configurable: true, enumerable: true });
    },
  });
  os.cpus = () => {
    const c = realCpus();
    return [...c, ...c];
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasmPkg.setThreadsCount(threads);
  try {
    if (!(await tf.setBackend('wasm'))) return 0;
  } catch {
    return 0;
  } finally {
    g.Blob = realBlob;
    URL.createObjectURL = realCreate;
    delete (Object.prototype as Record<string, unknown>).mainScriptUrlOrBlob;
    os.cpus = realCpus;
  }
  const pthreads = (tf.backend() as unknown as { wasm?: { PThread?: { unusedWorkers: { unref(): void }[]; runningWorkers: { unref(): void }[] } } }).wasm?.PThread;
  pthreads?.unusedWorkers.concat(pthreads.runningWorkers).forEach((w) => w.unref());
  return wasmPkg.getThreadsCount();
}

/** Threads wanted: LASAGNE_WASM_THREADS, else the number of cores. */
export function wantedWasmThreads(): number {
  const env = Number(process.env.LASAGNE_WASM_THREADS);
  return Number.isInteger(env) && env > 0 ? env : cpus().length;
}
