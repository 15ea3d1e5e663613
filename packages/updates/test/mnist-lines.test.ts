/**
 * The training lines of Lasagne's examples/mnist.py, ported one to one, on a small MLP built
 * directly with core (the layers package is not a dependency of this one):
 *
 *   prediction = lasagne.layers.get_output(network)
 *   loss = lasagne.objectives.categorical_crossentropy(prediction, target_var)
 *   loss = loss.mean()
 *   params = lasagne.layers.get_all_params(network, trainable=True)
 *   updates = lasagne.updates.nesterov_momentum(loss, params, learning_rate=0.01, momentum=0.9)
 *   test_prediction = lasagne.layers.get_output(network, deterministic=True)
 *   test_loss = lasagne.objectives.categorical_crossentropy(test_prediction, target_var)
 *   test_loss = test_loss.mean()
 *   test_acc = T.mean(T.eq(T.argmax(test_prediction, axis=1), target_var), dtype=theano.config.floatX)
 *   train_fn = theano.function([input_var, target_var], loss, updates=updates)
 *   val_fn = theano.function([input_var, target_var], [test_loss, test_acc])
 */
import { add, argmax, compile, dot, eq, ivector, matrix, mean, ready, relu, shared, softmax, type SharedVariable, type SymbolicTensor } from '@lasagne-ts/core';
import { allParams, categoricalAccuracy, categoricalCrossentropy, l2, regularizeNetworkParams, type LayerLike } from '@lasagne-ts/objectives';
import { nesterovMomentum } from '../src';
import { call, value } from '../../core/test/calls';

beforeAll(() => ready());

/** A dense layer stand-in: W (trainable, regularizable), b (trainable). */
class Dense implements LayerLike {
  readonly W: SharedVariable;
  readonly b: SharedVariable;
  constructor(public inputLayer: LayerLike | null, nIn: number, nOut: number, readonly nonlinearity: (x: SymbolicTensor) => SymbolicTensor, seed: number) {
    let s = seed;
    const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.5;
    this.W = shared({ data: Array.from({ length: nIn * nOut }, rnd), shape: [nIn, nOut] }, { name: 'W', tags: ['trainable', 'regularizable'] });
    this.b = shared(new Float32Array(nOut), { name: 'b', tags: ['trainable'] });
  }
  getParams(tags: Record<string, boolean> = {}): SharedVariable[] {
    return [this.W, this.b].filter((p) => Object.entries(tags).every(([t, want]) => p.tags.has(t) === want));
  }
  output(x: SymbolicTensor): SymbolicTensor {
    return this.nonlinearity(add(dot(x, this.W), this.b));
  }
}

// three separable classes in 4-d
const N = 60;
const X: number[][] = [];
const Y: number[] = [];
for (let i = 0; i < N; i++) {
  const c = i % 3;
  const j = (i * 7919) % 13;
  X.push([c === 0 ? 1 : 0, c === 1 ? 1 : 0, c === 2 ? 1 : 0, j / 13].map((v, k) => v + 0.1 * Math.sin(i * (k + 1))));
  Y.push(c);
}

test('mnist.py\'s training and validation functions, line by line', async () => {
  const inputVar = matrix('inputs');
  const targetVar = ivector('targets');
  const hidden = new Dense(null, 4, 16, relu, 7);
  const network = new Dense(hidden, 16, 3, (x) => softmax(x), 11);
  const getOutput = (x: SymbolicTensor) => network.output(hidden.output(x));

  const prediction = getOutput(inputVar);
  let loss = categoricalCrossentropy(prediction, targetVar);
  loss = loss.mean();
  const params = allParams(network, { trainable: true }) as SharedVariable[];
  const updates = nesterovMomentum(loss, params, { learningRate: 0.1, momentum: 0.9 }); // mnist.py: 0.01 over many minibatches; 0.1 for 40 full-batch steps here
  const testPrediction = getOutput(inputVar);
  let testLoss = categoricalCrossentropy(testPrediction, targetVar);
  testLoss = testLoss.mean();
  const testAcc = mean(eq(argmax(testPrediction, 1), targetVar), 'float32');
  const trainFn = compile([inputVar, targetVar], loss, { updates });
  const valFn = compile([inputVar, targetVar], [testLoss, testAcc]);

  expect(params.map((p) => p.name)).toEqual(['W', 'b', 'W', 'b']);
  expect(params[0]).toBe(hidden.W);
  expect(updates.size).toBe(8); // 4 params + 4 velocities
  const y = Int32Array.from(Y);
  const [loss0, acc0] = await call(valFn, X, y) as number[];
  let last = Infinity;
  for (let epoch = 0; epoch < 40; epoch++) last = await call(trainFn, X, y) as number;
  const [loss1, acc1] = await call(valFn, X, y) as number[];
  expect(Number.isFinite(last)).toBe(true);
  expect(loss1).toBeLessThan(loss0 / 4);
  expect(acc1).toBe(1);
  expect(acc0).toBeLessThan(1);
  // the same accuracy through the objectives helper
  expect(await call(compile([inputVar, targetVar], mean(categoricalAccuracy(testPrediction, targetVar))), X, y)).toBe(acc1);
  // and a weight-decay term as in Lasagne's docs: loss + 1e-4 * regularize_network_params(network, l2)
  const l2Penalty = regularizeNetworkParams(network, l2);
  const wd = await call(compile([], l2Penalty)) as number;
  const w = [...(await value(hidden.W)).data, ...(await value(network.W)).data].reduce((s, v) => s + v * v, 0);
  expect(wd).toBeCloseTo(w, 3);
});
