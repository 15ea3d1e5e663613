/**
 * Second derivatives through the recurrent layers (a gradient penalty differentiated again): the
 * Hessian-vector product d/dx sum <d cost/dx, R> of a masked, backwards layer with gradient
 * clipping, against central differences of the compiled first gradient. Each goes through the
 * layer's scan, its gradient scan and that one's gradient.
 */
import { compile, constant, grad, matrix, mul, setSeed, sum, tensor3, type HostTensor } from '@lasagne-ts/core';
import { GRULayer, InputLayer, LSTMLayer, RecurrentLayer, getOutput } from '@lasagne-ts/layers';
import { call } from '../../core/test/calls';
import { expectGradClose, numericGradAsync, randn, rng } from '../../core/test/reference';

const B = 2, T = 4, F = 3, H = 3;
const values = (seed: number, n: number) => Float64Array.from(randn(rng(seed), [n], 0.6).data, Math.fround);
const X = values(1, B * T * F), R = values(9, B * T * H), Rx = values(13, B * T * F);
const MASK = { data: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0]), shape: [B, T] }; // sequence 1 has length 2

describe('second derivatives through the recurrent layers (a gradient penalty)', () => {
  it.each(['RecurrentLayer', 'LSTMLayer', 'GRULayer'] as const)('%s (masked, backwards, gradClipping)', async (kind) => {
    setSeed(5);
    const x = tensor3('x'), m = matrix('m');
    const lIn = new InputLayer([B, T, F], { inputVar: x }), lMask = new InputLayer([B, T], { inputVar: m });
    const o = { numUnits: H, maskInput: lMask, backwards: true, gradClipping: 5 };
    const layer = kind === 'RecurrentLayer' ? new RecurrentLayer(lIn, o) : kind === 'LSTMLayer' ? new LSTMLayer(lIn, o) : new GRULayer(lIn, o);
    const out = getOutput(layer);
    const cost = sum(mul(mul(out, out), constant(Float32Array.from(R), { dtype: 'float32' }).reshape([B, T, H])));
    const gx = grad(cost, x);
    const hv = grad(sum(mul(gx, constant(Float32Array.from(Rx), { dtype: 'float32' }).reshape([B, T, F]))), x);
    const analytic = ((await call(compile([x, m], hv), { data: Float32Array.from(X), shape: [B, T, F] }, MASK)) as HostTensor).data;
    const g1 = compile([x, m], gx);
    const numeric = await numericGradAsync(async (xv) => {
      const g = ((await call(g1, { data: Float32Array.from(xv), shape: [B, T, F] }, MASK)) as HostTensor).data;
      return g.reduce((s, q, k) => s + q * Rx[k], 0);
    }, X, 1e-2);
    expectGradClose(analytic, numeric, { rtol: 2e-2, atol: 2e-3, label: `${kind}: Hessian-vector product` });
  });
});
