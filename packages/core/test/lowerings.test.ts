/**
 * The lowering registry: every registered lowering is forced on the plain-JS `cpu` backend (one
 * whose host kernel cannot run there is forced on `wasm`) and compared with the float64
 * reference loops; the profile names the lowering that ran. A lowering registered without a case
 * here fails the completeness test at the end: add its case to CASES.
 */
import * as L from '@lasagne-ts/core';
import { compile, grad, tensor4, type SymbolicTensor } from '@lasagne-ts/core';
import { getBlas, resetBlasForTests } from '../src/backend/native/blas';
import { getDnnl } from '../src/backend/native/dnnl';
import { DnnlFromBlocked, DnnlToBlocked } from '../src/ops/dnnl/blocked';
import { DnnlMaxPool, DnnlMaxPoolReluGrad } from '../src/ops/dnnl/pool';
import { DnnlBiasGrad, DnnlConvBiasRelu, DnnlConvGradInput, DnnlConvGradWeight } from '../src/ops/conv/dnnl';
import { registeredLowerings, withLowering, type OpClass } from '../src/lowering/registry';
import { conv2dGradInput, conv2dGradWeight, dot as dotRef, batchedDot as batchedDotRef, pool2d as poolRef, pool2dGrad as poolGradRef, pool2dGradGrad as poolGradGradRef, conv2d as convRef, rng, type NDArray, type BorderMode } from './reference';
import { expectClose, f32, i32, reduceRef, rn } from './helpers';
import { logSoftmax as logSoftmaxRef, softmax as softmaxRef } from './reference/softmax';
import { Composite } from '../src/ops/composite';
import { RandomOp } from '../src/random';
import { describeNotOnWebgpu } from './calls';



