/**
 * Michael Nielsen's network3.py ("Neural Networks and Deep Learning", chapter 6): `Network` of
 * `ConvPoolLayer` / `FullyConnectedLayer` / `SoftmaxLayer`, each layer given its input by
 * `set_inpt(inpt, inpt_dropout, mini_batch_size)` with a dropout path beside the deterministic
 * one, trained by `Network.SGD`: the data in shared variables, minibatches picked by an index `i`
 * through `givens`, log-likelihood cost plus L2 regularisation `0.5*lmbda*sum(w**2)/num_training_batches`.
 */
import {
  arange,
  argmax,
  cast,
  compile,
  conv2d,
  dim,
  dot,
  eq,
  grad,
  iscalar,
  ivector,
  log,
  matrix,
  mean,
  pool2d,
  RandomStreams,
  relu,
  setSeed,
  shared,
  sigmoid,
  softmax,
  sum,
  type CompiledFunction,
  type SharedVariable,
  type ST,
} from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import {
  checkInt,
  ClassicOptionsError,
  classicData,
  inspectClassic,
  minibatchGivens,
  needBatches,
  pyPercent,
  sharedDataset,
  type ClassicCommonOptions,
  type ClassicIO,
  type SharedSplit,
} from './common';

/** An activation function (`sigmoid`, `tanh`, `ReLU`, `linear`). */
export type ActivationFn = (z: ST) => ST;

/** network3's activation functions. */
export const linear: ActivationFn = (z) => z;
/** `T.maximum(0.0, z)`. */
export const ReLU: ActivationFn = (z) => relu(z);
export { sigmoid };

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Normal(loc, scale) values of `shape` (`np.random.normal`), from the seeded generator. */
function normal(scale: number, shape: readonly number[]): Float32Array {
  return new L.init.Normal(scale, 0).sample(shape);
}

/**
 * `dropout_layer(layer, p_dropout)`: multiplies by a fresh binomial(1, 1 - p) mask on every call
 * (a RandomStreams draw). With p = 0 the mask would be all ones, so it is left out.
 */
export function dropoutLayer(layer: ST, pDropout: number, shape: readonly number[]): ST {
  if (pDropout === 0) return layer;
  const srng = new RandomStreams(); // seeded from core's global seed
  const mask = srng.binomial(shape, { n: 1, p: 1 - pDropout });
  return layer.mul(cast(mask, 'float32'));
}

/** What `Network` needs of a layer. */
export interface Network3Layer {
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  readonly params: SharedVariable[];
  output: ST;
  outputDropout: ST;
  setInpt(inpt: ST, inptDropout: ST, miniBatchSize: number): void;
}

/** A convolution (flipped filters, as Theano's conv2d) + max-pooling layer, then bias and activation; no dropout. */
export class ConvPoolLayer implements Network3Layer {
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  readonly params: SharedVariable[];
  output!: ST;
  outputDropout!: ST;
  inpt!: ST;
  /**
   * `filterShape`: (number of filters, input feature maps, filter height, filter width);
   * `imageShape`: (mini-batch size, input feature maps, image height, image width).
   */
  constructor(
    readonly filterShape: readonly [number, number, number, number],
    readonly imageShape: readonly [number, number, number, number],
    readonly poolsize: readonly [number, number] = [2, 2],
    readonly activationFn: ActivationFn = sigmoid,
  ) {
    const nOut = (filterShape[0] * prod(filterShape.slice(2))) / prod(poolsize);
    this.w = shared({ data: normal(Math.sqrt(1 / nOut), filterShape), shape: filterShape }, { name: 'w' });
    this.b = shared({ data: normal(1, [filterShape[0]]), shape: [filterShape[0]] }, { name: 'b' });
    this.params = [this.w, this.b];
  }
  setInpt(inpt: ST, _inptDropout: ST, _miniBatchSize: number): void {
    this.inpt = inpt.reshape([...this.imageShape]);
    const convOut = conv2d(this.inpt, this.w);
    const pooledOut = pool2d(convOut, { ws: this.poolsize, ignoreBorder: true });
    this.output = this.activationFn(pooledOut.add(this.b.dimshuffle('x', 0, 'x', 'x')));
    this.outputDropout = this.output; // no dropout in the convolutional layers
  }
}

