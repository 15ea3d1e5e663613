/**
 * The FFI the native libraries are called through: koffi (prebuilt binaries, an optional peer
 * dependency of core; no compiler at install). Node only: imported by `platform/node.ts` through
 * the BLAS and oneDNN loaders, never by the browser entry.
 */
export type KoffiFn = (...args: unknown[]) => unknown;
export interface KoffiLib {
  func(decl: string): KoffiFn;
}
export interface Koffi {
  load(path: string | null, options?: { lazy?: boolean; global?: boolean }): KoffiLib;
  struct(name: string, def: Record<string, string>): unknown;
  address(value: unknown): bigint;
}

let koffi: { mod?: Koffi; reason?: string } | undefined;

/** koffi, or the reason it cannot be used (one line). Loaded once. */
export function loadKoffi(): { mod?: Koffi; reason?: string } {
  if (koffi) return koffi;
  try {
    koffi = { mod: require('koffi') as Koffi };
  } catch (e) {
    koffi =
      (e as { code?: string }).code === 'MODULE_NOT_FOUND'
        ? { reason: 'koffi is not installed (optional: npm install koffi)' }
        : { reason: `koffi could not be loaded: ${firstLine(e)}` };
  }
  return koffi;
}

/** The CPU's feature flags from /proc/cpuinfo (x86 Linux), empty elsewhere or when unreadable. */
export function cpuFlags(): Set<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return new Set();
  try {
    const { readFileSync } = require('fs') as typeof import('fs');
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

export const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0];

/** A setting that turns a native library off (`LASAGNE_BLAS=off`, `LASAGNE_DNNL=0`, ...). */
export const isOff = (setting: string): boolean => ['off', '0', 'false', 'no'].includes(setting.trim().toLowerCase());

/**
 * Opens `path` a second time with RTLD_NODELETE, so the library stays mapped for the process'
 * life whatever koffi does with its own handle. Libraries that start threads (oneDNN's OpenMP
 * pool) must never be unloaded while those threads live: unloading them at exit segfaulted
 * about a third of the exits. Best effort: where `dlopen` cannot be reached, nothing is pinned.
 */
export function pinLibrary(k: Koffi, path: string): boolean {
  if (process.platform === 'win32') return false;
  const RTLD_NOW = 2;
  const RTLD_NODELETE = process.platform === 'darwin' ? 0x80 : 0x1000;
  for (const lib of [null, 'libc.so.6', 'libdl.so.2']) {
    try {
      const dlopen = k.load(lib).func('void *dlopen(const char *, int)');
      return dlopen(path, RTLD_NOW | RTLD_NODELETE) !== null;
    } catch {
      // try the next place dlopen may live
    }
  }
  return false;
}

/** How to find and open one native library (see `nativeLibrary`). */
export interface NativeSpec<T> {
  /** The environment variable that names the library's path or turns it off (`LASAGNE_BLAS`). */
  variable: string;
  /** What the messages call it ("native BLAS"). */
  what: string;
  /** Where to look when the variable names no path. */
  candidates(): string[];
  /** Environment the library reads when it loads, set before the first attempt. */
  prepare?(): void;
  /** Opens and checks one path; throws (one line) when it cannot be used. */
  open(koffi: Koffi, path: string): T;
  /** What to do about a failure, when the variable named a path (`named`) or not. */
  hint(named: boolean): string;
}

/**
 * A native library loaded on first use, once: `get()` it or undefined, `reason()` why there is
 * none, `reset()` (tests) to read the environment variable again on the next `get()`.
 */
export function nativeLibrary<T>(spec: NativeSpec<T>): { get(): T | undefined; reason(): string | undefined; reset(): void } {
  let loaded: { value?: T; reason?: string } | undefined;
  const load = (): { value?: T; reason?: string } => {
    const setting = (process.env[spec.variable] ?? '').trim();
    if (isOff(setting)) return { reason: `disabled by ${spec.variable}` };
    const { mod: koffi, reason } = loadKoffi();
    if (!koffi) return { reason: reason! };
    spec.prepare?.();
    const errors: string[] = [];
    for (const path of setting ? [setting] : spec.candidates()) {
      try {
        return { value: spec.open(koffi, path) };
      } catch (e) {
        errors.push(`${path}: ${firstLine(e)}`);
      }
    }
    return { reason: `no ${spec.what} (${errors.join('; ')}); ${spec.hint(setting !== '')}` };
  };
  return {
    get: () => (loaded ??= load()).value,
    reason: () => (loaded ??= load()).reason,
    reset: () => {
      loaded = undefined;
    },
  };
}
