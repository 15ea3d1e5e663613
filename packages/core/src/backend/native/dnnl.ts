import { existsSync } from 'fs';
import { url as inspectorUrl } from 'inspector';
import { cpus } from 'os';
import { bindDnnl, type DnnlApi, type Version } from './dnnl-api';
import { cpuFlags, nativeLibrary, pinLibrary, type Koffi } from './ffi';
import { DnnlKernels, dnnlSelfTest } from './dnnl-kernels';

/**
 * oneDNN (Intel's deep-learning primitives; Debian/Ubuntu `libdnnl2` or `libdnnl3`, Homebrew
 * `onednn`) for the convolutions and max-pooling of the in-process backends (wasm, cpu), called
 * through koffi on the tensors' own memory. Optional: without it those ops keep their tfjs and
 * host-loop paths.
 *
 * LASAGNE_DNNL: unset = look for libdnnl.so.3 / .so.2 (macOS: Homebrew's libdnnl.dylib);
 * a path = that library; off/0 = never.
 *
 * Before loading, OpenMP (oneDNN's thread pool) is told to sleep between calls after a short
 * spin (`OMP_WAIT_POLICY=PASSIVE`, `GOMP_SPINCOUNT=20000`: threads spinning for libgomp's default
 * ~3 ms slowed the next tfjs op 2-3x) and how many threads
 * to use (`OMP_NUM_THREADS`: every core, or LASAGNE_WASM_THREADS), unless the user set them. The
 * library is pinned in memory for the process' life (see `pinLibrary`).
 */
export interface Dnnl {
  api: DnnlApi;
  /** Channel block of the activations' blocked layout: 16 with AVX-512, else 8. */
  block: 8 | 16;
  threads: number;
  /** The conv/pool kernels, with their primitives cached per shape. */
  kernels: DnnlKernels;
  /** e.g. "oneDNN 2.6.3 (nChw8c, 2 OpenMP threads)". */
  describe: string;
  /**
   * Whether oneDNN's JIT f32 gemm (its matmul) may run now. That code points the stack pointer
   * into the heap, so a signal arriving while it runs writes the signal frame there and corrupts
   * the heap (oneDNN issue #4845; reproduced here with 2.6.3 under `node --cpu-prof`: "corrupted
   * size vs. prev_size" within ~1000 products of 500x800·800x10). False while a sampling profiler
   * may run: `--cpu-prof`/`--prof` in the flags or NODE_OPTIONS, or an open inspector session.
   */
  gemmSafe(): boolean;
}

const PROFILER_FLAG = /(^|\s)--(cpu-prof|prof|heap-prof|inspect)/;

/** See `Dnnl.gemmSafe`: no profiler flag and no inspector session. */
function gemmSafe(): boolean {
  if (process.execArgv.some((a) => PROFILER_FLAG.test(a)) || PROFILER_FLAG.test(process.env.NODE_OPTIONS ?? '')) return false;
  return inspectorUrl() === undefined;
}

/** Every library opened, by path: a library is bound once per process (it stays loaded anyway). */
const opened = new Map<string, Dnnl>();

function candidates(): string[] {
  if (process.platform === 'darwin') return ['/opt/homebrew/opt/onednn/lib/libdnnl.3.dylib', '/usr/local/opt/onednn/lib/libdnnl.3.dylib', '/opt/homebrew/lib/libdnnl.dylib', '/usr/local/lib/libdnnl.dylib'];
  if (process.platform === 'win32') return ['dnnl.dll'];
  return ['libdnnl.so.3', 'libdnnl.so.2'];
}

/** AVX-512 machines get 16-channel blocks (one vector register), the rest 8 (AVX2). */
function cpuBlock(): 8 | 16 {
  return cpuFlags().has('avx512f') ? 16 : 8;
}

/**
 * The OpenMP settings oneDNN runs with, written into `env` (the process's environment) where the
 * user set none, before the library loads; returns the team size.
 */
