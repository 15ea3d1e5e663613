/**
 * scan: forward against float64 hand loops; gradients (several steps, goBackwards, taps,
 * non-sequences, initial states) against central differences of the float64 loops; truncated
 * gradients against hand-derived truncated backpropagation; random streams and shared updates
 * inside the step; unroll; typed errors.
 */
import * as T from '@lasagne-ts/core';
import { compile, grad, matrix, scalar, scan, shared, tensor, tensor3, unroll, vector, RandomStreams, GraphError, ShapeError, DTypeError, OptionsError, type SymbolicTensor } from '@lasagne-ts/core';
import { expectGradClose, nd, numericGradAsync, type NDArray } from './reference';
import { checkOpGrad, expectClose, f32, rn, toND } from './helpers';
import { call, itNotOnWebgpu, value } from './calls';

type ST = SymbolicTensor;

/** Row t of a [n, ...] float64 array. */
const row = (a: NDArray, t: number): Float64Array => {
  const k = a.data.length / a.shape[0];
  return a.data.slice(t * k, (t + 1) * k);
};
/** h (1 x H) . M (H x K) for a batch of rows: x [B, H] . M [H, K]. */
function mm(x: Float64Array, B: number, M: Float64Array, H: number, K: number): Float64Array {
  const out = new Float64Array(B * K);
  for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) {
    let s = 0;
    for (let h = 0; h < H; h++) s += x[b * H + h] * M[h * K + k];
    out[b * K + k] = s;
  }
  return out;
}

/** Elman step in float64: h_t = tanh(x_t W + h_{t-1} U + b), every step (in the order visited). */
function rnnRef([x, h0, W, U, b]: NDArray[], backwards = false): NDArray {
  const [n, B, D] = x.shape;
  const H = W.shape[1];
  let h = h0.data;
  const out = new Float64Array(n * B * H);
  for (let i = 0; i < n; i++) {
    const t = backwards ? n - 1 - i : i;
    const a = mm(row(x, t), B, W.data, D, H);
    const c = mm(h, B, U.data, H, H);
    h = a.map((v, k) => Math.tanh(v + c[k] + b.data[k % H]));
    out.set(h, i * B * H);
  }
  return nd(out, [n, B, H]);
}

describe('scan: an Elman recurrence (sequences, outputsInfo, nonSequences)', () => {
  const n = 4, B = 2, D = 3, H = 3;
  const values = [rn(1, [n, B, D]), rn(2, [B, H], 0.5), rn(3, [D, H], 0.5), rn(4, [H, H], 0.5), rn(5, [H], 0.1)];
  const build = (backwards: boolean, passWeights: boolean) => {
    const x = tensor3('x'), h0 = matrix('h0'), W = matrix('W'), U = matrix('U'), b = vector('b');
    const step = (xt: ST, h: ST, ...ws: ST[]) => {
      const [w, u, bb] = passWeights ? ws : [W, U, b];
      return T.tanh(T.add(T.add(T.dot(xt, w), T.dot(h, u)), bb));
    };
    const [hs] = scan(step, { sequences: x, outputsInfo: h0, nonSequences: passWeights ? [W, U, b] : [], goBackwards: backwards });
    return { inputs: [x, h0, W, U, b], hs };
  };

  it.each([
    ['forward, weights as nonSequences', false, true],
    ['forward, weights read from outside the step', false, false],
    ['goBackwards', true, true],
  ] as const)('%s: every step against the float64 loop, all five gradients against central differences', async (_l, backwards, pass) => {
    const { inputs, hs } = build(backwards, pass);
    expect(hs.shape).toEqual([null, null, null]);
    await checkOpGrad({ inputs, values, output: hs, ref: (v) => rnnRef(v, backwards), label: 'scan' });
  });

  it('the gradient is a Scan too (backpropagation through time as graph)', () => {
    const { inputs, hs } = build(false, true);
    const gW = grad(T.sum(hs), inputs[2]);
    const f = compile(inputs, gW);
    expect(f.ops.filter((o) => o.startsWith('Scan'))).toEqual(['Scan{scan}', 'Scan{grad_of_scan}']);
  });

  it('a cost on the last step only (h[-1]) reaches every earlier input', async () => {
    const { inputs, hs } = build(false, true);
    const last = T.getItem(hs, -1);
    const lastRef = (v: NDArray[]) => {
      const all = rnnRef(v);
      return nd(row(all, n - 1), [B, H]);
    };
    await checkOpGrad({ inputs, values, output: last, ref: lastRef, label: 'scan h[-1]' });
  });
});

