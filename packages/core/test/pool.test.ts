/** pool2d: worked values, every mode / ignoreBorder / pad / stride against the float64 loops, and
 * gradients against central differences. */
import * as L from '@lasagne-ts/core';
import { compile, grad, tensor, tensor4 } from '@lasagne-ts/core';
import { arange, pool2d as poolRef, pool2dGrad as poolGradRef, pool2dGradGrad as poolGradGradRef, rng, type NDArray, type PoolMode } from './reference';
import { Pool2DGradGrad } from '../src/ops/pool';
import { checkOpGrad, expectClose, f32, rn, toND } from './helpers';
import { call } from './calls';

const plane = (v: L.OutputValue) => {
  const a = toND(v);
  return { data: a.data, shape: a.shape.slice(2) };
};

/** Distinct values at least 0.05 apart (so finite differences never cross a max tie). */
function distinct(seed: number, shape: number[]): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return { data: Float64Array.from(perm, (p) => Math.fround((p - n / 2) * 0.05)), shape };
}

describe('pool2d: Lasagne worked values (max 2x2 on arange(25) 5x5)', () => {
  const x = tensor4('x');
  const xv = f32(arange(25, [1, 1, 5, 5]));
  it('ignoreBorder true -> [[6,8],[16,18]]', async () => {
    expectClose(plane(await call(compile([x], L.pool2d(x, { ws: 2, ignoreBorder: true })), xv)), [[6, 8], [16, 18]]);
  });
  it('ignoreBorder false -> [[6,8,9],[16,18,19],[21,23,24]]', async () => {
    expectClose(plane(await call(compile([x], L.pool2d(x, { ws: 2, ignoreBorder: false })), xv)), [[6, 8, 9], [16, 18, 19], [21, 23, 24]]);
  });
  it('other modes on the same input (hand values)', async () => {
    const run = async (mode: L.PoolMode, ignoreBorder: boolean) => plane(await call(compile([x], L.pool2d(x, { ws: 2, ignoreBorder, mode })), xv));
    expectClose(await run('sum', true), [[12, 20], [52, 60]]);
    expectClose(await run('average_inc_pad', true), [[3, 5], [13, 15]]);
    // ignoreBorder false: the last row/column windows hold 2 (or 1) real cells.
    expectClose(await run('sum', false), [[12, 20, 13], [52, 60, 33], [41, 45, 24]]);
    expectClose(await run('average_exc_pad', false), [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]]);
  });
});

interface PoolCase {
  ws: [number, number];
  stride?: [number, number];
  pad?: [number, number];
  ignoreBorder: boolean;
}
const geoms: PoolCase[] = [
  { ws: [2, 2], ignoreBorder: true },
  { ws: [2, 2], ignoreBorder: false },
  { ws: [3, 2], ignoreBorder: true },
  { ws: [3, 2], ignoreBorder: false },
  { ws: [3, 3], stride: [2, 2], ignoreBorder: true },
  { ws: [3, 3], stride: [2, 2], ignoreBorder: false },
  { ws: [2, 3], stride: [1, 2], ignoreBorder: false },
  { ws: [2, 2], stride: [3, 3], ignoreBorder: false },
  { ws: [3, 3], stride: [2, 2], pad: [1, 1], ignoreBorder: true },
  { ws: [3, 2], stride: [1, 1], pad: [2, 1], ignoreBorder: true },
  { ws: [2, 2], pad: [1, 1], ignoreBorder: true },
];
const modes: PoolMode[] = ['max', 'sum', 'average_inc_pad', 'average_exc_pad'];

describe('pool2d: forward and gradient against the float64 loops', () => {
  let seed = 800;
  for (const mode of modes)
    geoms.forEach((g) => {
      const s = seed++;
      it(`mode=${mode} ws=${g.ws} stride=${g.stride ?? 'ws'} pad=${g.pad ?? [0, 0]} ignoreBorder=${g.ignoreBorder}`, async () => {
        const x = tensor4('x');
        const out = L.pool2d(x, { ws: g.ws, stride: g.stride, pad: g.pad, ignoreBorder: g.ignoreBorder, mode });
        const opts = { ws: g.ws, stride: g.stride, pad: g.pad, ignoreBorder: g.ignoreBorder, mode };
        const xv = distinct(s, [2, 2, 7, 6]);
        await checkOpGrad({ inputs: [x], values: [xv], output: out, ref: ([a]) => poolRef(a, opts), seed: s, label: `pool2d ${mode}` });
        // The gradient also agrees with the reference's exact transpose.
        const R = rn(s, poolRef(xv, opts).shape);
        const gx = await call(compile([x], grad(L.sum(L.mul(out, L.constant(f32(R)))), x)), f32(xv));
        expectClose(gx, poolGradRef(xv, R, opts), 1e-5, 1e-5);
      });
    });
});

