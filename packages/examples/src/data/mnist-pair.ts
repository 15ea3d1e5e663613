import { DataError, FIX_HINT } from './errors';
import { readIdxFile, type IdxArray } from './idx';

export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;
export const MNIST_CLASSES = 10;

/** A checked MNIST images file and its labels file, still as raw bytes. */
export interface MnistPair {
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

function expectRank(idx: IdxArray, file: string, rank: number, what: string): void {
  if (idx.dims.length !== rank) {
    throw DataError.mismatch('bad-rank', file, `${what} (IDX magic 0x0000080${rank}, ${rank} dimension${rank > 1 ? 's' : ''})`,
      `${idx.dims.length} dimensions (magic 0x0000080${idx.dims.length}); are the images and labels files swapped?`);
  }
}

/** Reads an images/labels pair and checks ranks, 28x28 size, matching counts and labels in 0..9. */
export function readMnistPair(imagesPath: string, labelsPath: string): MnistPair {
  const images = readIdxFile(imagesPath);
  expectRank(images, imagesPath, 3, 'an images file');
  const labels = readIdxFile(labelsPath);
  expectRank(labels, labelsPath, 1, 'a labels file');
  const [count, rows, cols] = images.dims;
  if (rows !== MNIST_ROWS || cols !== MNIST_COLS) {
    throw DataError.mismatch('image-size', imagesPath, `${MNIST_ROWS}x${MNIST_COLS} images`, `${rows}x${cols} images`);
  }
  if (labels.dims[0] !== count) {
    throw DataError.mismatch('count-mismatch', labelsPath, `${count} labels, one per image in ${imagesPath}`,
      `${labels.dims[0]} labels`, `The two files do not belong together. ${FIX_HINT}`);
  }
  const bad = labels.data.findIndex((v) => v >= MNIST_CLASSES);
  if (bad >= 0) {
    throw DataError.mismatch('bad-label', labelsPath, `labels 0..${MNIST_CLASSES - 1}`, `label ${labels.data[bad]} at index ${bad}`);
  }
  return { count, images: images.data, labels: labels.data };
}
