/**
 * Host kernels (loops and native BLAS on the tensors' own memory) on both in-process backends:
 * the max-pool gradient, the matrix product and the conv filter gradient against float64
 * references, with and without a native BLAS, without leaking tensors, and the BLAS loader's
 * failure messages.
 */
import * as L from '@lasagne-ts/core';
import { compile, grad, matmul, matrix, tensor4 } from '@lasagne-ts/core';
import { blasUnavailableReason, getBlas, resetBlasForTests } from '../src/backend/native/blas';
import { conv2dGradWeight as convGradWeightRef, dot as dotRef, pool2dGrad as poolGradRef, rng, type NDArray } from './reference';
import { expectClose, f32, permute, rn } from './helpers';
import { describeNotOnWebgpu, onBackend } from './calls';

/** These kernels run on tensors in this process' memory: the file selects cpu and wasm itself. */
const describeHostMemory = describeNotOnWebgpu('host-memory kernels and the native BLAS exist on cpu and wasm only; this file selects those backends itself');

const transposed = (a: NDArray): NDArray => permute(a, [1, 0]);

/** Values on a coarse grid, so windows have exact ties (the Theano rule routes to every one). */
function tied(seed: number, shape: number[]): NDArray {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float64Array.from({ length: n }, () => Math.floor(r() * 5) - 2), shape };
}

const geoms = [
  { ws: [2, 2] as [number, number], stride: [2, 2] as [number, number], pad: [0, 0] as [number, number], ignoreBorder: true },
  { ws: [3, 3] as [number, number], stride: [2, 2] as [number, number], pad: [1, 1] as [number, number], ignoreBorder: true },
  { ws: [2, 3] as [number, number], stride: [1, 2] as [number, number], pad: [0, 0] as [number, number], ignoreBorder: false },
  { ws: [3, 2] as [number, number], stride: [3, 2] as [number, number], pad: [0, 0] as [number, number], ignoreBorder: false },
];

function withBlas(setting: string | undefined, body: () => void): void {
  const saved = process.env.LASAGNE_BLAS;
  if (setting === undefined) delete process.env.LASAGNE_BLAS;
  else process.env.LASAGNE_BLAS = setting;
  resetBlasForTests();
  try {
    body();
  } finally {
    if (saved === undefined) delete process.env.LASAGNE_BLAS;
    else process.env.LASAGNE_BLAS = saved;
    resetBlasForTests();
  }
}

