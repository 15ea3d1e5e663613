/**
 * BatchNormLayer and batchNorm(): the worked case of LASAGNE_REFERENCE.md, running averages
 * updated exactly by the functions computing a training output, deterministic outputs using
 * them, and a float64 reference on 4-d input.
 */
import { compile, constant, grad, HostTensor, matrix, sum, tensor4, type SharedVariable } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { expectClose, randomND, run, type NDArray } from './helpers';
import { call, value } from '../../core/test/calls';

const X = [[1, 2], [3, 4], [5, 6], [7, 8]];

function bnNet() {
  const x = matrix('x');
  const bn = new L.BatchNormLayer(new L.InputLayer([null, 2], { inputVar: x }));
  return { x, bn };
}

const data = async (t: SharedVariable) => Array.from((await value(t)).data);

describe('BatchNormLayer', () => {
  test('worked case: batch statistics, then running averages after one training pass', async () => {
    const { x, bn } = bnNet();
    const train = compile([x], L.getOutput(bn));
    const out = await call(train, X) as HostTensor;
    const e = [-1.3416273702932517, -0.44720912343108393, 0.44720912343108393, 1.3416273702932517];
    for (let r = 0; r < 4; r++) for (let c = 0; c < 2; c++) expect(out.get(r, c)).toBeCloseTo(e[r], 5);
    expect((await data(bn.mean))[0]).toBeCloseTo(0.4, 6);
    expect((await data(bn.mean))[1]).toBeCloseTo(0.5, 6);
    for (const v of await data(bn.invStd)) expect(v).toBeCloseTo(0.94472091, 6);
  });

  test('a deterministic function uses the running averages and does not change them', async () => {
    const { x, bn } = bnNet();
    const train = compile([x], L.getOutput(bn));
    const test = compile([x], L.getOutput(bn, { deterministic: true }));
    await call(train, X);
    const before = [await data(bn.mean), await data(bn.invStd)];
    const out = await call(test, X) as HostTensor;
    const out2 = await call(test, X) as HostTensor;
    expect([await data(bn.mean), await data(bn.invStd)]).toEqual(before);
    expect(Array.from(out2.data)).toEqual(Array.from(out.data));
    // (x − mean) · invStd with gamma 1, beta 0.
    const [m, s] = before;
    X.forEach((row, r) => row.forEach((v, c) => expect(out.get(r, c)).toBeCloseTo((v - m[c]) * s[c], 5)));
  });

  test('running averages follow new = 0.9·old + 0.1·batch over several passes (invStd, not var)', async () => {
    const { x, bn } = bnNet();
    const train = compile([x], L.getOutput(bn));
    const m = [0, 0];
    const s = [1, 1];
    const batches = [X, [[0, 1], [2, -1], [4, 3], [-2, 0]], [[10, 1], [11, 2], [12, 5], [13, 0]]];
    for (const b of batches) {
      await call(train, b);
      for (let c = 0; c < 2; c++) {
        const col = b.map((r) => r[c]);
        const mu = col.reduce((a, v) => a + v, 0) / 4;
        const v = col.reduce((a, t) => a + (t - mu) ** 2, 0) / 4;
        m[c] = 0.9 * m[c] + 0.1 * mu;
        s[c] = 0.9 * s[c] + 0.1 / Math.sqrt(v + 1e-4);
      }
    }
    (await data(bn.mean)).forEach((v, c) => expect(v).toBeCloseTo(m[c], 5));
    (await data(bn.invStd)).forEach((v, c) => expect(v).toBeCloseTo(s[c], 5));
  });

  test('noDefaultUpdates, and batchNormUpdateAverages: false, leave the averages alone', async () => {
    const { x, bn } = bnNet();
    await call(compile([x], L.getOutput(bn), { noDefaultUpdates: true }), X);
    await call(compile([x], L.getOutput(bn, { batchNormUpdateAverages: false })), X);
    expect(await data(bn.mean)).toEqual([0, 0]);
    expect(await data(bn.invStd)).toEqual([1, 1]);
    // batchNormUseAverages: true while training: normalise by the averages but still update them.
    const out = await call(compile([x], L.getOutput(bn, { batchNormUseAverages: true })), X) as HostTensor;
    expect(Array.from(out.data)).toEqual(X.flat());
    expect((await data(bn.mean))[0]).toBeCloseTo(0.4, 6);
  });

  test('a training step with gradients updates params and running stats together', async () => {
    const { x, bn } = bnNet();
    const y = L.getOutput(bn);
    const loss = sum(y.square().mul(constant([[1, 2]])).add(y.mul(constant([[3, -1]]))));
    const params = L.getAllParams(bn, { trainable: true });
    expect(params).toEqual([bn.beta, bn.gamma]);
    const grads = grad(loss, params);
    const step = compile([x], loss, { updates: params.map((p, i) => [p, p.sub(grads[i].mul(0.01))] as const) });
    await call(step, X);
    expect((await data(bn.mean))[1]).toBeCloseTo(0.5, 6);
    expect((await data(bn.gamma!))[0]).not.toBe(1);
  });

  test('4-d input: axes (0, 2, 3) by default, against a float64 reference', async () => {
    const x = tensor4('x');
    const xv = randomND(51, [3, 4, 5, 2], 2);
    const gamma = randomND(52, [4]);
    const beta = randomND(53, [4]);
    const bn = new L.BatchNormLayer(new L.InputLayer([null, 4, 5, 2], { inputVar: x }), { gamma: Float32Array.from(gamma.data), beta: Float32Array.from(beta.data), epsilon: 1e-3 });
    expect(bn.axes).toEqual([0, 2, 3]);
    expect(bn.mean.shape).toEqual([4]);
    const out = await run([x], L.getOutput(bn), [xv]);
    const ref: NDArray = { data: new Float64Array(xv.data.length), shape: xv.shape };
    for (let c = 0; c < 4; c++) {
      const idx: number[] = [];
      for (let n = 0; n < 3; n++) for (let k = 0; k < 10; k++) idx.push(n * 40 + c * 10 + k);
      const mu = idx.reduce((a, i) => a + xv.data[i], 0) / idx.length;
      const v = idx.reduce((a, i) => a + (xv.data[i] - mu) ** 2, 0) / idx.length;
      for (const i of idx) ref.data[i] = ((xv.data[i] - mu) / Math.sqrt(v + 1e-3)) * gamma.data[c] + beta.data[c];
    }
    expectClose(out, ref, 1e-4, 1e-5);
  });

  test('custom axes, parameter tags and names', () => {
    const bn = new L.BatchNormLayer([null, 3, 4], { axes: [0, 1], name: 'bn' });
    expect(bn.mean.shape).toEqual([4]);
    expect(bn.params.get(bn.beta!)).toEqual(new Set(['trainable']));
    expect(bn.params.get(bn.gamma!)).toEqual(new Set(['trainable', 'regularizable']));
    expect(bn.params.get(bn.mean)).toEqual(new Set(['batch_norm_stat']));
    expect(bn.params.get(bn.invStd)).toEqual(new Set(['batch_norm_stat']));
    expect(bn.getParams().map((p) => p.name)).toEqual(['bn.beta', 'bn.gamma', 'bn.mean', 'bn.inv_std']);
    expect(bn.getParams({ trainable: true })).toEqual([bn.beta, bn.gamma]);
    expect(bn.getParams({ regularizable: true })).toEqual([bn.gamma]);
    expect(() => new L.BatchNormLayer([null, null, 4])).toThrow(/needs known input sizes.*\(None, None, 4\)/);
    const noAffine = new L.BatchNormLayer([null, 3], { beta: null, gamma: null });
    expect(noAffine.getParams()).toEqual([noAffine.mean, noAffine.invStd]);
  });
});

