/** expm1: accuracy near 0 (where exp(x) − 1 cancels), the GPU formula, and its gradient. */
import { Expm1, compile, expm1, ivector, tf, vector } from '@lasagne-ts/core';
import { nd } from './reference';
import { checkOpGrad, rn, toND } from './helpers';
import { call } from './calls';

const xs = [-1.5e-3, -1e-7, 3e-9, 1e-5, -0.5, 0.7, -20, 5, 0].map(Math.fround);
const ref = xs.map((v) => Math.fround(Math.expm1(v)));

/** |a − e| within a few float32 ulps of e (float32 exp(x) − 1 is off by ~20 ulps at −1.5e−3). */
function expectUlps(actual: ArrayLike<number>, expected: readonly number[], ulps = 2): void {
  expected.forEach((e, i) => {
    const ulp = Math.max(Math.abs(e) * 2 ** -23, 1e-45);
    expect(Math.abs(actual[i] - e)).toBeLessThanOrEqual(ulps * ulp);
  });
}

describe('expm1', () => {
  it('matches Math.expm1 to float32 precision near 0 (exp(x) − 1 does not)', async () => {
    const x = vector('x');
    const out = toND(await call(compile([x], expm1(x)), xs));
    expectUlps(out.data, ref);
    expect(Math.abs(Math.fround(Math.fround(Math.exp(xs[0])) - 1) - ref[0])).toBeGreaterThan(10 * Math.abs(ref[0]) * 2 ** -23);
  });
  it("the GPU backends' formula (Kahan's (u − 1)·x / log u) is as accurate", async () => {
    const t = tf.tidy(() => new Expm1().perform([tf.tensor1d(xs)], { backend: 'webgpu' })[0]);
    const out = await t.data();
    t.dispose();
    expectUlps(out, ref, 4);
  });
  it('gradient exp(x) by finite differences; int input is cast to float32', async () => {
    const x = vector('x');
    await checkOpGrad({ inputs: [x], values: [rn(2, [6])], output: expm1(x), ref: ([v]) => nd(Array.from(v.data, Math.expm1), v.shape) });
    const i = ivector('i');
    expect(expm1(i).dtype).toBe('float32');
  });
});
