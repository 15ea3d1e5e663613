/** lasagne.nonlinearities against float64 formulas. */
import { matrix } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { softmax as refSoftmax } from '../../core/test/reference';
import { expectClose, mapND, randomND, run } from './helpers';

const x = randomND(91, [4, 5], 3);
const apply = (f: (t: ReturnType<typeof matrix>) => ReturnType<typeof matrix>) => {
  const v = matrix('x');
  return run([v], f(v), [x]);
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
    ['softplus', L.softplus, (v) => Math.log1p(Math.exp(v))],
    ['ScaledTanH(2/3, 1.7159)', new L.ScaledTanH(2 / 3, 1.7159), (v) => 1.7159 * Math.tanh((2 / 3) * v)],
    ['linear', L.linear, (v) => v],
    ['identity', L.identity, (v) => v],
  ];
  test.each(cases)('%s', (_name, f, ref) => {
    expectClose(apply(f), mapND(x, ref), 1e-5, 1e-6);
  });

  test('softmax over the rows', () => {
    expectClose(apply(L.softmax), refSoftmax(x), 1e-5, 1e-7);
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
    expect(new L.SELU().scale).toBe(1.0507009873554805);
    const v = matrix('v');
    expect(lr.call(null, v).shape).toEqual(v.shape);
  });

  test('elu has finite gradients for large inputs (no exp overflow in the unused branch)', () => {
    const v = matrix('v');
    const big = { data: Float64Array.from([100, -100, 0.5, -0.5]), shape: [2, 2] };
    const out = run([v], L.elu(v), [big]);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
  });

  test('namespaces: L.nonlinearities and L.init, and top-level nonlinearities', () => {
    expect(L.nonlinearities.rectify).toBe(L.rectify);
    expect(L.nonlinearities.softmax).toBe(L.softmax);
    expect(typeof L.init.GlorotUniform).toBe('function');
    expect(new L.init.GlorotUniform()).toBeInstanceOf(L.init.Initializer);
  });
});