/** random.ts' mix of a stream seed and a draw counter, written out independently. */
function drawSeedRef(seed: number, counter: number): number {
  let h = (seed ^ Math.imul(counter + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

type ST = SymbolicTensor;
const blasPresent = (() => {
  resetBlasForTests();
  return getBlas() !== undefined;
})();
if (!blasPresent) console.log('native BLAS not loadable here: the blas-* lowerings are checked only for their refusal');
const dnnlPresent = getDnnl() !== undefined;
if (!dnnlPresent) console.log('oneDNN not loadable here: the onednn lowerings are not run');
/** The channel block of the graph's blocked values: oneDNN's when loaded (8 or 16), else 8 (the tfjs-nchw lowerings work with any). */
const BLOCK = getDnnl()?.block ?? 8;

/** Runs `f` with `name` forced for `op` and profiling on; checks that the profile names it for every node of the op. */
function forced(op: OpClass, name: string, inputs: ST[], outputs: ST | ST[], args: unknown[], rewrites: L.RewriteName[] = ['merge'], opName = op.name): L.OutputValue | L.OutputValue[] {
  return withLowering(op, name, () => {
    const fn = compile(inputs, outputs, { profile: true, rewrites });
    const out = fn(...(args as never[]));
    const nodes = fn.profile().nodes.filter((n) => n.op === opName);
    expect(nodes.length).toBeGreaterThan(0);
    for (const n of nodes) expect(n.impl).toBe(name);
    return out;
  });
}

/** Values on a coarse grid, so pooling windows have exact ties. */
function tied(seed: number, shape: number[]): NDArray {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float64Array.from({ length: n }, () => Math.floor(r() * 5) - 2), shape };
}
const ints = (seed: number, shape: number[], lo: number, hi: number): NDArray => {
  const r = rng(seed);
  return { data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + Math.floor(r() * (hi - lo))), shape };
};
/** An int32 argument already on the device (an int32 array argument would stay on the host, where nodes whose inputs are all there run). */
const asI32 = (a: NDArray) => L.tf.tensor(Int32Array.from(a.data), [...a.shape], 'int32');

interface ConvCase {
  borderMode: BorderMode;
  subsample: [number, number];
  filterFlip: boolean;
  x: number[];
  w: number[];
}
const stride1: ConvCase[] = [
  { borderMode: 'valid', subsample: [1, 1], filterFlip: true, x: [2, 3, 7, 6], w: [4, 3, 3, 2] },
  { borderMode: 'full', subsample: [1, 1], filterFlip: false, x: [2, 2, 5, 5], w: [3, 2, 3, 3] },
  { borderMode: 'half', subsample: [1, 1], filterFlip: true, x: [1, 2, 6, 7], w: [2, 2, 3, 5] },
  { borderMode: [1, 2], subsample: [1, 1], filterFlip: true, x: [2, 1, 5, 6], w: [2, 1, 3, 3] },
];
const strided: ConvCase[] = [
  { borderMode: 'half', subsample: [2, 1], filterFlip: false, x: [2, 3, 7, 6], w: [2, 3, 3, 2] },
  { borderMode: 'full', subsample: [2, 3], filterFlip: true, x: [2, 2, 6, 7], w: [3, 2, 2, 3] },
  { borderMode: [1, 2], subsample: [1, 2], filterFlip: true, x: [2, 9, 5, 5], w: [2, 9, 3, 3] },
];
const convOpts = (c: ConvCase) => ({ borderMode: c.borderMode, subsample: c.subsample, filterFlip: c.filterFlip });

/** The gradients of sum(conv2d(x, W) * gy) with gy an input (so nothing is constant-folded). */
function convGrads(c: ConvCase, seed: number) {
  const [x, W, gy] = [tensor4('x'), tensor4('W'), tensor4('gy')];
  const out = L.conv2d(x, W, convOpts(c));
  const xv = rn(seed, c.x);
  const wv = rn(seed + 1, c.w);
  const gyv = rn(seed + 2, convRef(xv, wv, convOpts(c)).shape);
  const loss = L.sum(L.mul(out, gy));
  return { x, W, gy, xv, wv, gyv, gx: grad(loss, x), gw: grad(loss, W), args: [f32(xv), f32(wv), f32(gyv)] };
}

type Case = { op: OpClass; name: string; title: string; run: () => void; backend?: string };

const CASES: Case[] = [];
const add = (op: OpClass, names: string[], title: string, run: (name: string) => void, backend?: string) => {
  for (const name of names) CASES.push({ op, name, title, run: () => run(name), backend });
};

// Convolution: the input gradient (the wasm-only stride-1 forward convolution included).
add(L.Conv2DGradInput, ['wasm-stride1-forward-conv', 'tfjs-backprop-input'], 'stride-1 input gradients, four border modes', (name) => {
  stride1.forEach((c, i) => {
    const g = convGrads(c, 100 + 10 * i);
    expectClose(forced(L.Conv2DGradInput, name, [g.x, g.W, g.gy], g.gx, g.args), conv2dGradInput(g.gyv, g.wv, c.x, convOpts(c)), 1e-4, 1e-4);
  });
});
add(L.Conv2DGradInput, ['tfjs-backprop-input'], 'strided input gradients', (name) => {
  strided.forEach((c, i) => {
    const g = convGrads(c, 200 + 10 * i);
    expectClose(forced(L.Conv2DGradInput, name, [g.x, g.W, g.gy], g.gx, g.args), conv2dGradInput(g.gyv, g.wv, c.x, convOpts(c)), 1e-4, 1e-4);
  });
});
add(L.ConvTranspose2D, ['wasm-stride1-forward-conv', 'tfjs-backprop-input'], 'transposed convolutions with stride 1', (name) => {
  stride1.forEach((c, i) => {
    const [y, W] = [tensor4('y'), tensor4('W')];
    const wv = rn(300 + i, c.w);
    const yv = rn(310 + i, convRef(rn(1, c.x), wv, convOpts(c)).shape);
    const out = forced(L.ConvTranspose2D, name, [y, W], L.convTranspose2d(y, W, { ...convOpts(c), outputSize: [c.x[2], c.x[3]] }), [f32(yv), f32(wv)]);
    expectClose(out, conv2dGradInput(yv, wv, c.x, convOpts(c)), 1e-4, 1e-4);
  });
});
// Convolution: the filter gradient.
add(L.Conv2DGradWeight, ['conv-of-transposes', 'tfjs-backprop-filter', ...(blasPresent ? ['blas-im2col'] : [])], 'filter gradients, few and many channels, strided', (name) => {
  [...stride1, ...strided].forEach((c, i) => {
    const g = convGrads(c, 400 + 10 * i);
    expectClose(forced(L.Conv2DGradWeight, name, [g.x, g.W, g.gy], g.gw, g.args), conv2dGradWeight(g.xv, g.gyv, c.w, convOpts(c)), 1e-4, 1e-4);
  });
});
add(L.Conv2D, ['tfjs-conv2d'], 'forward convolutions', (name) => {
  [...stride1, ...strided].forEach((c, i) => {
    const [x, W] = [tensor4('x'), tensor4('W')];
    const [xv, wv] = [rn(500 + i, c.x), rn(510 + i, c.w)];
    expectClose(forced(L.Conv2D, name, [x, W], L.conv2d(x, W, convOpts(c)), [f32(xv), f32(wv)]), convRef(xv, wv, convOpts(c)), 1e-4, 1e-4);
  });
});
add(L.Conv2DBiasRelu, ['tfjs-fused-conv2d'], 'conv + bias + relu fused', (name) => {
  const c = strided[0];
  const [x, W, b] = [tensor4('x'), tensor4('W'), L.vector('b')];
  const [xv, wv, bv] = [rn(520, c.x), rn(521, c.w), rn(522, [c.w[0]])];
  const out = withLowering(L.Conv2DBiasRelu, name, () => {
    const fn = compile([x, W, b], L.relu(L.add(L.conv2d(x, W, convOpts(c)), L.dimshuffle(b, ['x', 0, 'x', 'x']))), { profile: true });
    const o = fn(f32(xv), f32(wv), f32(bv));
    expect(fn.profile().nodes.find((n) => n.op === 'Conv2DBiasRelu')?.impl).toBe(name);
    return o;
  });
  const ref = convRef(xv, wv, convOpts(c));
  const per = ref.shape[2] * ref.shape[3];
  expectClose(out, { data: ref.data.map((v, k) => Math.max(0, v + bv.data[Math.floor(k / per) % c.w[0]])), shape: ref.shape }, 1e-4, 1e-4);
});

// oneDNN's blocked region (the ops the dnnlLayout rewrite makes), each lowering against float64 loops.
const dnnlNames = ['tfjs-nchw', ...(dnnlPresent ? ['onednn'] : [])];
const toB = (v: ST) => new DnnlToBlocked(BLOCK).make1(v);
const fromB = (v: ST) => new DnnlFromBlocked(BLOCK).make1(v);
/** NCHW values in the blocked layout [N, C/b, H, W, b], by loops. */
function blockedRef(a: NDArray): NDArray {
  const [n, c, h, w] = a.shape;
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let r = 0; r < h * w; r++) out[((i * (c / BLOCK) + Math.floor(ch / BLOCK)) * h * w + r) * BLOCK + (ch % BLOCK)] = a.data[(i * c + ch) * h * w + r];
  return { data: out, shape: [n, c / BLOCK, h, w, BLOCK] };
}
const unblockedRef = (a: NDArray, nchw: number[]): NDArray => {
  const b = blockedRef({ data: Float64Array.from(a.data.keys()), shape: nchw });
  const out = new Float64Array(a.data.length);
  b.data.forEach((src, i) => (out[src] = a.data[i]));
  return { data: out, shape: nchw };
};
const dnnlConv = { borderMode: [1, 0] as [number, number], subsample: [1, 1] as [number, number], filterFlip: true };
const C16 = 16;
add(DnnlToBlocked, dnnlNames, 'NCHW to the blocked layout', (name) => {
  const x = tensor4('x');
  const xv = rn(500, [2, C16, 3, 4]);
  expectClose(forced(DnnlToBlocked, name, [x], toB(x), [f32(xv)]) as L.HostTensor, blockedRef(xv), 0, 0);
});
add(DnnlFromBlocked, dnnlNames, 'the blocked layout to NCHW', (name) => {
  const xb = L.tensor('float32', [null, C16 / BLOCK, null, null, BLOCK], 'xb');
  const xv = rn(501, [2, C16 / BLOCK, 3, 4, BLOCK]);
  expectClose(forced(DnnlFromBlocked, name, [xb], fromB(xb), [f32(xv)]) as L.HostTensor, unblockedRef(xv, [2, C16, 3, 4]), 0, 0);
});
add(DnnlConvBiasRelu, dnnlNames, 'relu(conv + bias) from blocked and from NCHW input', (name) => {
  const [x, x1] = [tensor4('x'), tensor4('x1')];
  const [w, w1, b] = [L.tensor('float32', [C16, C16, 3, 2], 'W'), L.tensor('float32', [C16, 1, 3, 3], 'W1'), L.vector('b')];
  const [xv, x1v, wv, w1v, bv] = [rn(502, [2, C16, 6, 5]), rn(503, [2, 1, 6, 5]), rn(504, [C16, C16, 3, 2], 0.3), rn(505, [C16, 1, 3, 3], 0.5), rn(506, [C16], 0.2)];
  const op = new DnnlConvBiasRelu(dnnlConv, BLOCK);
  const outs = forced(DnnlConvBiasRelu, name, [x, x1, w, w1, b], [fromB(op.make1(toB(x), w, b)), fromB(op.make1(x1, w1, b))], [f32(xv), f32(x1v), f32(wv), f32(w1v), f32(bv)]) as L.HostTensor[];
  const layer = (xs: NDArray, ws: NDArray) => {
    const y = convRef(xs, ws, dnnlConv);
    const [, c, h, wd] = y.shape;
    return { data: y.data.map((v, i) => Math.max(v + bv.data[Math.floor(i / (h * wd)) % c], 0)), shape: y.shape };
  };
  expectClose(outs[0], layer(xv, wv), 1e-4, 1e-4);
  expectClose(outs[1], layer(x1v, w1v), 1e-4, 1e-4);
});
add(DnnlConvGradInput, dnnlNames, 'input gradients into blocked layers', (name) => {
  const [gy, x] = [tensor4('gy'), tensor4('x')];
  const w = L.tensor('float32', [C16, C16, 3, 2], 'W');
  const [gyv, xv, wv] = [rn(510, [2, C16, 6, 4]), rn(512, [2, C16, 6, 5]), rn(514, [C16, C16, 3, 2])];
  const out = forced(DnnlConvGradInput, name, [gy, x, w], fromB(new DnnlConvGradInput(dnnlConv, BLOCK).make1(toB(gy), w, toB(x))), [f32(gyv), f32(xv), f32(wv)]) as L.HostTensor;
  expectClose(out, conv2dGradInput(gyv, wv, xv.shape, dnnlConv), 1e-4, 1e-4);
});
add(DnnlConvGradWeight, dnnlNames, 'filter gradients from blocked input', (name) => {
  const [x, gy] = [tensor4('x'), tensor4('gy')];
  const w = L.tensor('float32', [C16, C16, 3, 2], 'W');
  const [xv, gyv, wv] = [rn(520, [2, C16, 6, 5]), rn(521, [2, C16, 6, 4]), rn(522, [C16, C16, 3, 2])];
  const out = forced(DnnlConvGradWeight, name, [x, gy, w], new DnnlConvGradWeight(dnnlConv, BLOCK).make1(toB(x), toB(gy), w), [f32(xv), f32(gyv), f32(wv)]) as L.HostTensor;
  expectClose(out, conv2dGradWeight(xv, gyv, wv.shape, dnnlConv), 1e-4, 1e-4);
});
add(DnnlBiasGrad, dnnlNames, 'bias gradients (sums over N, H, W)', (name) => {
  const g = tensor4('g');
  const gv = rn(530, [3, C16, 5, 4]);
  const out = forced(DnnlBiasGrad, name, [g], new DnnlBiasGrad(BLOCK).make1(toB(g)), [f32(gv)]) as L.HostTensor;
  const ref = new Float64Array(C16);
  gv.data.forEach((v, i) => (ref[Math.floor(i / 20) % C16] += v));
  expectClose(out, { data: ref, shape: [1, C16, 1, 1] }, 1e-5, 1e-5);
});
const tiling = { ws: [2, 2] as [number, number], stride: [2, 2] as [number, number], pad: [0, 0] as [number, number], ignoreBorder: true, mode: 'max' as const };
add(DnnlMaxPool, dnnlNames, 'max pooling with windows that tile the image', (name) => {
  const x = tensor4('x');
  const xv = rn(540, [2, C16, 6, 4]);
  const out = forced(DnnlMaxPool, name, [x], fromB(new DnnlMaxPool(tiling, BLOCK).make1(toB(x))), [f32(xv)]) as L.HostTensor;
  expectClose(out, poolRef(xv, tiling), 0, 0);
});
add(DnnlMaxPoolReluGrad, dnnlNames, "max-pool + ReLU gradients with ties (Theano's rule) and zeros", (name) => {
  const [x, gy] = [tensor4('x'), tensor4('gy')];
  const xv = ints(550, [2, C16, 6, 4], 0, 3); // a ReLU's output: non-negative, tied, zero windows
  const gyv = rn(551, [2, C16, 3, 2]);
  const y = L.pool2d(x, { ws: [2, 2] });
  const out = forced(DnnlMaxPoolReluGrad, name, [x, gy], fromB(new DnnlMaxPoolReluGrad(tiling, BLOCK).make1(toB(x), toB(y), toB(gy))), [f32(xv), f32(gyv)]) as L.HostTensor;
  const ref = poolGradRef(xv, gyv, tiling);
  ref.data.forEach((_, i) => (ref.data[i] *= xv.data[i] > 0 ? 1 : 0));
  expectClose(out, ref, 1e-6, 1e-6);
});

