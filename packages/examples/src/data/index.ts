/** MNIST data layer: IDX files, loading as Lasagne's mnist.py does, downloading, minibatches. */
export { DataError, FIX_HINT, type DataErrorCode } from './errors';
export { parseIdx, readIdxFile, isGzip, IDX_UBYTE, type IdxArray } from './idx';
export { encodeIdx, writeIdx, writeIdxGz } from './idx-write';
export { MNIST_FILES, locateMnistFiles, mnistDataPackageDir, type MnistRole, type MnistPaths } from './mnist-files';
export { readMnistPair, MNIST_ROWS, MNIST_COLS, MNIST_CLASSES, type MnistPair } from './mnist-pair';
export {
  MNIST_MIRRORS,
  MNIST_GZ_SHA256,
  defaultCacheDir,
  downloadMnist,
  downloadVerified,
  sha256Hex,
  type DownloadOptions,
  type FetchLike,
  type FetchResponseLike,
} from './download';
export { resolveMnistSource, type MnistSource, type MnistSourceOptions } from './source';
export { loadMnist, type LoadMnistOptions, type MnistData, type MnistSplit } from './mnist';
export { makeSyntheticMnist, syntheticBlockOrigin, type SyntheticMnist, type SyntheticMnistOptions } from './synthetic';
