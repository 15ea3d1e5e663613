/**
 * oneDNN's blocked-layout kernels (backend/native/dnnl-kernels.ts) as the layout rewrite uses
 * them (compile/rewrites/dnnl-layout.ts): relu(conv + bias) → max-pool stacks and their
 * gradients on both in-process backends, against float64 loops and finite differences, with
 * Theano's tie rule, the same numbers with LASAGNE_DNNL=off, the run-time fallbacks, no tensor
 * leaks, and the loader's messages. Skipped (with a printed line) where libdnnl is not installed.
 */
import * as L from '@lasagne-ts/core';
import { compile, constant, debugprint, grad, tensor4, tf, type ST } from '@lasagne-ts/core';
import { dnnlUnavailableReason, getDnnl, ompEnvironment } from '../src/backend/native/dnnl';
import { conv2d as convRef, conv2dGradInput as convGradInputRef, conv2dGradWeight as convGradWeightRef, pool2d as poolRef, pool2dGrad as poolGradRef, rng, type NDArray } from './reference';
import { DnnlToBlocked } from '../src/ops/dnnl/blocked';
import { DnnlConvGradWeight } from '../src/ops/conv/dnnl';
import { DnnlKernels } from '../src/backend/native/dnnl-kernels';
import { checkOpGrad, expectClose, f32, feed, rn, toND } from './helpers';
import { describeNotOnWebgpu, onBackend } from './calls';
import { withDnnl } from './native-env';

const present = !!getDnnl();
if (!present) console.log(`oneDNN not found here, its kernel checks are skipped: ${dnnlUnavailableReason()}`);
const describeDnnl = present ? describeNotOnWebgpu('oneDNN kernels run on in-process memory (cpu, wasm); this file selects those backends itself') : describe.skip;

/** 16 channels: whole blocks for both block sizes (8 on AVX2, 16 on AVX-512). */
const C = 16;
const pool = { ws: [2, 2] as [number, number], mode: 'max' as const };

/** Filters with a static shape, as Lasagne's layers' shared W have (the rewrite needs the channel counts). */
const filters = (shape: number[], name: string) => L.tensor('float32', shape, name);

/** relu(conv2d(x, W) + b) as Lasagne's Conv2DLayer builds it (fused at compile time). */
const convLayer = (x: ST, w: ST, b: ST, flip = true) => L.relu(L.add(L.conv2d(x, w, { filterFlip: flip }), b.dimshuffle('x', 0, 'x', 'x')));

// ---- float64 references ----------------------------------------------------------------------
const addBias = (y: NDArray, b: NDArray): NDArray => {
  const [, c, h, w] = y.shape;
  return { data: y.data.map((v, i) => v + b.data[Math.floor(i / (h * w)) % c]), shape: y.shape };
};
const reluRef = (a: NDArray): NDArray => ({ data: a.data.map((v) => Math.max(v, 0)), shape: a.shape });
const layerRef = (x: NDArray, w: NDArray, b: NDArray, flip = true) => reluRef(addBias(convRef(x, w, { borderMode: 'valid', filterFlip: flip }), b));
/** Two conv → pool layers: x [n, 1, h, w], W1 [C, 1, 3, 3], W2 [C, C, 2, 2]. */
const stackRef = ([x, w1, b1, w2, b2]: NDArray[]) => poolRef(layerRef(poolRef(layerRef(x, w1, b1), pool), w2, b2), pool);

function stack() {
  const x = tensor4('x');
  const w1 = filters([C, 1, 3, 3], 'W1');
  const b1 = L.vector('b1');
  const w2 = filters([C, C, 2, 2], 'W2');
  const b2 = L.vector('b2');
  const out = L.pool2d(convLayer(L.pool2d(convLayer(x, w1, b1), pool), w2, b2), pool);
  return { inputs: [x, w1, b1, w2, b2], out };
}
const stackValues = (seed: number, n: number, size: number): NDArray[] => [rn(seed, [n, 1, size, size]), rn(seed + 1, [C, 1, 3, 3], 0.5), rn(seed + 2, [C], 0.1), rn(seed + 3, [C, C, 2, 2], 0.3), rn(seed + 4, [C], 0.1)];

