/** Memory: compiled functions free every intermediate; repeated calls leave the tensor count unchanged. */
import * as L from '@lasagne-ts/core';
import { compile, grad, matrix, shared, tensor4, tf, ivector, RandomStreams } from '@lasagne-ts/core';
import { rn } from './helpers';
import { call, value } from './calls';

const numTensors = () => tf.memory().numTensors;

describe('memory', () => {
  it('a training function with updates, called 1000 times, leaves tf.memory().numTensors unchanged', async () => {
    const x = matrix('x');
    const y = ivector('y');
    const W = shared({ data: new Float32Array(5 * 3), shape: [5, 3] }, { name: 'W' });
    const b = shared(new Float32Array(3), { name: 'b' });
    const p = L.softmax(L.add(L.dot(x, W), b));
    const loss = L.neg(L.mean(L.log(p).at(L.arange(x.symShape().at(0)), y)));
    const [gW, gb] = grad(loss, [W, b]);
    const train = compile([x, y], loss, { updates: [[W, L.sub(W, L.mul(gW, 0.1))], [b, L.sub(b, L.mul(gb, 0.1))]] });
    const xv = { data: Float32Array.from(rn(1, [8, 5]).data), shape: [8, 5] };
    const yv = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]);
    await call(train, xv, yv); // warm-up: uploads the constants
    const before = numTensors();
    let last = Infinity;
    for (let i = 0; i < 1000; i++) last = await call(train, xv, yv) as number;
    expect(numTensors()).toBe(before);
    expect(last).toBeLessThan(1.0986); // it trained (log 3 at the start)
  });

  it('a conv / pool / dropout network gradient step leaves the count unchanged', async () => {
    const x = tensor4('x');
    const Wc = shared({ data: Float32Array.from(rn(2, [4, 2, 3, 3], 0.1).data), shape: [4, 2, 3, 3] }, { name: 'Wc' });
    const srng = new RandomStreams(3);
    const h = L.relu(L.conv2d(x, Wc, { borderMode: 'half' }));
    const pooled = L.pool2d(h, { ws: 2, stride: 1, ignoreBorder: false });
    const dropped = L.mul(pooled, srng.binomial(pooled.symShape(), { p: 0.5, dtype: 'float32' }));
    const cost = L.mean(L.square(dropped));
    const step = compile([x], cost, { updates: [[Wc, L.sub(Wc, L.mul(grad(cost, Wc), 0.01))]] });
    const xv = { data: Float32Array.from(rn(4, [2, 2, 6, 6]).data), shape: [2, 2, 6, 6] };
    await call(step, xv);
    const before = numTensors();
    for (let i = 0; i < 100; i++) await call(step, xv);
    expect(numTensors()).toBe(before);
  });

  it("'device' outputs are the only tensors left, and disposing them restores the count", async () => {
    const x = matrix('x');
    const f = compile([x], [L.exp(x), L.sum(x)], { outputs: 'device' });
    (await call(f, [[1]]) as L.Tensor[]).forEach((t) => t.dispose());
    const before = numTensors();
    for (let i = 0; i < 50; i++) {
      const outs = await call(f, [[1, 2], [3, 4]]) as L.Tensor[];
      expect(numTensors()).toBe(before + 2);
      outs.forEach((t) => t.dispose());
    }
    expect(numTensors()).toBe(before);
  });

  it('a call that fails at run time does not leak', async () => {
    const a = matrix('a');
    const b = matrix('b');
    const f = compile([a, b], L.exp(L.add(L.dot(a, b), 1)));
    await call(f, [[1]], [[1]]);
    const before = numTensors();
    for (let i = 0; i < 10; i++) await expect(call(f, [[1, 2]], [[1, 2]])).rejects.toThrow();
    expect(numTensors()).toBe(before);
    const i = ivector('i');
    const g = compile([a, i], L.take(a, i));
    await call(g, [[1]], Int32Array.from([0]));
    const before2 = numTensors();
    await expect(call(g, [[1]], Int32Array.from([5]))).rejects.toThrow(/out of bounds/);
    expect(numTensors()).toBe(before2);
  });

  it('compile + call + dispose returns to the initial count; shared set() frees the old value', async () => {
    const before = numTensors();
    const x = matrix('x');
    const f = compile([x], L.add(x, L.constant([[1, 2]])));
    await call(f, [[0, 0]]);
    f.dispose();
    expect(numTensors()).toBe(before);
    const W = shared(new Float32Array(4));
    const withW = numTensors();
    for (let k = 0; k < 10; k++) W.set(new Float32Array(4).fill(k));
    expect(numTensors()).toBe(withW);
    for (let k = 0; k < 10; k++) await value(W);
    expect(numTensors()).toBe(withW);
  });
});