describe('scan: taps, several outputs, outputs not fed back, nSteps', () => {
  it('mit-sot taps [-2, -1] with sequence taps [-1, 0] and an output not fed back', async () => {
    // y_t = a * y_{t-2} + tanh(y_{t-1}) * x_{t} + x_{t-1};  z_t = y_t * y_{t-1} (not fed back)
    const x = vector('x'), y0 = vector('y0'), a = scalar('a');
    const [outs] = scan((xPrev, xCur, y2, y1, aa) => {
      const y = T.add(T.add(T.mul(aa, y2), T.mul(T.tanh(y1), xCur)), xPrev);
      return [y, T.mul(y, y1)];
    }, { sequences: { input: x, taps: [-1, 0] }, outputsInfo: [{ initial: y0, taps: [-2, -1] }, null], nonSequences: a });
    const [ys, zs] = outs;
    const ref = ([xv, y0v, av]: NDArray[]) => {
      const N = xv.data.length - 1;
      const buf = [y0v.data[0], y0v.data[1]];
      const y: number[] = [], z: number[] = [];
      for (let t = 0; t < N; t++) {
        const v = av.data[0] * buf[t] + Math.tanh(buf[t + 1]) * xv.data[t + 1] + xv.data[t];
        z.push(v * buf[t + 1]);
        buf.push(v);
        y.push(v);
      }
      return { y: nd(y, [N]), z: nd(z, [N]) };
    };
    const values = [rn(6, [6]), rn(7, [2]), nd([0.7], [])];
    const f = compile([x, y0, a], [ys, zs]);
    const [yv, zv] = await call(f, f32(values[0]), f32(values[1]), 0.7) as T.HostTensor[];
    expectClose(yv, ref(values).y, 1e-5, 1e-5);
    expectClose(zv, ref(values).z, 1e-5, 1e-5);
    // Gradient of a cost mixing both outputs, through the taps.
    const both = T.add(T.sum(T.mul(ys, T.constant(Float32Array.from([1, -2, 0.5, 3, 1])))), T.sum(zs));
    const bothRef = (v: NDArray[]) => {
      const r = ref(v);
      const w = [1, -2, 0.5, 3, 1];
      return nd([r.y.data.reduce((s, q, i) => s + q * w[i], 0) + r.z.data.reduce((s, q) => s + q, 0)], []);
    };
    await checkOpGrad({ inputs: [x, y0, a], values, output: both, ref: bothRef, label: 'scan taps' });
  });

  it('nSteps without sequences (powers of a matrix)', async () => {
    const A = matrix('A'), v0 = vector('v0');
    const [vs] = scan((v: ST, a: ST) => T.dot(a, v), { outputsInfo: v0, nonSequences: A, nSteps: 3 });
    expect(vs.shape).toEqual([3, null]);
    const Av = [[0.5, 1], [-1, 0.25]];
    const out = toND(await call(compile([A, v0], vs), Av, [1, 2]));
    let v = [1, 2];
    const exp: number[] = [];
    for (let t = 0; t < 3; t++) {
      v = [Av[0][0] * v[0] + Av[0][1] * v[1], Av[1][0] * v[0] + Av[1][1] * v[1]];
      exp.push(...v);
    }
    expectClose(out, nd(exp, [3, 2]));
    await checkOpGrad({ inputs: [A, v0], values: [nd(Av.flat(), [2, 2]), nd([1, 2], [2])], output: vs, label: 'scan nSteps' });
  });

  it('a cumulative sum over the first nSteps of a longer sequence', async () => {
    const x = vector('x'), s0 = scalar('s0');
    const [cum] = scan((xt: ST, s: ST) => T.add(s, xt), { sequences: x, outputsInfo: s0, nSteps: 3 });
    expectClose(await call(compile([x, s0], cum), [1, 2, 3, 4, 5], 10), [11, 13, 16]);
    const g = await call(compile([x, s0], grad(T.sum(cum), [x, s0])), [1, 2, 3, 4, 5], 10) as T.OutputValue[];
    expectClose(g[0], [3, 2, 1, 0, 0]);
    expectClose(g[1], nd([3], []));
  });
});

