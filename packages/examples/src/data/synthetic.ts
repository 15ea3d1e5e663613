import { join } from 'node:path';
import { writeIdx, writeIdxGz } from './idx-write';
import { MNIST_FILES, type MnistPaths } from './mnist-files';
import { MNIST_CLASSES, MNIST_COLS, MNIST_ROWS } from './mnist-pair';
import { mulberry32, type Rng } from '@lasagne-ts/core';
import { shuffleInPlace } from '@lasagne-ts/train';

export interface SyntheticMnistOptions {
  train: number;
  test: number;
  seed?: number;
  /** Write `.gz` files instead of raw ones (default false). */
  gzip?: boolean;
}

export interface SyntheticMnist {
  paths: MnistPaths;
  trainLabels: Uint8Array;
  testLabels: Uint8Array;
}

/** Top-left corner of the bright block for `label`: 2 rows x 5 columns of positions. */
export function syntheticBlockOrigin(label: number): [row: number, col: number] {
  return [4 + 12 * Math.floor(label / 5), 2 + 5 * (label % 5)];
}

/** `n` images of noise (0..63) plus a bright (192..255) 4x4 block placed by label; balanced labels in random order. */
function makeSet(n: number, rng: Rng): { images: Uint8Array; labels: Uint8Array } {
  const item = MNIST_ROWS * MNIST_COLS;
  const labels = shuffleInPlace(Uint8Array.from({ length: n }, (_, i) => i % MNIST_CLASSES), rng);
  const images = new Uint8Array(n * item);
  for (let k = 0; k < n; k++) {
    const base = k * item;
    for (let p = 0; p < item; p++) images[base + p] = Math.floor(rng() * 64);
    const [r0, c0] = syntheticBlockOrigin(labels[k]);
    for (let r = r0; r < r0 + 4; r++) {
      for (let c = c0; c < c0 + 4; c++) images[base + r * MNIST_COLS + c] = 192 + Math.floor(rng() * 64);
    }
  }
  return { images, labels };
}

/**
 * Writes four valid MNIST-format IDX files into `dir` holding an easy, learnable
 * synthetic problem (deterministic for a given seed); load them with `loadMnist({ dataDir: dir })`.
 */
export function makeSyntheticMnist(dir: string, options: SyntheticMnistOptions): SyntheticMnist {
  const rng = mulberry32(options.seed ?? 1);
  const write = options.gzip ? writeIdxGz : writeIdx;
  const suffix = options.gzip ? '.gz' : '';
  const at = (name: string) => join(dir, name + suffix);
  const paths: MnistPaths = {
    trainImages: at(MNIST_FILES.trainImages),
    trainLabels: at(MNIST_FILES.trainLabels),
    testImages: at(MNIST_FILES.testImages),
    testLabels: at(MNIST_FILES.testLabels),
  };
  const train = makeSet(options.train, rng);
  const test = makeSet(options.test, rng);
  write(paths.trainImages, train.images, [options.train, MNIST_ROWS, MNIST_COLS]);
  write(paths.trainLabels, train.labels, [options.train]);
  write(paths.testImages, test.images, [options.test, MNIST_ROWS, MNIST_COLS]);
  write(paths.testLabels, test.labels, [options.test]);
  return { paths, trainLabels: train.labels, testLabels: test.labels };
}