// Matrix products.
add(L.MatMul, ['tfjs-matmul', 'explicit-transpose', ...(blasPresent ? ['blas-sgemm'] : []), ...(dnnlPresent ? ['onednn-matmul'] : [])], 'float32 products in every transposition', (name) => {
  const a = rn(600, [7, 5]);
  const b = rn(601, [5, 6]);
  const tr = (m: NDArray): NDArray => ({ data: Float64Array.from({ length: m.data.length }, (_, k) => m.data[(k % m.shape[0]) * m.shape[1] + Math.floor(k / m.shape[0])]), shape: [m.shape[1], m.shape[0]] });
  const [A, B, At, Bt] = ['A', 'B', 'At', 'Bt'].map((n) => L.matrix(n));
  const outs = forced(L.MatMul, name, [A, B, At, Bt], [L.matmul(At, Bt, true, true), L.matmul(A, Bt, false, true), L.matmul(At, B, true, false), ...(name === 'explicit-transpose' ? [] : [L.matmul(A, B)])], [f32(a), f32(b), f32(tr(a)), f32(tr(b))]) as L.OutputValue[];
  for (const out of outs) expectClose(out, dotRef(a, b), 1e-5, 1e-5);
  // An operand cast from int32 (on cpu it shares the int32 data: the host kernel must not read it as float bits).
  if (name === 'explicit-transpose') return;
  // Degenerate sizes: a row times a column (one value), a column times a row (an outer product).
  for (const [sa, sb] of [[[1, 9], [9, 1]], [[6, 1], [1, 4]]]) {
    const [u, v] = [rn(603, sa), rn(604, sb)];
    expectClose(forced(L.MatMul, name, [A, B], L.matmul(A, B), [f32(u), f32(v)]), dotRef(u, v), 1e-5, 1e-5);
  }
  const ia = ints(602, [3, 5], -9, 9);
  const IA = L.imatrix('IA');
  expectClose(forced(L.MatMul, name, [IA, B], L.matmul(L.cast(IA, 'float32'), B), [asI32(ia), f32(b)]), dotRef(ia, b), 1e-5, 1e-5);
});
add(L.MatMul, ['int-as-float32'], 'int32 products (exact)', (name) => {
  const a = ints(610, [4, 6], -50, 50);
  const b = ints(611, [6, 3], -50, 50);
  const [A, B] = [L.imatrix('A'), L.imatrix('B')];
  const out = forced(L.MatMul, name, [A, B], L.dot(A, B), [asI32(a), asI32(b)]) as L.HostTensor;
  expect(out.dtype).toBe('int32');
  expect(Array.from(out.data)).toEqual(Array.from(dotRef(a, b).data));
});
add(L.BatchedDot, ['int-as-float32', 'tfjs-matmul'], 'batched int32 products (exact)', (name) => {
  const a = ints(620, [3, 4, 5], -30, 30);
  const b = ints(621, [3, 5, 2], -30, 30);
  const [A, B] = [L.itensor3('A'), L.itensor3('B')];
  const out = forced(L.BatchedDot, name, [A, B], L.batchedDot(A, B), [asI32(a), asI32(b)]) as L.HostTensor;
  expect(out.dtype).toBe('int32');
  expect(Array.from(out.data)).toEqual(Array.from(batchedDotRef(a, b).data));
});

