import { cpuFlags, nativeLibrary, type Koffi } from './ffi';

/**
 * An optional native BLAS for the matrix products of the in-process backends (wasm, cpu), called
 * through koffi (an FFI with prebuilt binaries, an optional peer dependency) on the tensors' own memory.
 * WASM SIMD matMul stops near 25 GFLOP/s per thread; OpenBLAS on AVX-512 reaches ~200 on two
 * cores. Without a library (or with LASAGNE_BLAS=off) the tfjs kernels are used.
 *
 * LASAGNE_BLAS: unset = look for OpenBLAS (Linux: libopenblas0-pthread; macOS: Accelerate or
 * Homebrew's openblas); a path = that library (anything exporting cblas_sgemm); off/0 = never.
 */
export type Sgemm = (transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, beta?: number) => void;

export interface Blas {
  sgemm: Sgemm;
  /** e.g. "OpenBLAS 0.3.21 (SkylakeX kernels)". */
  describe: string;
}

function candidates(): string[] {
  if (process.platform === 'darwin') {
    return ['/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib', '/System/Library/Frameworks/Accelerate.framework/Accelerate'];
  }
  if (process.platform === 'win32') return ['libopenblas.dll'];
  return ['libopenblas.so.0', 'libopenblas.so'];
}

/**
 * Sets the environment OpenBLAS reads when it loads, where the user has not. Kernels: OpenBLAS
 * picks them from the CPU model, and on models newer than its tables (e.g. Sapphire Rapids with
 * OpenBLAS 0.3.21) falls back to generic SSE kernels, 5x slower; name the family from the CPU's
 * flags instead.
 */
function openblasEnvironment(): void {
  // OpenBLAS's threads spin for 2^28 cycles (~0.1 s) after each product before sleeping, taking
  // the cores from the XNNPACK pool that runs the elementwise kernels in between: 2^4 is enough
  // (MNIST MLP training step on 2 cores: 54 -> 44 ms).
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  if (process.env.OPENBLAS_CORETYPE) return;
  const flags = cpuFlags();
  if (['avx512f', 'avx512bw', 'avx512vl', 'avx512dq'].every((f) => flags.has(f))) process.env.OPENBLAS_CORETYPE = 'SkylakeX';
  else if (flags.has('avx2') && flags.has('fma')) process.env.OPENBLAS_CORETYPE = 'Haswell';
}

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

function open(koffi: Koffi, path: string): Blas {
  const lib = koffi.load(path);
  const gemm = lib.func('void cblas_sgemm(int, int, int, int, int, int, float, float *, int, float *, int, float, float *, int)');
  const sgemm: Sgemm = (transA, transB, m, n, k, a, b, c, beta = 0) => {
    gemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, 1, a, Math.max(1, transA ? m : k), b, Math.max(1, transB ? k : n), beta, c, Math.max(1, n));
  };
  // A library that loads but computes wrongly (an ABI mismatch) must not be used: check a 2x3·3x2.
  const out = new Float32Array(4);
  sgemm(false, true, 2, 2, 3, Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 1, 0, 1, 1), out);
  if (![4, 5, 10, 11].every((v, i) => out[i] === v)) throw new Error(`cblas_sgemm returned ${Array.from(out)} for a known product (expected 4,5,10,11)`);
  let describe = path.split('/').pop() ?? path;
  try {
    const config = String(lib.func('const char *openblas_get_config()')());
    const core = String(lib.func('const char *openblas_get_corename()')());
    describe = `${config.split(' ').slice(0, 2).join(' ')} (${core} kernels)`;
  } catch {
    // not OpenBLAS (Accelerate, MKL, BLIS): the file name says enough
  }
  return { sgemm, describe };
}

const library = nativeLibrary({
  variable: 'LASAGNE_BLAS',
  what: 'native BLAS',
  candidates,
  prepare: openblasEnvironment,
  open,
  hint: (named) =>
    named ? 'set LASAGNE_BLAS to a library exporting cblas_sgemm, or unset it' : 'install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0-pthread; macOS: brew install openblas) or set LASAGNE_BLAS to a library path',
});

/** The native BLAS, or undefined (with `blasUnavailableReason()` saying why). Loaded once. */
export const getBlas = (): Blas | undefined => library.get();

/** Why the in-process backends run matrix products without a native BLAS, or undefined if they have one. */
export const blasUnavailableReason = (): string | undefined => library.reason();

/** For tests: forget the loaded library so the next getBlas() reads LASAGNE_BLAS again. */
export const resetBlasForTests = (): void => library.reset();