/** A fully connected layer; with `pDropout`, its input is dropped out in training and its weights scaled by 1 - p otherwise. */
export class FullyConnectedLayer implements Network3Layer {
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  readonly params: SharedVariable[];
  output!: ST;
  outputDropout!: ST;
  yOut!: ST;
  inpt!: ST;
  inptDropout!: ST;
  constructor(readonly nIn: number, readonly nOut: number, readonly activationFn: ActivationFn = sigmoid, readonly pDropout = 0) {
    this.w = shared({ data: normal(Math.sqrt(1 / nOut), [nIn, nOut]), shape: [nIn, nOut] }, { name: 'w' });
    this.b = shared({ data: normal(1, [nOut]), shape: [nOut] }, { name: 'b' });
    this.params = [this.w, this.b];
  }
  setInpt(inpt: ST, inptDropout: ST, miniBatchSize: number): void {
    this.inpt = inpt.reshape([miniBatchSize, this.nIn]);
    this.output = this.activationFn(dot(this.inpt, this.w).mul(1 - this.pDropout).add(this.b));
    this.yOut = argmax(this.output, 1);
    this.inptDropout = dropoutLayer(inptDropout.reshape([miniBatchSize, this.nIn]), this.pDropout, [miniBatchSize, this.nIn]);
    this.outputDropout = this.activationFn(dot(this.inptDropout, this.w).add(this.b));
  }
  /** The accuracy for the mini-batch. */
  accuracy(y: ST): ST {
    return mean(eq(y, this.yOut), 'float32');
  }
}

/** The softmax output layer (weights and biases start at zero). */
export class SoftmaxLayer implements Network3Layer {
  readonly w: SharedVariable;
  readonly b: SharedVariable;
  readonly params: SharedVariable[];
  output!: ST;
  outputDropout!: ST;
  yOut!: ST;
  inpt!: ST;
  inptDropout!: ST;
  constructor(readonly nIn: number, readonly nOut: number, readonly pDropout = 0) {
    this.w = shared({ data: new Float32Array(nIn * nOut), shape: [nIn, nOut] }, { name: 'w' });
    this.b = shared({ data: new Float32Array(nOut), shape: [nOut] }, { name: 'b' });
    this.params = [this.w, this.b];
  }
  setInpt(inpt: ST, inptDropout: ST, miniBatchSize: number): void {
    this.inpt = inpt.reshape([miniBatchSize, this.nIn]);
    this.output = softmax(dot(this.inpt, this.w).mul(1 - this.pDropout).add(this.b));
    this.yOut = argmax(this.output, 1);
    this.inptDropout = dropoutLayer(inptDropout.reshape([miniBatchSize, this.nIn]), this.pDropout, [miniBatchSize, this.nIn]);
    this.outputDropout = softmax(dot(this.inptDropout, this.w).add(this.b));
  }
  /** The log-likelihood cost: `-T.mean(T.log(self.output_dropout)[T.arange(net.y.shape[0]), net.y])`. */
  cost(net: Network): ST {
    return mean(log(this.outputDropout).at(arange(dim(net.y, 0)), net.y)).neg();
  }
  /** The accuracy for the mini-batch. */
  accuracy(y: ST): ST {
    return mean(eq(y, this.yOut), 'float32');
  }
}

/** The result of `Network.SGD`. */
export interface SgdResult {
  bestValidationAccuracy: number;
  /** The 0-based iteration where it was obtained. */
  bestIteration: number;
  /** Test accuracy at the best validation accuracy. */
  testAccuracy: number;
  /** Each epoch's validation accuracy. */
  validationAccuracies: number[];
  /** Each epoch's mean training cost (regularisation included). */
  epochCosts: number[];
  seconds: number;
  trainMb: CompiledFunction<number>;
  validateMbAccuracy: CompiledFunction<number>;
  testMbAccuracy: CompiledFunction<number>;
}

/** The compiled functions of `Network.SGD` (`compileSGD`) and the mini-batch counts. */
export interface SgdFunctions {
  trainMb: CompiledFunction<number>;
  validateMbAccuracy: CompiledFunction<number>;
  testMbAccuracy: CompiledFunction<number>;
  numTrainingBatches: number;
  numValidationBatches: number;
  numTestBatches: number;
}

