/** compile (theano.function): updates, givens, outputs, input validation, default updates. */
import * as L from '@lasagne-ts/core';
import { compile, grad, matrix, scalar, shared, tensor, tf, vector, ivector, iscalar } from '@lasagne-ts/core';
import { expectClose } from './helpers';
import { call, value } from './calls';

const vals = async (s: L.SharedVariable) => Array.from((await value(s)).data);

describe('updates', () => {
  it('are computed from the old values: swapping two shared variables in one call', async () => {
    const a = shared(new Float32Array([1, 2]), { name: 'a' });
    const b = shared(new Float32Array([10, 20]), { name: 'b' });
    const swap = compile([], null, { updates: [[a, b], [b, a]] });
    await call(swap);
    expect(await vals(a)).toEqual([10, 20]);
    expect(await vals(b)).toEqual([1, 2]);
    await call(swap);
    expect(await vals(a)).toEqual([1, 2]);
    expect(await vals(b)).toEqual([10, 20]);
  });

  it('outputs see the old values; updates are applied after them', async () => {
    const c = shared(0, { name: 'c', dtype: 'float32' });
    const step = scalar('step');
    const f = compile([step], [c, L.mul(c, 2)], { updates: new Map([[c, L.add(c, step)]]) });
    expect(await call(f, 1)).toEqual([0, 0]);
    expect(await call(f, 2)).toEqual([1, 2]);
    expect(await call(f, 0.5)).toEqual([3, 6]);
    expect((await value(c)).data[0]).toBe(3.5);
  });

  it('one update reads another variable’s old value (a <- a + b, b <- a)', async () => {
    const a = shared(1, { dtype: 'float32' });
    const b = shared(1, { dtype: 'float32' });
    const fib = compile([], null, { updates: [[a, L.add(a, b)], [b, a]] });
    for (let i = 0; i < 5; i++) await call(fib);
    // (1,1) -> (2,1) -> (3,2) -> (5,3) -> (8,5) -> (13,8)
    expect([(await value(a)).data[0], (await value(b)).data[0]]).toEqual([13, 8]);
  });

  it('SGD through updates: W <- W - lr * grad, by hand for a quadratic', async () => {
    const W = shared(new Float32Array([4, -2]), { name: 'W' });
    const cost = L.sum(L.square(W));
    const f = compile([], cost, { updates: [[W, L.sub(W, L.mul(grad(cost, W), 0.25))]] });
    expect(await call(f)).toBe(20);
    expect(await vals(W)).toEqual([2, -1]); // W - 0.25 * 2W = W / 2
    expect(await call(f)).toBe(5);
  });

  it('a run-time value that does not fit the variable’s static shape is a ShapeError, and nothing is updated', async () => {
    const W = shared(new Float32Array([1, 2, 3]), { name: 'W' });
    const c = shared(0, { name: 'c', dtype: 'float32' });
    const x = vector('x');
    const f = compile([x], null, { updates: [[c, L.add(c, 1)], [W, x]] });
    await expect(call(f, [1, 2, 3, 4])).rejects.toThrow(/update of shared variable 'W' \(3,\) float32 computed a value of shape \(4,\)/);
    const before = tf.memory().numTensors; // (after the first call uploaded the constant 1)
    await expect(call(f, [1, 2, 3, 4])).rejects.toThrow(L.ShapeError);
    expect(tf.memory().numTensors).toBe(before);
    expect(await vals(W)).toEqual([1, 2, 3]);
    expect((await value(c)).data[0]).toBe(0);
    await call(f, [4, 5, 6]);
    expect(await vals(W)).toEqual([4, 5, 6]);
    expect((await value(c)).data[0]).toBe(1);
  });

  it('update errors: wrong dtype, wrong shape, non-shared target, a variable updated twice', () => {
    const W = shared(new Float32Array(3), { name: 'W' });
    const i = shared(Int32Array.from([1, 2, 3]), { name: 'i' });
    expect(() => compile([], null, { updates: [[i, L.mul(i, 0.5)]] })).toThrow(L.DTypeError);
    expect(() => compile([], null, { updates: [[W, L.constant(new Float32Array(4))]] })).toThrow(L.ShapeError);
    expect(() => compile([], null, { updates: [[vector('v') as unknown as L.SharedVariable, W]] })).toThrow(L.GraphError);
    expect(() => compile([], null, { updates: [[W, W], [W, W]] })).toThrow(/updated twice/);
  });
});

