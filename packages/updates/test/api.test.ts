import { add, compile, GraphError, grad, matrix, mul, OptionsError, ready, scalar, shared, ShapeError, SharedVariable, square, sum, tf, type SymbolicTensor } from '@lasagne-ts/core';
import {
  adadelta, adagrad, adam, adamax, amsgrad, applyMomentum, applyNesterovMomentum, getOrComputeGrads, momentum, nesterovMomentum, rmsprop, sgd, type UpdateMap,
} from '../src';
import { call, value } from '../../core/test/calls';

beforeAll(() => ready());

function problem() {
  const W = shared({ data: [1, 2, 3, 4, 5, 6], shape: [2, 3] }, { name: 'W' });
  const b = shared([0.5, -0.5, 1], { name: 'b' });
  const loss = add(sum(square(W)), sum(mul(b, b)));
  return { W, b, loss, params: [W, b] };
}

const names = (u: UpdateMap) => [...u.keys()].map((k) => k.name);

describe('entries of the returned Map, in Lasagne\'s OrderedDict order', () => {
  test.each([
    ['sgd', (l: SymbolicTensor, p: SharedVariable[]) => sgd(l, p, { learningRate: 0.1 }), ['W', 'b']],
    ['momentum', (l: SymbolicTensor, p: SharedVariable[]) => momentum(l, p, { learningRate: 0.1 }), ['W', 'b', 'W.velocity', 'b.velocity']],
    ['nesterovMomentum', (l: SymbolicTensor, p: SharedVariable[]) => nesterovMomentum(l, p, { learningRate: 0.1 }), ['W', 'b', 'W.velocity', 'b.velocity']],
    ['adagrad', (l: SymbolicTensor, p: SharedVariable[]) => adagrad(l, p), ['W.accu', 'W', 'b.accu', 'b']],
    ['rmsprop', (l: SymbolicTensor, p: SharedVariable[]) => rmsprop(l, p), ['W.accu', 'W', 'b.accu', 'b']],
    ['adadelta', (l: SymbolicTensor, p: SharedVariable[]) => adadelta(l, p), ['W.accu', 'W', 'W.deltaAccu', 'b.accu', 'b', 'b.deltaAccu']],
    ['adam', (l: SymbolicTensor, p: SharedVariable[]) => adam(l, p), ['W.m', 'W.v', 'W', 'b.m', 'b.v', 'b', 'adam.t']],
    ['adamax', (l: SymbolicTensor, p: SharedVariable[]) => adamax(l, p), ['W.m', 'W.u', 'W', 'b.m', 'b.u', 'b', 'adamax.t']],
    ['amsgrad', (l: SymbolicTensor, p: SharedVariable[]) => amsgrad(l, p), ['W.m', 'W.v', 'W.vHat', 'W', 'b.m', 'b.v', 'b.vHat', 'b', 'amsgrad.t']],
  ])('%s', async (_n, rule, expected) => {
    const { W, b, loss, params } = problem();
    const u = rule(loss, params);
    expect(names(u)).toEqual(expected);
    expect(u.get(W)).toBeDefined();
    expect(u.get(b)).toBeDefined();
    for (const [v, e] of u) {
      expect(v).toBeInstanceOf(SharedVariable);
      expect(e.dtype).toBe('float32');
      expect(e.shape).toEqual(v.shape);
      if (v === W || v === b) continue;
      // state: float32 zeros shaped like their param (t: a float32 scalar 0)
      const h = await value(v);
      expect(v.dtype).toBe('float32');
      expect(Array.from(h.data).every((x) => x === 0)).toBe(true);
      if (v.name!.endsWith('.t')) expect(h.shape).toEqual([]);
      else expect(h.shape).toEqual(v.name!.startsWith('W') ? [2, 3] : [3]);
    }
    await call(compile([], [], { updates: u })); // compiles and runs as is
  });

  test('adam\'s t counts the steps', async () => {
    const { loss, params } = problem();
    const u = adam(loss, params);
    const t = [...u.keys()].pop()!;
    const fn = compile([], [], { updates: u });
    await call(fn);
    await call(fn);
    await call(fn);
    expect((await value(t)).data[0]).toBe(3);
  });

  test('state variables keep a param\'s null (resizable) static dims', async () => {
    const P = shared({ data: [1, 2, 3, 4], shape: [2, 2] }, { name: 'P', shape: [null, 2] });
    const u = adam(sum(square(P)), [P]);
    const m = [...u.keys()][0];
    expect(m.shape).toEqual([null, 2]);
    expect((await value(m)).shape).toEqual([2, 2]);
  });
});

