/** T.grad: hand derivations, multiple paths, higher order, disconnected inputs, considerConstant. */
import * as L from '@lasagne-ts/core';
import { compile, grad, matrix, scalar, vector, ivector, shared, tf } from '@lasagne-ts/core';
import { expectGradClose, nd, numericGradAsync } from './reference';
import { checkOpGrad, expectClose, f32, rn, toND } from './helpers';
import { call } from './calls';

describe('grad: hand derivations', () => {
  it('a variable used twice gets the sum of the per-path gradients', async () => {
    // f = sum(x * exp(x)) + sum(3x): df/dx = exp(x) + x exp(x) + 3
    const x = vector('x');
    const cost = L.add(L.sum(L.mul(x, L.exp(x))), L.sum(L.mul(x, 3)));
    const xv = [-1, 0, 0.5, 2];
    const g = await call(compile([x], grad(cost, x)), xv);
    expectClose(g, xv.map((v) => Math.exp(v) * (1 + v) + 3), 1e-6, 1e-6);
  });

  it('x * x (the same variable on both inputs of one node) gives 2x', async () => {
    const x = vector('x');
    expectClose(await call(compile([x], grad(L.sum(L.mul(x, x)), x)), [1, -2, 3]), [2, -4, 6]);
  });

  it('a shared intermediate used by several consumers: f = sum(h)^2 + sum(h * h), h = W x', async () => {
    const W = matrix('W');
    const x = vector('x');
    const h = L.dot(W, x);
    const cost = L.add(L.square(L.sum(h)), L.sum(L.mul(h, h)));
    // df/dh = 2 sum(h) + 2 h; df/dW = outer(df/dh, x)
    const Wv = [[1, 2], [0, -1], [3, 1]];
    const xv = [2, -1];
    const hv = Wv.map((r) => r[0] * xv[0] + r[1] * xv[1]); // [0, 1, 5]
    const sh = hv.reduce((a, b) => a + b, 0);
    const dh = hv.map((v) => 2 * sh + 2 * v);
    const expected = dh.map((d) => xv.map((xx) => d * xx));
    expectClose(await call(compile([W, x], grad(cost, W)), Wv, xv), expected);
  });

  it('grad(grad(sum(x^3))) = 6x, and a third derivative = 6', async () => {
    const x = vector('x');
    const g1 = grad(L.sum(L.pow(x, 3)), x);
    const g2 = grad(L.sum(g1), x);
    const g3 = grad(L.sum(g2), x);
    const f = compile([x], [g1, g2, g3]);
    const xv = [-2, 0.5, 3];
    const [a, b, c] = await call(f, xv) as L.HostTensor[];
    expectClose(a, xv.map((v) => 3 * v * v));
    expectClose(b, xv.map((v) => 6 * v));
    expectClose(c, [6, 6, 6]);
    // The same through x*x*x.
    const h2 = grad(L.sum(grad(L.sum(L.mul(L.mul(x, x), x)), x)), x);
    expectClose(await call(compile([x], h2), xv), xv.map((v) => 6 * v));
  });

  it('a Hessian-vector product of a softmax cost agrees with differences of the compiled gradient', async () => {
    const x = vector('x');
    const t = L.constant([0.2, 0.5, 0.3]);
    const cost = L.neg(L.sum(L.mul(t, L.log(L.softmax(x.dimshuffle('x', 0)).at(0)))));
    const v = L.constant([1, -2, 0.5]);
    const hv = grad(L.sum(L.mul(grad(cost, x), v)), x);
    const xv = nd([0.3, -1.2, 2].map(Math.fround));
    const gfn = compile([x], grad(cost, x));
    const num = await numericGradAsync(async (xx) => {
      const g = toND(await call(gfn, f32({ data: xx, shape: [3] })));
      return g.data[0] * 1 - 2 * g.data[1] + 0.5 * g.data[2];
    }, xv.data);
    expectGradClose(toND(await call(compile([x], hv), f32(xv))).data, num, { rtol: 1e-2, atol: 1e-3 });
  });

  it('the gradient of prod twice (second derivative through the zero-safe prod gradient)', async () => {
    // d2/dx0 dx1 of x0 x1 x2 = x2; grad of sum(grad(prod(x))) = for each i, sum over j != i of prod of others
    const x = vector('x');
    const g2 = grad(L.sum(grad(L.prod(x), x)), x);
    const xv = [2, 3, 5];
    // d/dxi sum_j prod_{k != j} x_k = sum_{j != i} prod_{k != i, j} x_k
    expectClose(await call(compile([x], g2), xv), [3 + 5, 2 + 5, 2 + 3]);
  });

  it('grad of a list returns one gradient per variable in order; the cost itself has gradient 1', async () => {
    const a = scalar('a');
    const b = scalar('b');
    const c = L.mul(a, b);
    const [ga, gb, gc] = grad(c, [a, b, c]);
    const f = compile([a, b], [ga, gb, gc]);
    expect(await call(f, 3, 5)).toEqual([5, 3, 1]);
  });

  it('gradients with respect to shared variables', async () => {
    const W = shared(new Float32Array([1, 2, 3]), { name: 'W' });
    const x = vector('x');
    const g = await call(compile([x], grad(L.sum(L.square(L.mul(W, x))), W)), [1, 2, -1]);
    // d/dW sum((W x)^2) = 2 W x^2
    expectClose(g, [2, 16, 6]);
  });
});

