/** conv2d: Lasagne's worked values, every border mode / stride / flip against the float64 loops,
 * input and filter gradients, and second derivatives through the conv gradients. */
import * as L from '@lasagne-ts/core';
import { compile, grad, tensor, tensor4 } from '@lasagne-ts/core';
import {
  arange,
  conv2d as convRef,
  conv2dGradInput as convGradInputRef,
  conv2dGradWeight as convGradWeightRef,
  expectGradClose,
  numericGrad, numericGradAsync,
  vdot,
  type BorderMode,
  type NDArray,
} from './reference';
import { checkOpGrad, expectClose, f32, rn, toND } from './helpers';
import { call } from './calls';

const plane = (v: L.OutputValue) => {
  const a = toND(v);
  return { data: a.data, shape: a.shape.slice(2) };
};

describe('conv2d: Lasagne worked values (x = arange(16) 4x4, W = arange(9) 3x3)', () => {
  const x = tensor4('x');
  const w = tensor4('w');
  const xv = f32(arange(16, [1, 1, 4, 4]));
  const wv = f32(arange(9, [1, 1, 3, 3]));
  const run = async (o: L.Conv2DOptions) => await call(compile([x, w], L.conv2d(x, w, o)), xv, wv);

  it("'valid' with filter flip (true convolution) -> [[102,138],[246,282]]", async () => {
    expectClose(plane(await run({})), [[102, 138], [246, 282]]);
  });
  it("'valid' without flip (cross-correlation) -> [[258,294],[402,438]]", async () => {
    expectClose(plane(await run({ filterFlip: false })), [[258, 294], [402, 438]]);
  });
  it("'same' -> 4x4", async () => {
    expectClose(plane(await run({ borderMode: 'same' })), [[7, 23, 38, 41], [45, 102, 138, 126], [129, 246, 282, 234], [197, 341, 374, 287]]);
  });
  it("'same' with stride 2 -> [[7,38],[129,282]]", async () => {
    expectClose(plane(await run({ borderMode: 'same', subsample: 2 })), [[7, 38], [129, 282]]);
  });
  it("'full' -> 6x6 with first row [0,0,1,4,7,6]", async () => {
    const out = plane(await run({ borderMode: 'full' }));
    expect(out.shape).toEqual([6, 6]);
    expect(Array.from(out.data.slice(0, 6))).toEqual([0, 0, 1, 4, 7, 6]);
    // The whole plane, from the float64 loops.
    expectClose(toND(await run({ borderMode: 'full' })), convRef(arange(16, [1, 1, 4, 4]), arange(9, [1, 1, 3, 3]), { borderMode: 'full' }));
  });
});

const modes: { mode: BorderMode; w: number[] }[] = [
  { mode: 'valid', w: [4, 3, 3, 2] },
  { mode: 'full', w: [4, 3, 3, 2] },
  { mode: 'half', w: [4, 3, 3, 3] },
  { mode: 'half', w: [4, 3, 2, 3] },
  { mode: 'same', w: [4, 3, 3, 3] },
  { mode: 2, w: [4, 3, 3, 2] },
  { mode: [1, 2], w: [4, 3, 2, 3] },
];
const strides: [number, number][] = [
  [1, 1],
  [2, 2],
  [2, 3],
];

describe('conv2d: forward and both gradients against the float64 loops', () => {
  const xShape = [2, 3, 7, 6];
  let seed = 500;
  for (const { mode, w: wShape } of modes)
    for (const subsample of strides)
      for (const filterFlip of [true, false]) {
        const s = seed++;
        it(`borderMode=${JSON.stringify(mode)} filters ${wShape.slice(2).join('x')} subsample=${subsample} filterFlip=${filterFlip}`, async () => {
          const x = tensor4('x');
          const w = tensor4('w');
          const opts = { borderMode: mode, subsample, filterFlip };
          const out = L.conv2d(x, w, { borderMode: mode, subsample, filterFlip });
          await checkOpGrad({ inputs: [x, w], values: [rn(s, xShape), rn(s + 1000, wShape)], output: out, ref: ([a, b]) => convRef(a, b, opts), seed: s, label: 'conv2d' });
        });
      }
});

describe('conv2d: static shapes and errors', () => {
  it('output shapes follow Theano for every mode', () => {
    const x = tensor('float32', [null, 3, 7, 6]);
    const w = tensor('float32', [8, 3, 3, 2]);
    expect(L.conv2d(x, w).shape).toEqual([null, 8, 5, 5]);
    expect(L.conv2d(x, w, { borderMode: 'full' }).shape).toEqual([null, 8, 9, 7]);
    expect(L.conv2d(x, w, { borderMode: 'half' }).shape).toEqual([null, 8, 7, 7]);
    expect(L.conv2d(x, w, { borderMode: [1, 0], subsample: [2, 2] }).shape).toEqual([null, 8, 4, 3]);
  });

  it('channel mismatch is a ShapeError naming both tensors', () => {
    const x = tensor('float32', [null, 3, 7, 6], 'inputs');
    const w = tensor('float32', [8, 2, 3, 3], 'W');
    expect(() => L.conv2d(x, w)).toThrow(L.ShapeError);
    expect(() => L.conv2d(x, w)).toThrow(/3 channels but the filters expect 2/);
    expect(() => L.conv2d(x, w)).toThrow(/'inputs'.*'W'/);
  });

  it("'same' with an even filter, a filter larger than the input, and non-4-d operands are ShapeErrors", () => {
    const x = tensor('float32', [1, 1, 4, 4]);
    expect(() => L.conv2d(x, tensor('float32', [1, 1, 2, 2]), { borderMode: 'same' })).toThrow(/odd filter sizes/);
    expect(() => L.conv2d(x, tensor('float32', [1, 1, 5, 5]))).toThrow(/empty/);
    expect(() => L.conv2d(L.matrix('m'), tensor4('w'))).toThrow(L.ShapeError);
  });

  it('an unknown border mode is an OptionsError (not NaN sizes)', () => {
    const x = tensor('float32', [1, 1, 4, 4]);
    const w = tensor('float32', [1, 1, 3, 3]);
    expect(() => L.conv2d(x, w, { borderMode: 'nonexistent' as never })).toThrow(L.OptionsError);
    expect(() => L.conv2d(x, w, { borderMode: -1 })).toThrow(/invalid border mode -1/);
    expect(() => L.conv2d(x, w, { borderMode: [1, 'a'] as never })).toThrow(/invalid border mode/);
    expect(L.conv2d(x, w, { borderMode: [1, 0] }).shape).toEqual([1, 1, 4, 2]);
  });
});