describe('lossOrGrads and params (Lasagne\'s get_or_compute_grads)', () => {
  test('a list of gradients gives the same updates as the loss', async () => {
    const a = problem();
    const b = problem();
    const fa = compile([], [], { updates: adam(a.loss, a.params, { learningRate: 0.1 }) });
    const fb = compile([], [], { updates: adam(grad(b.loss, b.params), b.params, { learningRate: 0.1 }) });
    for (let i = 0; i < 3; i++) {
      await call(fa);
      await call(fb);
    }
    expect(Array.from((await value(a.W)).data)).toEqual(Array.from((await value(b.W)).data));
    expect(Array.from((await value(a.b)).data)).toEqual(Array.from((await value(b.b)).data));
  });

  test('getOrComputeGrads returns a given list as is, and differentiates a loss', () => {
    const { loss, params } = problem();
    const g = getOrComputeGrads(loss, params);
    expect(g).toHaveLength(2);
    expect(getOrComputeGrads(g, params)).toEqual(g);
  });

  test('a gradient list of the wrong length is an error', () => {
    const { loss, params } = problem();
    const g = grad(loss, params);
    expect(() => sgd([g[0]], params, { learningRate: 0.1 })).toThrow(/1 gradient expressions for 2 parameters/);
  });

  test('params must be shared variables', () => {
    const x = scalar('x');
    const A = shared(1, { dtype: 'float32', name: 'A' });
    expect(() => sgd(add(A, x), [A, x as unknown as SharedVariable], { learningRate: 0.1 })).toThrow(GraphError);
    expect(() => sgd(add(A, x), [A, x as unknown as SharedVariable], { learningRate: 0.1 })).toThrow(/shared variables only/);
  });
});

