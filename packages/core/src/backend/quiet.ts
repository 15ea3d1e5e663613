type KoffiFn = (...args: unknown[]) => number;
interface Koffi {
  load(path: string): { func(decl: string): KoffiFn };
}

let libc: { dup: KoffiFn; dup2: KoffiFn; open: KoffiFn; close: KoffiFn } | null | undefined;

function loadLibc(): typeof libc {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== 'linux' && process.platform !== 'darwin') return libc;
  try {
    const koffi = require('koffi') as Koffi;
    const lib = koffi.load(process.platform === 'darwin' ? 'libSystem.B.dylib' : 'libc.so.6');
    libc = { dup: lib.func('int dup(int)'), dup2: lib.func('int dup2(int, int)'), open: lib.func('int open(const char *, int)'), close: lib.func('int close(int)') };
  } catch {
    libc = null;
  }
  return libc;
}

/**
 * Runs `f` with the process' stderr (file descriptor 2) sent to /dev/null, for native libraries
 * that print straight to it (Dawn's start-up warnings). Needs koffi (an optional dependency);
 * without it `f` just runs. Anything else written to stderr while `f` is pending is lost too, so
 * keep it to start-up steps.
 */
export async function quietStderr<T>(f: () => Promise<T>): Promise<T> {
  const c = loadLibc();
  const devnull = c ? c.open('/dev/null', 1 /* O_WRONLY */) : -1;
  const saved = devnull >= 0 ? c!.dup(2) : -1;
  if (saved < 0) {
    if (devnull >= 0) c!.close(devnull);
    return f();
  }
  c!.dup2(devnull, 2);
  c!.close(devnull);
  try {
    return await f();
  } finally {
    c!.dup2(saved, 2);
    c!.close(saved);
  }
}
