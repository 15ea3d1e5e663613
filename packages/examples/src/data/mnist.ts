import { DataError } from './errors';
import { MNIST_COLS, MNIST_ROWS, readMnistPair, type MnistPair } from './mnist-pair';
import { resolveMnistSource, type MnistSourceOptions } from './source';

/** One split: `count` images of shape [1, 28, 28] packed row-major, with their labels. */
export interface MnistSplit {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  shape: [number, number, number];
}

export interface MnistData {
  train: MnistSplit;
  val: MnistSplit;
  test: MnistSplit;
  /** Where the files came from (directory, package, or download cache). */
  source: string;
}

export interface LoadMnistOptions extends MnistSourceOptions {
  /** How many of the last training images become the validation set (default 10000). */
  validationSize?: number;
}

/** Items [start, end) of a pair as floats `byte / 256` (exactly mnist.py's `data / np.float32(256)`). */
function toSplit(pair: MnistPair, start: number, end: number): MnistSplit {
  const item = MNIST_ROWS * MNIST_COLS;
  const src = pair.images;
  const images = new Float32Array((end - start) * item);
  const offset = start * item;
  for (let i = 0; i < images.length; i++) images[i] = src[offset + i] / 256;
  const labels = new Int32Array(end - start);
  for (let i = 0; i < labels.length; i++) labels[i] = pair.labels[start + i];
  return { images, labels, count: end - start, shape: [1, MNIST_ROWS, MNIST_COLS] };
}

/**
 * Lasagne mnist.py's `load_dataset()`: train/val/test images as floats in [0, 1) of shape
 * [n, 1, 28, 28] and int labels, the last `validationSize` training images forming the
 * validation set (`X_train, X_val = X_train[:-10000], X_train[-10000:]`).
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<MnistData> {
  const validationSize = options.validationSize ?? 10000;
  if (!Number.isInteger(validationSize) || validationSize < 0) {
    throw new DataError('bad-option', `validationSize: expected a non-negative integer, but found ${validationSize}.`);
  }
  const { paths, source } = await resolveMnistSource(options);
  options.log?.(`loading MNIST from ${source}`);
  const train = readMnistPair(paths.trainImages, paths.trainLabels);
  const test = readMnistPair(paths.testImages, paths.testLabels);
  if (validationSize >= train.count) {
    throw DataError.mismatch('bad-option', paths.trainImages, `more than validationSize=${validationSize} training images`,
      `${train.count}`, 'Pass a smaller validation size.');
  }
  const cut = train.count - validationSize;
  return { train: toSplit(train, 0, cut), val: toSplit(train, cut, train.count), test: toSplit(test, 0, test.count), source };
}