describe('givens', () => {
  it('substitutes an input by an expression of another input', async () => {
    const x = vector('x');
    const y = vector('y');
    const f = compile([y], L.sum(L.mul(x, x)), { givens: new Map([[x, L.add(y, 1)]]) });
    expect(await call(f, [0, 1, 2])).toBe(1 + 4 + 9);
  });

  it('substitutes an input by a slice of a shared dataset with an index input', async () => {
    const data = shared([[1, 2], [3, 4], [5, 6], [7, 8]], { name: 'data' });
    const x = L.matrix('x');
    const i = iscalar('i');
    const f = compile([i], L.sum(x, 1), { givens: [[x, data.at(L.slice(i.mul(2), i.add(1).mul(2)))]] });
    expectClose(await call(f, 0), [3, 7]);
    expectClose(await call(f, 1), [11, 15]);
  });

  it('substitutes a shared variable (e.g. to evaluate with other parameters)', async () => {
    const W = shared(new Float32Array([1, 1]), { name: 'W' });
    const x = vector('x');
    const f = compile([x], L.dot(x, W), { givens: [[W, L.constant([2, 3])]] });
    expect(await call(f, [1, 1])).toBe(5);
    expect(await call(compile([x], L.dot(x, W)), [1, 1])).toBe(2);
  });

  it('dtype or rank mismatches are rejected', () => {
    const x = vector('x');
    expect(() => compile([x], L.sum(x), { givens: [[x, L.constant(Int32Array.from([1]), { dtype: 'int32' })]] })).toThrow(L.DTypeError);
    expect(() => compile([], L.sum(x), { givens: [[x, L.constant([[1]])]] })).toThrow(/rank must match/);
  });
});