/** network3's `Network`: the layers wired through `set_inpt`, and SGD. */
export class Network {
  readonly params: SharedVariable[];
  readonly x: ST = matrix('x');
  readonly y: ST = ivector('y');
  readonly output: ST;
  readonly outputDropout: ST;
  constructor(readonly layers: readonly [...Network3Layer[], SoftmaxLayer], readonly miniBatchSize: number) {
    this.params = layers.flatMap((l) => l.params);
    layers[0].setInpt(this.x, this.x, miniBatchSize);
    for (let j = 1; j < layers.length; j++) {
      const prev = layers[j - 1];
      layers[j].setInpt(prev.output, prev.outputDropout, miniBatchSize);
    }
    this.output = layers[layers.length - 1].output;
    this.outputDropout = layers[layers.length - 1].outputDropout;
  }

  private get last(): SoftmaxLayer {
    return this.layers[this.layers.length - 1] as SoftmaxLayer;
  }

  /** Trains with mini-batch stochastic gradient descent, printing network3's lines through `out`. */
  SGD(trainingData: SharedSplit, epochs: number, miniBatchSize: number, eta: number, validationData: SharedSplit, testData: SharedSplit, lmbda = 0, out: (line: string) => void = () => {}): Promise<SgdResult> {
    return this.runSGD(this.compileSGD(trainingData, miniBatchSize, eta, validationData, testData, lmbda), epochs, out);
  }

  /** The first half of `SGD`: the cost, its gradients and updates, and the three compiled functions (`profile`: profile `train_mb`). */
  compileSGD(trainingData: SharedSplit, miniBatchSize: number, eta: number, validationData: SharedSplit, testData: SharedSplit, lmbda = 0, options: { profile?: boolean } = {}): SgdFunctions {
    if (miniBatchSize !== this.miniBatchSize) throw new ClassicOptionsError(`the network was built for mini-batches of ${this.miniBatchSize}, SGD got ${miniBatchSize}`);
    const numTrainingBatches = needBatches(trainingData, miniBatchSize, 'training', '--mini-batch-size');
    const numValidationBatches = needBatches(validationData, miniBatchSize, 'validation', '--mini-batch-size');
    const numTestBatches = needBatches(testData, miniBatchSize, 'test', '--mini-batch-size');

    // The cost function, symbolic gradients and updates.
    const l2NormSquared = this.layers.map((l) => sum(l.w.square())).reduce((a, b) => a.add(b));
    const cost = this.last.cost(this).add(l2NormSquared.mul((0.5 * lmbda) / numTrainingBatches));
    const grads = grad(cost, this.params);
    const updates = this.params.map((p, k) => [p, p.sub(grads[k].mul(eta))] as [SharedVariable, ST]);

    // Functions to train a mini-batch and to compute the accuracy on validation and test mini-batches.
    const i = iscalar('i'); // mini-batch index
    const trainMb = compile([i], cost, { updates, givens: minibatchGivens(this.x, this.y, trainingData, i, miniBatchSize), name: 'train_mb', profile: options.profile }) as CompiledFunction<number>;
    const validateMbAccuracy = compile([i], this.last.accuracy(this.y), { givens: minibatchGivens(this.x, this.y, validationData, i, miniBatchSize), name: 'validate_mb_accuracy' }) as CompiledFunction<number>;
    const testMbAccuracy = compile([i], this.last.accuracy(this.y), { givens: minibatchGivens(this.x, this.y, testData, i, miniBatchSize), name: 'test_mb_accuracy' }) as CompiledFunction<number>;
    return { trainMb, validateMbAccuracy, testMbAccuracy, numTrainingBatches, numValidationBatches, numTestBatches };
  }