describe('scan: goBackwards (a reversed Scan over the sequences as they are)', () => {
  // y_t = a * y_{t-2} + tanh(y_{t-1}) * x_t over x reversed; outputs in computed order, or at
  // the input positions with outputOrder 'input'.
  const ref = ([xv, y0v, av]: NDArray[], order: 'computed' | 'input') => {
    const N = xv.data.length;
    const buf = [y0v.data[0], y0v.data[1]];
    const y: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = N - 1 - i;
      const v = av.data[0] * buf[i] + Math.tanh(buf[i + 1]) * xv.data[t];
      buf.push(v);
      y.push(v);
    }
    return nd(order === 'computed' ? y : y.reverse(), [N]);
  };
  it.each(['computed', 'input'] as const)('mit-sot taps, outputOrder %s: forward and gradients', async (order) => {
    const x = vector('x'), y0 = vector('y0'), a = scalar('a');
    const [ys] = scan((xt: ST, y2: ST, y1: ST, aa: ST) => T.add(T.mul(aa, y2), T.mul(T.tanh(y1), xt)), { sequences: x, outputsInfo: { initial: y0, taps: [-2, -1] }, nonSequences: a, goBackwards: true, outputOrder: order });
    await checkOpGrad({ inputs: [x, y0, a], values: [rn(21, [5]), rn(22, [2]), nd([0.6], [])], output: ys, ref: (v) => ref(v, order), label: `goBackwards ${order}` });
  });
  it('truncateGradient over a reversed scan: the first T positions (the last steps run)', async () => {
    const x = vector('x'), h0 = scalar('h0'), a = scalar('a');
    const [hs] = scan((xt: ST, h: ST, aa: ST) => T.add(T.mul(aa, h), xt), { sequences: x, outputsInfo: h0, nonSequences: a, goBackwards: true, outputOrder: 'input', truncateGradient: 2 });
    const xv = [1, -2, 0.5, 3], av = 0.5;
    const g = await call(compile([x, h0, a], grad(T.sum(hs), [x, h0])), xv, 0.3, av) as T.OutputValue[];
    // Steps run at positions 3, 2, 1, 0; the last two run are positions 1 and 0. d sum / d x_p
    // over those two steps: x_1 reaches h at positions 1 and 0 (1 + a), x_0 only its own (1).
    expectClose(g[0], [1, 1 + av, 0, 0]);
    expectClose(g[1], nd([0], []));
  });
  it('a stream drawn in a reversed scan still advances by the number of steps', async () => {
    const srng = new RandomStreams(5);
    const x = vector('x');
    const [ys, updates] = scan((xt: ST) => T.add(xt, T.sum(srng.uniform([1]))), { sequences: x, goBackwards: true });
    const f = compile([x], ys, { updates });
    const a = toND(await call(f, [0, 0, 0])), b = toND(await call(f, [0, 0, 0]));
    expect(new Set([...a.data, ...b.data]).size).toBe(6);
    const [state] = updates.keys();
    expect(Array.from((await value(state)).data)[1]).toBe(6);
  });
});