// Pooling.
const poolGeoms = [
  { ws: [2, 2] as [number, number], stride: [2, 2] as [number, number], pad: [0, 0] as [number, number], ignoreBorder: true },
  { ws: [3, 3] as [number, number], stride: [2, 2] as [number, number], pad: [1, 1] as [number, number], ignoreBorder: true },
  { ws: [2, 3] as [number, number], stride: [1, 2] as [number, number], pad: [0, 0] as [number, number], ignoreBorder: false },
];
add(L.Pool2D, ['int-as-float32', 'tfjs-pool'], 'int32 max pooling with negative values (exact)', (name) => {
  poolGeoms.forEach((g, i) => {
    const xv = ints(700 + i, [2, 3, 7, 8], -1000, 1000);
    const x = L.itensor4('x');
    const out = forced(L.Pool2D, name, [x], L.pool2d(x, { ...g, mode: 'max' }), [asI32(xv)]) as L.HostTensor;
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.data)).toEqual(Array.from(poolRef(xv, { ...g, mode: 'max' }).data));
  });
});
add(L.Pool2D, ['wasm-2x2-max', 'tfjs-pool'], '2x2 float max pooling: widths with a SIMD tail, odd widths (ignoreBorder), ties and infinities', (name) => maxPool2x2(name));
add(L.Pool2D, ['wasm-2x2-max'], '2x2 float max pooling on the wasm heap', (name) => maxPool2x2(name), 'wasm');
function maxPool2x2(name: string): void {
  for (const shape of [[2, 3, 6, 8], [1, 2, 4, 7], [3, 1, 2, 2], [2, 2, 8, 13]]) {
    const xv = tied(730 + shape[3], shape);
    xv.data[1] = Infinity;
    xv.data[xv.data.length - 1] = -Infinity;
    const x = tensor4('x');
    const opts = { ws: [2, 2] as [number, number], mode: 'max' as const, ignoreBorder: true };
    const out = forced(L.Pool2D, name, [x], L.pool2d(x, opts), [f32(xv)]);
    expectClose(out, poolRef(xv, opts), 0, 0);
  }
}
add(L.Pool2DGrad, ['wasm-2x2-max-grad', 'host-loop', 'tfjs-routes'], '2x2 max-pool gradients with ties, widths with a SIMD tail', (name) => maxPool2x2Grad(name));
add(L.Pool2DGrad, ['wasm-2x2-max-grad'], '2x2 max-pool gradients on the wasm heap', (name) => maxPool2x2Grad(name), 'wasm');
function maxPool2x2Grad(name: string): void {
  for (const shape of [[2, 3, 6, 8], [1, 2, 4, 6], [3, 1, 2, 2], [2, 2, 8, 20]]) {
    const x = tensor4('x');
    const gy = tensor4('gy');
    const opts = { ws: [2, 2] as [number, number], mode: 'max' as const };
    const xv = tied(740 + shape[3], shape);
    const gyv = rn(750 + shape[3], poolRef(xv, opts).shape);
    const gx = grad(L.sum(L.mul(L.pool2d(x, opts), gy)), x);
    expectClose(forced(L.Pool2DGrad, name, [x, gy], gx, [f32(xv), f32(gyv)]), poolGradRef(xv, gyv, opts), 1e-6, 1e-6);
  }
}
add(L.Pool2DGrad, ['host-loop', 'tfjs-routes'], 'max-pool gradients with ties (every tied cell gets the gradient)', (name) => {
  poolGeoms.forEach((g, i) => {
    const x = tensor4('x');
    const gy = tensor4('gy');
    const opts = { ...g, mode: 'max' as const };
    const xv = tied(710 + i, [2, 3, 7, 8]);
    const gyv = rn(720 + i, poolRef(xv, opts).shape);
    const gx = grad(L.sum(L.mul(L.pool2d(x, opts), gy)), x);
    expectClose(forced(L.Pool2DGrad, name, [x, gy], gx, [f32(xv), f32(gyv)]), poolGradRef(xv, gyv, opts), 1e-5, 1e-5);
  });
});
add(L.Pool2DGradGrad, ['host-loop', 'strided-slices'], 'max-pool second derivatives with ties (each window sums gg over its tied maxima)', (name) => {
  poolGeoms.forEach((g, i) => {
    const [x, gy, gg] = [tensor4('x'), tensor4('gy'), tensor4('gg')];
    const opts = { ...g, mode: 'max' as const };
    const xv = tied(730 + i, [2, 3, 7, 8]);
    const ggv = rn(740 + i, xv.shape);
    const gx = grad(L.sum(L.mul(L.pool2d(x, opts), gy)), x);
    const ggy = grad(L.sum(L.mul(gx, gg)), gy);
    expectClose(forced(L.Pool2DGradGrad, name, [x, gy, gg], ggy, [f32(xv), f32(rn(750 + i, poolRef(xv, opts).shape)), f32(ggv)]), poolGradGradRef(xv, ggv, opts), 1e-5, 1e-5);
  });
});