  /** The second half of `SGD`: the epochs, printing network3's lines through `out`; `onEpoch` after each (0-based). */
  async runSGD(fns: SgdFunctions, epochs: number, out: (line: string) => void = () => {}, onEpoch?: (epoch: number) => void): Promise<SgdResult> {
    const { trainMb, validateMbAccuracy, testMbAccuracy, numTrainingBatches, numValidationBatches, numTestBatches } = fns;

    // The asynchronous calls run on every backend (webgpu reads results only asynchronously).
    const meanOf = async (n: number, f: CompiledFunction<number>) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += await f.async(j);
      return s / n;
    };
    const start = performance.now();
    let bestValidationAccuracy = 0;
    let bestIteration = 0;
    let testAccuracy = 0;
    const validationAccuracies: number[] = [];
    const epochCosts: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      let costSum = 0;
      for (let minibatchIndex = 0; minibatchIndex < numTrainingBatches; minibatchIndex++) {
        const iteration = numTrainingBatches * epoch + minibatchIndex;
        if (iteration % 1000 === 0) out(`Training mini-batch number ${iteration}`);
        costSum += await trainMb.async(minibatchIndex);
        if ((iteration + 1) % numTrainingBatches === 0) {
          const validationAccuracy = await meanOf(numValidationBatches, validateMbAccuracy);
          validationAccuracies.push(validationAccuracy);
          out(`Epoch ${epoch}: validation accuracy ${pyPercent(validationAccuracy)}`);
          if (validationAccuracy >= bestValidationAccuracy) {
            out('This is the best validation accuracy to date.');
            bestValidationAccuracy = validationAccuracy;
            bestIteration = iteration;
            testAccuracy = await meanOf(numTestBatches, testMbAccuracy);
            out(`The corresponding test accuracy is ${pyPercent(testAccuracy)}`);
          }
        }
      }
      epochCosts.push(costSum / numTrainingBatches);
      onEpoch?.(epoch);
    }
    out('Finished training network.');
    out(`Best validation accuracy of ${pyPercent(bestValidationAccuracy)} obtained at iteration ${bestIteration}`);
    out(`Corresponding test accuracy of ${pyPercent(testAccuracy)}`);
    return { bestValidationAccuracy, bestIteration, testAccuracy, validationAccuracies, epochCosts, seconds: (performance.now() - start) / 1000, trainMb, validateMbAccuracy, testMbAccuracy };
  }
}

export interface Network3Options extends ClassicCommonOptions {
  /** Default 60 (the book's runs). */
  epochs?: number;
  /** Default 10. */
  miniBatchSize?: number;
  /** Learning rate, default 0.1. */
  eta?: number;
  /** L2 regularisation parameter, default 0. */
  lmbda?: number;
  /** Dropout probability of the fully connected and softmax layers' inputs (default 0: none). */
  dropout?: number;
  /** Rectified linear units instead of sigmoids (conv and fully connected layers). */
  relu?: boolean;
  /** Units of the fully connected layer (default 100). */
  fcUnits?: number;
  /** Number of convolutional filters (default 20). */
  filters?: number;
  /** Seeds the weights and dropout masks (default 12345). */
  seed?: number;
}

export interface Network3Result extends SgdResult {
  net: Network;
}

/**
 * network3.py's chapter-6 network: ConvPoolLayer(20@5x5, pool 2) → FullyConnectedLayer(100) →
 * SoftmaxLayer(10), mini-batches of 10, eta 0.1, trained with `Network.SGD`.
 */
export async function runNetwork3(options: Network3Options = {}, io: ClassicIO): Promise<Network3Result> {
  const epochs = options.epochs ?? 60;
  const miniBatchSize = options.miniBatchSize ?? 10;
  const eta = options.eta ?? 0.1;
  const lmbda = options.lmbda ?? 0;
  const pDropout = options.dropout ?? 0;
  const fcUnits = options.fcUnits ?? 100;
  const filters = options.filters ?? 20;
  checkInt(epochs, 'epochs');
  checkInt(miniBatchSize, 'miniBatchSize');
  checkInt(fcUnits, 'fcUnits');
  checkInt(filters, 'filters');
  if (!(eta > 0 && Number.isFinite(eta))) throw new ClassicOptionsError(`eta must be a positive number, got ${eta}`);
  if (!(lmbda >= 0 && Number.isFinite(lmbda))) throw new ClassicOptionsError(`lmbda must be a non-negative number, got ${lmbda}`);
  if (!(pDropout >= 0 && pDropout < 1)) throw new ClassicOptionsError(`dropout must be in [0, 1), got ${pDropout}`);

  const data = await classicData(options, io);
  const trainingData = sharedDataset(data.train, 'training');
  const validationData = sharedDataset(data.val, 'validation');
  const testData = sharedDataset(data.test, 'test');
  needBatches(data.train, miniBatchSize, 'training', '--mini-batch-size');

  setSeed(options.seed ?? 12345);
  const act = options.relu ? ReLU : sigmoid;
  const net = new Network([
    new ConvPoolLayer([filters, 1, 5, 5], [miniBatchSize, 1, 28, 28], [2, 2], act),
    new FullyConnectedLayer(filters * 12 * 12, fcUnits, act, pDropout),
    new SoftmaxLayer(fcUnits, 10, pDropout),
  ], miniBatchSize);
  const fns = net.compileSGD(trainingData, miniBatchSize, eta, validationData, testData, lmbda, { profile: options.profile });
  const onEpoch = await inspectClassic(fns.trainMb, options, io);
  const r = await net.runSGD(fns, epochs, io.out, onEpoch);
  return { ...r, net };
}