describe("scan: goBackwards with sequence taps, nSteps and sequences of different lengths (Theano's semantics)", () => {
  /**
   * Theano's scan.py, literally: each tap k of taps [lo..hi] is the slice x[k - lo : len - (hi - k)],
   * reversed when going backwards, then every slice is cut to its first nSteps rows (nSteps: the
   * given one, else the shortest slice); step i reads row i of each slice.
   */
  const theanoSlices = (x: number[], taps: number[], back: boolean) => {
    const lo = Math.min(...taps), hi = Math.max(...taps);
    return taps.map((k) => {
      const sl = x.slice(k - lo, x.length - (hi - k));
      return back ? sl.reverse() : sl;
    });
  };
  // y_t = a * y_{t-1} + x[t-1] * x[t+1] + u[t]  (taps [-1, 1] on x, [0] on u)
  const ref = ([xv, uv, y0v, av]: NDArray[], back: boolean, nSteps?: number) => {
    const [xm, xp] = theanoSlices(Array.from(xv.data), [-1, 1], back);
    const [u] = theanoSlices(Array.from(uv.data), [0], back);
    const n = nSteps ?? Math.min(xm.length, u.length);
    const y: number[] = [];
    let prev = y0v.data[0];
    for (let i = 0; i < n; i++) y.push((prev = av.data[0] * prev + xm[i] * xp[i] + u[i]));
    return nd(y, [n]);
  };
  const build = (back: boolean, nSteps?: number, order: 'computed' | 'input' = 'computed') => {
    const x = vector('x'), u = vector('u'), y0 = scalar('y0'), a = scalar('a');
    const [ys] = scan((xm: ST, xp: ST, ut: ST, y: ST, aa: ST) => T.add(T.add(T.mul(aa, y), T.mul(xm, xp)), ut), {
      sequences: [{ input: x, taps: [-1, 1] }, u], outputsInfo: y0, nonSequences: a, goBackwards: back, nSteps, outputOrder: order,
    });
    return { inputs: [x, u, y0, a], ys };
  };
  // x has 9 entries (7 rows per tap), u has 6: lengths differ, so the steps read different positions of each.
  const values = [rn(31, [9]), rn(32, [6]), nd([0.2], []), nd([0.7], [])];

  it.each([
    ['forward, the shortest sequence decides', false, undefined],
    ['goBackwards, each sequence read from its own end', true, undefined],
    ['goBackwards with nSteps shorter than every sequence', true, 4],
    ['forward with nSteps', false, 4],
  ] as const)('%s: forward against the literal reference, gradients against central differences', async (_l, back, nSteps) => {
    const { inputs, ys } = build(back, nSteps);
    await checkOpGrad({ inputs, values, output: ys, ref: (v) => ref(v, back, nSteps), label: 'scan taps backwards' });
  });

  it('goBackwards over two sequences of different lengths without taps: each is read from its own end', async () => {
    const x = vector('x'), u = vector('u'), y0 = scalar('y0');
    const [ys] = scan((xt: ST, ut: ST, y: ST) => T.add(T.mul(y, xt), ut), { sequences: [x, u], outputsInfo: y0, goBackwards: true });
    const refBack = ([xv, uv, y0v]: NDArray[]) => {
      const [xr] = theanoSlices(Array.from(xv.data), [0], true), [ur] = theanoSlices(Array.from(uv.data), [0], true);
      const out: number[] = [];
      let prev = y0v.data[0];
      for (let i = 0; i < Math.min(xr.length, ur.length); i++) out.push((prev = prev * xr[i] + ur[i]));
      return nd(out, [out.length]);
    };
    await checkOpGrad({ inputs: [x, u, y0], values: [rn(33, [7], 0.8), rn(34, [4]), nd([0.5], [])], output: ys, ref: refBack, label: 'scan backwards, unequal lengths' });
  });

  it("outputOrder 'input' gives the same rows in reverse; no sequence is reversed in the graph", async () => {
    const { inputs, ys } = build(true, 4, 'input');
    const f = compile(inputs, ys);
    const out = toND(await call(f, ...values.map(f32)));
    expectClose(out, nd(Array.from(ref(values, true, 4).data).reverse(), [4]));
    // The sequences reach the Scan as slices of themselves: no Subtensor with a negative step.
    const reversing = f.graph.steps.filter((ap) => ap.op.name === 'Subtensor' && JSON.stringify((ap.op as unknown as { spec: unknown }).spec).includes('"step":-1'));
    expect(f.graph.steps.filter((ap) => ap.op.name === 'Subtensor').length).toBeGreaterThan(0);
    expect(reversing).toEqual([]);
  });
});