// Indexing.
add(L.TakeGrad, ['one-hot-matmul', 'tfjs-segment-sum'], 'the gradient of take, with repeated and negative indices, on axes 0 and 1', (name) => {
  const xv = rn(800, [5, 4, 3]);
  for (const axis of [0, 1]) {
    const idx = axis === 0 ? [4, 0, -1, 2, 0, 4] : [3, 0, -1, 2, 0, 3];
    const len = xv.shape[axis];
    const x = L.tensor3('x');
    const i = L.ivector('i');
    const g = L.tensor3('g');
    const gShape = axis === 0 ? [idx.length, 4, 3] : [5, idx.length, 3];
    const gv = rn(810 + axis, gShape);
    const gx = grad(L.sum(L.mul(L.take(x, i, axis), g)), x);
    const out = forced(L.TakeGrad, name, [x, i, g], gx, [f32(xv), i32(idx), f32(gv)]);
    // float64 scatter-add: every g row goes to its (wrapped) index, duplicates summed.
    const ref = new Float64Array(xv.data.length);
    const [, d1, d2] = xv.shape;
    for (let a = 0; a < gShape[0]; a++) {
      for (let b = 0; b < gShape[1]; b++) {
        for (let c = 0; c < d2; c++) {
          const k = idx[axis === 0 ? a : b];
          const w = k < 0 ? k + len : k;
          const [ra, rb] = axis === 0 ? [w, b] : [a, w];
          ref[(ra * d1 + rb) * d2 + c] += gv.data[(a * gShape[1] + b) * d2 + c];
        }
      }
    }
    expectClose(out, { data: ref, shape: xv.shape }, 1e-5, 1e-5);
  }
});
add(L.Subtensor, ['tfjs-slice'], 'contiguous and reversed slices with symbolic bounds', (name) => checkSlices(name));
add(L.Subtensor, ['wasm-heap-slice'], 'contiguous slices read from the wasm heap', (name) => checkSlices(name, true), 'wasm');

function checkSlices(name: string, contiguousOnly = false): void {
  const xv = rn(900, [6, 5, 4]);
  const x = L.tensor3('x');
  const lo = L.iscalar('lo');
  const hi = L.iscalar('hi');
  const outs = forced(L.Subtensor, name, [x, lo, hi], [x.at(L.slice(lo, hi)), x.at(2, L.slice(1, null)), ...(contiguousOnly ? [] : [x.at(L.slice(null, null, -1))])], [f32(xv), 1, 4]) as L.HostTensor[];
  const get = (a: number, b: number, c: number) => xv.data[(a * 5 + b) * 4 + c];
  const build = (shape: number[], f: (i: number[]) => number) => {
    const data: number[] = [];
    const rec = (pre: number[]) => (pre.length === shape.length ? data.push(f(pre)) : Array.from({ length: shape[pre.length] }, (_, k) => rec([...pre, k])));
    rec([]);
    return { data: Float64Array.from(data), shape };
  };
  expectClose(outs[0], build([3, 5, 4], ([a, b, c]) => get(a + 1, b, c)), 0, 0);
  expectClose(outs[1], build([4, 4], ([b, c]) => get(2, b + 1, c)), 0, 0);
  if (!contiguousOnly) expectClose(outs[2], build([6, 5, 4], ([a, b, c]) => get(5 - a, b, c)), 0, 0);
}

add(L.Subtensor, ['host-block-slice'], 'non-contiguous unit-step slices (columns, an inner block, an index)', (name) => {
  const xv = rn(905, [4, 6, 5]);
  const x = L.tensor3('x');
  const outs = forced(L.Subtensor, name, [x], [x.at(L.slice(null), L.slice(1, 4)), x.at(L.slice(1, 3), L.slice(2, 5), L.slice(1, 3)), x.at(L.slice(null), 2, L.slice(0, 4))], [f32(xv)]) as L.HostTensor[];
  const get = (a: number, b: number, c: number) => xv.data[(a * 6 + b) * 5 + c];
  const build = (shape: number[], f: (i: number[]) => number) => {
    const data: number[] = [];
    const rec = (pre: number[]) => (pre.length === shape.length ? data.push(f(pre)) : Array.from({ length: shape[pre.length] }, (_, k) => rec([...pre, k])));
    rec([]);
    return { data: Float64Array.from(data), shape };
  };
  expectClose(outs[0], build([4, 3, 5], ([a, b, c]) => get(a, b + 1, c)), 0, 0);
  expectClose(outs[1], build([2, 3, 2], ([a, b, c]) => get(a + 1, b + 2, c + 1)), 0, 0);
  expectClose(outs[2], build([4, 4], ([a, c]) => get(a, 2, c)), 0, 0);
});
add(L.SubtensorGrad, ['host-block-pad', 'tfjs-pad'], 'the gradient of unit-step slices (an index included) written into zeros', (name) => {
  const x = L.tensor3('x');
  const gv = rn(906, [4, 3, 5]), hv = rn(907, [4, 4]);
  const g = L.tensor3('g'), h = L.matrix('h');
  const cost = L.add(L.sum(L.mul(x.at(L.slice(null), L.slice(1, 4)), g)), L.sum(L.mul(x.at(L.slice(null), 2, L.slice(0, 4)), h)));
  const out = forced(L.SubtensorGrad, name, [x, g, h], grad(cost, x), [f32(rn(908, [4, 6, 5])), f32(gv), f32(hv)]);
  const ref = new Float64Array(4 * 6 * 5);
  for (let a = 0; a < 4; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 5; c++) ref[(a * 6 + b + 1) * 5 + c] += gv.data[(a * 3 + b) * 5 + c];
  for (let a = 0; a < 4; a++) for (let c = 0; c < 4; c++) ref[(a * 6 + 2) * 5 + c] += hv.data[a * 4 + c];
  expectClose(out, { data: ref, shape: [4, 6, 5] }, 1e-6, 1e-6);
});

