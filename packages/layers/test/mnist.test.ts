/**
 * The north star: Lasagne's MNIST CNN, built and trained exactly as ARCHITECTURE.md writes it
 * (with the loss and SGD written here with core ops, so this package's tests need only core).
 */
import { arange, compile, dim, eq, argmax, grad, ivector, log, mean, setSeed, tensor4, type SymbolicTensor, type SharedVariable } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { call } from '../../core/test/calls';

function buildCnn(inputVar?: SymbolicTensor): L.Layer {
  let net: L.Layer = new L.InputLayer([null, 1, 28, 28], { inputVar });
  net = new L.Conv2DLayer(net, { numFilters: 32, filterSize: 5, nonlinearity: L.rectify });
  net = new L.MaxPool2DLayer(net, { poolSize: 2 });
  net = new L.Conv2DLayer(net, { numFilters: 32, filterSize: 5, nonlinearity: L.rectify });
  net = new L.MaxPool2DLayer(net, { poolSize: 2 });
  net = new L.DenseLayer(L.dropout(net, { p: 0.5 }), { numUnits: 256, nonlinearity: L.rectify });
  return new L.DenseLayer(L.dropout(net, { p: 0.5 }), { numUnits: 10, nonlinearity: L.softmax });
}

const crossentropy = (p: SymbolicTensor, y: SymbolicTensor) => log(p).at(arange(dim(p, 0)), y).neg();

test('the MNIST CNN builds, trains and evaluates', async () => {
  setSeed(2024);
  const inputVar = tensor4('inputs');
  const targetVar = ivector('targets');
  const network = buildCnn(inputVar);

  expect(L.getAllLayers(network).map((l) => l.constructor.name)).toEqual([
    'InputLayer', 'Conv2DLayer', 'MaxPool2DLayer', 'Conv2DLayer', 'MaxPool2DLayer', 'DropoutLayer', 'DenseLayer', 'DropoutLayer', 'DenseLayer',
  ]);
  expect(L.getAllLayers(network).map((l) => l.outputShape)).toEqual([
    [null, 1, 28, 28], [null, 32, 24, 24], [null, 32, 12, 12], [null, 32, 8, 8], [null, 32, 4, 4], [null, 32, 4, 4], [null, 256], [null, 256], [null, 10],
  ]);
  const params = L.getAllParams(network, { trainable: true });
  expect(params.map((p) => p.shape)).toEqual([[32, 1, 5, 5], [32], [32, 32, 5, 5], [32], [512, 256], [256], [256, 10], [10]]);
  expect(L.countParams(network)).toBe(832 + 25632 + 131328 + 2570);

  const prediction = L.getOutput(network);
  const loss = mean(crossentropy(prediction, targetVar));
  const grads = grad(loss, params);
  const updates = new Map<SharedVariable, SymbolicTensor>(params.map((p, i) => [p, p.sub(grads[i].mul(0.05))]));
  const testPrediction = L.getOutput(network, { deterministic: true });
  const testLoss = mean(crossentropy(testPrediction, targetVar));
  const testAcc = mean(eq(argmax(testPrediction, 1), targetVar), 'float32');
  const trainFn = compile([inputVar, targetVar], loss, { updates });
  const valFn = compile([inputVar, targetVar], [testLoss, testAcc]);
  const predictFn = compile([inputVar], prediction);
  const detFn = compile([inputVar], testPrediction);

  // Three 28×28 "digits": a bright bar whose position is the class.
  const n = 3;
  const images = new Float32Array(n * 784);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  for (let i = 0; i < n; i++) for (let r = 0; r < 28; r++) for (let c = labels[i] * 8; c < labels[i] * 8 + 6; c++) images[i * 784 + r * 28 + c] = 1;
  const X = { data: images, shape: [n, 1, 28, 28] };

  // Dropout: training predictions change from call to call, deterministic ones do not.
  const p1 = await call(predictFn, X) as { data: Float32Array };
  const p2 = await call(predictFn, X) as { data: Float32Array };
  expect(Array.from(p1.data)).not.toEqual(Array.from(p2.data));
  const d1 = await call(detFn, X) as { data: Float32Array };
  expect(Array.from((await call(detFn, X) as { data: Float32Array }).data)).toEqual(Array.from(d1.data));
  for (let i = 0; i < n; i++) expect(d1.data.slice(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

  const [loss0] = await call(valFn, X, labels) as number[];
  const losses: number[] = [];
  for (let step = 0; step < 2; step++) losses.push(await call(trainFn, X, labels) as number);
  const [loss1, acc1] = await call(valFn, X, labels) as number[];
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(loss1).toBeLessThan(loss0);
  expect(acc1).toBeGreaterThanOrEqual(0);
  expect(acc1).toBeLessThanOrEqual(1);
});