describeHostMemory.each(['cpu', 'wasm'])('host kernels on the %s backend', (backend) => {
  onBackend(backend);

  it.each(geoms.map((g, i) => [i, g] as const))('max-pool gradient, geometry %i, with ties, against the float64 loops', (i, g) => {
    const x = tensor4('x');
    const opts = { ...g, mode: 'max' as const };
    const out = L.pool2d(x, opts);
    const xv = tied(900 + i, [3, 2, 7, 8]);
    const gyShape = (compile([x], out)(f32(xv)) as L.HostTensor).shape;
    const gy = rn(950 + i, gyShape);
    const gx = compile([x], grad(L.sum(L.mul(out, L.constant(f32(gy)))), x))(f32(xv));
    expectClose(gx, poolGradRef(xv, gy, opts), 1e-5, 1e-5);
  });

  for (const blas of ['native BLAS if installed', 'tfjs (LASAGNE_BLAS=off)']) {
    it(`matrix products in every transposition (the MatMul flags gradients use), ${blas}`, () => {
      withBlas(blas.startsWith('tfjs') ? 'off' : undefined, () => {
        const a = rn(11, [7, 5]);
        const b = rn(12, [5, 6]);
        const [A, B, At, Bt] = ['A', 'B', 'At', 'Bt'].map((n) => matrix(n));
        const f = compile([A, B, At, Bt], [matmul(A, B), matmul(At, Bt, true, true), matmul(A, Bt, false, true), matmul(At, B, true, false)]);
        const outs = f(f32(a), f32(b), f32(transposed(a)), f32(transposed(b))) as L.HostTensor[];
        for (const out of outs) expectClose(out, dotRef(a, b));
        // Operands of unknown static shape whose inner sizes differ at run time: an error, not a
        // read past the end of an operand.
        expect(() => f(f32(a), f32(rn(13, [4, 6])), f32(transposed(a)), f32(transposed(b)))).toThrow(/inner dimensions differ|must match/);
      });
    });
  }

  const convCases = [
    { borderMode: 'valid' as const, subsample: [1, 1] as [number, number], filterFlip: true, x: [3, 1, 9, 8], w: [4, 1, 3, 3] },
    { borderMode: 'half' as const, subsample: [2, 1] as [number, number], filterFlip: false, x: [2, 3, 7, 6], w: [2, 3, 3, 2] },
    { borderMode: 'full' as const, subsample: [2, 3] as [number, number], filterFlip: true, x: [2, 2, 6, 7], w: [3, 2, 2, 3] },
    { borderMode: [1, 2] as [number, number], subsample: [1, 2] as [number, number], filterFlip: true, x: [2, 9, 5, 5], w: [2, 9, 3, 3] },
  ];
  for (const blas of ['native BLAS if installed', 'tfjs (LASAGNE_BLAS=off)']) {
    it.each(convCases.map((c, i) => [i, c] as const))(`conv2d filter gradient, case %i (few and many input channels), ${blas}`, (i, c) => {
      withBlas(blas.startsWith('tfjs') ? 'off' : undefined, () => {
        const x = tensor4('x');
        const W = tensor4('W');
        const opts = { borderMode: c.borderMode, subsample: c.subsample, filterFlip: c.filterFlip };
        const out = L.conv2d(x, W, opts);
        const xv = rn(960 + i, c.x);
        const wv = rn(970 + i, c.w);
        const gyShape = (compile([x, W], out)(f32(xv), f32(wv)) as L.HostTensor).shape;
        const gy = rn(980 + i, gyShape);
        const gw = compile([x, W], grad(L.sum(L.mul(out, L.constant(f32(gy)))), W))(f32(xv), f32(wv));
        expectClose(gw, convGradWeightRef(xv, gy, c.w, opts), 1e-4, 1e-4);
      });
    });
  }

  it('a training-like loop of host kernels leaks no tensors', () => {
    const x = tensor4('x');
    const W = L.shared(f32(rn(3, [8, 6])), { name: 'W' });
    const h = L.dot(L.flatten(L.pool2d(x, { ws: 2 }), 2), W);
    const loss = L.sum(L.mul(h, h));
    const f = compile([x], loss, { updates: [[W, L.sub(W, L.mul(0.001, grad(loss, W)))]] });
    const xv = f32(rn(4, [5, 2, 4, 4]));
    f(xv);
    const before = L.tf.memory().numTensors;
    for (let i = 0; i < 20; i++) f(xv);
    expect(L.tf.memory().numTensors).toBe(before);
  });
});

describeHostMemory('the native BLAS loader', () => {
  it('a library path that does not load gives the path, the reason and what to do, and matmul still works', () => {
    withBlas('/nonexistent/libopenblas.so.0', () => {
      expect(getBlas()).toBeUndefined();
      const reason = blasUnavailableReason()!;
      expect(reason).toContain('/nonexistent/libopenblas.so.0');
      expect(reason).toMatch(/set LASAGNE_BLAS to a library exporting cblas_sgemm, or unset it/);
      const A = matrix('A');
      expect(Array.from((compile([A], L.dot(A, A))([[1, 2], [3, 4]]) as L.HostTensor).data)).toEqual([7, 10, 15, 22]);
    });
  });

  it('LASAGNE_BLAS=off turns it off', () => {
    withBlas('off', () => {
      expect(getBlas()).toBeUndefined();
      expect(blasUnavailableReason()).toBe('disabled by LASAGNE_BLAS');
    });
  });

  const present = (() => {
    resetBlasForTests();
    return getBlas() !== undefined;
  })();
  if (!present) console.log(`native BLAS not found here, its numeric checks are skipped: ${blasUnavailableReason()}`);
  (present ? it : it.skip)('when installed: sgemm agrees with float64 on a 300x200x100 product (also transposed and accumulating)', () => {
    const blas = getBlas()!;
    const a = rn(21, [300, 200]);
    const b = rn(22, [200, 100]);
    const want = dotRef(a, b);
    const c = new Float32Array(300 * 100);
    blas.sgemm(false, false, 300, 100, 200, Float32Array.from(a.data), Float32Array.from(b.data), c);
    expectClose({ data: Float64Array.from(c), shape: [300, 100] }, want, 1e-4, 1e-4);
    blas.sgemm(true, true, 300, 100, 200, Float32Array.from(transposed(a).data), Float32Array.from(transposed(b).data), c, 1);
    expectClose({ data: Float64Array.from(c), shape: [300, 100] }, { data: want.data.map((v) => 2 * v), shape: want.shape }, 1e-4, 1e-4);
    expect(blas.describe.length).toBeGreaterThan(0);
  });
});
