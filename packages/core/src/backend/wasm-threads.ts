import { createHash } from 'crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { cpus, tmpdir } from 'os';
import { dirname, join } from 'path';
import { writeFileAtomic } from '../io/files';
import { tf } from '../tf';

/** This user's private directory for the worker files (mode 0700), or undefined when it cannot be trusted. */
function privateDir(): string | undefined {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const dir = join(tmpdir(), `lasagne-ts-${uid ?? 'user'}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  const st = lstatSync(dir);
  // Another user's directory, a symlink, or one others can write: a worker file there could be swapped.
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
  return dir;
}

/**
 * Removes the per-process `lasagne-wasm-XXXXXX` directories earlier versions left in the temp
 * directory (one per process): this user's, older than an hour, holding only `worker.js`.
 */
function removeLegacyWorkerDirs(): void {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => /^lasagne-wasm-[A-Za-z0-9]{6}$/.test(n));
  } catch {
    return;
  }
  for (const n of names) {
    const d = join(tmpdir(), n);
    try {
      const st = statSync(d);
      if (uid !== undefined && st.uid !== uid) continue;
      if (Date.now() - st.mtimeMs < 3600_000) continue;
      const files = readdirSync(d);
      if (files.length <= 1 && files.every((f) => f === 'worker.js')) rmSync(d, { recursive: true, force: true });
    } catch {
      // in use or gone
    }
  }
}

/**
 * The worker source as a file `worker_threads` can start: one shared copy per content (the
 * tfjs-backend-wasm version and its hash in the name) in this user's private temp directory,
 * written once atomically and reused by every process. Where no private directory can be made,
 * a per-process directory, removed at exit.
 */
function workerFile(text: string): string {
  const version = (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = privateDir();
  if (dir) {
    const file = join(dir, `wasm-worker-${version}-${hash}.js`);
    let same = false;
    try {
      same = readFileSync(file, 'utf8') === text;
    } catch {
      // not there yet
    }
    if (!same) writeFileAtomic(file, text, { what: 'the wasm worker file' });
    removeLegacyWorkerDirs();
    return file;
  }
  const own = mkdtempSync(join(tmpdir(), 'lasagne-wasm-'));
  process.once('exit', () => rmSync(own, { recursive: true, force: true }));
  const file = join(own, 'worker.js');
  writeFileAtomic(file, text, { what: 'the wasm worker file' });
  return file;
}

/**
 * Starts tfjs' wasm backend with XNNPACK's thread pool in Node.
 *
 * Stock tfjs-backend-wasm turns threads off under Node (tfjs issue 3830). Forcing them on fails
 * for three reasons, each fixed here, only while the backend initialises:
 * - emscripten hands `worker_threads` `blob:` URLs for the worker and the main script
 *   (ERR_WORKER_PATH). The worker source tfjs builds is written to a file (one shared, versioned
 *   copy in this user's temp directory, see `workerFile`), and the main script is pointed at the
 *   file the package ships in `wasm-out/`.
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
      else this.path = workerFile(text);
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