describe('scan: truncateGradient', () => {
  it('backpropagates through the last T steps only (hand-derived truncated BPTT)', async () => {
    // h_t = a * h_{t-1} + x_t, cost = sum_t R_t h_t.
    const n = 6, Tr = 2;
    const x = vector('x'), h0 = scalar('h0'), a = scalar('a');
    const [hs] = scan((xt: ST, h: ST, aa: ST) => T.add(T.mul(aa, h), xt), { sequences: x, outputsInfo: h0, nonSequences: a, truncateGradient: Tr });
    const R = [0.3, -1, 2, 0.5, 1.5, -0.7];
    const cost = T.sum(T.mul(hs, T.constant(Float32Array.from(R))));
    const xv = [1, -2, 0.5, 3, -1, 2], h0v = 0.4, av = 0.8;
    const g = await call(compile([x, h0, a], grad(cost, [x, h0, a])), xv, h0v, av) as T.OutputValue[];
    const h: number[] = [];
    let prev = h0v;
    for (let t = 0; t < n; t++) h.push((prev = av * prev + xv[t]));
    const gx = new Array(n).fill(0);
    let ga = 0, carry = 0;
    for (let t = n - 1; t >= n - Tr; t--) {
      const gt = R[t] + carry;
      gx[t] = gt;
      ga += gt * (t ? h[t - 1] : h0v);
      carry = av * gt;
    }
    expectClose(g[0], gx);
    expectClose(g[1], nd([0], []));
    expectClose(g[2], nd([ga], []));
    // With T >= n it is the full gradient, the initial state included.
    const [hs2] = scan((xt: ST, h: ST, aa: ST) => T.add(T.mul(aa, h), xt), { sequences: x, outputsInfo: h0, nonSequences: a, truncateGradient: 10 });
    const g2 = await call(compile([x, h0, a], grad(T.sum(hs2), h0)), xv, h0v, av) as number;
    expect(g2).toBeCloseTo([1, 2, 3, 4, 5, 6].reduce((s, k) => s + av ** k, 0), 4);
  });
});