describe('options are validated with zod', () => {
  const { loss, params } = problem();
  test.each([
    ['negative learning rate', () => sgd(loss, params, { learningRate: -0.1 }), /learningRate must be >= 0, received -0\.1/],
    ['negative learning rate (adam)', () => adam(loss, params, { learningRate: -1e-3 }), /adam: invalid options \(learningRate: learningRate must be >= 0/],
    ['momentum = 1', () => momentum(loss, params, { learningRate: 0.1, momentum: 1 }), /momentum must be >= 0 and < 1, received 1/],
    ['momentum > 1', () => nesterovMomentum(loss, params, { learningRate: 0.1, momentum: 1.5 }), /nesterovMomentum: .*momentum must be >= 0 and < 1/],
    ['negative momentum', () => applyMomentum(sgd(loss, params, 0.1), params, { momentum: -0.5 }), /momentum must be >= 0 and < 1/],
    ['rho = 1', () => rmsprop(loss, params, { rho: 1 }), /rho must be >= 0 and < 1/],
    ['beta1 = 1', () => adam(loss, params, { beta1: 1 }), /beta1 must be >= 0 and < 1/],
    ['beta2 > 1', () => amsgrad(loss, params, { beta2: 1.01 }), /beta2 must be >= 0 and < 1/],
    ['negative epsilon', () => adagrad(loss, params, { epsilon: -1 }), /epsilon must be >= 0/],
    ['missing learning rate', () => sgd(loss, params, {} as { learningRate: number }), /learningRate must be a finite number or a symbolic/],
    ['NaN learning rate', () => sgd(loss, params, NaN), /learningRate must be a finite number/],
    ['unknown option (a typo)', () => adam(loss, params, { learning_rate: 0.1 } as unknown as object), /learning_rate/],
    ['a vector as learning rate', () => sgd(loss, params, { learningRate: shared([0.1, 0.2]) }), /learningRate must be a scalar/],
  ])('%s', (_n, f, msg) => {
    expect(f).toThrow(OptionsError);
    expect(f).toThrow(msg);
  });

  test('a bare number or shared scalar stands for { learningRate }', async () => {
    const a = problem();
    const b = problem();
    const lr = shared(0.1, { dtype: 'float32' });
    await call(compile([], [], { updates: sgd(a.loss, a.params, 0.1) }));
    await call(compile([], [], { updates: sgd(b.loss, b.params, lr) }));
    expect(Array.from((await value(a.W)).data)).toEqual(Array.from((await value(b.W)).data));
  });
});

describe('applyMomentum / applyNesterovMomentum on other rules\' updates', () => {
  test('applyMomentum(rmsprop(...), params) adds a velocity per param, after the existing entries', () => {
    const { W, b, loss, params } = problem();
    const base = rmsprop(loss, params, { learningRate: 0.01 });
    const u = applyMomentum(base, params, { momentum: 0.9 });
    expect(names(u)).toEqual(['W.accu', 'W', 'b.accu', 'b', 'W.velocity', 'b.velocity']);
    expect(names(base)).toEqual(['W.accu', 'W', 'b.accu', 'b']); // a copy: the input is unchanged
    expect(u.get(W)).not.toBe(base.get(W));
    expect(u.get(b)).not.toBe(base.get(b));
  });

  test('params omitted: momentum on every key (as Lasagne), options may come second', () => {
    const { loss, params } = problem();
    const u = applyMomentum(adagrad(loss, params), { momentum: 0.5 });
    expect(names(u)).toEqual(['W.accu', 'W', 'b.accu', 'b', 'W.accu.velocity', 'W.velocity', 'b.accu.velocity', 'b.velocity']);
  });

  test('a param without an update is an error', () => {
    const { W, loss } = problem();
    const other = shared([1], { name: 'other' });
    expect(() => applyMomentum(sgd(loss, [W], 0.1), [W, other])).toThrow(/'other'.*has no entry/);
  });

  test('momentum(...) == applyMomentum(sgd(...)), nesterovMomentum(...) == applyNesterovMomentum(sgd(...)); formulas step by step', async () => {
    for (const nesterov of [false, true]) {
      const a = problem();
      const b = problem();
      const ua = nesterov ? nesterovMomentum(a.loss, a.params, { learningRate: 0.1, momentum: 0.5 }) : momentum(a.loss, a.params, { learningRate: 0.1, momentum: 0.5 });
      const base = sgd(b.loss, b.params, { learningRate: 0.1 });
      const ub = nesterov ? applyNesterovMomentum(base, b.params, { momentum: 0.5 }) : applyMomentum(base, b.params, { momentum: 0.5 });
      const fa = compile([], [], { updates: ua });
      const fb = compile([], [], { updates: ub });
      // float64 trace of b (grad 2b): v' = m v - lr g; p' = p + v' (classic) or p + m v' - lr g (Nesterov)
      const p = [0.5, -0.5, 1];
      const v = [0, 0, 0];
      for (let s = 0; s < 4; s++) {
        await call(fa);
        await call(fb);
        for (let i = 0; i < 3; i++) {
          const g = 2 * p[i];
          v[i] = 0.5 * v[i] - 0.1 * g;
          p[i] = nesterov ? p[i] + 0.5 * v[i] - 0.1 * g : p[i] + v[i];
        }
        expect(Array.from((await value(a.b)).data)).toEqual(Array.from((await value(b.b)).data));
        Array.from((await value(a.b)).data).forEach((x, i) => expect(x).toBeCloseTo(p[i], 6));
      }
    }
  });
});

test('a compiled training step leaks no tensors', async () => {
  const { loss, params } = problem();
  const fn = compile([], loss, { updates: adam(loss, params) });
  await call(fn);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) await call(fn);
  expect(tf.memory().numTensors).toBe(before);
});

test('a matrix input and updates compile together (a typical training function)', async () => {
  const x = matrix('x');
  const W = shared({ data: [0.1, 0.2, 0.3, 0.4], shape: [2, 2] }, { name: 'W' });
  const loss = sum(square(x.dot(W)));
  const fn = compile([x], loss, { updates: nesterovMomentum(loss, [W], { learningRate: 0.01 }) });
  const l0 = await call(fn, [[1, 2]]);
  const l1 = await call(fn, [[1, 2]]);
  expect(l1).toBeLessThan(l0);
});

void ShapeError;
