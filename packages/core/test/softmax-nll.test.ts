/**
 * Theano's softmax/NLL rewrites: `CrossentropySoftmax1Hot` (forward and gradient against float64
 * references), the `crossentropySoftmax` rewrite that puts it in place of
 * `-logSoftmax(z)[arange(n), y]`, and `argmaxPushdown` (`argmax(softmax(z))` as `argmax(z)`).
 */
import * as L from '@lasagne-ts/core';
import { compile, grad, ivector, matrix } from '@lasagne-ts/core';
import { logSoftmax as logSoftmaxRef, nd, softmax as softmaxRef, type NDArray } from './reference';
import { checkOpGrad, expectClose, f32, i32, rn } from './helpers';
import { call } from './calls';

/** -log softmax(z)[i, y_i] per row, in float64 (negative labels wrap as NumPy's indexing does). */
function nllRef(z: NDArray, y: readonly number[]): NDArray {
  const [n, k] = z.shape;
  const lsm = logSoftmaxRef(z);
  return nd(Array.from({ length: n }, (_, i) => -lsm.data[i * k + (y[i] < 0 ? y[i] + k : y[i])]), [n]);
}

/** The float64 gradient of mean(nll) w.r.t. z: (softmax(z) - onehot(y)) / n. */
function meanNllGradRef(z: NDArray, y: readonly number[]): NDArray {
  const [n, k] = z.shape;
  const sm = softmaxRef(z);
  return nd(Array.from(sm.data, (p, j) => (p - (j % k === y[Math.floor(j / k)] ? 1 : 0)) / n), [n, k]);
}

/** `categoricalCrossentropy(softmax(z), y)` as the objectives package builds it. */
const lasagneNll = (z: L.SymbolicTensor, y: L.SymbolicTensor) => L.neg(L.log(L.softmax(z)).at(L.arange(L.dim(z, 0)), y));

/** Logits with a few extreme rows, where softmax itself underflows to 0 in float32. */
const logits = (seed: number, n: number, k: number): NDArray => {
  const z = rn(seed, [n, k], 2);
  return { data: Float64Array.from(z.data, (v, i) => Math.fround(i % 7 === 0 ? v * 300 : v)), shape: [n, k] };
};

describe('CrossentropySoftmax1Hot', () => {
  it('is -log softmax(z)[i, y_i] per row: forward and gradient against float64', async () => {
    const z = matrix('z');
    const y = ivector('y');
    const labels = [2, 0, 4, -1];
    await checkOpGrad({
      inputs: [z, y],
      values: [rn(150, [4, 5], 2), nd(labels, [4])],
      output: L.crossentropySoftmax1Hot(z, y),
      ref: ([a]) => nllRef(a, labels),
      wrt: [0],
    });
  });

  it('stays finite where softmax underflows (logits of ±300), and refuses labels out of range', async () => {
    const z = matrix('z');
    const y = ivector('y');
    const f = compile([z, y], L.crossentropySoftmax1Hot(z, y));
    const zv = logits(151, 6, 3);
    const labels = [0, 1, 2, 2, 1, 0];
    const out = await call(f, f32(zv), i32(labels));
    expectClose(out, nllRef(zv, labels), 1e-6, 1e-5);
    await expect(call(f, f32(zv), i32([0, 1, 3, 0, 0, 0]))).rejects.toThrow(/index 3 is out of bounds for an axis of size 3/);
    await expect(call(f, f32(zv), i32([0, 1]))).rejects.toThrow(/2 class indices for 6 rows/);
  });
});