// Elementwise.
add(L.Switch, ['host-switch', 'tfjs-where'], 'where with a column condition, broadcast operands, a scalar', (name) => {
  const c = L.matrix('c'), a = L.matrix('a'), b = L.matrix('b'), s = L.scalar('s');
  const [cv, av, bv] = [rn(910, [4, 1]), rn(911, [4, 5]), rn(912, [1, 5])];
  const cb = L.tensor('float32', [4, 1]), bb = L.tensor('float32', [1, 5]);
  void c; void b;
  const outs = forced(L.Switch, name, [cb, a, bb, s], [L.where(L.gt(cb, 0), a, bb), L.where(L.gt(bb, 0), s, a)], [f32(cv), f32(av), f32(bv), 0.5]) as L.HostTensor[];
  const r0 = new Float64Array(20), r1 = new Float64Array(20);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) {
    r0[i * 5 + j] = Math.fround(cv.data[i] > 0 ? av.data[i * 5 + j] : bv.data[j]);
    r1[i * 5 + j] = Math.fround(bv.data[j] > 0 ? 0.5 : av.data[i * 5 + j]);
  }
  expectClose(outs[0], { data: r0, shape: [4, 5] }, 0, 0);
  expectClose(outs[1], { data: r1, shape: [4, 5] }, 0, 0);
});
add(L.Clip, ['host-clip', 'tfjs-min-max'], "GradClip's gradient clipped to its bounds", (name) => {
  const v = L.vector('v'), w = L.vector('w');
  const vals = [-5, -1, 0.25, 2, 7, -0.5];
  const out = forced(L.Clip, name, [v, w], grad(L.sum(L.mul(L.gradClip(v, -1, 2), w)), v), [Float32Array.from([0, 0, 0, 0, 0, 0]), Float32Array.from(vals)]) as L.HostTensor;
  expectClose(out, { data: Float64Array.from(vals, (q) => Math.min(Math.max(q, -1), 2)), shape: [6] }, 0, 0);
});
add(L.Expm1, ['kahan', 'tfjs-expm1'], 'expm1 near 0 and far from it', (name) => {
  const vals = [-30, -5, -1.5e-3, -1e-6, -1e-9, 0, 1e-9, 3e-7, 2e-4, 0.5, 3, 20];
  const x = L.vector('x');
  const out = forced(L.Expm1, name, [x], L.expm1(x), [Float32Array.from(vals)]) as L.HostTensor;
  const ref = Float64Array.from(vals, (v) => Math.expm1(Math.fround(v)));
  expectClose(out, { data: ref, shape: [vals.length] }, 2e-6, 0);
});

// Sums over all axes but one block (a bias gradient): the block-sum kernel, keepdims, SIMD tails, B = 1.
add(L.Reduce, ['wasm-block-sum', 'tfjs-reduce'], 'block sums (conv and dense bias gradients, keepdims, SIMD tails)', (name) => blockSums(name));
add(L.Reduce, ['wasm-block-sum'], "block sums on the wasm heap (the kernel reads the tensors' own memory)", (name) => blockSums(name), 'wasm');
function blockSums(name: string): void {
  const cases: [number[], number[], boolean][] = [[[3, 4, 5, 7], [0, 2, 3], false], [[2, 6, 16], [0, 2], true], [[5, 3, 2, 9], [0, 1], false], [[9, 6], [0], false], [[4, 33], [1], true]];
  cases.forEach(([shape, axes, keepdims], i) => {
    const x = L.tensor('float32', shape.map(() => null), 'x');
    const xv = rn(840 + i, shape);
    const out = withLowering(L.Reduce, name, () => {
      const fn = compile([x], L.sum(x, axes, keepdims), { profile: true, rewrites: false });
      const o = fn(f32(xv));
      // (the op's name is 'Sum', not its class's)
      expect(fn.profile().nodes.filter((n) => n.op === 'Sum').map((n) => n.impl)).toEqual([name]);
      return o;
    });
    const outShape = shape.flatMap((d, k) => (axes.includes(k) ? (keepdims ? [1] : []) : [d]));
    const ref = new Float64Array(outShape.reduce((p, q) => p * q, 1));
    const strides = shape.map((_, k) => shape.slice(k + 1).reduce((p, q) => p * q, 1));
    const kept = shape.map((_, k) => k).filter((k) => !axes.includes(k));
    const keptStrides = kept.map((_, q) => kept.slice(q + 1).reduce((p, r) => p * shape[r], 1));
    for (let f = 0; f < xv.data.length; f++) {
      const idx = shape.map((d, k) => Math.floor(f / strides[k]) % d);
      ref[kept.reduce((acc, k, q) => acc + idx[k] * keptStrides[q], 0)] += xv.data[f];
    }
    expectClose(out, { data: ref, shape: outShape }, 1e-5, 1e-5);
  });
}

