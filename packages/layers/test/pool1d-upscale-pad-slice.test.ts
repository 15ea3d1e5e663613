/**
 * Pool1DLayer / MaxPool1DLayer, Upscale2DLayer, PadLayer and SliceLayer: forward against float64
 * loops (core's reference pooling) or Lasagne's formulas, gradients by finite differences, shapes
 * with null sizes, typed errors.
 */
import { OptionsError, ShapeError, imatrix, slice, tensor3, tensor4, matrix, tensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { pool2d as refPool, reshape as refReshape, type PoolMode } from '../../core/test/reference';
import { checkLayerGrad, expectClose, randomND, run, type NDArray } from './helpers';

/** Distinct values (no max ties under finite differences). */
const distinct = (seed: number, shape: number[]): NDArray => {
  const r = randomND(seed, shape);
  const order = Array.from(r.data.keys()).sort((a, b) => r.data[a] - r.data[b]);
  const data = new Float64Array(r.data.length);
  order.forEach((k, rank) => (data[k] = Math.fround((rank - r.data.length / 2) * 0.05)));
  return { data, shape };
};

describe('Pool1DLayer / MaxPool1DLayer', () => {
  const cases: [string, L.Pool1DLayerOptions][] = [
    ['max 2', { poolSize: 2 }],
    ['max 3 stride 2 pad 1', { poolSize: 3, stride: 2, pad: 1 }],
    ['max 3, ignoreBorder false', { poolSize: 3, ignoreBorder: false }],
    ['average_inc_pad 3 stride 1 pad 1', { poolSize: 3, stride: 1, pad: 1, mode: 'average_inc_pad' }],
    ['average_exc_pad 2 stride 3', { poolSize: 2, stride: 3, mode: 'average_exc_pad' }],
  ];
  test.each(cases)('%s: Theano pooling (float64) over the last axis; gradients', async (_n, o) => {
    const xv = distinct(1, [2, 3, 11]);
    const x = tensor3('x');
    const l = new L.Pool1DLayer(new L.InputLayer([null, 3, 11], { inputVar: x }), o);
    const y = refPool(refReshape(xv, [2, 3, 11, 1]), { ws: [o.poolSize, 1], stride: [o.stride ?? o.poolSize, 1], pad: [o.pad ?? 0, 0], ignoreBorder: o.ignoreBorder ?? true, mode: (o.mode ?? 'max') as PoolMode });
    const expected = refReshape(y, [2, 3, y.shape[2]]);
    expect(l.outputShape).toEqual([null, 3, expected.shape[2]]);
    expectClose(await run([x], L.getOutput(l), [xv]), expected, 1e-6, 1e-6);
    await checkLayerGrad(l, x, xv);
  });
  test('MaxPool1DLayer is mode max; shapes; errors', () => {
    const m = new L.MaxPool1DLayer([null, 4, null], { poolSize: 2 });
    expect(m).toBeInstanceOf(L.Pool1DLayer);
    expect(m.mode).toBe('max');
    expect(m.outputShape).toEqual([null, 4, null]);
    expect(new L.MaxPool1DLayer([5, 4, 11], { poolSize: 2, ignoreBorder: false }).outputShape).toEqual([5, 4, 6]);
    expect(() => new L.MaxPool1DLayer([null, 4, 10], { poolSize: 2, mode: 'average_inc_pad' } as never)).toThrow(OptionsError);
    expect(() => new L.Pool1DLayer([null, 4, 10, 2], { poolSize: 2 })).toThrow(/3-d input/);
    expect(() => new L.Pool1DLayer([null, 4, 10], { poolSize: 2, pad: 2 })).toThrow(/smaller than the pool size/);
    expect(() => new L.Pool1DLayer([null, 4, 10], { poolSize: 3, pad: 1, ignoreBorder: false })).toThrow(/ignoreBorder/);
    expect(() => new L.Pool1DLayer([null, 4, 1], { poolSize: 3 })).toThrow(ShapeError);
    expect(() => new L.Pool1DLayer([null, 4, 10], { poolSize: 2, mode: 'sum' } as never)).toThrow(OptionsError);
  });
});

describe('Upscale2DLayer', () => {
  const xv = randomND(2, [2, 3, 3, 4]);
  const expected = (a: number, b: number, dilate: boolean): NDArray => {
    const [N, C, H, W] = xv.shape;
    const out = { data: new Float64Array(N * C * H * a * W * b), shape: [N, C, H * a, W * b] };
    for (let nc = 0; nc < N * C; nc++)
      for (let r = 0; r < H * a; r++)
        for (let c = 0; c < W * b; c++) {
          const keep = !dilate || (r % a === 0 && c % b === 0);
          out.data[(nc * H * a + r) * W * b + c] = keep ? xv.data[(nc * H + Math.floor(r / a)) * W + Math.floor(c / b)] : 0;
        }
    return out;
  };
  test.each([
    ['repeat', 2, 2],
    ['repeat', 3, 1],
    ['dilate', 2, 3],
    ['dilate', 1, 2],
  ] as ['repeat' | 'dilate', number, number][])('%s by (%d, %d): values and gradients', async (mode, a, b) => {
    const x = tensor4('x');
    const l = new L.Upscale2DLayer(new L.InputLayer([null, 3, null, 4], { inputVar: x }), { scaleFactor: [a, b], mode });
    expect(l.outputShape).toEqual([null, 3, null, 4 * b]);
    expectClose(await run([x], L.getOutput(l), [xv]), expected(a, b, mode === 'dilate'));
    await checkLayerGrad(l, x, xv);
  });
  test('an int input keeps its dtype; factor 1 is the identity; errors', () => {
    const x = tensor('int32', [null, 1, 2, 2]);
    expect(L.getOutput(new L.Upscale2DLayer(new L.InputLayer([null, 1, 2, 2], { inputVar: x }), { scaleFactor: 2 })).dtype).toBe('int32');
    const l = new L.Upscale2DLayer([null, 1, 2, 2], { scaleFactor: 1 });
    const v = tensor4('v');
    expect(L.getOutput(l, new Map([[null, v]]))).toBe(v);
    expect(() => new L.Upscale2DLayer([null, 1, 2, 2], { scaleFactor: 0 })).toThrow(OptionsError);
    expect(() => new L.Upscale2DLayer([null, 1, 2, 2], { scaleFactor: 2, mode: 'nearest' } as never)).toThrow(OptionsError);
    expect(() => new L.Upscale2DLayer([null, 1, 2], { scaleFactor: 2 })).toThrow(/4-d input/);
  });
});

describe('PadLayer', () => {
  test('widths per axis after batchNdim, fill value; Lasagne shape rule (null stays null); gradients', async () => {
    const xv = randomND(3, [2, 3, 2, 3]);
    const x = tensor4('x');
    const l = new L.PadLayer(new L.InputLayer([null, 3, 2, null], { inputVar: x }), { width: [[1, 0], 2], val: 5 });
    expect(l.outputShape).toEqual([null, 3, 3, null]);
    const out = await run([x], L.getOutput(l), [xv]);
    expect(out.shape).toEqual([2, 3, 3, 7]);
    for (let nc = 0; nc < 6; nc++)
      for (let r = 0; r < 3; r++)
        for (let c = 0; c < 7; c++) {
          const inside = r >= 1 && c >= 2 && c < 5;
          expect(out.data[(nc * 3 + r) * 7 + c]).toBeCloseTo(inside ? xv.data[(nc * 2 + r - 1) * 3 + c - 2] : 5, 6);
        }
    await checkLayerGrad(l, x, xv);
  });
  test('an int width pads every axis after batchNdim; batchNdim 1; int input becomes float32; errors', () => {
    expect(new L.PadLayer([null, 3, 4, 5], { width: 1 }).outputShape).toEqual([null, 3, 6, 7]);
    expect(new L.PadLayer([2, 3, 4], { width: [2], batchNdim: 1 }).outputShape).toEqual([2, 7, 4]);
    const m = imatrix('m');
    expect(L.getOutput(new L.PadLayer(new L.InputLayer([null, 3], { inputVar: m }), { width: 1, batchNdim: 1 })).dtype).toBe('float32');
    expect(() => new L.PadLayer([null, 3, 4], { width: [1, 1, 1] })).toThrow(OptionsError);
    expect(() => new L.PadLayer([null, 3, 4], { width: -1 })).toThrow(OptionsError);
    expect(() => new L.PadLayer([null, 3], { width: 1, batchNdim: 3 })).toThrow(ShapeError);
  });
});

describe('SliceLayer', () => {
  const xv = randomND(4, [2, 5, 6]);
  test.each([
    [1, -1, [2, 5]],
    [-2, 1, [2, 6]],
    [slice(1, 4), -1, [2, 5, 3]],
    [slice(null, null, -2), 2, [2, 5, 3]],
    [slice(-3, null), 1, [2, 3, 6]],
  ] as [number | ReturnType<typeof slice>, number, number[]][])('indices %p on axis %d: NumPy indexing; gradients', async (indices, axis, shape) => {
    const x = tensor3('x');
    const l = new L.SliceLayer(new L.InputLayer([null, 5, 6], { inputVar: x }), { indices, axis });
    expect(l.outputShape).toEqual([null, ...shape.slice(1)]);
    const out = await run([x], L.getOutput(l), [xv]);
    expect(out.shape).toEqual(shape);
    // Reference: enumerate the kept positions along the axis (Python's slice.indices).
    const ax = axis < 0 ? axis + 3 : axis;
    const len = xv.shape[ax];
    const picks = typeof indices === 'number' ? [indices < 0 ? indices + len : indices] : (() => {
      const s = indices;
      const step = s.step ?? 1;
      const res: number[] = [];
      const norm = (v: number | null, d: number) => (v === null ? d : v < 0 ? v + len : Math.min(v, len));
      if (step > 0) for (let i = norm(s.start as number | null, 0); i < norm(s.stop as number | null, len); i += step) res.push(i);
      else for (let i = s.start === null ? len - 1 : norm(s.start as number, 0); i > (s.stop === null ? -1 : norm(s.stop as number, 0)); i += step) res.push(i);
      return res;
    })();
    const got: number[] = [];
    const idx = [0, 0, 0];
    const expected: number[] = [];
    const dims = xv.shape.map((d, i) => (i === ax ? picks.length : d));
    for (idx[0] = 0; idx[0] < dims[0]; idx[0]++)
      for (idx[1] = 0; idx[1] < dims[1]; idx[1]++)
        for (idx[2] = 0; idx[2] < dims[2]; idx[2]++) {
          const src = idx.map((v, i) => (i === ax ? picks[v] : v));
          expected.push(xv.data[(src[0] * 5 + src[1]) * 6 + src[2]]);
        }
    got.push(...out.data);
    expect(got.map((v) => Math.fround(v))).toEqual(expected.map((v) => Math.fround(v)));
    await checkLayerGrad(l, x, xv);
  });
  test('null sizes, out-of-range index or axis, symbolic bounds', () => {
    expect(new L.SliceLayer([null, 5, null], { indices: slice(1, 3) }).outputShape).toEqual([null, 5, null]);
    expect(new L.SliceLayer([null, 5, null], { indices: 0, axis: 1 }).outputShape).toEqual([null, null]);
    expect(() => new L.SliceLayer([null, 5], { indices: 5, axis: 1 })).toThrow(ShapeError);
    expect(() => new L.SliceLayer([null, 5], { indices: 0, axis: 2 })).toThrow(/axis 2 is out of range/);
    expect(() => new L.SliceLayer([null, 5], { indices: slice(matrix('m').at(0, 0) as never, 2) })).toThrow(OptionsError);
    expect(() => new L.SliceLayer([null, 5], { indices: '1:2' } as never)).toThrow(OptionsError);
  });
});