describe('scan: shared variables and random streams inside the step', () => {
  it('a shared variable updated by the step: the returned updates carry its final value', async () => {
    const count = shared(0, { name: 'count', dtype: 'float32' });
    const x = vector('x');
    const [ys, updates] = scan((xt: ST) => ({ outputs: T.mul(xt, T.add(count, 1)), updates: [[count, T.add(count, 1)]] as const }), { sequences: x });
    expect([...updates.keys()]).toEqual([count]);
    const f = compile([x], ys, { updates });
    expectClose(await call(f, [1, 1, 1]), [1, 2, 3]);
    expect((await value(count)).data[0]).toBe(3);
    expectClose(await call(f, [1, 1]), [4, 5]);
  });

  it('dropout per step: a fresh mask at every step and every call; the gradient replays the same masks', async () => {
    const srng = new RandomStreams(7);
    const x = tensor('float32', [5, 2, 6], 'x'), W = matrix('W');
    const [[hs, masks], updates] = scan((xt: ST, h: ST, w: ST) => {
      const mask = srng.binomial(T.shape(xt), { p: 0.5, dtype: 'float32' });
      return [T.tanh(T.add(T.dot(T.mul(xt, mask), w), h)), mask];
    }, { sequences: x, outputsInfo: [T.constant(new Float32Array(2 * 3), { dtype: 'float32' }).reshape([2, 3]), null], nonSequences: W });
    expect(updates.size).toBe(1);
    const drawn = compile([x, W], masks, { updates });
    const xs = { data: new Float32Array(5 * 2 * 6), shape: [5, 2, 6] };
    const w0 = { data: new Float32Array(18), shape: [6, 3] };
    const a = toND(await call(drawn, xs, w0)), b = toND(await call(drawn, xs, w0));
    expect(a.shape).toEqual([5, 2, 6]);
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data)); // the stream advanced between calls
    const steps = [0, 1, 2, 3, 4].map((t) => Array.from(a.data.slice(t * 12, (t + 1) * 12)).join());
    expect(new Set(steps).size).toBe(5); // one mask per step
    const frac = a.data.reduce((s, v) => s + v, 0) / a.data.length;
    expect(frac).toBeGreaterThan(0.3);
    expect(frac).toBeLessThan(0.7);
    // Gradient against central differences with the stream held still.
    const cost = T.sum(T.mul(hs, T.constant(f32(rn(3, [5, 2, 3])))));
    const fwd = compile([x, W], cost, { noDefaultUpdates: true });
    const gfn = compile([x, W], grad(cost, W), { noDefaultUpdates: true });
    const xv = rn(11, [5, 2, 6]), Wv = rn(12, [6, 3], 0.5);
    const analytic = toND(await call(gfn, f32(xv), f32(Wv)));
    const numeric = await numericGradAsync(async (w) => await call(fwd, f32(xv), f32({ data: w, shape: [6, 3] })) as number, Wv.data);
    expectGradClose(analytic.data, numeric, { label: 'dropout scan dW', shape: [6, 3] });
  });

  it('the step stream advances even when the updates are not passed (its default update is the scan\'s)', async () => {
    const srng = new RandomStreams(3);
    const [us] = scan(() => srng.uniform([2]), { nSteps: 3 });
    const f = compile([], us);
    const a = toND(await call(f)), b = toND(await call(f));
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
    expect(new Set(Array.from(a.data)).size).toBe(6);
  });
});

describe('unroll', () => {
  it('gives the scan result as plain graph (forward and gradient)', async () => {
    const x = tensor('float32', [4, 2, 3], 'x'), h0 = matrix('h0'), W = matrix('W'), U = matrix('U'), b = vector('b');
    const step = (xt: ST, h: ST, w: ST, u: ST, bb: ST) => T.tanh(T.add(T.add(T.dot(xt, w), T.dot(h, u)), bb));
    for (const goBackwards of [false, true]) {
      const hs = unroll(step, { sequences: x, outputsInfo: h0, nonSequences: [W, U, b], goBackwards });
      const values = [rn(1, [4, 2, 3]), rn(2, [2, 3], 0.5), rn(3, [3, 3], 0.5), rn(4, [3, 3], 0.5), rn(5, [3], 0.1)];
      const f = compile([x, h0, W, U, b], hs);
      expect(f.ops).not.toContain('Scan');
      await checkOpGrad({ inputs: [x, h0, W, U, b], values, output: hs, ref: (v) => rnnRef(v, goBackwards), label: 'unroll' });
    }
  });
});

