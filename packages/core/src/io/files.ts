import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'fs';
import { basename, dirname, join, parse, resolve } from 'path';
import { LasagneError } from '../errors';

/**
 * The one way this project writes files: atomically (a temporary file beside the target, written,
 * fsynced, renamed over it, the directory fsynced), with errors that name the real path and say
 * what went wrong, and with the temporary files of killed writers cleaned up.
 *
 * Temporary names are `.<name>.<pid>.<random>.tmp`: hidden, beside the target (a rename is only
 * atomic inside one file system), and carrying the writer's process id so that a later write to
 * the same target can remove those left by a process that no longer runs.
 */

/** A file or directory that could not be written; `path` is the real target, `code` the system error code. */
export class FileWriteError extends LasagneError {
  constructor(message: string, readonly path: string, readonly code?: string) {
    super(message);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the name is too long',
  EFBIG: 'the file is too large',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/** `ENOSPC` → `no space left on device (ENOSPC)`; other errors: their message. */
export function describeSystemError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Why `path` cannot be written as a file, or undefined when it can: the directory must exist
 * (with `mkdir`: is created when missing) and take a new file (probed by creating and removing a temporary file, so permissions, read-only
 * mounts and pseudo file systems such as /proc all show), and `path` must not be a directory.
 */
export function fileWriteProblem(path: string, options: { mkdir?: boolean } = {}): string | undefined {
  const target = resolve(path);
  const dir = dirname(target);
  const st = statOrUndefined(target);
  if (st?.isDirectory()) return `${target} is a directory; give a file name`;
  const dst = statOrUndefined(dir);
  if (!dst && !options.mkdir) return `the directory ${dir} does not exist; create it first`;
  if (dst && !dst.isDirectory()) return `${dir} is not a directory`;
  return directoryProblem(dir, { create: options.mkdir });
}

/** Why no file can be created in the existing directory `dir`, or undefined when one can. */
export function directoryWriteProblem(dir: string): string | undefined {
  const probe = join(dir, `.lasagne-probe.${process.pid}.${randomTag()}.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    return `cannot create files in ${resolve(dir)}: ${describeSystemError(e)}`;
  }
  try {
    unlinkSync(probe);
  } catch {
    // removed by someone else: fine
  }
  return undefined;
}

/**
 * Why `dir` cannot be used (created when missing) as an output directory, or undefined when it
 * can. With `create`, missing directories are made (`mkdir -p`).
 */
export function directoryProblem(dir: string, options: { create?: boolean } = {}): string | undefined {
  const abs = resolve(dir);
  const st = statOrUndefined(abs);
  if (st && !st.isDirectory()) return `${abs} exists and is not a directory`;
  if (!st) {
    if (!options.create) return `the directory ${abs} does not exist`;
    try {
      makeDirectory(abs);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return directoryWriteProblem(abs);
}

/**
 * `mkdir -p dir`. Node's own `mkdirSync(dir, {recursive: true})` never returns under /proc (it
 * retries forever); this walks up to the nearest existing ancestor and creates each level, so
 * every failure is one FileWriteError naming the directory.
 */
export function makeDirectory(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    const st = statOrUndefined(p);
    if (st) {
      if (!st.isDirectory()) throw new FileWriteError(`cannot create the directory ${abs}: ${p} is not a directory`, abs, 'ENOTDIR');
      break;
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statOrUndefined(d)?.isDirectory()) continue;
      throw new FileWriteError(`cannot create the directory ${d}: ${describeSystemError(e)}`, abs, code);
    }
  }
}

function randomTag(): string {
  return Math.floor(Math.random() * 36 ** 6).toString(36).padStart(6, '0');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a process with this id runs on this machine (one owned by another user counts). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that writes of `target` by processes no longer running left beside
 * it (`.<name>.<pid>[.<tag>].tmp`, and the older `<name>.<pid>.tmp`). Returns the files removed.
 * Temporary files of live processes are left alone. Assumes process ids of this machine (a
 * directory shared over the network with writers on other machines keeps their files).
 */
export function removeStaleTemps(target: string): string[] {
  const abs = resolve(target);
  const dir = dirname(abs);
  const re = new RegExp(`^\\.?${escapeRe(basename(abs))}\\.(\\d+)(?:\\.[a-z0-9]+)?\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(join(dir, name));
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

export interface AtomicWriteOptions {
  /** Create the directory when missing (default false: a missing directory is an error). */
  mkdir?: boolean;
  /** What is written, for messages (`the checkpoint`, default `the file`). */
  what?: string;
}

/**
 * Writes `data` to `path` atomically: a crash or a kill at any point leaves either the old file or
 * the new one, never a torn one, and a failed write leaves no temporary file and the old file as
 * it was. Temporary files of earlier writers of `path` that were killed are removed first.
 * A failure is a FileWriteError naming `path` and the reason (`no space left on device (ENOSPC)`).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const target = resolve(path);
  const dir = dirname(target);
  const what = options.what ?? 'the file';
  const fail = (reason: string, code?: string): never => {
    throw new FileWriteError(`cannot write ${what} ${target}: ${reason}`, target, code);
  };
  if (options.mkdir) {
    try {
      makeDirectory(dir);
    } catch (e) {
      fail((e as Error).message, (e as FileWriteError).code);
    }
  } else if (!statOrUndefined(dir)?.isDirectory()) fail(`the directory ${dir} does not exist`, 'ENOENT');
  if (statOrUndefined(target)?.isDirectory()) fail('it is a directory', 'EISDIR');
  removeStaleTemps(target);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = join(dir, `.${parse(target).base}.${process.pid}.${randomTag()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    fail(describeSystemError(e), (e as NodeJS.ErrnoException).code);
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // a directory fsync is best effort (not supported everywhere)
  }
}
