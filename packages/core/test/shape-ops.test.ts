/** dimshuffle / transpose / reshape / flatten / concatenate / stack / shape. */
import * as L from '@lasagne-ts/core';
import { compile, grad, tensor, vector, matrix, tensor3, tensor4, iscalar } from '@lasagne-ts/core';
import { arange, nd, reshape as ndReshape, type NDArray } from './reference';
import { checkOpGrad, expectClose, permute, rn, toND } from './helpers';
import { call } from './calls';

/** numpy.concatenate along an axis (float64). */
function concatRef(parts: NDArray[], axis: number): NDArray {
  const outer = parts[0].shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = (p: NDArray) => p.shape.slice(axis).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (const p of parts) out.push(...p.data.slice(o * inner(p), (o + 1) * inner(p)));
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  return nd(out, shape);
}

describe('dimshuffle and transpose', () => {
  it('transpose of a matrix and x.T', async () => {
    const x = matrix('x');
    const f = compile([x], [L.transpose(x), x.T]);
    const [a, b] = await call(f, [[1, 2, 3], [4, 5, 6]]) as L.HostTensor[];
    expectClose(a, [[1, 4], [2, 5], [3, 6]]);
    expectClose(b, [[1, 4], [2, 5], [3, 6]]);
  });

  const perms: number[][] = [[2, 0, 1], [1, 2, 0], [0, 2, 1], [2, 1, 0]];
  perms.forEach((perm) => {
    it(`transpose(x, ${JSON.stringify(perm)}) forward and gradient`, async () => {
      const x = tensor3('x');
      const xv = rn(1, [2, 3, 4]);
      await checkOpGrad({ inputs: [x], values: [xv], output: L.transpose(x, perm), ref: ([a]) => permute(a, perm) });
    });
  });

  it("dimshuffle inserts broadcastable 'x' axes: a bias (C,) becomes (1, C, 1, 1)", async () => {
    const b = vector('b');
    const y = b.dimshuffle('x', 0, 'x', 'x');
    expect(y.shape).toEqual([1, null, 1, 1]);
    const x = tensor4('x');
    const f = compile([x, b], L.add(x, y));
    const xv = arange(2 * 3 * 2 * 2, [2, 3, 2, 2]);
    const bv = nd([100, 200, 300]);
    const expected = { data: xv.data.map((v, i) => v + bv.data[Math.floor(i / 4) % 3]), shape: xv.shape };
    expectClose(await call(f, { data: Float32Array.from(xv.data), shape: xv.shape }, [100, 200, 300]), expected);
    // Gradient of the bias: summed over N, H, W.
    await checkOpGrad({ inputs: [x, b], values: [rn(2, [2, 3, 2, 2]), rn(3, [3])], output: L.mul(L.add(x, y), x), wrt: [1], ref: ([xx, bb]) => ({ data: xx.data.map((v, i) => (v + bb.data[Math.floor(i / 4) % 3]) * v), shape: xx.shape }) });
  });

  it('dimshuffle drops axes of static size 1, permutes and inserts at once; gradient', async () => {
    const x = tensor('float32', [2, 1, 3], 'x');
    const y = L.dimshuffle(x, [2, 'x', 0]);
    expect(y.shape).toEqual([3, 1, 2]);
    const xv = rn(4, [2, 1, 3]);
    await checkOpGrad({ inputs: [x], values: [xv], output: y, ref: ([a]) => ndReshape(permute(ndReshape(a, [2, 3]), [1, 0]), [3, 1, 2]) });
  });

  it('dimshuffle rejects dropping a non-broadcastable axis and repeated axes', () => {
    const x = matrix('x');
    expect(() => x.dimshuffle(0)).toThrow(L.ShapeError);
    expect(() => x.dimshuffle(0, 0)).toThrow(/not a valid, unrepeated axis/);
    expect(() => x.dimshuffle(0, 2)).toThrow(L.ShapeError);
  });
});