/** Integer values on a small grid, so that pooling windows tie (Theano routes to every tied cell). */
function grid(seed: number, shape: number[], lo: number, hi: number): NDArray {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float64Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1))), shape };
}

describeDnnl.each(['cpu', 'wasm'])('oneDNN blocked kernels on the %s backend', (backend) => {
  onBackend(backend);

  it('rewrites the conv → bias → ReLU → pool stack and its gradient into blocked oneDNN ops', () => {
    const { inputs, out } = stack();
    const fn = compile(inputs, [out, ...grad(L.sum(out), inputs)]);
    const text = debugprint(fn);
    for (const op of ['DnnlConvBiasRelu', 'DnnlMaxPool', 'DnnlMaxPoolReluGrad', 'DnnlBiasGrad', 'DnnlConvGradInput', 'DnnlConvGradWeight']) expect(text).toContain(op);
    // The only conversions: the pooled output and its gradient at the edge, the first layer's gradient for its im2col filter gradient.
    expect(text).not.toContain('Pool2D{');
    expect(text).not.toContain('ReluGrad ');
    fn.dispose();
  });

  it('forward values and every gradient of a two-layer stack against float64 loops and finite differences', async () => {
    const { inputs, out } = stack();
    await checkOpGrad({ inputs, values: stackValues(10, 1, 10), output: out, ref: stackRef, eps: 1e-5, rtol: 2e-2, atol: 2e-3, label: 'conv-pool stack' });
  });

  it('sizes the windows do not tile at run time (the NCHW path) give the reference values too', async () => {
    const { inputs, out } = stack();
    // 11 → conv 3 → 9 → pool 2 drops a row (ignoreBorder) → 4 → conv 2 → 3 → pool drops one → 1.
    await checkOpGrad({ inputs, values: stackValues(20, 1, 11), output: out, wrt: [0, 1, 2], ref: stackRef, eps: 1e-5, rtol: 2e-2, atol: 2e-3, label: 'odd sizes' });
  });

  it('cross-correlation (filterFlip false) forward and filter gradient', async () => {
    const x = tensor4('x');
    const w = filters([C, C, 2, 2], 'W');
    const b = L.vector('b');
    const out = L.pool2d(convLayer(x, w, b, false), pool);
    const ref = ([xv, wv, bv]: NDArray[]) => poolRef(layerRef(xv, wv, bv, false), pool);
    await checkOpGrad({ inputs: [x, w, b], values: [rn(30, [1, C, 5, 5]), rn(31, [C, C, 2, 2], 0.3), rn(32, [C], 0.1)], output: out, wrt: [1], ref, eps: 1e-5, rtol: 2e-2, atol: 2e-3, label: 'no flip' });
  });

  it("ties in max-pooling: Theano's rule (every tied cell gets the gradient) on the fast path", () => {
    const x = tensor4('x');
    const w = filters([C, C, 1, 1], 'W');
    const b = L.vector('b');
    const h = convLayer(x, w, b);
    const out = L.pool2d(h, pool);
    const xv = grid(40, [2, C, 6, 6], -1, 1);
    const wv = grid(41, [C, C, 1, 1], 0, 1);
    const bv = grid(42, [C], -1, 1);
    const hv = layerRef(xv, wv, bv);
    const R = rn(43, poolRef(hv, pool).shape);
    const fn = compile([x, w, b], grad(L.sum(L.mul(out, constant(f32(R)))), [x, w, b]));
    expect(debugprint(fn)).toContain('DnnlMaxPoolReluGrad');
    const [gx, gw, gb] = fn(...feed([x, w, b], [xv, wv, bv])) as L.HostTensor[];
    // d/d(pre-ReLU) = pool gradient (every tied cell) times the ReLU's mask.
    const gpre = poolGradRef(hv, R, pool);
    gpre.data.forEach((_, i) => (gpre.data[i] *= hv.data[i] > 0 ? 1 : 0));
    const ties = gpre.data.filter((v, i) => v !== 0 && i % 2 === 0 && gpre.data[i + 1] === v).length;
    expect(ties).toBeGreaterThan(0); // the data does tie
    const opts = { borderMode: 'valid' as const, filterFlip: true };
    expectClose(gx, convGradInputRef(gpre, wv, xv.shape, opts), 1e-4, 1e-4);
    expectClose(gw, convGradWeightRef(xv, gpre, wv.shape, opts), 1e-4, 1e-4);
    const gbRef = new Float64Array(C);
    gpre.data.forEach((v, i) => (gbRef[Math.floor(i / 36) % C] += v));
    expectClose(gb, { data: gbRef, shape: [C] }, 1e-4, 1e-4);
    fn.dispose();
  });

  it("where oneDNN has only reference loops (a one-channel filter gradient from plain NCHW), its lowering declines and the plain path runs", () => {
    const x = tensor4('x');
    const gy = tensor4('gy');
    const w = filters([C, 1, 5, 5], 'W');
    const xv = rn(70, [2, 1, 9, 9]);
    const gyv = rn(71, [2, C, 5, 5]);
    const out = new DnnlConvGradWeight({ borderMode: 'valid', subsample: [1, 1], filterFlip: true }, getDnnl()!.block).make1(x, new DnnlToBlocked(getDnnl()!.block).make1(gy), w);
    const fn = compile([x, gy, w], out, { profile: true, rewrites: ['merge'] });
    const gw = fn(...feed([x, gy, w], [xv, gyv, rn(72, [C, 1, 5, 5])])) as L.HostTensor;
    expect(fn.profile().nodes.find((n) => n.op === 'DnnlConvGradWeight')!.impl).toBe('tfjs-nchw');
    expectClose(gw, convGradWeightRef(xv, gyv, [C, 1, 5, 5], { borderMode: 'valid', filterFlip: true }), 1e-4, 1e-4);
    fn.dispose();
  });

  it('an MNIST-shaped stack gives the same numbers with LASAGNE_DNNL=off, and leaks no tensors', () => {
    const k = 5;
    const x = tensor4('x');
    const w1 = filters([32, 1, k, k], 'W1');
    const b1 = L.vector('b1');
    const w2 = filters([32, 32, k, k], 'W2');
    const b2 = L.vector('b2');
    const p1 = L.pool2d(convLayer(x, w1, b1), pool);
    const out = L.pool2d(convLayer(p1, w2, b2), pool);
    const inputs = [x, w1, b1, w2, b2];
    const values = [rn(50, [3, 1, 28, 28]), rn(51, [32, 1, k, k], 0.3), rn(52, [32], 0.1), rn(53, [32, 32, k, k], 0.1), rn(54, [32], 0.1)];
    const R = rn(55, [3, 32, 4, 4]);
    const outputs = [out, ...grad(L.sum(L.mul(out, constant(f32(R)))), inputs)];
    const run = (setting: string | undefined) =>
      withDnnl(setting, () => {
        const fn = compile(inputs, outputs);
        expect(debugprint(fn).includes('DnnlConvBiasRelu')).toBe(setting === undefined);
        fn(...feed(inputs, values)); // first call: makes the primitives
        const before = tf.memory().numTensors;
        const result = (fn(...feed(inputs, values)) as L.HostTensor[]).map((v) => toND(v));
        expect(tf.memory().numTensors).toBe(before);
        fn.dispose();
        return result;
      });
    const on = run(undefined);
    const off = run('off');
    on.forEach((v, i) => expectClose(v, off[i], 2e-4, 2e-4));
  });

  it('a function compiled with oneDNN still runs after LASAGNE_DNNL=off (the tfjs path computes the same values)', () => {
    const { inputs, out } = stack();
    const values = stackValues(60, 2, 12);
    const fn = compile(inputs, [out, ...grad(L.sum(out), inputs)]);
    const on = (fn(...feed(inputs, values)) as L.HostTensor[]).map((v) => toND(v));
    const off = withDnnl('off', () => (fn(...feed(inputs, values)) as L.HostTensor[]).map((v) => toND(v)));
    on.forEach((v, i) => expectClose(v, off[i], 1e-4, 1e-4));
    expectClose(on[0], stackRef(values), 1e-4, 1e-4);
    fn.dispose();
  });
});

