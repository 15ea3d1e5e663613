/**
 * `MatMulBias` (a dense layer's `x · W + b`, optionally under a ReLU) and the `fuseDense` rewrite
 * that builds it where oneDNN is loaded: values and gradients against float64 loops and finite
 * differences, which graphs are fused, the same numbers with LASAGNE_DNNL=off, and no leaks.
 */
import * as L from '@lasagne-ts/core';
import { compile, constant, grad, matrix, tf, vector, type ST } from '@lasagne-ts/core';
import { getDnnl } from '../src/backend/native/dnnl';
import { withDnnl } from './native-env';
import { getBlas } from '../src/backend/native/blas';
import { dot as dotRef, type NDArray } from './reference';
import { checkOpGrad, expectClose, f32, feed, rn, toND } from './helpers';
import { call, describeNotOnWebgpu, onBackend } from './calls';

const present = !!getDnnl();
const blas = !!getBlas();
if (!present) console.log('oneDNN not found here: its matmul lowering is not run');
if (!present && !blas) console.log('neither oneDNN nor a native BLAS here: the fuseDense rewrite (which needs one) is checked only for doing nothing');

/** relu?(x · W + b) in float64. */
function denseRef([x, w, b]: NDArray[], relu: boolean): NDArray {
  const y = dotRef(x, w);
  const n = w.shape[1];
  return { data: y.data.map((v, i) => (relu ? Math.max(v + b.data[i % n], 0) : v + b.data[i % n])), shape: y.shape };
}

/** Lasagne's DenseLayer: nonlinearity(dot(x, W) + b). */
const layer = (x: ST, w: ST, b: ST, relu = true) => (relu ? L.relu(L.add(L.dot(x, w), b)) : L.add(L.dot(x, w), b));

describe('MatMulBias', () => {
  for (const relu of [false, true]) {
    it(`relu=${relu}: forward and the gradients of x, W and b against float64 and finite differences`, async () => {
      const [x, w, b] = [matrix('x'), matrix('W'), vector('b')];
      // Values away from the ReLU's kink, so central differences do not straddle it.
      const xv = rn(70, [4, 3]);
      const wv = rn(71, [3, 5]);
      const bv = rn(72, [5]);
      await checkOpGrad({ inputs: [x, w, b], values: [xv, wv, bv], output: L.matMulBias(x, w, b, { relu }), ref: (v) => denseRef(v, relu), eps: 1e-3 });
    });
  }

  it('sizes that disagree at run time are a ShapeError naming them', async () => {
    const [x, w, b] = [matrix('x'), matrix('W'), vector('b')];
    const f = compile([x, w, b], L.matMulBias(x, w, b));
    await expect(call(f, f32(rn(1, [2, 3])), f32(rn(2, [3, 4])), f32(rn(3, [5])))).rejects.toThrow(/dense layer: sizes differ at run time: \(2, 3\) · \(3, 4\) \+ \(5,\)/);
  });
});

describeNotOnWebgpu('fuseDense keeps tensors in process memory (cpu, wasm); this file selects those backends itself').each(['cpu', 'wasm'])('fuseDense on the %s backend', (backend) => {
  onBackend(backend);

  it('a two-layer MLP with its gradients: both layers fused (with oneDNN or BLAS), the same numbers as LASAGNE_DNNL=off and float64, no leaks', () => {
    const [x, w1, b1, w2, b2] = [matrix('x'), matrix('W1'), vector('b1'), matrix('W2'), vector('b2')];
    const out = layer(layer(x, w1, b1), w2, b2, false);
    const inputs = [x, w1, b1, w2, b2];
    const values = [rn(80, [6, 7]), rn(81, [7, 8], 0.5), rn(82, [8], 0.1), rn(83, [8, 3], 0.5), rn(84, [3], 0.1)];
    const R = rn(85, [6, 3]);
    const outputs = [out, ...grad(L.sum(L.mul(out, constant(f32(R)))), inputs)];
    const run = () => {
      const fn = compile(inputs, outputs);
      const fused = fn.ops.filter((o) => o === 'MatMulBias').length;
      fn(...feed(inputs, values)); // first call: makes the primitives
      const before = tf.memory().numTensors;
      const result = (fn(...feed(inputs, values)) as L.HostTensor[]).map((v) => toND(v));
      expect(tf.memory().numTensors).toBe(before);
      fn.dispose();
      return { fused, result };
    };
    const on = run();
    const off = withDnnl('off', run);
    expect(on.fused).toBe(present || blas ? 2 : 0);
    expect(off.fused).toBe(blas ? 2 : 0);
    const h = denseRef(values.slice(0, 3), true);
    expectClose(on.result[0], denseRef([h, values[3], values[4]], false), 1e-5, 1e-5);
    on.result.forEach((v, i) => expectClose(v, off.result[i], 1e-5, 1e-5));
  });

  (present ? it : it.skip)("while a sampling profiler may run, oneDNN's gemm is not used (heap corruption on signals): the BLAS or tfjs lowering computes the same values", () => {
    const dnnl = getDnnl()!;
    const saved = dnnl.gemmSafe;
    const [x, w, b] = [matrix('x'), matrix('W'), vector('b')];
    const values = [rn(90, [5, 4]), rn(91, [4, 6]), rn(92, [6])];
    const run = () => {
      const fn = compile([x, w, b], L.matMulBias(x, w, b, { relu: true }), { profile: true });
      const out = toND(fn(...feed([x, w, b], values)) as L.HostTensor);
      const impl = fn.profile().nodes.find((n) => n.op === 'MatMulBias')?.impl;
      fn.dispose();
      return { out, impl };
    };
    try {
      expect(run().impl).toBe('onednn-matmul');
      dnnl.gemmSafe = () => false;
      const guarded = run();
      expect(guarded.impl).toBe(blas ? 'blas-sgemm' : 'tfjs-fused-matmul');
      expectClose(guarded.out, denseRef(values, true), 1e-5, 1e-5);
    } finally {
      dnnl.gemmSafe = saved;
    }
  });

  (present ? it : it.skip)('gemmSafe is false when NODE_OPTIONS asks for a CPU profile', () => {
    const dnnl = getDnnl()!;
    const saved = process.env.NODE_OPTIONS;
    expect(dnnl.gemmSafe()).toBe(true); // jest runs without a profiler or inspector
    try {
      process.env.NODE_OPTIONS = '--max-old-space-size=4096 --cpu-prof';
      expect(dnnl.gemmSafe()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
  });

  it('leaves products that are used elsewhere, transposed, or without a row bias alone', () => {
    const [x, w, b, m] = [matrix('x'), matrix('W'), vector('b'), matrix('m')];
    const p = L.dot(x, w);
    const reused = compile([x, w, b], [L.relu(L.add(p, b)), p]);
    expect(reused.ops).not.toContain('MatMulBias');
    expect(compile([x, w, b], L.relu(L.add(L.matmul(x, w, false, true), b))).ops).not.toContain('MatMulBias');
    expect(compile([x, w, m], L.relu(L.add(L.dot(x, w), m))).ops).not.toContain('MatMulBias');
  });
});