describe('scan: typed errors', () => {
  const x = vector('x'), h0 = scalar('h0');
  it('strict refuses a variable read from outside without being passed', () => {
    const w = shared(2, { dtype: 'float32', name: 'w' });
    expect(() => scan((xt: ST, h: ST) => T.add(T.mul(h, w), xt), { sequences: x, outputsInfo: h0, strict: true })).toThrow(GraphError);
    expect(() => scan((xt: ST, h: ST) => T.add(T.mul(h, w), xt), { sequences: x, outputsInfo: h0, strict: true })).toThrow(/nonSequences/);
    expect(() => scan((xt: ST, h: ST, ww: ST) => T.add(T.mul(h, ww), xt), { sequences: x, outputsInfo: h0, nonSequences: w, strict: true })).not.toThrow();
  });
  it('a fed-back output that changes dtype or shape', () => {
    expect(() => scan((xt: ST, h: ST) => T.cast(T.add(h, xt), 'int32'), { sequences: x, outputsInfo: h0 })).toThrow(DTypeError);
    expect(() => scan((xt: ST, h: ST) => T.add(h, T.stack([xt, xt])), { sequences: x, outputsInfo: h0 })).toThrow(ShapeError);
  });
  it('outputsInfo of the wrong length, no sequences and no nSteps, bad options', () => {
    expect(() => scan((xt: ST, h: ST) => [T.add(h, xt), h], { sequences: x, outputsInfo: h0 })).toThrow(/one entry per output/);
    expect(() => scan(() => T.constant(1), {})).toThrow(/nSteps/);
    expect(() => scan((xt: ST) => xt, { sequences: x, truncateGradient: 0 })).toThrow(OptionsError);
    expect(() => scan((xt: ST) => xt, { sequences: x, bogus: 1 } as never)).toThrow(OptionsError);
  });
  it('at run time: a sequence shorter than nSteps', async () => {
    const [ys] = scan((xt: ST, h: ST) => T.add(h, xt), { sequences: x, outputsInfo: h0, nSteps: 5 });
    await expect((async () => await call(compile([x, h0], ys), [1, 2], 0))()).rejects.toThrow(/fewer than the 5 steps/);
  });
  it('float64 is a DTypeError (no tfjs backend has float64 kernels)', () => {
    expect(() => tensor('float64' as never, [2])).toThrow(DTypeError);
    expect(() => shared([1, 2], { dtype: 'float64' as never })).toThrow(/float64 is not supported by the tfjs backends/);
    expect(() => T.cast(x, 'float64' as never)).toThrow(DTypeError);
    expect(() => T.mean(x, 'float64')).toThrow(DTypeError);
  });
  it('unroll needs a known number of steps', () => {
    expect(() => unroll((xt: ST) => xt, { sequences: x })).toThrow(ShapeError);
  });
});

describe("scan: profiling the step (Theano's scan profile)", () => {
  itNotOnWebgpu('timing each step node waits with a synchronous read, which webgpu refuses')('a profiled function times each Scan\'s step program; formatProfile prints its ops over every step run', async () => {
    const x = tensor3('x'), h0 = matrix('h0'), W = matrix('W');
    const [hs] = scan((xt: ST, h: ST, w: ST) => T.tanh(T.add(T.dot(h, w), xt)), { sequences: x, outputsInfo: h0, nonSequences: W, name: 'elman' });
    const f = compile([x, h0, W], grad(T.sum(hs), W), { profile: true });
    const args = [f32(rn(1, [5, 2, 3])), f32(rn(2, [2, 3])), f32(rn(3, [3, 3]))];
    await call(f, ...args);
    await call(f, ...args);
    const inner = f.profile().inner ?? [];
    // The forward scan and its gradient scan, 5 steps per call, 2 calls.
    expect(inner.map((i) => i.label)).toEqual(['Scan{elman}', 'Scan{grad_of_elman}']);
    for (const i of inner) {
      expect(i.data.calls).toBe(10);
      expect(i.data.nodes.every((n) => n.calls === 10)).toBe(true);
      expect(f.graph.steps[i.step].op.name).toBe(i.label);
    }
    expect(inner[0].data.nodes.map((n) => n.op).sort()).toEqual(['Add', 'MatMul', 'Tanh']);
    const text = T.formatProfile(f);
    expect(text).toContain(`Inner graph of #${inner[0].step} Scan{elman}`);
    expect(text).toMatch(/Steps run: 10 \(/);
    // Each inner table's shares add up to 100%.
    const sections = text.split(/\nInner graph of /).slice(1);
    expect(sections.length).toBe(2);
    for (const s of sections) {
      const ops = s.split('\nOps\n---\n')[1].split('\n\n')[0].split('\n').slice(1);
      const total = ops.reduce((a, l) => a + Number(l.trim().split(/\s+/)[0].replace('%', '')), 0);
      expect(total).toBeGreaterThan(99.5);
      expect(total).toBeLessThan(100.5);
    }
    // Not profiled: no inner profile is taken.
    const g = compile([x, h0, W], hs);
    await call(g, ...args);
    expect(g.profile().inner).toBeUndefined();
  });
});