describe('the oneDNN loader', () => {
  it("sets OpenMP's environment only where the user did not: passive wait after a short spin, one thread per core bound to it", () => {
    const fresh: Record<string, string | undefined> = {};
    expect(ompEnvironment(fresh, 4)).toBe(4);
    expect(fresh).toEqual({ OMP_WAIT_POLICY: 'PASSIVE', GOMP_SPINCOUNT: '20000', OMP_NUM_THREADS: '4', OMP_PROC_BIND: 'true', OMP_PLACES: 'cores' });
    // LASAGNE_WASM_THREADS sizes the team; a team smaller than the machine is not bound (it would crowd the first cores).
    const fewer: Record<string, string | undefined> = { LASAGNE_WASM_THREADS: '2' };
    expect(ompEnvironment(fewer, 4)).toBe(2);
    expect(fewer.OMP_PROC_BIND).toBeUndefined();
    // The user's own choices stand: a wait policy (then libgomp's spin rule), a placement.
    const user: Record<string, string | undefined> = { OMP_WAIT_POLICY: 'ACTIVE', OMP_PLACES: 'threads', OMP_NUM_THREADS: '2' };
    expect(ompEnvironment(user, 2)).toBe(2);
    expect(user).toEqual({ OMP_WAIT_POLICY: 'ACTIVE', OMP_PLACES: 'threads', OMP_NUM_THREADS: '2' });
    // One core: nothing to bind.
    const one: Record<string, string | undefined> = {};
    ompEnvironment(one, 1);
    expect(one.OMP_PROC_BIND).toBeUndefined();
  });

  it('LASAGNE_DNNL=off turns it off and says so; the plain paths remain', () => {
    withDnnl('off', () => {
      expect(getDnnl()).toBeUndefined();
      expect(dnnlUnavailableReason()).toBe('disabled by LASAGNE_DNNL');
      const { inputs, out } = stack();
      const fn = compile(inputs, out);
      expect(debugprint(fn)).not.toContain('Dnnl');
      fn.dispose();
    });
  });

  it('a LASAGNE_DNNL path that is not there names the path and what to do', () => {
    withDnnl('/nonexistent/libdnnl.so.2', () => {
      expect(getDnnl()).toBeUndefined();
      const reason = dnnlUnavailableReason()!;
      expect(reason).toContain('/nonexistent/libdnnl.so.2');
      expect(reason).toMatch(/set LASAGNE_DNNL to a oneDNN 2.x or 3.x library/);
    });
  });

  (present ? it : it.skip)('describeBackend() names oneDNN, its layout and its threads', async () => {
    await L.setBackend('cpu');
    expect(L.describeBackend()).toMatch(/; conv\/pool: oneDNN [23]\.\d+\.\d+ \(nChw(8|16)c, \d+ OpenMP threads?\)\)$/);
    expect(process.env.OMP_WAIT_POLICY).toBeDefined();
    // A short spin before sleeping, unless the user chose a wait policy (then libgomp's own rule).
    if (process.env.OMP_WAIT_POLICY === 'PASSIVE') expect(process.env.GOMP_SPINCOUNT).toBeDefined();
  });
});

