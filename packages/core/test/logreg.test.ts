/**
 * The Theano tutorial's logistic regression (logistic_sgd.py), scaled down: softmax(x W + b),
 * NLL = -mean(log(p)[arange(n), y]), SGD through `updates`, the whole dataset in shared variables
 * and each minibatch selected by an index input `i` through `givens`.
 */
import * as L from '@lasagne-ts/core';
import { compile, grad, matrix, ivector, iscalar, shared, slice } from '@lasagne-ts/core';
import { rng, randn } from './reference';
import { expectClose, toND } from './helpers';
import { call, value } from './calls';

const D = 20; // features
const K = 4; // classes
const N = 400; // training examples
const BS = 20; // minibatch size

/** A seeded, linearly separable set: labels are the argmax of a random linear map (with a margin). */
function makeData(seed: number): { X: Float32Array; y: Int32Array } {
  const r = rng(seed);
  const Wt = randn(r, [D, K]).data;
  const X = new Float32Array(N * D);
  const y = new Int32Array(N);
  let n = 0;
  while (n < N) {
    const row = randn(r, [D]).data;
    const scores = Array.from({ length: K }, (_, k) => row.reduce((s, v, d) => s + v * Wt[d * K + k], 0));
    const sorted = [...scores].sort((a, b) => b - a);
    if (sorted[0] - sorted[1] < 0.5) continue; // keep a margin
    X.set(row, n * D);
    y[n] = scores.indexOf(sorted[0]);
    n++;
  }
  return { X, y };
}

/** Host float64 error rate of argmax(x W + b) != y. */
function errorRate(X: Float32Array, y: Int32Array, W: ArrayLike<number>, b: ArrayLike<number>): number {
  let wrong = 0;
  for (let n = 0; n < N; n++) {
    let best = -Infinity;
    let arg = -1;
    for (let k = 0; k < K; k++) {
      let s = b[k];
      for (let d = 0; d < D; d++) s += X[n * D + d] * W[d * K + k];
      if (s > best) {
        best = s;
        arg = k;
      }
    }
    if (arg !== y[n]) wrong++;
  }
  return wrong / N;
}

function build(lr: number) {
  const x = matrix('x');
  const y = ivector('y');
  const W = shared({ data: new Float32Array(D * K), shape: [D, K] }, { name: 'W' });
  const b = shared(new Float32Array(K), { name: 'b' });
  const p = L.softmax(L.add(L.dot(x, W), b));
  const nll = L.neg(L.mean(L.log(p).at(L.arange(x.symShape().at(0)), y)));
  const errors = L.mean(L.neq(L.argmax(p, 1), y), 'float32');
  const [gW, gb] = grad(nll, [W, b]);
  const updates: [L.SharedVariable, L.SymbolicTensor][] = [
    [W, L.sub(W, L.mul(gW, lr))],
    [b, L.sub(b, L.mul(gb, lr))],
  ];
  return { x, y, W, b, p, nll, errors, updates };
}