describe('batchNorm()', () => {
  test('removes the bias, moves the nonlinearity after BN, names the new layers', async () => {
    const x = matrix('x');
    const dense = new L.DenseLayer(new L.InputLayer([null, 3], { inputVar: x }), { numUnits: 2, name: 'fc', nonlinearity: L.tanh });
    const W = dense.W;
    const out = L.batchNorm(dense);
    expect(out).toBeInstanceOf(L.NonlinearityLayer);
    expect(out.name).toBe('fc_bn_nonlin');
    const bn = out.inputLayer as L.BatchNormLayer;
    expect(bn).toBeInstanceOf(L.BatchNormLayer);
    expect(bn.name).toBe('fc_bn');
    expect(bn.inputLayer).toBe(dense);
    expect(dense.b).toBeNull();
    expect(dense.nonlinearity).toBe(L.identity);
    expect((out as L.NonlinearityLayer).nonlinearity).toBe(L.tanh);
    expect(L.getAllParams(out)).toEqual([W, bn.beta, bn.gamma, bn.mean, bn.invStd]);
    // Output: tanh(BN(x W)).
    const xv = [[1, 0, 2], [0, 1, -1], [3, 1, 0]];
    const y = await call(compile([x], L.getOutput(out)), xv) as HostTensor;
    const w = await value(W);
    const pre = xv.map((r) => [0, 1].map((u) => r.reduce((a, v, k) => a + v * w.get(k, u), 0)));
    for (let u = 0; u < 2; u++) {
      const col = pre.map((r) => r[u]);
      const mu = col.reduce((a, v) => a + v, 0) / 3;
      const s = 1 / Math.sqrt(col.reduce((a, v) => a + (v - mu) ** 2, 0) / 3 + 1e-4);
      col.forEach((v, r) => expect(y.get(r, u)).toBeCloseTo(Math.tanh((v - mu) * s), 4));
    }
  });

  test('a layer without nonlinearity or name: just the BatchNormLayer', () => {
    const l = new L.Conv2DLayer([null, 1, 5, 5], { numFilters: 2, filterSize: 3, nonlinearity: null });
    const out = L.batchNorm(l);
    expect(out).toBeInstanceOf(L.NonlinearityLayer); // Lasagne: identity is a nonlinearity too
    expect(out.name).toBeUndefined();
    const bn = L.batchNorm(new L.InputLayer([null, 3]), { alpha: 0.5 });
    expect(bn).toBeInstanceOf(L.BatchNormLayer);
    expect((bn as L.BatchNormLayer).alpha).toBe(0.5);
  });
});

describe('memory', () => {
  test('training and test functions of a BN + dropout network leak no tensors', async () => {
    const { tf } = require('@lasagne-ts/core') as typeof import('@lasagne-ts/core');
    const x = matrix('x');
    let net: L.Layer = new L.InputLayer([null, 4], { inputVar: x });
    net = L.batchNorm(new L.DenseLayer(L.dropout(net, { p: 0.3 }), { numUnits: 5 }));
    net = new L.DenseLayer(net, { numUnits: 2, nonlinearity: L.softmax });
    const out = L.getOutput(net);
    const params = L.getAllParams(net, { trainable: true });
    const g = grad(sum(out.mul(constant([[1, -1]]))), params);
    const train = compile([x], out, { updates: params.map((p, i) => [p, p.sub(g[i].mul(0.01))] as const) });
    const test = compile([x], L.getOutput(net, { deterministic: true }));
    const xv = [[1, 2, 3, 4], [0, 1, 0, 1], [2, 2, 1, 0]];
    await call(train, xv);
    await call(test, xv);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      await call(train, xv);
      await call(test, xv);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