describe('Pool2DGradGrad (second derivatives of max pooling): its generic strided-slices form against the float64 loop', () => {
  // (the host-loop lowering of cpu/wasm is forced in lowerings.test.ts; this one also runs on webgpu)
  geoms.forEach((g, k) => {
    it(`ws=${g.ws} stride=${g.stride ?? 'ws'} pad=${g.pad ?? [0, 0]} ignoreBorder=${g.ignoreBorder}, with ties`, async () => {
      const opts = { ws: g.ws, stride: g.stride, pad: g.pad, ignoreBorder: g.ignoreBorder, mode: 'max' as const };
      const xv = { data: rn(870 + k, [2, 3, 7, 6]).data.map((v) => Math.round(v * 2) / 2), shape: [2, 3, 7, 6] }; // many ties
      const gg = rn(880 + k, xv.shape);
      const want = poolGradGradRef(xv, gg, opts);
      const op = new Pool2DGradGrad({ ws: g.ws, stride: g.stride ?? g.ws, pad: g.pad ?? [0, 0], ignoreBorder: g.ignoreBorder, mode: 'max' });
      const y = L.tf.tensor(Float32Array.from(poolRef(xv, opts).data), want.shape);
      const [x, ggT] = [xv, gg].map((a) => L.tf.tensor(Float32Array.from(a.data), a.shape));
      const [out] = op.perform([x, y, ggT]);
      expectClose(new L.HostTensor(await out.data(), out.shape, 'float32'), want, 1e-5, 1e-5);
      [x, y, ggT, out].forEach((t) => t.dispose());
    });
  });
});

describe('pool2d: ties, dtypes, shapes and errors', () => {
  it('max pool gradient: every tied maximum of a window receives it (Theano rule), also with overlapping windows', async () => {
    const x = tensor4('x');
    const xv = { data: Float32Array.from([1, 1, 0, 2, 1, 0, 2, 2, 3]), shape: [1, 1, 3, 3] };
    for (const stride of [2, 1] as const) {
      const opts = { ws: [2, 2] as [number, number], stride: [stride, stride] as [number, number], ignoreBorder: false, mode: 'max' as const };
      const out = L.pool2d(x, opts);
      const gy = poolRef({ data: Float64Array.from(xv.data), shape: xv.shape }, opts);
      const ones = { data: new Float64Array(gy.data.length).fill(1), shape: gy.shape };
      const g = await call(compile([x], grad(L.sum(out), x)), xv);
      expectClose(g, poolGradRef({ data: Float64Array.from(xv.data), shape: xv.shape }, ones, opts));
    }
  });

  it('static output shapes follow Theano', () => {
    const x = tensor('float32', [null, 3, 7, 6]);
    expect(L.pool2d(x, { ws: 2 }).shape).toEqual([null, 3, 3, 3]);
    expect(L.pool2d(x, { ws: 2, ignoreBorder: false }).shape).toEqual([null, 3, 4, 3]);
    expect(L.pool2d(x, { ws: [3, 3], stride: [2, 2], pad: [1, 1] }).shape).toEqual([null, 3, 4, 3]);
    expect(L.pool2d(x, { ws: 3, stride: 2, ignoreBorder: false }).shape).toEqual([null, 3, 3, 3]);
  });

  it('average modes of an int input are float32; max keeps the dtype', async () => {
    const x = tensor('int32', [1, 1, 2, 2], 'x');
    const f = compile([x], [L.pool2d(x, { ws: 2, mode: 'average_inc_pad' }), L.pool2d(x, { ws: 2 })]);
    const [a, m] = await call(f, { data: Int32Array.from([1, 2, 3, 5]), shape: [1, 1, 2, 2] }) as L.HostTensor[];
    expect(a.dtype).toBe('float32');
    expect(a.data[0]).toBe(2.75);
    expect(m.dtype).toBe('int32');
    expect(m.data[0]).toBe(5);
  });

  it('int max pooling ignores the border overhang (negative values are not compared with padding)', async () => {
    const x = tensor('int32', [1, 1, 3, 3], 'x');
    const f = compile([x], L.pool2d(x, { ws: 2, ignoreBorder: false }));
    const v = [-9, -8, -7, -6, -5, -4, -3, -2, -1];
    const out = await call(f, { data: Int32Array.from(v), shape: [1, 1, 3, 3] }) as L.HostTensor;
    const ref = poolRef({ data: Float64Array.from(v), shape: [1, 1, 3, 3] }, { ws: [2, 2], ignoreBorder: false, mode: 'max' });
    expect(out.dtype).toBe('int32');
    expectClose(out, ref);
  });

  it('invalid options are ShapeErrors', () => {
    const x = tensor4('x');
    expect(() => L.pool2d(x, { ws: 2, pad: 2 })).toThrow(/padding must be smaller than the window/);
    expect(() => L.pool2d(x, { ws: 2, pad: 1, ignoreBorder: false })).toThrow(/ignoreBorder/);
    expect(() => L.pool2d(x, { ws: 0 })).toThrow(L.ShapeError);
    expect(() => L.pool2d(L.matrix('m'), { ws: 2 })).toThrow(L.ShapeError);
    expect(() => L.pool2d(tensor('float32', [1, 1, 1, 1]), { ws: 2 })).toThrow(/empty/);
  });

  it('an unknown mode is an OptionsError naming the modes', () => {
    const x = tensor4('x');
    expect(() => L.pool2d(x, { ws: 2, mode: 'nonexistent' as never })).toThrow(L.OptionsError);
    expect(() => L.pool2d(x, { ws: 2, mode: 'avg' as never })).toThrow(/invalid mode "avg"; expected one of 'max', 'sum'/);
  });

  it('the gradient of a pool gradient with respect to x is zero where it depends on x only piecewise (as Theano)', async () => {
    const x = tensor4('x');
    for (const mode of ['max', 'average_exc_pad'] as const) {
      const g = grad(L.sum(L.pool2d(x, { ws: 2, mode })), x);
      const out = await call(compile([x], grad(L.sum(L.square(g)), x)), f32(arange(16, [1, 1, 4, 4]))) as L.HostTensor;
      expect(Array.from(out.data)).toEqual(new Array(16).fill(0));
    }
  });
});