export function ompEnvironment(env: Record<string, string | undefined> = process.env, cores = cpus().length): number {
  // Spin ~0.2 ms (libgomp counts ~100000 spins per ms) before sleeping: long enough that the
  // threads are awake for a dense layer's product right after the previous one, short enough not
  // to take the cores from the next tfjs op (MLP validation batch ~0.3 ms faster on 2 cores).
  if (env.OMP_WAIT_POLICY === undefined) env.GOMP_SPINCOUNT ??= '20000';
  env.OMP_WAIT_POLICY ??= 'PASSIVE';
  if (!env.OMP_NUM_THREADS) {
    const wasm = Number(env.LASAGNE_WASM_THREADS);
    env.OMP_NUM_THREADS = String(Number.isInteger(wasm) && wasm > 0 ? wasm : cores);
  }
  const threads = Number.parseInt(env.OMP_NUM_THREADS, 10) || cores;
  // One thread per core, each bound to its core. Unbound, a worker woken after the process was
  // idle (~20 ms, e.g. between validation batches) was at times placed on the main thread's core
  // and stayed there: every product then ran on one core, 2.5x slower for seconds (2 cores, MNIST
  // MLP validation batch 10 → 25 ms; user CPU time equal to wall time). Only when the user chose
  // no placement and the team fills the machine (a smaller team bound to the first cores would
  // crowd them).
  const placed = ['OMP_PROC_BIND', 'OMP_PLACES', 'GOMP_CPU_AFFINITY', 'KMP_AFFINITY'].some((v) => env[v] !== undefined);
  if (!placed && threads > 1 && threads === cores) {
    env.OMP_PROC_BIND = 'true';
    env.OMP_PLACES = 'cores';
  }
  return threads;
}

function readVersion(koffi: Koffi, lib: ReturnType<Koffi['load']>): Version {
  // const dnnl_version_t *dnnl_version(void): {int major, minor, patch; const char *hash; ...}
  const ptr = lib.func('void *dnnl_version()')();
  const k = koffi as unknown as { decode(p: unknown, t: string, n: number): number[] };
  const [major, minor, patch] = k.decode(ptr, 'int', 3);
  return { major, minor, patch };
}

function open(koffi: Koffi, path: string): Dnnl {
  const threads = ompEnvironment();
  const lib = koffi.load(path);
  pinLibrary(koffi, path);
  const version = readVersion(koffi, lib);
  if (version.major < 2 || version.major > 3) throw new Error(`oneDNN ${version.major}.${version.minor} is not supported (2.x and 3.x are)`);
  const api = bindDnnl(koffi, lib, version);
  const block = cpuBlock();
  // A library that loads but computes wrongly (an ABI mismatch, a wrong binding) must not be used.
  dnnlSelfTest(api, block);
  const v = `${version.major}.${version.minor}.${version.patch}`;
  return { api, block, threads, kernels: new DnnlKernels(api, block), describe: `oneDNN ${v} (nChw${block}c, ${threads} OpenMP thread${threads > 1 ? 's' : ''})`, gemmSafe };
}

const library = nativeLibrary({
  variable: 'LASAGNE_DNNL',
  what: 'oneDNN',
  candidates,
  open(koffi, path) {
    if (path.startsWith('/') && !existsSync(path)) throw new Error('no such file');
    let dnnl = opened.get(path);
    if (!dnnl) opened.set(path, (dnnl = open(koffi, path)));
    return dnnl;
  },
  hint: (named) =>
    named
      ? 'set LASAGNE_DNNL to a oneDNN 2.x or 3.x library (libdnnl.so.2/.3), or unset it'
      : 'install oneDNN for faster convolutions (Debian/Ubuntu: apt-get install libdnnl2 or libdnnl3; macOS: brew install onednn) or set LASAGNE_DNNL to a library path',
});

/** oneDNN, or undefined (with `dnnlUnavailableReason()` saying why). Loaded once. */
export const getDnnl = (): Dnnl | undefined => library.get();

/** Why the in-process backends run convolutions without oneDNN, or undefined if they have it. */
export const dnnlUnavailableReason = (): string | undefined => library.reason();

/** For tests: read LASAGNE_DNNL again on the next getDnnl() (a library opened before is reused: it stays loaded). */
export const resetDnnlForTests = (): void => library.reset();
