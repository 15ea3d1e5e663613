/**
 * "Deep Learning from Scratch" (Koki Saitoh), chapter 7, train_convnet.py: the NumPy
 * `SimpleConvNet`, conv 30@5x5 (pad 0, stride 1) → ReLU → max-pool 2 → affine 100 → ReLU →
 * affine 10 → softmax-with-loss, weights N(0, 0.01²), biases 0, trained with Adam (lr 0.001) for
 * 20 epochs of minibatches of 100 on the first 5,000 training images, with the train and test
 * accuracy (1,000 images each) after every epoch, then the accuracy plot and the saved
 * parameters. Written with Lasagne layers and trained by this package's `train()` loop.
 */
import { argmax, cast, compile, eq, ivector, sum, type CompiledFunction, type SymbolicTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { adam } from '@lasagne-ts/updates';
import { writeCurvesSvg, type CurvePoint } from '../plot';
import { train, type DataSplit, type EpochRecord } from '@lasagne-ts/train';
import type { InspectOptions } from '../inspect';
import { checkInt, ClassicOptionsError, classicData, inspectClassic, pyStr, type ClassicDataOptions, type ClassicIO } from './common';

export interface SimpleConvnetOptions extends ClassicDataOptions, InspectOptions {
  /** Default 20 (`max_epochs`). */
  epochs?: number;
  /** Training images used, from the start of the training set (default 5000). */
  trainSize?: number;
  /** Test images, from the start of the test set (default 1000). */
  testSize?: number;
  /** Training images the per-epoch train accuracy is measured on (`evaluate_sample_num_per_epoch`, default 1000). */
  evalSize?: number;
  /** Default 100. */
  batchSize?: number;
  /** Adam's learning rate (default 0.001). */
  learningRate?: number;
  /** `weight_init_std` (default 0.01). */
  weightInitStd?: number;
  /** Default 30. */
  filterNum?: number;
  /** Default 100. */
  hiddenSize?: number;
  /** Batch normalization after the convolution and after the hidden affine layer (before their ReLUs). */
  batchNorm?: boolean;
  /** Write the train/test accuracy (and loss) curves to this SVG file. */
  plot?: string;
  /** Save the parameters here (Lasagne-compatible `.npz`, `L.saveParams`), as `network.save_params("params.pkl")`. */
  save?: string;
  /** Print `train loss:` after every iteration, as the book's Trainer (verbose=True). */
  verbose?: boolean;
  /** Seeds the weight init and the shuffling (default 1). */
  seed?: number;
}

/** One epoch of the run. */
export interface SimpleConvnetEpoch {
  epoch: number;
  /** Accuracy on the first `evalSize` training images (deterministic pass). */
  trainAcc: number;
  /** Accuracy on the `testSize` test images. */
  testAcc: number;
  /** Mean training loss of the epoch. */
  trainLoss: number;
  testLoss: number;
  seconds: number;
}

export interface SimpleConvnetResult {
  network: L.Layer;
  epochs: SimpleConvnetEpoch[];
  /** The final test accuracy. */
  testAcc: number;
  savedParams?: string;
  plot?: string;
  seconds: number;
}

/**
 * `SimpleConvNet(input_dim=(1, 28, 28), conv_param={'filter_num': 30, 'filter_size': 5, 'pad': 0,
 * 'stride': 1}, hidden_size=100, output_size=10, weight_init_std=0.01)`. The book's Convolution
 * layer is a cross-correlation (im2col), so the filters are not flipped. With `batchNorm`, each
 * ReLU is preceded by a BatchNormLayer (and the layer before it loses its bias, as `batch_norm`).
 */
export function buildSimpleConvnet(inputVar?: SymbolicTensor, options: Pick<SimpleConvnetOptions, 'weightInitStd' | 'filterNum' | 'hiddenSize' | 'batchNorm'> = {}): L.Layer {
  const std = options.weightInitStd ?? 0.01;
  const bn = (l: L.Layer) => (options.batchNorm ? L.batchNorm(l) : l);
  let net: L.Layer = new L.InputLayer([null, 1, 28, 28], { inputVar });
  net = bn(new L.Conv2DLayer(net, { numFilters: options.filterNum ?? 30, filterSize: 5, stride: 1, pad: 0, flipFilters: false, W: new L.init.Normal(std), b: new L.init.Constant(0), nonlinearity: L.rectify, name: 'Conv1' }));
  net = new L.MaxPool2DLayer(net, { poolSize: 2, stride: 2, name: 'Pool1' });
  net = bn(new L.DenseLayer(net, { numUnits: options.hiddenSize ?? 100, W: new L.init.Normal(std), b: new L.init.Constant(0), nonlinearity: L.rectify, name: 'Affine1' }));
  return new L.DenseLayer(net, { numUnits: 10, W: new L.init.Normal(std), b: new L.init.Constant(0), nonlinearity: L.softmax, name: 'Affine2' });
}

/** The first `n` items of a split (views, no copy). */
function head(split: DataSplit, n: number): DataSplit {
  const item = split.shape.reduce((a, b) => a * b, 1);
  return { images: split.images.subarray(0, n * item), labels: split.labels.subarray(0, n), count: n, shape: split.shape };
}

/** Runs train_convnet.py; prints its lines through `io.out`. */
export async function runSimpleConvnet(options: SimpleConvnetOptions = {}, io: ClassicIO): Promise<SimpleConvnetResult> {
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 100;
  const learningRate = options.learningRate ?? 0.001;
  checkInt(epochs, 'epochs');
  checkInt(batchSize, 'batchSize');
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new ClassicOptionsError(`learningRate must be a positive number, got ${learningRate}`);
  const data = await classicData(options, io);
  const trainSize = options.trainSize ?? Math.min(5000, data.train.count);
  const testSize = options.testSize ?? Math.min(1000, data.test.count);
  const evalSize = options.evalSize ?? Math.min(1000, trainSize);
  checkInt(trainSize, 'trainSize');
  checkInt(testSize, 'testSize');
  checkInt(evalSize, 'evalSize');
  if (trainSize > data.train.count) throw new ClassicOptionsError(`--train-size ${trainSize} is more than the ${data.train.count} training images`);
  if (testSize > data.test.count) throw new ClassicOptionsError(`--test-size ${testSize} is more than the ${data.test.count} test images`);
  if (evalSize > trainSize) throw new ClassicOptionsError(`--eval-size ${evalSize} is more than the ${trainSize} training images used`);
  if (batchSize > Math.min(trainSize, testSize)) throw new ClassicOptionsError(`a minibatch of ${batchSize} is larger than the ${Math.min(trainSize, testSize)} ${trainSize < testSize ? 'training' : 'test'} images; use a smaller --batch-size`);

  // x_train, t_train = x_train[:5000], t_train[:5000]; x_test, t_test = x_test[:1000], t_test[:1000]
  const xTrain = head(data.train, trainSize);
  const xTest = head(data.test, testSize);
  const xEval = head(data.train, evalSize);

  let network: L.Layer | undefined;
  let inputVar: SymbolicTensor | undefined;
  let correctFn: CompiledFunction<number> | undefined;
  /** network.accuracy(x, t): the deterministic (test-mode) predictions, counted exactly. */
  const accuracy = async (split: DataSplit): Promise<number> => {
    if (!correctFn) {
      const t = ivector('t');
      correctFn = compile([inputVar!, t], sum(cast(eq(argmax(L.getOutput(network!, { deterministic: true }), 1), t), 'int32'))) as CompiledFunction<number>;
    }
    let correct = 0;
    const item = split.shape.reduce((a, b) => a * b, 1);
    for (let start = 0; start < split.count; start += batchSize) {
      const n = Math.min(batchSize, split.count - start);
      correct += await correctFn.async({ data: split.images.subarray(start * item, (start + n) * item), shape: [n, ...split.shape] }, split.labels.subarray(start, start + n));
    }
    return correct / split.count;
  };

  let plotError: string | undefined;
  const history: SimpleConvnetEpoch[] = [];
  const curves: CurvePoint[] = [];
  const plotOptions = {
    title: `SimpleConvNet${options.batchNorm ? ' + BatchNorm' : ''} (train_convnet.py): ${trainSize} training images`,
    labels: { trainLoss: 'train loss', valLoss: 'test loss', trainAccuracy: 'train acc', valAccuracy: 'test acc' },
  };
  let afterEpoch = () => {};
  const start = performance.now();
  const result = await train({
    network: (v) => {
      inputVar = v;
      network = buildSimpleConvnet(v, options);
      return network;
    },
    data: { train: xTrain, val: xTest },
    epochs,
    batchSize,
    seed: options.seed ?? 1,
    updateRule: (loss, params) => adam(loss, params, { learningRate }),
    saveParams: options.save,
    profile: options.profile,
    onCompiled: async ({ trainFn }) => {
      afterEpoch = await inspectClassic(trainFn, options, io);
    },
    onBatch: options.verbose ? (b) => io.out(`train loss:${pyStr(b.loss)}`) : undefined,
    onEpoch: async (r: EpochRecord) => {
      const trainAcc = await accuracy(xEval);
      const testAcc = await accuracy(xTest);
      history.push({ epoch: r.epoch, trainAcc, testAcc, trainLoss: r.trainLoss, testLoss: r.valLoss, seconds: r.seconds });
      io.out(`train acc, test acc | ${pyStr(trainAcc)}, ${pyStr(testAcc)}`);
      curves.push({ epoch: r.epoch, trainLoss: r.trainLoss, valLoss: r.valLoss, valAccuracy: testAcc, trainAccuracy: trainAcc });
      if (options.plot) {
        // A side output: a failed write (full disk) is a warning and training goes on.
        try {
          writeCurvesSvg(options.plot, curves, plotOptions);
          plotError = undefined;
        } catch (e) {
          const msg = (e as Error).message;
          if (msg !== plotError) io.err?.(`warning: ${msg}; training goes on`);
          plotError = msg;
        }
      }
      afterEpoch();
    },
  });
  const testAcc = history.length ? history[history.length - 1].testAcc : await accuracy(xTest);
  io.out('=============== Final Test Accuracy ===============');
  io.out(`test acc:${pyStr(testAcc)}`);
  if (result.savedParams) io.out('Saved Network Parameters!');
  if (result.savedParams) io.err?.(`saved the parameters to ${result.savedParams}`);
  if (options.plot) io.err?.(plotError ? `warning: the accuracy plot was not written: ${plotError}` : `wrote the accuracy plot to ${options.plot}`);
  return { network: result.network, epochs: history, testAcc, savedParams: result.savedParams, plot: options.plot, seconds: (performance.now() - start) / 1000 };
}
