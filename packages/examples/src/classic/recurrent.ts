/**
 * Lasagne's examples/recurrent.py: a bidirectional recurrent network on the "adding" task.
 * Each sequence has 50 to 54 steps of two features: a uniform value, and a marker that is 1 at
 * two steps (one in the first tenth, one in the second half); the target is the sum of the two
 * marked values. Forward and backward RecurrentLayers (100 tanh units, HeUniform weights, gradient
 * clipping 100, masked) are summed by an ElemwiseSumLayer, reshaped to (batch * time, 100) for a
 * 1-unit tanh DenseLayer and back to (batch, time); the prediction is the last step's. Adagrad
 * (lr 0.001) on the squared error; 10 epochs of 100 fresh batches of 100, each printing the cost
 * on one fixed validation batch. `lstm` uses LSTMLayers instead.
 */
import { compile, getItem, mean, slice, sub, square, vector, SeededRng, type CompiledFunction } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { adagrad } from '@lasagne-ts/updates';
import type { InspectOptions } from '../inspect';
import { checkInt, ClassicOptionsError, inspectClassic, pyStr, type ClassicIO } from './common';

/** NumPy's str of a float32 scalar: the shortest decimal that reads back as the same float32. */
export function float32Str(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) return pyStr(f);
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return pyStr(s);
  }
  return pyStr(f);
}

export interface RecurrentOptions extends InspectOptions {
  /** Default 10 (`NUM_EPOCHS`). */
  epochs?: number;
  /** Batches per epoch (`EPOCH_SIZE`, default 100). */
  epochSize?: number;
  /** Sequences per batch (`N_BATCH`, default 100). */
  batchSize?: number;
  /** Sequence lengths are drawn from [minLength, maxLength) (defaults 50, 55). */
  minLength?: number;
  maxLength?: number;
  /** Units of each recurrent layer (`N_HIDDEN`, default 100). */
  hidden?: number;
  /** Adagrad's learning rate (default 0.001). */
  learningRate?: number;
  /** Gradient clipping in the recurrent layers (`GRAD_CLIP`, default 100). */
  gradClip?: number;
  /** LSTMLayers instead of RecurrentLayers. */
  lstm?: boolean;
  /** Seeds the weights and the generated data (default 1). */
  seed?: number;
}

export interface RecurrentResult {
  /** The validation cost after each epoch. */
  costs: number[];
  /** Seconds per epoch. */
  seconds: number[];
}

/** One batch of the adding task (recurrent.py's `gen_data`): inputs (batch, maxLength, 2), targets, masks. */
export function genData(rng: () => number, minLength: number, maxLength: number, nBatch: number): { X: Float32Array; y: Float32Array; mask: Float32Array } {
  const X = new Float64Array(nBatch * maxLength * 2);
  const mask = new Float32Array(nBatch * maxLength);
  const y = new Float64Array(nBatch);
  const randint = (lo: number, hi: number) => Math.floor(lo) + Math.floor(rng() * (Math.floor(hi) - Math.floor(lo)));
  for (let i = 0; i < nBatch * maxLength; i++) X[i * 2] = rng();
  for (let n = 0; n < nBatch; n++) {
    const length = randint(minLength, maxLength);
    for (let t = 0; t < maxLength; t++) {
      if (t < length) mask[n * maxLength + t] = 1;
      else X[(n * maxLength + t) * 2] = 0;
    }
    X[(n * maxLength + randint(0, length / 10)) * 2 + 1] = 1;
    X[(n * maxLength + randint(length / 2, length)) * 2 + 1] = 1;
    let s = 0;
    for (let t = 0; t < maxLength; t++) s += X[(n * maxLength + t) * 2] * X[(n * maxLength + t) * 2 + 1];
    y[n] = s;
  }
  // Centre the inputs (per feature, over all steps) and the targets.
  for (const f of [0, 1]) {
    let m = 0;
    for (let i = f; i < X.length; i += 2) m += X[i];
    m /= X.length / 2;
    for (let i = f; i < X.length; i += 2) X[i] -= m;
  }
  const ym = y.reduce((a, b) => a + b, 0) / nBatch;
  return { X: Float32Array.from(X), y: Float32Array.from(y, (v) => v - ym), mask };
}

