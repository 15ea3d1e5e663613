/**
 * Second (and third) derivatives through scan: the gradient scan is differentiable, as Theano's.
 * Hessian-vector products sum_j <grad_j(cost), R_j> differentiated again are compared with central
 * differences of the compiled first gradient, for every input at once; a third derivative with
 * respect to a recurrence weight against the polynomial it is, differentiated by hand.
 */
import * as T from '@lasagne-ts/core';
import { compile, constant, grad, matrix, scalar, scan, tensor3, vector, type SymbolicTensor } from '@lasagne-ts/core';
import { expectGradClose, numericGradAsync, vdot, type NDArray } from './reference';
import { f32, rn, toND } from './helpers';
import { call, eachAsync } from './calls';

type ST = SymbolicTensor;

/**
 * For every input i: d/dv_i sum_j <dcost/dv_j, R_j>, symbolic (the gradient of the gradient), against
 * central differences of the compiled first gradient.
 */
async function checkHessianVector(inputs: ST[], values: NDArray[], cost: ST, opts: { eps?: number; rtol?: number; atol?: number } = {}): Promise<void> {
  const g1 = grad(cost, inputs);
  const R = values.map((v, i) => rn(100 + i, [...v.shape]));
  const hvCost = g1.map((g, i) => T.sum(T.mul(g, constant(f32(R[i]))))).reduce((a, b) => T.add(a, b));
  const hv = grad(hvCost, inputs);
  const analytic = ((await call(compile(inputs, hv), ...values.map(f32))) as T.OutputValue[]).map(toND);
  const g1fn = compile(inputs, g1);
  await eachAsync(values, async (v, i) => {
    const numeric = await numericGradAsync(async (x) => {
      const args = values.map((w, k) => (k === i ? { data: Float32Array.from(x), shape: [...v.shape] } : f32(w)));
      const gs = ((await call(g1fn, ...args)) as T.OutputValue[]).map(toND);
      return gs.reduce((s, g, k) => s + vdot(g, R[k]), 0);
    }, v.data, opts.eps ?? 1e-2);
    expect(analytic[i].shape).toEqual(v.shape);
    expectGradClose(analytic[i].data, numeric, { rtol: opts.rtol ?? 2e-2, atol: opts.atol ?? 2e-3, shape: v.shape });
  });
}

describe('second derivatives through scan (the gradient scan differentiated again)', () => {
  const n = 4, B = 2, D = 3, H = 3;
  const values = [rn(1, [n, B, D]), rn(2, [B, H], 0.5), rn(3, [D, H], 0.5), rn(4, [H, H], 0.5)];
  const elman = (o: { goBackwards?: boolean; truncateGradient?: number; readOutside?: boolean } = {}) => {
    const x = tensor3('x'), h0 = matrix('h0'), W = matrix('W'), U = matrix('U');
    const [hs] = scan((xt: ST, h: ST, ...ws: ST[]) => {
      const [w, u] = o.readOutside ? [W, U] : ws;
      return T.tanh(T.add(T.dot(xt, w), T.dot(h, u)));
    }, { sequences: x, outputsInfo: h0, nonSequences: o.readOutside ? [] : [W, U], goBackwards: o.goBackwards, truncateGradient: o.truncateGradient });
    // A cost that is not linear in the states, on every step and on the last one.
    const cost = T.add(T.sum(T.mul(T.square(hs), 0.5)), T.sum(T.mul(T.getItem(hs, -1), constant(f32(rn(9, [B, H]))))));
    return { inputs: [x, h0, W, U], cost };
  };

  it.each([
    ['forward, weights as nonSequences', {}],
    ['weights read from outside the step', { readOutside: true }],
    ['goBackwards', { goBackwards: true }],
    // A truncation no shorter than the run: the exact second derivative. (A shorter one truncates
    // every derivative through the scan, as in Theano, so it is not the derivative of the first.)
    ['truncateGradient >= the steps', { truncateGradient: 10 }],
  ] as const)('Elman recurrence, %s: Hessian-vector products for x, h0, W and U', async (_l, o) => {
    const { inputs, cost } = elman(o);
    await checkHessianVector(inputs, values, cost);
  });

  it('mit-sot taps [-2, -1] and sequence taps [-1, 0]', async () => {
    const x = vector('x'), y0 = vector('y0'), a = scalar('a');
    const [ys] = scan((xPrev: ST, xCur: ST, y2: ST, y1: ST, aa: ST) => T.add(T.add(T.mul(aa, y2), T.mul(T.tanh(y1), xCur)), T.mul(xPrev, xPrev)), {
      sequences: { input: x, taps: [-1, 0] }, outputsInfo: { initial: y0, taps: [-2, -1] }, nonSequences: a,
    });
    await checkHessianVector([x, y0, a], [rn(11, [6], 0.7), rn(12, [2], 0.7), { data: Float64Array.from([0.6]), shape: [] }], T.sum(T.square(ys)));
  });

  it('the second derivative graph holds the forward scan, its gradient scan and that one\'s gradient', () => {
    const { inputs, cost } = elman();
    const g1 = grad(cost, inputs[2]);
    const hv = grad(T.sum(g1), inputs[3]);
    const scans = compile(inputs, hv).ops.filter((o) => o.startsWith('Scan'));
    expect(scans).toContain('Scan{grad_of_scan}');
    expect(scans).toContain('Scan{grad_of_grad_of_scan}');
  });

  it('a third derivative: d3/da3 of sum_t h_t for h_t = a h_{t-1} + x_t, against the polynomial differentiated by hand', async () => {
    // h_t = a^(t+1) h0 + sum_{s<=t} a^(t-s) x_s, so sum_t h_t = sum_t [a^(t+1) h0 + sum_{s<=t} a^(t-s) x_s].
    const x = vector('x'), h0 = scalar('h0'), a = scalar('a');
    const [hs] = scan((xt: ST, h: ST, aa: ST) => T.add(T.mul(aa, h), xt), { sequences: x, outputsInfo: h0, nonSequences: a });
    const s = T.sum(hs);
    const d1 = grad(s, a), d2 = grad(d1, a), d3 = grad(d2, a);
    const xv = [0.5, -1, 2, 0.25, 1.5], h0v = 0.8, av = 0.9;
    const third = (k: number) => (k < 3 ? 0 : k * (k - 1) * (k - 2) * av ** (k - 3)); // d3/da3 of a^k
    let exp = 0;
    for (let t = 0; t < xv.length; t++) {
      exp += third(t + 1) * h0v;
      for (let q = 0; q <= t; q++) exp += third(t - q) * xv[q];
    }
    const out = (await call(compile([x, h0, a], [d1, d2, d3]), xv, h0v, av)) as number[];
    expect(out[2]).toBeCloseTo(exp, 3);
  });
});
