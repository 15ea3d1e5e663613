/** Error classes and messages: build-time shape checks name the op and both shapes. */
import * as L from '@lasagne-ts/core';
import { compile, tensor, matrix, vector, ivector } from '@lasagne-ts/core';
import { call } from './calls';

/** Runs `f`, expecting an error of class `cls` whose message matches every pattern. */
function expectError(f: () => unknown, cls: new (...a: never[]) => Error, ...patterns: RegExp[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expectErrorIs(err, cls, patterns);
}

/** `expectError` for a call that is awaited (a compiled function called with `call`). */
async function expectRejection(f: () => Promise<unknown>, cls: new (...a: never[]) => Error, ...patterns: RegExp[]): Promise<void> {
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  expectErrorIs(err, cls, patterns);
}

function expectErrorIs(err: unknown, cls: new (...a: never[]) => Error, patterns: RegExp[]): void {
  expect(err).toBeInstanceOf(cls);
  expect(err).toBeInstanceOf(L.LasagneError);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
}

describe('error classes', () => {
  it('are LasagneErrors with their own names', () => {
    for (const C of [L.ShapeError, L.DTypeError, L.GraphError, L.BackendError, L.OptionsError]) {
      const e = new C('msg');
      expect(e).toBeInstanceOf(L.LasagneError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(C.name);
    }
  });
});

describe('build-time shape errors', () => {
  it('bad broadcasting names the op and both shapes', () => {
    const a = tensor('float32', [2, 3], 'a');
    const b = tensor('float32', [4, 3], 'b');
    expectError(() => L.add(a, b), L.ShapeError, /^Add:/, /\(2, 3\)/, /\(4, 3\)/, /cannot be broadcast/);
    expectError(() => L.mul(tensor('float32', [5]), tensor('float32', [2, 4])), L.ShapeError, /Mul/, /\(5,\)/, /\(2, 4\)/);
    expectError(() => L.where(tensor('bool', [3]), tensor('float32', [2]), 1), L.ShapeError, /\(3,\)/, /\(2,\)/);
  });

  it('dot with mismatched inner dimensions names both shapes', () => {
    expectError(() => L.dot(tensor('float32', [3, 5], 'x'), tensor('float32', [4, 2], 'W')), L.ShapeError, /dot/, /\(3, 5\)/, /\(4, 2\)/, /5 vs 4/);
  });

  it('conv2d with a channel mismatch names the input and the filters', () => {
    expectError(() => L.conv2d(tensor('float32', [null, 3, 8, 8], 'img'), tensor('float32', [16, 1, 3, 3], 'W')), L.ShapeError, /conv2d/, /'img'/, /'W'/, /3 channels/, /expect 1/);
  });

  it('concatenate / stack with incompatible shapes', () => {
    expectError(() => L.concatenate([tensor('float32', [2, 3]), tensor('float32', [2, 4])], 0), L.ShapeError, /concatenate/, /\(2, 3\)/, /\(2, 4\)/);
    expectError(() => L.stack([tensor('float32', [2]), tensor('float32', [3])]), L.ShapeError, /stack/);
    expectError(() => L.concatenate([]), L.ShapeError, /at least one/);
    expectError(() => L.concatenate([matrix('m')], 2), L.ShapeError, /axis 2 is out of range/);
  });

  it('reshape, flatten, dimshuffle, reductions', () => {
    expectError(() => tensor('float32', [2, 3], 'x').reshape([5]), L.ShapeError, /reshape/, /\(2, 3\)/, /\[5\]/);
    expectError(() => L.flatten(matrix('m'), 3), L.ShapeError, /flatten/);
    expectError(() => matrix('m').dimshuffle(1), L.ShapeError, /dimshuffle/, /dropped/);
    expectError(() => L.sum(vector('v'), 1), L.ShapeError, /sum: axis 1 is out of range for a tensor of rank 1/);
  });

  it('batchedDot, pool2d, indexing', () => {
    expectError(() => L.batchedDot(tensor('float32', [2, 3, 4]), tensor('float32', [2, 5, 6])), L.ShapeError, /batchedDot/, /4 vs 5/);
    expectError(() => L.pool2d(vector('v'), { ws: 2 }), L.ShapeError, /pool2d/, /4-d/);
    expectError(() => matrix('m').at(0, 0, 0), L.ShapeError, /subtensor/);
    expectError(() => L.take(matrix('m'), ivector('i'), 2), L.ShapeError, /take/);
  });
});

describe('dtype, graph and option errors', () => {
  it('grad of an integer variable or an integer cost; a non-scalar cost', () => {
    const x = vector('x');
    expectError(() => L.grad(L.sum(x), ivector('i')), L.DTypeError, /only float32 variables have gradients/);
    expectError(() => L.grad(x, x), L.ShapeError, /scalar/, /sum or mean/);
  });

  it('bool arithmetic that has no meaning; unknown dtypes', () => {
    expectError(() => L.intDiv(tensor('bool', [2]), tensor('bool', [2])), L.DTypeError, /FloorDiv/, /bool/);
    expectError(() => tensor('float16' as never, [2]), L.DTypeError, /float16/);
    expectError(() => L.cast(vector('v'), 'float16' as never), L.DTypeError, /cast/, /float16/);
    expectError(() => L.shared([1, 2], { dtype: 'uint8' as never }), L.DTypeError, /shared/, /uint8/);
    expectError(() => new L.RandomStreams(1).uniform([2], { dtype: 'half' as never }), L.DTypeError, /RandomStreams.uniform/, /half/);
    expectError(() => L.cast(vector('v'), 'float64' as never), L.DTypeError, /cast/, /float64 is not supported by the tfjs backends/);
  });

  it('compiling with an input missing names it', () => {
    const x = vector('x');
    const hidden = vector('hidden');
    expectError(() => compile([x], L.add(x, hidden)), L.GraphError, /'hidden'/, /not among the inputs/);
  });

  it('invalid options are OptionsErrors naming the function and the field', () => {
    expectError(() => compile([], [], { outputs: 'nowhere' } as never), L.OptionsError, /compile/, /outputs/);
    expectError(() => L.grad(L.sum(vector('x')), vector('y'), { disconnected: 'maybe' } as never), L.OptionsError, /grad/, /disconnected/);
  });

  it('an unknown backend is a BackendError', async () => {
    await expect(L.setBackend('tpu')).rejects.toBeInstanceOf(L.BackendError);
    await expect(L.setBackend('tpu')).rejects.toThrow(/unknown backend 'tpu'/);
  });

  it('an unknown size that is 1 at run time does not broadcast (Theano rule); a static 1 does', async () => {
    const a = matrix('a');
    const b = matrix('b');
    const f = compile([a, b], L.add(a, b));
    await expectRejection(() => call(f, [[1, 2, 3]], [[1, 1, 1], [2, 2, 2]]), L.ShapeError, /^Add:/, /\(1, 3\) and \(2, 3\)/, /static size 1/);
    // Declared broadcastable: fine, and the gradient has the operand's own shape (summed rows).
    const r = tensor('float32', [1, null], 'r');
    const out = await call(compile([r, b], [L.add(r, b), L.grad(L.sum(L.add(r, b)), r)]), [[1, 2, 3]], [[1, 1, 1], [2, 2, 2]]) as L.HostTensor[];
    expect(out[0].toArray()).toEqual([[2, 3, 4], [3, 4, 5]]);
    expect(out[1].toArray()).toEqual([[2, 2, 2]]);
    // Empty tensors are not a broadcasting error.
    const g = compile([a, r], L.add(a, r));
    expect((await call(g, { data: [], shape: [0, 3] }, [[1, 2, 3]]) as L.HostTensor).shape).toEqual([0, 3]);
  });

  it('a run-time size mismatch names the op', async () => {
    const a = vector('a');
    const b = vector('b');
    const f = compile([a, b], L.concatenate([L.stack([a, b]), L.stack([a, b])], 1));
    await expect(call(f, [1, 2], [1, 2, 3])).rejects.toThrow();
  });
});