/** The network of recurrent.py: bidirectional, summed, a tanh unit per step; returns the output layer and the inputs. */
export function buildRecurrentNet(o: { batchSize: number; maxLength: number; hidden: number; gradClip: number; lstm: boolean }) {
  const lIn = new L.InputLayer([null, o.maxLength, 2]);
  const lMask = new L.InputLayer([null, o.maxLength]);
  const make = (backwards: boolean): L.Layer =>
    o.lstm
      ? new L.LSTMLayer(lIn, { numUnits: o.hidden, maskInput: lMask, gradClipping: o.gradClip, nonlinearity: L.tanh, backwards })
      : new L.RecurrentLayer(lIn, { numUnits: o.hidden, maskInput: lMask, gradClipping: o.gradClip, WInToHid: new L.init.HeUniform(), WHidToHid: new L.init.HeUniform(), nonlinearity: L.tanh, backwards });
  const lSum = new L.ElemwiseSumLayer([make(false), make(true)]);
  const lReshape = new L.ReshapeLayer(lSum, [-1, o.hidden]);
  const lDense = new L.DenseLayer(lReshape, { numUnits: 1, nonlinearity: L.tanh });
  const lOut = new L.ReshapeLayer(lDense, [-1, o.maxLength]);
  return { lIn, lMask, lOut };
}

/** Runs recurrent.py: prints `Epoch N validation cost = C` after each epoch. */
export async function runRecurrent(options: RecurrentOptions, io: ClassicIO): Promise<RecurrentResult> {
  const o = { epochs: 10, epochSize: 100, batchSize: 100, minLength: 50, maxLength: 55, hidden: 100, learningRate: 0.001, gradClip: 100, lstm: false, seed: 1, ...options };
  for (const k of ['epochs', 'epochSize', 'batchSize', 'minLength', 'maxLength', 'hidden'] as const) checkInt(o[k], `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (o.maxLength <= o.minLength) throw new ClassicOptionsError(`--max-length must exceed --min-length (lengths are drawn from [min, max)), got ${o.minLength} and ${o.maxLength}`);
  if (o.minLength < 2) throw new ClassicOptionsError(`--min-length must be at least 2 (two steps are marked), got ${o.minLength}`);
  L.setSeed(o.seed);
  const rng = new SeededRng(o.seed ^ 0x5eed).next;

  io.out('Building network ...');
  const { lIn, lMask, lOut } = buildRecurrentNet(o);
  const target = vector('target_output');
  const predicted = getItem(L.getOutput(lOut), slice(null), -1);
  const cost = mean(square(sub(predicted, target)));
  const params = L.getAllParams(lOut);
  io.out('Computing updates ...');
  const updates = adagrad(cost, params, { learningRate: o.learningRate });
  io.out('Compiling functions ...');
  const trainFn: CompiledFunction = compile([lIn.inputVar, target, lMask.inputVar], cost, { updates, name: 'train', profile: o.profile });
  const onEpoch = await inspectClassic(trainFn, o, io);
  const costFn: CompiledFunction = compile([lIn.inputVar, target, lMask.inputVar], cost, { name: 'compute_cost' });
  const feed = (d: ReturnType<typeof genData>) => [{ data: d.X, shape: [o.batchSize, o.maxLength, 2] }, d.y, { data: d.mask, shape: [o.batchSize, o.maxLength] }] as const;
  const val = genData(rng, o.minLength, o.maxLength, o.batchSize);
  io.out('Training ...');
  const costs: number[] = [];
  const seconds: number[] = [];
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const t0 = performance.now();
      for (let b = 0; b < o.epochSize; b++) {
        trainFn(...feed(genData(rng, o.minLength, o.maxLength, o.batchSize)));
        if (b % 10 === 9) await new Promise((r) => setImmediate(r)); // let Ctrl-C through
      }
      const c = costFn(...feed(val)) as number;
      costs.push(c);
      seconds.push((performance.now() - t0) / 1000);
      io.out(`Epoch ${epoch} validation cost = ${float32Str(c)}`);
      io.err?.(`epoch ${epoch} took ${seconds[seconds.length - 1].toFixed(1)}s`);
      onEpoch();
    }
  } finally {
    trainFn.dispose();
    costFn.dispose();
  }
  return { costs, seconds };
}