describe('conv2d: second derivatives (grad of a function of a conv gradient)', () => {
  const cfgs: { name: string; opts: L.Conv2DOptions & { borderMode: BorderMode } }[] = [
    { name: 'valid', opts: { borderMode: 'valid' } },
    { name: 'full, stride 2', opts: { borderMode: 'full', subsample: [2, 2] } },
    { name: 'half, no flip', opts: { borderMode: 'half', filterFlip: false } },
    { name: 'pad (1,2), stride (2,1)', opts: { borderMode: [1, 2], subsample: [2, 1] } },
  ];
  const xShape = [2, 2, 5, 5];
  const wShape = [3, 2, 3, 3];
  cfgs.forEach(({ name, opts }, k) => {
    const refOpts = { borderMode: opts.borderMode, subsample: (opts.subsample ?? [1, 1]) as [number, number], filterFlip: opts.filterFlip ?? true };
    it(`${name}: d/dx sum(dC/dW ^2) and d/dW sum(dC/dx * S) against differences of the compiled first gradients`, async () => {
      const x = tensor4('x');
      const w = tensor4('w');
      const xv = rn(700 + k, xShape);
      const wv = rn(710 + k, wShape);
      const y = L.conv2d(x, w, opts);
      const yShape = convRef(xv, wv, refOpts).shape;
      const R = rn(720 + k, yShape);
      const cost = L.sum(L.mul(y, L.constant(f32(R))));
      const [gx, gw] = grad(cost, [x, w]);

      // First gradients against the float64 loops (conv2dGradInput / conv2dGradWeight).
      const first = compile([x, w], [gx, gw]);
      const [gxv, gwv] = await call(first, f32(xv), f32(wv)) as L.HostTensor[];
      expectClose(gxv, convGradInputRef(R, wv, xShape, refOpts), 1e-4, 1e-4);
      expectClose(gwv, convGradWeightRef(xv, R, wShape, refOpts), 1e-4, 1e-4);

      // (a) cost2 = sum(gw^2) depends on x through Conv2DGradWeight: central differences of the
      //     first gradient (the float64 conv2dGradWeight loop, so no float32 noise is amplified).
      const d2x = toND(await call(compile([x, w], grad(L.sum(L.square(gw)), x)), f32(xv), f32(wv)));
      const numX = numericGrad((xx) => {
        const g = convGradWeightRef({ data: xx, shape: xShape }, R, wShape, refOpts);
        return g.data.reduce((s, v) => s + v * v, 0);
      }, xv.data);
      expectGradClose(d2x.data, numX, { rtol: 1e-3, atol: 1e-3, shape: xShape, label: 'd/dx sum(gw^2)' });

      // (b) cost3 = sum(gx * S) depends on w through Conv2DGradInput.
      const S = rn(730 + k, xShape);
      const d2w = toND(await call(compile([x, w], grad(L.sum(L.mul(gx, L.constant(f32(S)))), w), { onUnusedInput: 'ignore' }), f32(xv), f32(wv)));
      const numW = numericGrad((ww) => vdot(convGradInputRef(R, { data: ww, shape: wShape }, xShape, refOpts), S), wv.data);
      expectGradClose(d2w.data, numW, { rtol: 1e-3, atol: 1e-3, shape: wShape, label: 'd/dW sum(gx*S)' });

      // The same second derivatives by differences of the compiled (float32) first gradients.
      const gwOnly = compile([x, w], gw);
      const numX32 = await numericGradAsync(async (xx) => toND(await call(gwOnly, f32({ data: xx, shape: xShape }), f32(wv))).data.reduce((s, v) => s + v * v, 0), xv.data, 1e-2);
      expectGradClose(d2x.data, numX32, { rtol: 2e-2, atol: 2e-2, shape: xShape, label: 'd/dx sum(gw^2) (float32 differences)' });

      // (c) a mixed term: d/dW of sum(gw * T) (through Conv2DGradWeight's gy input, which depends on nothing here)
      //     is zero; and d/dx of sum(gx^2) is zero (gx does not depend on x).
      const zero = await call(compile([x, w], grad(L.sum(L.square(gx)), x, { disconnected: 'zero' }), { onUnusedInput: 'ignore' }), f32(xv), f32(wv));
      expectClose(zero, { data: new Float64Array(xv.data.length), shape: xShape } as NDArray);
    });
  });
});