describe('grad: disconnected inputs, considerConstant, knownGrads', () => {
  it('a wrt variable not in the graph is a GraphError unless {disconnected: "zero"}', async () => {
    const x = vector('x');
    const y = matrix('y');
    const cost = L.sum(x);
    expect(() => grad(cost, y)).toThrow(L.GraphError);
    expect(() => grad(cost, y)).toThrow(/not part of the cost's computational graph/);
    const g = grad(cost, y, { disconnected: 'zero' });
    expect(g.shape).toEqual(y.shape);
    const out = await call(compile([x, y], [grad(cost, x), g]), [1, 2], [[1, 2, 3], [4, 5, 6]]) as L.HostTensor[];
    expectClose(out[0], [1, 1]);
    expectClose(out[1], [[0, 0, 0], [0, 0, 0]]);
  });

  it('considerConstant stops the gradient at an expression (hand derivation)', async () => {
    // f = sum(c * x) with c = x^2 held constant: df/dx = c = x^2 (instead of 3x^2).
    const x = vector('x');
    const c = L.square(x);
    const cost = L.sum(L.mul(c, x));
    const xv = [1, 2, -3];
    expectClose(await call(compile([x], grad(cost, x, { considerConstant: [c] })), xv), [1, 4, 9]);
    expectClose(await call(compile([x], grad(cost, x)), xv), [3, 12, 27]);
  });

  it('a variable reachable only through a constant-considered expression is disconnected', async () => {
    const x = vector('x');
    const c = L.exp(x);
    const cost = L.sum(L.mul(c, 2));
    expect(() => grad(cost, x, { considerConstant: [c] })).toThrow(L.GraphError);
    expectClose(await call(compile([x], grad(cost, x, { considerConstant: [c], disconnected: 'zero' })), [0, 1]), [0, 0]);
  });

  it('a variable used only through non-differentiable ops (integer cast, shape) is disconnected too (Theano)', async () => {
    const x = vector('x');
    const viaInt = L.sum(L.cast(L.cast(x, 'int32'), 'float32'));
    expect(() => grad(viaInt, x)).toThrow(L.GraphError);
    expect(() => grad(viaInt, x)).toThrow(/non-differentiable/);
    const viaShape = L.cast(L.dim(x, 0), 'float32');
    expect(() => grad(viaShape, x)).toThrow(L.GraphError);
    expectClose(await call(compile([x], grad(viaInt, x, { disconnected: 'zero' })), [1.5, 2.5]), [0, 0]);
  });

  it('knownGrads seeds the gradient of an intermediate (chain rule by hand)', async () => {
    const x = vector('x');
    const h = L.mul(x, 3);
    const gh = L.constant([1, 10]);
    const g = grad(null, x, { knownGrads: new Map([[h, gh]]) });
    expectClose(await call(compile([x], g, { onUnusedInput: 'ignore' }), [5, 6]), [3, 30]);
  });

  it('no gradient flows into integer inputs (e.g. the labels of a cost)', async () => {
    const x = matrix('x');
    const y = ivector('y');
    const cost = L.sum(x.at(L.arange(2), y));
    expect(() => grad(cost, y)).toThrow(L.DTypeError);
    expectClose(await call(compile([x, y], grad(cost, x)), [[1, 2], [3, 4]], Int32Array.from([1, 1])), [[0, 1], [0, 1]]);
  });

  it('the cost must be a float32 scalar; options are validated', () => {
    const x = vector('x');
    expect(() => grad(x, x)).toThrow(/the cost must be a scalar/);
    expect(() => grad(L.sum(ivector('i')), x)).toThrow(L.DTypeError);
    expect(() => grad(L.sum(x), x, { disconnected: 'explode' } as never)).toThrow(L.OptionsError);
  });

  it('argmax used as a constant factor passes no gradient through its index', async () => {
    const x = vector('x');
    // argmax has no gradient path; a cost that uses it through a float cast gives zeros, not an error
    const cost = L.sum(L.mul(x, L.cast(L.argmax(x), 'float32')));
    expectClose(await call(compile([x], grad(cost, x)), [1, 5, 2]), [1, 1, 1]);
  });
});

describe('grad: checks against finite differences of composite costs', () => {
  it('an MLP-like cost: tanh(x W + b) -> softmax -> NLL; gradients of W and b', async () => {
    const x = matrix('x');
    const W = matrix('W');
    const b = vector('b');
    const y = ivector('y');
    const p = L.softmax(L.tanh(L.add(L.dot(x, W), b)));
    const cost = L.neg(L.mean(L.log(p).at(L.arange(x.symShape().at(0)), y)));
    const xv = rn(900, [4, 3]);
    const Wv = rn(901, [3, 5]);
    const bv = rn(902, [5]);
    const yv = Int32Array.from([0, 4, 2, 2]);
    const [gW, gb] = await call(compile([x, W, b, y], grad(cost, [W, b])), f32(xv), f32(Wv), f32(bv), yv) as L.HostTensor[];
    const costFn = compile([x, W, b, y], cost);
    const numW = await numericGradAsync(async (w) => await call(costFn, f32(xv), f32({ data: w, shape: [3, 5] }), f32(bv), yv) as number, Wv.data, 1e-2);
    const numB = await numericGradAsync(async (bb) => await call(costFn, f32(xv), f32(Wv), f32({ data: bb, shape: [5] }), yv) as number, bv.data, 1e-2);
    expectGradClose(gW.data, numW, { rtol: 2e-2, atol: 2e-3, label: 'dW' });
    expectGradClose(gb.data, numB, { rtol: 2e-2, atol: 2e-3, label: 'db' });
  });
});

describe('the gradient checker itself', () => {
  /** x^2 with a wrong gradient (3x): the checker must catch it. */
  class BadSquare extends L.Op {
    readonly name = 'BadSquare';
    inferTypes([x]: readonly L.SymbolicTensor[]) {
      return [x.type];
    }
    perform([x]: L.Tensor[]) {
      return [tf.square(x)];
    }
    override grad([x]: readonly L.SymbolicTensor[], _o: readonly L.SymbolicTensor[], [g]: readonly (L.SymbolicTensor | null)[]) {
      return [L.mul(g!, L.mul(x, 3))];
    }
  }

  it('fails on a wrong gradient and passes on the right one', async () => {
    const x = vector('x');
    const xv = rn(950, [4]);
    const ref = ([a]: { data: Float64Array; shape: number[] }[]) => ({ data: a.data.map((v) => v * v), shape: a.shape });
    await expect((async () => await checkOpGrad({ inputs: [x], values: [xv], output: new BadSquare().make1(x), ref }))()).rejects.toThrow(/mismatch/);
    await expect((async () => await checkOpGrad({ inputs: [x], values: [xv], output: new BadSquare().make1(x) }))()).rejects.toThrow(/mismatch/);
    await checkOpGrad({ inputs: [x], values: [xv], output: L.square(x), ref });
  });
});
