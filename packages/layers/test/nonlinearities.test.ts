/** lasagne.nonlinearities against float64 formulas. */
import { matrix } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { softmax as refSoftmax } from '../../core/test/reference';
import { expectClose, mapND, randomND, run } from './helpers';

const x = randomND(91, [4, 5], 3);
const apply = async (f: (t: ReturnType<typeof matrix>) => ReturnType<typeof matrix>) => {
  const v = matrix('x');
  return await run([v], f(v), [x]);
};

describe('nonlinearities', () => {
  const cases: [string, (t: ReturnType<typeof matrix>) => ReturnType<typeof matrix>, (v: number) => number][] = [
    ['sigmoid', L.sigmoid, (v) => 1 / (1 + Math.exp(-v))],
    ['tanh', L.tanh, Math.tanh],
    ['rectify', L.rectify, (v) => Math.max(0, v)],
    ['leakyRectify', L.leakyRectify, (v) => (v > 0 ? v : 0.01 * v)],
    ['veryLeakyRectify', L.veryLeakyRectify, (v) => (v > 0 ? v : v / 3)],
    ['LeakyRectify(0.2)', new L.LeakyRectify(0.2), (v) => (v > 0 ? v : 0.2 * v)],
    ['elu', L.elu, (v) => (v > 0 ? v : Math.expm1(v))],
    ['selu', L.selu, (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v))],
    ['SELU(2, 3)', new L.SELU(2, 3), (v) => 2 * (v > 0 ? v : 3 * Math.expm1(v))],
    ['SELU() (= elu)', new L.SELU(), (v) => (v > 0 ? v : Math.expm1(v))],
    ['softplus', L.softplus, (v) => Math.log1p(Math.exp(v))],
    ['ScaledTanH(2/3, 1.7159)', new L.ScaledTanH(2 / 3, 1.7159), (v) => 1.7159 * Math.tanh((2 / 3) * v)],
    ['linear', L.linear, (v) => v],
    ['identity', L.identity, (v) => v],
  ];
  test.each(cases)('%s', async (_name, f, ref) => {
    expectClose(await apply(f), mapND(x, ref), 1e-5, 1e-6);
  });

  test('elu and selu near 0 within the 1e-8 tolerance of Lasagne (expm1, not exp(x) − 1)', async () => {
    const small = { data: Float64Array.from([-1.5e-3, -0.001506, -0.001518, -1e-4, -3e-6, -2e-2, 1e-3].map(Math.fround)), shape: [1, 7] };
    const v = matrix('v');
    expectClose(await run([v], L.elu(v), [small]), mapND(small, (t) => (t > 0 ? t : Math.expm1(t))), 0, 1e-8);
    expectClose(await run([v], L.selu(v), [small]), mapND(small, (t) => 1.0507009873554805 * (t > 0 ? t : 1.6732632423543772 * Math.expm1(t))), 0, 1e-8);
  });

  test('softmax over the rows', async () => {
    expectClose(await apply(L.softmax), refSoftmax(x), 1e-5, 1e-7);
  });

  test('parametrised nonlinearities are callable instances with their parameters', () => {
    const lr = new L.LeakyRectify(0.1);
    expect(lr).toBeInstanceOf(L.LeakyRectify);
    expect(typeof lr).toBe('function');
    expect(lr.leakiness).toBe(0.1);
    expect(L.leakyRectify.leakiness).toBe(0.01);
    expect(L.veryLeakyRectify.leakiness).toBeCloseTo(1 / 3);
    const st = new L.ScaledTanh(0.5, 2);
    expect([st.scaleIn, st.scaleOut]).toEqual([0.5, 2]);
    // As Lasagne: the class defaults to scale = scaleNeg = 1; only `selu` has the paper's constants.
    expect([new L.SELU().scale, new L.SELU().scaleNeg]).toEqual([1, 1]);
    expect([L.selu.scale, L.selu.scaleNeg]).toEqual([1.0507009873554805, 1.6732632423543772]);
    const v = matrix('v');
    expect(lr.call(null, v).shape).toEqual(v.shape);
  });

  test('elu has finite gradients for large inputs (no exp overflow in the unused branch)', async () => {
    const v = matrix('v');
    const big = { data: Float64Array.from([100, -100, 0.5, -0.5]), shape: [2, 2] };
    const out = await run([v], L.elu(v), [big]);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
  });

  test('namespaces: L.nonlinearities and L.init, and top-level nonlinearities', () => {
    expect(L.nonlinearities.rectify).toBe(L.rectify);
    expect(L.nonlinearities.softmax).toBe(L.softmax);
    expect(typeof L.init.GlorotUniform).toBe('function');
    expect(new L.init.GlorotUniform()).toBeInstanceOf(L.init.Initializer);
  });
});