describe('outputs', () => {
  it("'host' (default): numbers for scalars, HostTensors otherwise", async () => {
    const x = matrix('x');
    const f = compile([x], [L.sum(x), L.mul(x, 2), L.sum(x, 1)]);
    const [s, m, r] = await call(f, [[1, 2], [3, 4]]) as L.OutputValue[];
    expect(typeof s).toBe('number');
    expect(s).toBe(10);
    expect(m).toBeInstanceOf(L.HostTensor);
    expect((m as L.HostTensor).shape).toEqual([2, 2]);
    expect((m as L.HostTensor).toArray()).toEqual([[2, 4], [6, 8]]);
    expect((m as L.HostTensor).get(1, 0)).toBe(6);
    expect((r as L.HostTensor).dtype).toBe('float32');
    // A single output (not a list) gives a single value.
    expect(await call(compile([x], L.sum(x)), [[1]])).toBe(1);
    // An integer scalar output is a number too.
    expect(await call(compile([x], L.argmax(x)), [[1, 5, 2]])).toBe(1);
  });

  it("'device': tf.Tensors that the caller owns and disposes", async () => {
    const x = matrix('x');
    const W = shared(new Float32Array([1, 2, 3, 4]), { shape: [2, 2], name: 'W' });
    const f = compile([x], [L.dot(x, W), L.sum(x), W, x], { outputs: 'device' });
    const before = tf.memory().numTensors;
    const outs = await call(f, [[1, 0], [0, 1]]) as L.Tensor[];
    outs.forEach((t) => expect(t).toBeInstanceOf(tf.Tensor));
    expect(outs[0].arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(outs[1].rank).toBe(0);
    expect(outs[1].arraySync()).toBe(2);
    expect(outs[2].arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(tf.memory().numTensors).toBe(before + 4);
    outs.forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    // The shared variable's value was not handed out: it survives the caller's dispose.
    expect(await vals(W)).toEqual([1, 2, 3, 4]);
  });

  it('an output listed twice, an input as output, a shared variable as output', async () => {
    const x = vector('x');
    const y = L.mul(x, 3);
    const W = shared(new Float32Array([7]), { name: 'W' });
    const out = await call(compile([x], [y, y, x, W]), [1, 2]) as L.HostTensor[];
    expectClose(out[0], [3, 6]);
    expectClose(out[1], [3, 6]);
    expectClose(out[2], [1, 2]);
    expectClose(out[3], [7]);
  });

  it('a function with no outputs returns an empty list', async () => {
    const c = shared(0, { dtype: 'float32' });
    expect(await call(compile([], [], { updates: [[c, L.add(c, 1)]] }))).toEqual([]);
    expect((await value(c)).data[0]).toBe(1);
  });
});

describe('inputs and their validation', () => {
  it('accepts nested arrays, typed arrays with the declared shape, {data, shape}, HostTensor and tf.Tensor', async () => {
    const x = tensor('float32', [2, 2], 'x');
    const f = compile([x], L.sum(L.mul(x, L.constant([[1, 10], [100, 1000]]))));
    expect(await call(f, [[1, 2], [3, 4]])).toBe(4321);
    expect(await call(f, Float32Array.from([1, 2, 3, 4]))).toBe(4321);
    expect(await call(f, { data: [1, 2, 3, 4], shape: [2, 2] })).toBe(4321);
    expect(await call(f, new L.HostTensor(Float32Array.from([1, 2, 3, 4]), [2, 2], 'float32'))).toBe(4321);
    const t = tf.tensor([1, 2, 3, 4], [2, 2]);
    expect(await call(f, t)).toBe(4321);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    const r = tensor('float32', [null, 2], 'r');
    expect(await call(compile([r], L.sum(r)), Float32Array.from([1, 2, 3, 4, 5, 6]))).toBe(21);
  });

  it('wrong rank or static size is a ShapeError naming the input', async () => {
    const x = tensor('float32', [null, 3], 'inputs');
    const f = compile([x], L.sum(x));
    await expect(call(f, [1, 2, 3])).rejects.toThrow(L.ShapeError);
    await expect(call(f, [1, 2, 3])).rejects.toThrow(/'inputs'.*expected shape \(None, 3\), received \(3,\)/);
    await expect(call(f, [[1, 2]])).rejects.toThrow(/'inputs'.*received \(1, 2\)/);
    await expect(call(f, { data: [1, 2, 3], shape: [2, 3] })).rejects.toThrow(L.ShapeError);
    await expect(call(f, [[1, 2, 3], [4, 5]])).rejects.toThrow(/ragged/);
    const m = matrix('m');
    await expect((async () => await call(compile([m], L.sum(m)), new Float32Array(4)))()).rejects.toThrow(/cannot say its shape/);
  });

  it('wrong dtype is a DTypeError naming the input', async () => {
    const y = ivector('targets');
    const f = compile([y], L.sum(y));
    await expect(call(f, new Float32Array([1, 2]))).rejects.toThrow(L.DTypeError);
    await expect(call(f, new Float32Array([1, 2]))).rejects.toThrow(/'targets'/);
    await expect(call(f, tf.tensor([1, 2], [2], 'float32'))).rejects.toThrow(L.DTypeError);
    await expect(call(f, { data: new Float32Array([1.5, 2]), shape: [2] })).rejects.toThrow(L.DTypeError);
    await expect(call(f, [0.5, 1])).rejects.toThrow(/'targets'/);
    // Integral values given as plain numbers are fine.
    expect(await call(f, [1, 2])).toBe(3);
    expect(await call(f, Int32Array.from([4, 5]))).toBe(9);
    await expect(call(f, 'abc' as never)).rejects.toThrow(L.LasagneError);
  });

  it('a missing input is a GraphError naming it; so are unused inputs (unless ignored) and non-inputs', async () => {
    const x = vector('x');
    const y = vector('y');
    expect(() => compile([x], L.add(x, y))).toThrow(L.GraphError);
    expect(() => compile([x], L.add(x, y))).toThrow(/'y'/);
    expect(() => compile([x, y], L.sum(x))).toThrow(/'y'.*not used/);
    expect(await call(compile([x, y], L.sum(x), { onUnusedInput: 'ignore' }), [1, 2], [3])).toBe(3);
    const W = shared(new Float32Array(2));
    expect(() => compile([W as unknown as L.SymbolicTensor], L.sum(W))).toThrow(/shared variable/);
    expect(() => compile([L.mul(x, 2)], L.sum(x))).toThrow(L.GraphError);
    expect(() => compile([x, x], L.sum(x))).toThrow(/listed twice/);
  });

  it('wrong argument count or an undefined argument is a GraphError; bad options an OptionsError', async () => {
    const x = vector('x');
    const f = compile([x], L.sum(x));
    await expect(call(f)).rejects.toThrow(/expected 1 argument/);
    await expect(call(f, [1], [2])).rejects.toThrow(L.GraphError);
    await expect(call(f, undefined as never)).rejects.toThrow(L.GraphError);
    expect(() => compile([x], L.sum(x), { outputs: 'gpu' } as never)).toThrow(L.OptionsError);
    expect(() => compile([x], L.sum(x), { bogus: 1 } as never)).toThrow(L.OptionsError);
  });

  it('run-time size disagreements are ShapeErrors', async () => {
    const a = vector('a');
    const b = vector('b');
    const f = compile([a, b], L.add(a, b));
    await expect(call(f, [1, 2, 3], [1, 2])).rejects.toThrow();
  });
});

describe('default updates', () => {
  it('are applied by every function using the variable, unless noDefaultUpdates', async () => {
    const counter = shared(0, { name: 'counter', dtype: 'float32' });
    counter.defaultUpdate = L.add(counter, 1);
    const x = scalar('x');
    const f = compile([x], L.add(x, counter));
    expect(await call(f, 10)).toBe(10);
    expect(await call(f, 10)).toBe(11);
    expect((await value(counter)).data[0]).toBe(2);
    const g = compile([x], L.add(x, counter), { noDefaultUpdates: true });
    expect(await call(g, 0)).toBe(2);
    expect(await call(g, 0)).toBe(2);
    // An explicit update overrides the default one.
    const h = compile([x], L.add(x, counter), { updates: [[counter, L.mul(counter, 10)]] });
    expect(await call(h, 0)).toBe(2);
    expect((await value(counter)).data[0]).toBe(20);
  });

  it('apply to shared variables brought in through givens, not to those givens replaced', async () => {
    const srng = new L.RandomStreams(9);
    const noise = vector('noise');
    const f = compile([], L.mul(noise, 1), { givens: [[noise, srng.uniform([4])]] });
    const a = Array.from((await call(f) as L.HostTensor).data);
    const b = Array.from((await call(f) as L.HostTensor).data);
    expect(a).not.toEqual(b);
    const counter = shared(0, { dtype: 'float32' });
    counter.defaultUpdate = L.add(counter, 1);
    const g = compile([], L.mul(counter, 2), { givens: [[counter, L.constant(5, { dtype: 'float32' })]] });
    expect(await call(g)).toBe(10);
    expect((await value(counter)).data[0]).toBe(0);
  });

  it('a default update that uses another variable with a default update pulls that one in too', async () => {
    const a = shared(0, { dtype: 'float32' });
    const b = shared(100, { dtype: 'float32' });
    a.defaultUpdate = L.add(a, b);
    b.defaultUpdate = L.add(b, 1);
    const f = compile([], a);
    expect(await call(f)).toBe(0);
    expect(await call(f)).toBe(100);
    expect((await value(b)).data[0]).toBe(102);
  });
});

describe('shared variables', () => {
  it('get returns a copy: mutating it does not change the variable', async () => {
    const W = shared(new Float32Array([1, 2, 3]), { name: 'W' });
    const h = await value(W);
    h.data[0] = 42;
    expect(await vals(W)).toEqual([1, 2, 3]);
  });

  it('set copies its argument: mutating the source afterwards does not change the variable', async () => {
    const W = shared(new Float32Array([1, 2, 3]), { name: 'W' });
    const src = new Float32Array([5, 6, 7]);
    W.set(src);
    src[0] = 99;
    expect(await vals(W)).toEqual([5, 6, 7]);
  });

  it('a compiled output of a shared variable is a copy too', async () => {
    const W = shared(new Float32Array([1, 2]), { name: 'W' });
    const out = await call(compile([], W)) as L.HostTensor;
    out.data[0] = -1;
    expect(await vals(W)).toEqual([1, 2]);
  });

  it('an input fed to an update does not alias the caller’s array', async () => {
    const W = shared(new Float32Array([0, 0]), { name: 'W' });
    const x = vector('x');
    const f = compile([x], null, { updates: [[W, x]] });
    const src = new Float32Array([3, 4]);
    await call(f, src);
    src[1] = 100;
    expect(await vals(W)).toEqual([3, 4]);
  });

  it('set checks the static shape; unknown sizes may change', async () => {
    const W = shared(new Float32Array(6), { name: 'W', shape: [2, 3] });
    expect(() => W.set({ data: new Float32Array(6), shape: [3, 2] })).toThrow(/W\.set.*expected a value of shape \(2, 3\), received \(3, 2\)/);
    const V = shared({ data: new Float32Array(6), shape: [2, 3] }, { name: 'V', shape: [null, 3] });
    V.set({ data: new Float32Array(9), shape: [3, 3] });
    expect((await value(V)).shape).toEqual([3, 3]);
    expect(await call(compile([], L.sum(V, 0)))).toEqual(expect.objectContaining({ shape: [3] }));
  });

  it('clone() aliases the storage: a distinct node with its own default update, same value', async () => {
    const m = shared(new Float32Array([1, 2]), { name: 'm', tags: ['t'] });
    const c = m.clone();
    expect(c).not.toBe(m);
    expect(c.name).toBe('m');
    expect(c.tags.has('t')).toBe(true);
    c.defaultUpdate = L.mul(c, 2);
    const x = vector('x');
    await call(compile([x], L.add(x, c)), [0, 0]);
    expect(await vals(m)).toEqual([2, 4]);
    // A function that uses the original only does not apply the clone's default update.
    await call(compile([x], L.add(x, m)), [0, 0]);
    expect(await vals(c)).toEqual([2, 4]);
    m.set(new Float32Array([5, 5]));
    expect(await vals(c)).toEqual([5, 5]);
  });

  it('tags, names and dtypes', () => {
    const W = shared([[1, 2]], { name: 'W', tags: ['trainable', 'regularizable'] });
    expect(W.tags.has('trainable')).toBe(true);
    expect(W.dtype).toBe('float32');
    expect(W.shape).toEqual([1, 2]);
    expect(shared(Int32Array.from([1])).dtype).toBe('int32');
    expect(W.describe()).toMatch(/shared variable 'W' \(1, 2\) float32/);
  });
});

describe('Theano habits: the T namespace', () => {
  it('T.function, T.grad, T.switch, T.nnet.softmax, T.shared work like their names', async () => {
    const { T } = L;
    const x = T.vector('x');
    const W = T.shared(new Float32Array([1, -1]), { name: 'W' });
    const y = T.switch(T.gt(x, 0), T.mul(x, W), 0);
    const f = T.function([x], [T.sum(y), T.grad(T.sum(y), x), T.nnet.softmax(x)]);
    const [s, g, p] = await call(f, [2, 3]) as L.OutputValue[];
    expect(s).toBe(-1);
    expectClose(g, [1, -1]);
    expectClose(p, [1 / (1 + Math.E), Math.E / (1 + Math.E)], 1e-6, 1e-7);
  });
});

describe('fn.ops and rewrites option', () => {
  it('lists the compiled op sequence; rewrites: false keeps the graph as built', () => {
    const x = vector('x');
    const y = L.add(L.exp(x), L.exp(x));
    expect(compile([x], y).ops).toEqual(['Exp', 'Add']);
    expect(compile([x], y, { rewrites: false }).ops).toEqual(['Exp', 'Exp', 'Add']);
    expect(compile([x], y, { rewrites: ['constantFold'] }).ops).toEqual(['Exp', 'Exp', 'Add']);
  });

  it('dispose frees the uploaded constants', async () => {
    const x = vector('x');
    const f = compile([x], L.add(x, L.constant([1, 2, 3])));
    const before = tf.memory().numTensors;
    await call(f, [1, 1, 1]);
    const after = tf.memory().numTensors;
    expect(after).toBe(before + 1);
    f.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // It still works afterwards (re-uploads).
    expectClose(await call(f, [0, 0, 0]), [1, 2, 3]);
    f.dispose();
  });
});