// relu's gradient alone (not fused into a chain): one SIMD pass on the in-process backends.
add(L.ReluGrad, ['wasm-simd-loop', 'tfjs-step-mul'], "relu's gradient, sizes with a SIMD tail", (name) => {
  for (const shape of [[2, 3, 5, 7], [4, 9]]) {
    const [x, g] = shape.length === 4 ? [tensor4('x'), tensor4('g')] : [L.matrix('x'), L.matrix('g')];
    const xv = rn(830, shape);
    const gv = rn(831, shape);
    const gx = grad(L.sum(L.mul(L.relu(x), g)), x);
    const out = forced(L.ReluGrad, name, [x, g], gx, [f32(xv), f32(gv)]);
    expectClose(out, { data: xv.data.map((v, i) => (Math.fround(v) > 0 ? Math.fround(gv.data[i]) : 0)), shape }, 0, 0);
  }
});

// A rule for every op: a node with an empty operand runs on the host where its result does not depend on device values.
add(L.Op, ['webgpu-empty-on-host'], 'an empty product (forced on MatMul); a concatenation that needs a device value declines', (name) => {
  const [A, B] = [L.matrix('A'), L.matrix('B')];
  const zero = { data: new Float32Array(0), shape: [3, 0] };
  const out = withLowering(L.MatMul, name, () => {
    const fn = compile([A, B], L.matmul(A, B), { profile: true });
    const o = fn(zero, { data: new Float32Array(0), shape: [0, 4] });
    expect(fn.profile().nodes.find((n) => n.op === 'MatMul')?.impl).toBe(name);
    return o;
  });
  expectClose(out, { data: new Float64Array(12), shape: [3, 4] }, 0, 0);
  const x = L.matrix('x');
  const e = L.matrix('e');
  const cat = L.concatenate([x, e], 0);
  const op = cat.owner!.op.constructor as OpClass;
  expect(() => withLowering(op, name, () => compile([x, e], cat)(f32(rn(1, [2, 3])), { data: new Float32Array(0), shape: [0, 3] }))).toThrow(/forced lowering 'webgpu-empty-on-host' declined/);
});
// Elemwise fusion (ops/composite.ts): a fused Nesterov update (two outputs) and a dense layer's
// bias + ReLU + dropout (a row operand), with fuseElemwise in the rewrites.
const checkComposite = (name: string) => {
  const [W, v, g] = [L.matrix('W'), L.matrix('v'), L.matrix('g')];
  const s = W.sub(g.mul(0.01));
  const x = v.mul(0.9).add(s).sub(W);
  const [Wv, vv, gv] = [rn(1, [5, 7]), rn(2, [5, 7]), rn(3, [5, 7])].map((a) => ({ data: Float64Array.from(a.data, Math.fround), shape: a.shape }));
  const sRef = Wv.data.map((w, i) => w - 0.01 * gv.data[i]);
  const xRef = sRef.map((si, i) => 0.9 * vv.data[i] + si - Wv.data[i]);
  const [xo, wo] = forced(Composite, name, [W, v, g], [x, x.mul(0.9).add(s)], [f32(Wv), f32(vv), f32(gv)], ['merge', 'fuseElemwise']) as L.OutputValue[];
  expectClose(xo, { data: xRef, shape: [5, 7] }, 1e-5, 1e-6);
  expectClose(wo, { data: xRef.map((xi, i) => 0.9 * xi + sRef[i]), shape: [5, 7] }, 1e-5, 1e-6);
  const [h, b, m] = [L.matrix('h'), L.vector('b'), L.matrix('m')];
  const hv = rn(4, [3, 7]), bv = rn(5, [7]), mv = { data: Float64Array.from({ length: 21 }, (_, i) => (i % 3 ? 1 : 0)), shape: [3, 7] };
  const out = forced(Composite, name, [h, b, m], L.relu(h.add(b.dimshuffle('x', 0))).div(0.8).mul(m), [f32(hv), f32(bv), f32(mv)], ['merge', 'fuseElemwise']);
  expectClose(out, { data: hv.data.map((y, i) => (Math.max(Math.fround(y) + Math.fround(bv.data[i % 7]), 0) / 0.8) * mv.data[i]), shape: [3, 7] }, 1e-5, 1e-6);
};
add(Composite, ['wasm-simd-loop', 'tfjs-ops'], "fused elementwise chains: Nesterov's update, bias + relu + dropout (row lengths not multiples of 4)", checkComposite);
add(Composite, ['wasm-simd-loop'], "fused elementwise chains: Nesterov's update, bias + relu + dropout (row lengths not multiples of 4)", checkComposite, 'wasm');
// Sums over leading axes (bias gradients), softmax and log-softmax of small last axes.
const checkLeadingSums = (name: string) => {
  for (const [shape, axes, keepdims] of [[[500, 13], [0], false], [[3, 4, 5], [0, 1], true], [[2, 3, 8], [0], false], [[7, 1], [0], true]] as const) {
    const x = L.tensor('float32', shape.map(() => null), 'x');
    const xv = rn(40 + shape.length, [...shape]);
    const out = forced(L.Reduce, name, [x], L.sum(x, [...axes], keepdims), [f32(xv)], ['merge'], 'Sum');
    expectClose(out, reduceRef(xv, [...axes], (v) => v.reduce((a, b) => a + Math.fround(b), 0), keepdims), 1e-5, 1e-5);
  }
};
add(L.Reduce, ['wasm-leading-sum', 'tfjs-reduce'], 'sums over the leading axes (row lengths not multiples of 4), keepdims or not', checkLeadingSums);
add(L.Reduce, ['wasm-leading-sum'], 'sums over the leading axes (row lengths not multiples of 4), keepdims or not', checkLeadingSums, 'wasm');
add(L.Softmax, ['host-rows-loop', 'tfjs-softmax'], 'softmax of the last axis, with large logits', (name) => {
  const x = L.matrix('x');
  const xv = { data: Float64Array.from(rn(50, [7, 10]).data, (v, i) => Math.fround(v * (i % 3 === 0 ? 40 : 1))), shape: [7, 10] };
  expectClose(forced(L.Softmax, name, [x], L.softmax(x), [f32(xv)]), softmaxRef(xv), 1e-5, 1e-6);
});
add(L.LogSoftmax, ['host-rows-loop', 'tfjs-log-softmax'], 'log-softmax of the last axis, with large logits', (name) => {
  const x = L.matrix('x');
  const xv = { data: Float64Array.from(rn(51, [7, 10]).data, (v, i) => Math.fround(v * (i % 3 === 0 ? 40 : 1))), shape: [7, 10] };
  expectClose(forced(L.LogSoftmax, name, [x], L.logSoftmax(x), [f32(xv)]), logSoftmaxRef(xv), 1e-5, 1e-5);
});
add(L.CrossentropySoftmax1Hot, ['host-rows-loop', 'tfjs-log-softmax-gather'], 'per-row -log softmax at the labels, with large logits and a negative label', (name) => {
  const x = L.matrix('x');
  const y = L.ivector('y');
  const xv = { data: Float64Array.from(rn(52, [7, 10]).data, (v, i) => Math.fround(v * (i % 3 === 0 ? 40 : 1))), shape: [7, 10] };
  const labels = [0, 9, 3, -1, 5, 5, 2];
  const lsm = logSoftmaxRef(xv);
  const want = { data: Float64Array.from(labels, (c, i) => -lsm.data[i * 10 + (c + 10) % 10]), shape: [7] };
  expectClose(forced(L.CrossentropySoftmax1Hot, name, [x, y], L.crossentropySoftmax1Hot(x, y), [f32(xv), i32(labels)]), want, 1e-5, 1e-5);
});
add(L.MatMulBias, ['tfjs-fused-matmul', ...(dnnlPresent ? ['onednn-matmul'] : []), ...(blasPresent ? ['blas-sgemm'] : [])], 'x·W + b, with and without the ReLU', (name) => {
  const [x, w, b] = [L.matrix('x'), L.matrix('W'), L.vector('b')];
  const [xv, wv, bv] = [rn(60, [7, 5]), rn(61, [5, 9]), rn(62, [9])];
  const lin = dotRef(xv, wv);
  const biased = { data: lin.data.map((v, i) => v + bv.data[i % 9]), shape: lin.shape };
  for (const relu of [false, true]) {
    const want = relu ? { data: biased.data.map((v) => Math.max(v, 0)), shape: biased.shape } : biased;
    expectClose(forced(L.MatMulBias, name, [x, w, b], L.matMulBias(x, w, b, { relu }), [f32(xv), f32(wv), f32(bv)]), want, 1e-5, 1e-5);
  }
});
// Dropout masks (random.ts): the same decisions as mulberry32() < p, whichever lowering draws them.
const checkMasks = (name: string) => {
  for (const [shape, p] of [[[3, 5], 0.3], [[1001], 0.5], [[2, 2], 0.8]] as const) {
    const mask = new L.RandomStreams(42).binomial([...shape], { p, dtype: 'float32' });
    const state = mask.owner!.inputs[0] as L.SharedVariable;
    const [seed, counter] = Array.from(state.get().data);
    // (the op's name is 'Random', not its class's, so `forced` cannot find its nodes by class name)
    const out = withLowering(RandomOp, name, () => {
      const fn = compile([], mask, { profile: true });
      const o = fn() as L.HostTensor;
      expect(fn.profile().nodes.filter((n) => n.op === 'Random').map((n) => n.impl)).toEqual([name]);
      return o;
    });
    const rnd = L.mulberry32(drawSeedRef(seed, counter));
    expect(Array.from(out.data)).toEqual(Array.from({ length: out.data.length }, () => (rnd() < p ? 1 : 0)));
  }
};
add(RandomOp, ['wasm-bernoulli', 'js-sampler'], "Bernoulli masks: mulberry32's decisions, sizes with a SIMD tail", checkMasks);
add(RandomOp, ['wasm-bernoulli'], "Bernoulli masks: mulberry32's decisions, sizes with a SIMD tail", checkMasks, 'wasm');

