import { ready, shared, type SharedVariable } from '@lasagne-ts/core';
import { adadelta, adagrad, adam, adamax, amsgrad, momentum, nesterovMomentum, rmsprop, sgd, type UpdateMap } from '../src';
import { logistic, quadratic, type Problem } from './problems';
import { referenceRule, worstRelative, type RefOptions, type RuleName } from './reference';
import { eachAsync, value } from '../../core/test/calls';

beforeAll(() => ready());

type Loss = Parameters<typeof sgd>[0];
const RULES: Record<RuleName, (loss: Loss, params: SharedVariable[], o: RefOptions | Record<string, unknown>) => UpdateMap> = {
  sgd: (l, p, o) => sgd(l, p, o as { learningRate: number }),
  momentum: (l, p, o) => momentum(l, p, o as { learningRate: number }),
  nesterov: (l, p, o) => nesterovMomentum(l, p, o as { learningRate: number }),
  adagrad: (l, p, o) => adagrad(l, p, o),
  rmsprop: (l, p, o) => rmsprop(l, p, o),
  adadelta: (l, p, o) => adadelta(l, p, o),
  adam: (l, p, o) => adam(l, p, o),
  adamax: (l, p, o) => adamax(l, p, o),
  amsgrad: (l, p, o) => amsgrad(l, p, o),
};

/** Each rule with its defaults (plus the learning rate where Lasagne requires one) and with custom values. */
const CASES: [RuleName, RefOptions][] = [
  ['sgd', { learningRate: 0.1 }],
  ['sgd', { learningRate: 0.7 }],
  ['momentum', { learningRate: 0.1 }],
  ['momentum', { learningRate: 0.05, momentum: 0.5 }],
  ['nesterov', { learningRate: 0.1 }],
  ['nesterov', { learningRate: 0.05, momentum: 0.5 }],
  ['adagrad', {}],
  ['adagrad', { learningRate: 0.1, epsilon: 1e-4 }],
  ['rmsprop', {}],
  ['rmsprop', { learningRate: 0.01, rho: 0.8, epsilon: 1e-4 }],
  ['adadelta', {}],
  ['adadelta', { learningRate: 0.5, rho: 0.9, epsilon: 1e-5 }],
  ['adam', {}],
  ['adam', { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }],
  ['adamax', {}],
  ['adamax', { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }],
  ['amsgrad', {}],
  ['amsgrad', { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }],
];

// float32 arithmetic against float64: 1e-5 relative, plus an absolute floor of a few float32
// ulps of 1 (1e-7) for entries that pass close to 0.
const RTOL = 1e-5;
const ATOL = 1e-7;

async function flat(p: SharedVariable): Promise<Float32Array> {
  return (await value(p)).data as Float32Array;
}

describe.each([quadratic, logistic] as Problem[])('5 steps on a %s match a float64 implementation of the formula', (problem) => {
  test.each(CASES)('%s %j', async (rule, options) => {
    const { params, loss, run } = problem.build();
    const updates = RULES[rule](loss, params, options);
    const step = run(updates);
    const ref = referenceRule(rule, options, problem.init().map((v) => v.length));
    const expected = problem.init();
    for (let s = 1; s <= 5; s++) {
      await step();
      ref.step(expected, problem.grads(expected));
      await eachAsync(params, async (p, k) => {
        const worst = worstRelative(await flat(p), expected[k], ATOL);
        if (worst > RTOL) throw new Error(`${rule} step ${s} param ${p.name}: relative error ${worst.toExponential(2)} (got ${Array.from(await flat(p))}, expected ${Array.from(expected[k])})`);
      });
    }
    // the parameters moved, so the comparison is not vacuous
    expect(worstRelative(await flat(params[0]), problem.init()[0])).toBeGreaterThan(1e-3);
  });
});

describe('hyper-parameters as shared scalars (schedules without recompiling)', () => {
  test.each(['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamax', 'amsgrad'] as RuleName[])('%s: learningRate.set() between steps changes the next step', async (rule) => {
    const { params, loss, run } = logistic.build();
    const lr0 = rule === 'adadelta' || rule === 'adagrad' || rule === 'rmsprop' ? 0.5 : 0.05;
    const lr = shared(lr0, { dtype: 'float32', name: 'lr' });
    const step = run(RULES[rule](loss, params, { learningRate: lr }));
    const ref = referenceRule(rule, { learningRate: lr0 }, [2, 1]);
    const expected = logistic.init();
    for (let s = 1; s <= 5; s++) {
      if (s === 3) {
        lr.set(lr0 * 0.1);
        ref.setLearningRate(lr0 * 0.1);
      }
      await step();
      ref.step(expected, logistic.grads(expected));
      await eachAsync(params, async (p, k) => expect(worstRelative(await flat(p), expected[k], ATOL)).toBeLessThanOrEqual(RTOL));
    }
  });

  test('momentum, rho and betas may be shared too', async () => {
    const cases: [RuleName, Record<string, number>][] = [
      ['momentum', { learningRate: 0.1, momentum: 0.5 }],
      ['nesterov', { learningRate: 0.1, momentum: 0.5 }],
      ['rmsprop', { learningRate: 0.1, rho: 0.8, epsilon: 1e-4 }],
      ['adadelta', { rho: 0.8, epsilon: 1e-4 }],
      ['adam', { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }],
      ['adamax', { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }],
      ['amsgrad', { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }],
    ];
    for (const [rule, o] of cases) {
      const { params, loss, run } = quadratic.build();
      const symbolic = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, shared(v, { dtype: 'float32', name: k })]));
      const step = run(RULES[rule](loss, params, symbolic));
      const ref = referenceRule(rule, o, [3, 4]);
      const expected = quadratic.init();
      for (let s = 1; s <= 5; s++) {
        await step();
        ref.step(expected, quadratic.grads(expected));
      }
      await eachAsync(params, async (p, k) => expect(worstRelative(await flat(p), expected[k], ATOL)).toBeLessThanOrEqual(RTOL));
    }
  });
});
