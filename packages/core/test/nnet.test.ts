/** softmax / logSoftmax / sigmoid family against float64 references. */
import * as L from '@lasagne-ts/core';
import { compile, grad, matrix, tensor3, vector, ivector } from '@lasagne-ts/core';
import { logSoftmax as logSoftmaxRef, nd, softmax as softmaxRef, type NDArray } from './reference';
import { checkOpGrad, expectClose, permute, rn, toND } from './helpers';
import { call } from './calls';

describe('softmax and logSoftmax', () => {
  it('softmax of a matrix is row-wise: forward and gradient', async () => {
    const x = matrix('x');
    await checkOpGrad({ inputs: [x], values: [rn(140, [4, 5], 2)], output: L.softmax(x), ref: ([a]) => softmaxRef(a) });
  });

  it('logSoftmax of a matrix: forward and gradient', async () => {
    const x = matrix('x');
    await checkOpGrad({ inputs: [x], values: [rn(141, [4, 5], 2)], output: L.logSoftmax(x), ref: ([a]) => logSoftmaxRef(a) });
  });

  it('softmax and logSoftmax along a non-last axis of a 3-d tensor', async () => {
    const x = tensor3('x');
    const along1 = (f: (a: NDArray) => NDArray) => ([a]: NDArray[]) => permute(f(permute(a, [0, 2, 1])), [0, 2, 1]);
    await checkOpGrad({ inputs: [x], values: [rn(142, [2, 3, 4])], output: L.softmax(x, 1), ref: along1(softmaxRef) });
    await checkOpGrad({ inputs: [x], values: [rn(143, [2, 3, 4])], output: L.logSoftmax(x, 1), ref: along1(logSoftmaxRef) });
    const along0 = ([a]: NDArray[]) => permute(softmaxRef(permute(a, [1, 2, 0])), [2, 0, 1]);
    await checkOpGrad({ inputs: [x], values: [rn(144, [2, 3, 4])], output: L.softmax(x, 0), ref: along0 });
  });

  it('softmax / logSoftmax of a vector and along the channel axis of a 4-d tensor', async () => {
    const v = vector('v');
    await checkOpGrad({ inputs: [v], values: [rn(145, [5])], output: L.softmax(v), ref: ([a]) => softmaxRef(a) });
    await checkOpGrad({ inputs: [v], values: [rn(146, [5])], output: L.logSoftmax(v), ref: ([a]) => logSoftmaxRef(a) });
    const t = L.tensor4('t');
    const alongC = ([a]: NDArray[]) => permute(softmaxRef(permute(a, [0, 2, 3, 1])), [0, 3, 1, 2]);
    await checkOpGrad({ inputs: [t], values: [rn(147, [2, 3, 2, 2])], output: L.softmax(t, 1), ref: alongC });
  });

  it('rows sum to one; hand value for [0, ln 3]', async () => {
    const x = matrix('x');
    const out = toND(await call(compile([x], L.softmax(x)), [[0, Math.log(3)], [5, 5]]));
    expectClose(out, [[0.25, 0.75], [0.5, 0.5]], 1e-6, 1e-7);
  });

  it('extreme logits: softmax saturates without NaN; logSoftmax stays finite', async () => {
    const x = matrix('x');
    const f = compile([x], [L.softmax(x), L.logSoftmax(x)]);
    const [p, lp] = await call(f, [[1000, -1000, 0], [-1e4, -1e4, -1e4]]) as L.HostTensor[];
    expectClose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], 1e-6, 1e-7);
    expectClose(lp, [[0, -2000, -1000], [-Math.log(3), -Math.log(3), -Math.log(3)]], 1e-6, 1e-5);
  });

  it('softmax of an int matrix is computed in float32', async () => {
    const x = L.imatrix('x');
    const y = L.softmax(x);
    expect(y.dtype).toBe('float32');
    const out = await call(compile([x], y), { data: Int32Array.from([0, 0]), shape: [1, 2] });
    expectClose(out, [[0.5, 0.5]]);
  });

  it('the gradient of -log(softmax(x))[y] is softmax(x) - onehot(y) (hand derivation)', async () => {
    const x = matrix('x');
    const y = ivector('y');
    const p = L.softmax(x);
    const nll = L.neg(L.sum(L.log(p).at(L.arange(x.symShape().at(0)), y)));
    const xv = [[1, 2, 3], [0, 0, 0]];
    const g = toND(await call(compile([x, y], grad(nll, x)), xv, Int32Array.from([2, 0])));
    const sm = softmaxRef(nd(xv.flat(), [2, 3]));
    const expected = nd(sm.data.map((v, i) => v - (i === 2 || i === 3 ? 1 : 0)), [2, 3]);
    expectClose(g, expected, 1e-5, 1e-6);
  });
});

describe('sigmoid family at extremes', () => {
  it('sigmoid, softplus and tanh saturate cleanly', async () => {
    const x = vector('x');
    const f = compile([x], [L.sigmoid(x), L.softplus(x), L.tanh(x)]);
    const [s, sp, t] = await call(f, [-100, 0, 100]) as L.HostTensor[];
    expectClose(s, [0, 0.5, 1], 1e-6, 1e-7);
    expectClose(sp, [0, Math.log(2), 100], 1e-6, 1e-6);
    expectClose(t, [-1, 0, 1], 1e-6, 1e-7);
  });

  it('relu gradient is 0 for negatives, 1 for positives (hand check)', async () => {
    const x = vector('x');
    expectClose(await call(compile([x], grad(L.sum(L.relu(x)), x)), [-2, -0.5, 0.5, 3]), [0, 0, 1, 1]);
  });
});
