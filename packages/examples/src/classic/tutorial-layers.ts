/**
 * The DeepLearningTutorials' model classes, written with core's Theano-like ops as the tutorials
 * write them with Theano: `LogisticRegression` (logistic_sgd.py), `HiddenLayer` (mlp.py) and
 * `LeNetConvPoolLayer` (convolutional_mlp.py). Each takes its symbolic input in the constructor
 * and exposes `output` (or `p_y_given_x`) and `params`, shared variables on the backend.
 */
import {
  arange,
  argmax,
  conv2d,
  dim,
  dot,
  log,
  mean,
  neq,
  pool2d,
  shared,
  softmax,
  tanh,
  type SharedVariable,
  type ST,
} from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Uniform(low=-bound, high=bound) values of `shape` (numpy's `rng.uniform`), from the seeded generator. */
function uniform(bound: number, shape: readonly number[]): Float32Array {
  return new L.init.Uniform(bound).sample(shape);
}

/**
 * Multi-class logistic regression: `p_y_given_x = softmax(dot(input, W) + b)`, W and b
 * initialised with zeros.
 */
export class LogisticRegression {
  readonly W: SharedVariable;
  readonly b: SharedVariable;
  readonly p_y_given_x: ST;
  readonly y_pred: ST;
  readonly params: SharedVariable[];
  readonly input: ST;
  constructor(input: ST, nIn: number, nOut: number) {
    this.input = input;
    this.W = shared({ data: new Float32Array(nIn * nOut), shape: [nIn, nOut] }, { name: 'W' });
    this.b = shared({ data: new Float32Array(nOut), shape: [nOut] }, { name: 'b' });
    this.p_y_given_x = softmax(dot(input, this.W).add(this.b));
    this.y_pred = argmax(this.p_y_given_x, 1);
    this.params = [this.W, this.b];
  }
  /** `-T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])`. */
  negativeLogLikelihood(y: ST): ST {
    return mean(log(this.p_y_given_x).at(arange(dim(y, 0)), y)).neg();
  }
  /** The zero-one loss over the minibatch: `T.mean(T.neq(self.y_pred, y))`. */
  errors(y: ST): ST {
    if (y.ndim !== this.y_pred.ndim) throw new TypeError(`y should have the same shape as y_pred (${y.ndim} vs ${this.y_pred.ndim} dimensions)`);
    if (!y.dtype.startsWith('int')) throw new TypeError(`y must hold integer labels, got ${y.dtype}`);
    return mean(neq(this.y_pred, y), 'float32');
  }
}

export interface HiddenLayerOptions {
  /** Default `tanh` (mlp.py); `sigmoid` multiplies the initial weights by 4. */
  activation?: ((x: ST) => ST) | null;
  /** Marks the 4x weight scaling of a sigmoid layer (mlp.py compares `activation == T.nnet.sigmoid`). */
  sigmoid?: boolean;
}

/**
 * mlp.py's `HiddenLayer`: `activation(dot(input, W) + b)`, W uniform in
 * ±sqrt(6 / (n_in + n_out)) (x4 for sigmoid units), b zeros.
 */
export class HiddenLayer {
  readonly W: SharedVariable;
  readonly b: SharedVariable;
  readonly output: ST;
  readonly params: SharedVariable[];
  readonly input: ST;
  constructor(input: ST, nIn: number, nOut: number, options: HiddenLayerOptions = {}) {
    this.input = input;
    const bound = Math.sqrt(6 / (nIn + nOut)) * (options.sigmoid ? 4 : 1);
    this.W = shared({ data: uniform(bound, [nIn, nOut]), shape: [nIn, nOut] }, { name: 'W' });
    this.b = shared({ data: new Float32Array(nOut), shape: [nOut] }, { name: 'b' });
    const lin = dot(input, this.W).add(this.b);
    const activation = options.activation === undefined ? tanh : options.activation;
    this.output = activation === null ? lin : activation(lin);
    this.params = [this.W, this.b];
  }
}

/**
 * convolutional_mlp.py's `LeNetConvPoolLayer`: `tanh(pool(conv2d(input, W)) + b.dimshuffle('x', 0, 'x', 'x'))`
 * (max-pooling before the bias and the nonlinearity). W is uniform in ±sqrt(6 / (fan_in + fan_out))
 * with fan_in = prod(filter_shape[1:]) and fan_out = filter_shape[0] * prod(filter_shape[2:]) / prod(poolsize);
 * b zeros. The convolution flips the filters, as Theano's conv2d.
 */
export class LeNetConvPoolLayer {
  readonly W: SharedVariable;
  readonly b: SharedVariable;
  readonly output: ST;
  readonly params: SharedVariable[];
  readonly input: ST;
  constructor(input: ST, filterShape: readonly [number, number, number, number], imageShape: readonly [number, number, number, number], poolsize: readonly [number, number] = [2, 2]) {
    if (imageShape[1] !== filterShape[1]) throw new RangeError(`LeNetConvPoolLayer: the image has ${imageShape[1]} channels, the filters ${filterShape[1]}`);
    this.input = input;
    const fanIn = prod(filterShape.slice(1));
    const fanOut = Math.floor((filterShape[0] * prod(filterShape.slice(2))) / prod(poolsize));
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    this.W = shared({ data: uniform(bound, filterShape), shape: filterShape }, { name: 'W' });
    this.b = shared({ data: new Float32Array(filterShape[0]), shape: [filterShape[0]] }, { name: 'b' });
    const convOut = conv2d(input, this.W);
    const pooledOut = pool2d(convOut, { ws: poolsize, ignoreBorder: true });
    this.output = tanh(pooledOut.add(this.b.dimshuffle('x', 0, 'x', 'x')));
    this.params = [this.W, this.b];
  }
}