describe("the Theano tutorial's logistic regression", () => {
  const { X, y: Y } = makeData(2024);

  it('trains with minibatches selected through givens; training error drops below 5%', async () => {
    const m = build(0.5);
    const trainX = shared({ data: X, shape: [N, D] }, { name: 'trainX' });
    const trainY = shared(Y, { name: 'trainY' });
    const i = iscalar('index');
    const batch = (v: L.SymbolicTensor) => v.at(slice(i.mul(BS), i.add(1).mul(BS)));
    const trainModel = compile([i], m.nll, { updates: m.updates, givens: [[m.x, batch(trainX)], [m.y, batch(trainY)]] });
    const validate = compile([], m.errors, { givens: [[m.x, trainX], [m.y, trainY]] });

    const initial = await call(validate) as number;
    expect(initial).toBeGreaterThan(0.5); // all-zero weights: every example gets class 0
    const nBatches = N / BS;
    const losses: number[] = [];
    for (let epoch = 0; epoch < 15; epoch++) {
      let total = 0;
      for (let k = 0; k < nBatches; k++) total += await call(trainModel, k) as number;
      losses.push(total / nBatches);
    }
    const err = await call(validate) as number;
    expect(err).toBeLessThan(0.05);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    // The compiled error agrees with an independent float64 evaluation of the learnt parameters.
    const host = errorRate(X, Y, (await value(m.W)).data, (await value(m.b)).data);
    expect(host).toBeLessThan(0.05);
    expect(Math.abs(err - host)).toBeLessThanOrEqual(1 / N + 1e-9);
  });

  it('one SGD step equals the hand-derived update W <- W - lr X^T (softmax(XW + b) - Y) / n', async () => {
    const lr = 0.5;
    const m = build(lr);
    const W0 = Float32Array.from(randn(rng(5), [D, K], 0.1).data);
    const b0 = Float32Array.from([0.1, -0.2, 0.3, 0]);
    m.W.set({ data: W0, shape: [D, K] });
    m.b.set(b0);
    const train = compile([m.x, m.y], m.nll, { updates: m.updates });
    const xb = X.subarray(0, BS * D);
    const yb = Y.subarray(0, BS);
    const loss = await call(train, { data: Float32Array.from(xb), shape: [BS, D] }, Int32Array.from(yb)) as number;
    // float64 on the host
    const gW = new Float64Array(D * K);
    const gb = new Float64Array(K);
    let nll = 0;
    for (let n = 0; n < BS; n++) {
      const s = Array.from({ length: K }, (_, k) => {
        let v = b0[k];
        for (let d = 0; d < D; d++) v += xb[n * D + d] * W0[d * K + k];
        return v;
      });
      const mx = Math.max(...s);
      const z = s.reduce((a, v) => a + Math.exp(v - mx), 0);
      const prob = s.map((v) => Math.exp(v - mx) / z);
      nll -= Math.log(prob[yb[n]]) / BS;
      for (let k = 0; k < K; k++) {
        const delta = (prob[k] - (k === yb[n] ? 1 : 0)) / BS;
        gb[k] += delta;
        for (let d = 0; d < D; d++) gW[d * K + k] += xb[n * D + d] * delta;
      }
    }
    expect(loss).toBeCloseTo(nll, 5);
    expectClose(await value(m.W), { data: Float64Array.from(W0, (w, j) => w - lr * gW[j]), shape: [D, K] }, 1e-5, 1e-6);
    expectClose(await value(m.b), { data: Float64Array.from(b0, (v, k) => v - lr * gb[k]), shape: [K] }, 1e-5, 1e-6);
  });

  it('givens slicing feeds the same rows as feeding them directly', async () => {
    const m = build(0.1);
    m.W.set({ data: Float32Array.from(randn(rng(9), [D, K]).data), shape: [D, K] });
    const trainX = shared({ data: X, shape: [N, D] }, { name: 'trainX' });
    const trainY = shared(Y, { name: 'trainY' });
    const i = iscalar('i');
    const batch = (v: L.SymbolicTensor) => v.at(slice(i.mul(BS), i.add(1).mul(BS)));
    const viaGivens = compile([i], [m.nll, m.errors, m.p], { givens: [[m.x, batch(trainX)], [m.y, batch(trainY)]] });
    const direct = compile([m.x, m.y], [m.nll, m.errors, m.p]);
    for (const k of [0, 7, N / BS - 1]) {
      const a = await call(viaGivens, k) as L.OutputValue[];
      const rows = { data: X.slice(k * BS * D, (k + 1) * BS * D), shape: [BS, D] };
      const b = await call(direct, rows, Y.slice(k * BS, (k + 1) * BS)) as L.OutputValue[];
      expect(a[0]).toBe(b[0]);
      expect(a[1]).toBe(b[1]);
      expect(toND(a[2]).data).toEqual(toND(b[2]).data);
    }
    // An index past the end gives an empty batch, as NumPy slicing does (not wrapped-around rows).
    expect((await call(viaGivens, N / BS) as L.OutputValue[])[2]).toEqual(expect.objectContaining({ shape: [0, K] }));
  });
});