describe("oneDNN's kernel cache", () => {
  (present ? it : it.skip)('keeps the most recently used shapes only, destroying the others, and recomputes an evicted shape correctly', () => {
    const kernels = new DnnlKernels(getDnnl()!.api, getDnnl()!.block, DnnlKernels.MIN_CAPACITY);
    const k = 3;
    const n = 2;
    const w = Float32Array.from({ length: k * n }, (_, i) => i - 2); // [[-2, -1], [0, 1], [2, 3]]
    /** x = m rows of [1, 2, 3]: every output row is [1*-2 + 2*0 + 3*2, 1*-1 + 2*1 + 3*3] = [4, 10]. */
    const product = (m: number) => {
      const x = Float32Array.from({ length: m * k }, (_, i) => (i % k) + 1);
      const out = new Float32Array(m * n);
      kernels.matmul(m, k, n, false, false, x, w, out);
      return out;
    };
    for (let m = 1; m <= 3 * DnnlKernels.MIN_CAPACITY; m++) {
      const out = product(m);
      expect(out.every((v, i) => v === (i % 2 ? 10 : 4))).toBe(true);
      expect(kernels.cached).toBeLessThanOrEqual(DnnlKernels.MIN_CAPACITY);
    }
    // The first shapes were evicted (their primitives destroyed): made again, they compute the same.
    expect(Array.from(product(1))).toEqual([4, 10]);
    expect(Array.from(product(2))).toEqual([4, 10, 4, 10]);
  });
});