describe('crossentropySoftmax rewrite', () => {
  it("Lasagne's categorical crossentropy of a softmax compiles to one CrossentropySoftmax1Hot with the same values", async () => {
    const z = matrix('z');
    const y = ivector('y');
    const loss = L.mean(lasagneNll(z, y));
    const f = compile([z, y], loss);
    expect(f.ops).toContain('CrossentropySoftmax1Hot');
    for (const gone of ['AdvancedIndex', 'LogSoftmax', 'Softmax', 'Arange', 'Neg']) expect(f.ops).not.toContain(gone);
    const plain = compile([z, y], loss, { rewrites: ['merge', 'stabilize'] });
    expect(plain.ops).toContain('AdvancedIndex');
    const zv = logits(152, 9, 4);
    const labels = [0, 1, 2, 3, 3, 2, 1, 0, -2];
    const mean = nllRef(zv, labels).data.reduce((a, b) => a + b, 0) / 9;
    expect(await call(f, f32(zv), i32(labels))).toBeCloseTo(mean, 4);
    expect(await call(plain, f32(zv), i32(labels))).toBeCloseTo(mean, 4);
  });

  it('also with a static number of rows (the arange folded to a constant)', async () => {
    const z = L.tensor('float32', [3, 4], 'z');
    const y = ivector('y');
    const f = compile([z, y], lasagneNll(z, y));
    expect(f.ops).toEqual(['CrossentropySoftmax1Hot']);
    const zv = rn(153, [3, 4]);
    expectClose(await call(f, f32(zv), i32([3, 0, 1])), nllRef(zv, [3, 0, 1]), 1e-5, 1e-5);
  });

  it('leaves other indexings alone: rows that are not arange(n), or a log-softmax along the other axis', () => {
    const z = matrix('z');
    const y = ivector('y');
    const r = ivector('r');
    expect(compile([z, y, r], L.neg(L.log(L.softmax(z)).at(r, y))).ops).toContain('AdvancedIndex');
    const shifted = L.neg(L.log(L.softmax(z)).at(L.arange(1, L.dim(z, 0)), y));
    expect(compile([z, y], shifted).ops).not.toContain('CrossentropySoftmax1Hot');
    const other = L.neg(L.logSoftmax(z, 0).at(L.arange(L.dim(z, 0)), y));
    expect(compile([z, y], other).ops).not.toContain('CrossentropySoftmax1Hot');
  });

  it('a training graph keeps its gradient: the same values as without the rewrite, and as float64', async () => {
    const z = matrix('z');
    const y = ivector('y');
    const loss = L.mean(lasagneNll(z, y));
    const f = compile([z, y], [loss, grad(loss, z)]);
    expect(f.ops).toContain('CrossentropySoftmax1Hot');
    const g = compile([z, y], [loss, grad(loss, z)], { rewrites: false });
    const zv = logits(154, 5, 3);
    const labels = [2, 1, 0, 1, 2];
    const [l1, g1] = await call(f, f32(zv), i32(labels)) as [number, L.HostTensor];
    const [l2, g2] = await call(g, f32(zv), i32(labels)) as [number, L.HostTensor];
    expect(l1).toBeCloseTo(l2, 4);
    expectClose(g1, meanNllGradRef(zv, labels), 1e-5, 1e-6);
    expectClose(g2, meanNllGradRef(zv, labels), 1e-5, 1e-6);
  });
});

describe('argmaxPushdown rewrite', () => {
  it('argmax(softmax(z), 1) is computed as argmax(z, 1): no softmax runs, the same classes', async () => {
    const z = matrix('z');
    const f = compile([z], [L.argmax(L.softmax(z), 1), L.argmax(L.logSoftmax(z), 1)]);
    expect(f.ops).toEqual(['Argmax']); // both merged into one argmax of z
    const zv = rn(155, [6, 5]);
    const want = Array.from({ length: 6 }, (_, i) => {
      const row = Array.from(zv.data.subarray(i * 5, i * 5 + 5));
      return row.indexOf(Math.max(...row));
    });
    const [a, b] = await call(f, f32(zv)) as L.HostTensor[];
    expect(Array.from(a.data)).toEqual(want);
    expect(Array.from(b.data)).toEqual(want);
  });

  it('keeps the softmax when the argmax runs along another axis', () => {
    const z = matrix('z');
    expect(compile([z], L.argmax(L.softmax(z), 0)).ops).toContain('Softmax');
  });
});
