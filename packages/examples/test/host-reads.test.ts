/**
 * The executor gives ops their host inputs (indices, shapes, random state) without reading the
 * device when they were computed on the host: mnist.py's CNN training step (dropout masks, the
 * `-log(p[arange(n), y])` indices) and the tutorials' `givens` minibatch idiom read nothing back,
 * so on a GPU a step waits only for its outputs.
 */
import { arange, compile, dim, iscalar, ivector, matrix, mean, shared, slice, softmax, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { categoricalCrossentropy } from '@lasagne-ts/objectives';
import { nesterovMomentum } from '@lasagne-ts/updates';
import { buildCnn } from '../src';

describe('device reads of a training step', () => {
  it("mnist.py's CNN with dropout: none, synchronous or asynchronous", async () => {
    const inputVar = tensor4('inputs');
    const targetVar = ivector('targets');
    const net = buildCnn(inputVar);
    const loss = mean(categoricalCrossentropy(L.getOutput(net), targetVar));
    const updates = nesterovMomentum(loss, L.getAllParams(net, { trainable: true }), { learningRate: 0.01, momentum: 0.9 });
    const trainFn = compile([inputVar, targetVar], loss, { updates });
    const x = { data: Float32Array.from({ length: 4 * 784 }, (_, i) => (i % 17) / 17), shape: [4, 1, 28, 28] };
    const y = Int32Array.from([3, 1, 4, 1]);
    expect(Number.isFinite((await trainFn.async(x, y)) as number)).toBe(true);
    expect(Number.isFinite(trainFn(x, y) as number)).toBe(true);
    expect(trainFn.hostReads).toBe(0);
  });

  it("the tutorials' givens minibatches (x[i*bs:(i+1)*bs], labels in an int shared variable): none", async () => {
    const data = shared({ data: Float32Array.from({ length: 6 * 2 }, (_, i) => i / 10), shape: [6, 2] }, { name: 'data' });
    const labels = shared(Int32Array.from([0, 1, 1, 0, 1, 0]), { name: 'labels', dtype: 'int32' });
    const W = shared({ data: new Float32Array(4), shape: [2, 2] }, { name: 'W' });
    const index = iscalar('index');
    const x = matrix('x');
    const y = ivector('y');
    const p = softmax(x.dot(W));
    const nll = p.log().at(arange(dim(y, 0)), y).neg().mean();
    const bounds = slice(index.mul(2), index.add(1).mul(2));
    const f = compile([index], nll, { givens: [[x, data.at(bounds)], [y, labels.at(bounds)]] });
    expect(await f.async(1)).toBeCloseTo(Math.log(2), 5); // W = 0: uniform over 2 classes
    expect(f(2)).toBeCloseTo(Math.log(2), 5);
    expect(f.hostReads).toBe(0);
  });

  it('an index computed on the device is read once per call (and counted)', async () => {
    const v = matrix('v');
    const f = compile([v], v.take(v.argmax(1), 1));
    const out = (await f.async([[1, 5], [7, 2]])) as { data: Float32Array; shape: number[] };
    expect(out.shape).toEqual([2, 2]);
    expect(Array.from(out.data)).toEqual([5, 1, 2, 7]);
    expect(f.hostReads).toBe(1);
  });
});
