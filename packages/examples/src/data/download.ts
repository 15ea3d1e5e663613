import { createHash } from 'node:crypto';
import { makeDirectory, writeFileAtomic } from '@lasagne-ts/core';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DataError } from './errors';
import { MNIST_FILES, MNIST_ROLES, locateMnistFiles, type MnistPaths } from './mnist-files';

/** Public mirrors of the original gzipped MNIST files, tried in order. */
export const MNIST_MIRRORS: readonly string[] = [
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'https://storage.googleapis.com/cvdf-datasets/mnist/',
];

/**
 * SHA-256 of the standard gzipped MNIST files, as listed in tensorflow/datasets
 * `tensorflow_datasets/url_checksums/mnist.txt` (sizes 9912422, 28881, 1648877, 4542 bytes).
 */
export const MNIST_GZ_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
  'train-labels-idx1-ubyte.gz': '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
  't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
};

/** The part of a fetch Response the downloader uses. */
export interface FetchResponseLike {
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}
/** The part of `fetch` the downloader uses; inject a fake in tests. */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<FetchResponseLike>;

export interface DownloadOptions {
  fetch?: FetchLike;
  mirrors?: readonly string[];
  /** Overrides of MNIST_GZ_SHA256, by file name (e.g. for tests with small fake payloads). */
  expectedSha256?: Readonly<Record<string, string>>;
  /** Per-request time limit in ms (default 300000). */
  timeoutMs?: number;
  log?: (msg: string) => void;
}

/** `~/.cache/lasagne-ts/mnist` */
export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'lasagne-ts', 'mnist');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

type Attempt = { ok: true; path: string } | { ok: false; reason: string; checksum: boolean };

/** Fetches `url`, checks its hash, then writes it to `dest` atomically (never a partial file). */
async function tryMirror(url: string, dest: string, expected: string, fetchFn: FetchLike, timeoutMs: number): Promise<Attempt> {
  let bytes: Uint8Array;
  try {
    const res = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { ok: false, reason: `${url}: HTTP ${res.status}`, checksum: false };
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    return { ok: false, reason: `${url}: ${(e as Error).message}`, checksum: false };
  }
  const got = sha256Hex(bytes);
  if (got !== expected) return { ok: false, reason: `${url}: expected SHA-256 ${expected}, got ${got}`, checksum: true };
  writeFileAtomic(dest, bytes, { what: 'the download' });
  return { ok: true, path: dest };
}

/** Downloads `fileName` from the first mirror that serves bytes with the expected SHA-256, into `dir`. */
export async function downloadVerified(fileName: string, dir: string, options: DownloadOptions = {}): Promise<string> {
  const expected = options.expectedSha256?.[fileName] ?? MNIST_GZ_SHA256[fileName];
  if (!expected) throw new DataError('bad-option', `${fileName}: no known SHA-256 to verify a download against; pass expectedSha256.`, fileName);
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const mirrors = options.mirrors ?? MNIST_MIRRORS;
  makeDirectory(dir);
  const dest = join(dir, fileName);
  const failures: Attempt[] = [];
  for (const mirror of mirrors) {
    const url = mirror.endsWith('/') ? mirror + fileName : `${mirror}/${fileName}`;
    options.log?.(`downloading ${url}`);
    const attempt = await tryMirror(url, dest, expected, fetchFn, options.timeoutMs ?? 300_000);
    if (attempt.ok) return attempt.path;
    options.log?.(`  failed: ${attempt.reason}`);
    failures.push(attempt);
  }
  const checksum = failures.some((f) => !f.ok && f.checksum);
  const tried = failures.map((f) => (f.ok ? '' : `\n  ${f.reason}`)).join('');
  throw new DataError(
    checksum ? 'checksum' : 'download-failed',
    `${dest}: expected a download of ${fileName} with SHA-256 ${expected}, but no mirror provided one:${tried}\n` +
      'Nothing was saved. Check your network connection and run again, or pass --data-dir (or set MNIST_DIR) ' +
      'pointing at a directory holding the four MNIST IDX files.',
    dest,
  );
}

/**
 * Ensures the four files are in `cacheDir` (raw or `.gz`), downloading the missing ones as
 * verified `.gz` files, and returns their paths.
 */
export async function downloadMnist(cacheDir: string = defaultCacheDir(), options: DownloadOptions = {}): Promise<MnistPaths> {
  const { paths } = locateMnistFiles(cacheDir);
  for (const role of MNIST_ROLES) {
    paths[role] ??= await downloadVerified(`${MNIST_FILES[role]}.gz`, cacheDir, options);
  }
  return paths as MnistPaths;
}