describeNotOnWebgpu('it forces every lowering on cpu or wasm, selecting them itself; the webgpu pass runs the lowerings chosen there through every other suite')('the lowering registry', () => {
  afterAll(async () => {
    await L.setBackend('cpu');
  });
  it.each(CASES.map((c) => [`${c.op.name} '${c.name}'${c.backend ? ` (on ${c.backend})` : ''}: ${c.title}`, c] as const))('%s against float64 references', async (_t, c) => {
    await L.setBackend(c.backend ?? 'cpu');
    c.run();
  });

  it('every registered lowering is forced by a case above (a new lowering needs its case)', () => {
    const missing: string[] = [];
    for (const [op, names] of registeredLowerings()) {
      for (const n of names) if (!CASES.some((c) => c.op === op && c.name === n) && !(n.startsWith('blas-') && !blasPresent) && !(n.startsWith('onednn') && !dnnlPresent)) missing.push(`${op.name} '${n}'`);
    }
    expect(missing).toEqual([]);
  });

  it('a forced lowering that cannot compute the node is an error naming it; an unknown name lists the lowerings', () => {
    const c = strided[0];
    const g = convGrads(c, 990);
    expect(() => forced(L.Conv2DGradInput, 'wasm-stride1-forward-conv', [g.x, g.W, g.gy], g.gx, g.args)).toThrow(/forced lowering 'wasm-stride1-forward-conv' cannot compute this node/);
    expect(() => withLowering(L.Conv2DGradInput, 'nope', () => 0)).toThrow(/has no lowering 'nope'; it has 'webgpu-empty-on-host', 'wasm-stride1-forward-conv', 'tfjs-backprop-input'/);
  });

  it('without forcing, the profile names the lowerings the cpu backend chooses, and formatProfile prints them', () => {
    const c = strided[0];
    const g = convGrads(c, 995);
    const fn = compile([g.x, g.W, g.gy], [g.gx, g.gw], { profile: true });
    fn(...g.args);
    const impl = (op: string) => fn.profile().nodes.find((n) => n.op === op)?.impl;
    expect(impl('Conv2DGradInput')).toBe('tfjs-backprop-input');
    expect(impl('Conv2DGradWeight')).toBe(blasPresent ? 'blas-im2col' : 'conv-of-transposes');
    const text = L.formatProfile(fn);
    expect(text).toContain('<impl>');
    expect(text).toMatch(/tfjs-backprop-input\s+Conv2DGradInput/);
  });
});