describe('reshape and flatten', () => {
  it('reshape with -1, forward and gradient', async () => {
    const x = tensor3('x');
    const xv = rn(5, [2, 3, 4]);
    await checkOpGrad({ inputs: [x], values: [xv], output: x.reshape([4, -1]).mul(x.reshape([4, 6])), ref: ([a]) => ({ data: a.data.map((v) => v * v), shape: [4, 6] }) });
    const f = compile([x], x.reshape([-1]));
    expect((await call(f, { data: Float32Array.from(xv.data), shape: [2, 3, 4] }) as L.HostTensor).shape).toEqual([24]);
  });

  it('reshape with symbolic sizes (x.shape[0]) and a shape vector', async () => {
    const x = tensor3('x');
    const n = x.symShape().at(0);
    const y = x.reshape([n, -1]);
    expect(y.shape).toEqual([null, null]);
    const xv = arange(24, [2, 3, 4]);
    const out = await call(compile([x], y), { data: Float32Array.from(xv.data), shape: [2, 3, 4] });
    expectClose(out, ndReshape(xv, [2, 12]));
    const z = x.reshape(L.stack([L.dim(x, 2), L.dim(x, 0), L.dim(x, 1)]));
    const out2 = await call(compile([x], z), { data: Float32Array.from(xv.data), shape: [2, 3, 4] });
    expectClose(out2, ndReshape(xv, [4, 2, 3]));
    await checkOpGrad({ inputs: [x], values: [rn(6, [2, 3, 4])], output: y });
  });

  it('reshape with a wrong size is a ShapeError at build time (static) or run time', async () => {
    const x = tensor('float32', [2, 3], 'x');
    expect(() => x.reshape([4, 2])).toThrow(/cannot reshape \(2, 3\)/);
    expect(() => x.reshape([-1, -1])).toThrow(/at most one -1/);
    const m = matrix('m');
    const f = compile([m], m.reshape([4, -1]));
    await expect(call(f, [[1, 2, 3], [4, 5, 6]])).rejects.toThrow(L.ShapeError);
  });

  it('flatten(x, ndim) keeps the first ndim-1 axes', async () => {
    const x = tensor4('x');
    const xv = rn(7, [2, 3, 2, 2]);
    const [a, b] = await call(compile([x], [x.flatten(), L.flatten(x, 2)]), { data: Float32Array.from(xv.data), shape: xv.shape }) as L.HostTensor[];
    expectClose(a, ndReshape(xv, [24]));
    expectClose(b, ndReshape(xv, [2, 12]));
    expect(L.flatten(tensor('float32', [null, 3, 4, 5]), 2).shape).toEqual([null, 60]);
    await checkOpGrad({ inputs: [x], values: [xv], output: L.flatten(x, 3), ref: ([v]) => ndReshape(v, [2, 3, 4]) });
  });
});

describe('concatenate and stack', () => {
  [0, 1, 2].forEach((axis) => {
    it(`concatenate along axis ${axis}: forward and gradient of each part`, async () => {
      const shapes = [0, 1, 2].map((k) => [2, 3, 2].map((d, i) => (i === axis ? d + k : d)));
      const xs = shapes.map((_, k) => tensor3(`x${k}`));
      const vals = shapes.map((s, k) => rn(10 + k, s));
      await checkOpGrad({ inputs: xs, values: vals, output: L.concatenate(xs, axis), ref: (v) => concatRef(v, axis) });
    });
  });

  it('concatenate infers static sizes and upcasts dtypes; negative axis', () => {
    const a = tensor('float32', [2, 3], 'a');
    const b = tensor('float32', [2, 5], 'b');
    expect(L.concatenate([a, b], -1).shape).toEqual([2, 8]);
    const i = tensor('int32', [2, 1], 'i');
    const c = L.concatenate([a, i], 1);
    expect(c.dtype).toBe('float32');
    expect(() => L.concatenate([a, tensor('float32', [3, 3])], 1)).toThrow(L.ShapeError);
  });

  [0, 1, 2].forEach((axis) => {
    it(`stack along axis ${axis}: forward and gradient`, async () => {
      const xs = [0, 1, 2].map((k) => matrix(`x${k}`));
      const vals = [0, 1, 2].map((k) => rn(20 + k, [2, 3]));
      const ref = (v: NDArray[]) => {
        const st = nd(v.flatMap((p) => Array.from(p.data)), [3, 2, 3]); // stacked along axis 0
        const perm = axis === 0 ? [0, 1, 2] : axis === 1 ? [1, 0, 2] : [1, 2, 0];
        return permute(st, perm);
      };
      await checkOpGrad({ inputs: xs, values: vals, output: L.stack(xs, axis), ref });
    });
  });

  it('stack of scalars builds a vector', async () => {
    const a = L.scalar('a');
    const i = iscalar('i');
    const f = compile([a, i], L.stack([a, i, 3]));
    expectClose(await call(f, 1.5, 2), [1.5, 2, 3]);
  });
});

describe('shape, dim, size', () => {
  it('static shapes give constants; unknown sizes are computed at run time', async () => {
    const x = tensor('float32', [null, 3, 4], 'x');
    const f = compile([x], [L.shape(x), L.dim(x, 0), L.dim(x, -1), L.size(x), x.symShape().at(1)]);
    const outs = await call(f, { data: new Float32Array(5 * 12), shape: [5, 3, 4] }) as L.OutputValue[];
    expect(Array.from((outs[0] as L.HostTensor).data)).toEqual([5, 3, 4]);
    expect(outs.slice(1)).toEqual([5, 4, 60, 3]);
    expect(L.shape(tensor('float32', [2, 3])).owner).toBeNull(); // a constant
  });

  it('the shape of an expression follows the data', async () => {
    const x = matrix('x');
    const y = L.concatenate([x, x], 0);
    expect(toND(await call(compile([x], L.shape(y)), [[1, 2, 3]])).data).toEqual(Float64Array.from([2, 3]));
  });
});
