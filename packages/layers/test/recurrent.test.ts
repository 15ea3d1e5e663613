/**
 * Recurrent layers: forward against float64 loops written from Lasagne's formulas (masks,
 * backwards, onlyReturnFinal, initial states as parameters or layers), every parameter's and the
 * input's gradient against central differences, scan vs unrolled vs not precomputed, shapes with
 * null dimensions, typed errors.
 */
import { compile, grad, sum, mul, constant, matrix, tensor3, setSeed, gradClip, vector, OptionsError, ShapeError, type SharedVariable, type SymbolicTensor, HostTensor } from '@lasagne-ts/core';
import { CustomRecurrentLayer, DenseLayer, GRULayer, Gate, InputLayer, LSTMLayer, RecurrentLayer, getAllParams, getOutput, init, tanh, type Layer } from '@lasagne-ts/layers';
import { call, value, eachAsync } from '../../core/test/calls';

type ST = SymbolicTensor;
const B = 2, T = 4, F = 3, H = 3;

/** Seeded float32-representable values in [-1, 1). */
function values(seed: number, n: number, scale = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = Math.fround(scale * (((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1));
  }
  return out;
}
const X = values(1, B * T * F);
const MASK = Float64Array.from([1, 1, 1, 1, 1, 1, 0, 0]); // sequence 1 has length 2
const R = values(9, B * T * H);
const f32 = (a: Float64Array, shape: number[]) => ({ data: Float32Array.from(a), shape });
const p64 = async (p: SharedVariable) => Float64Array.from((await value(p)).data as Float32Array);

/** x[b, t, :] as an array. */
const xAt = (x: Float64Array, b: number, t: number) => Array.from(x.subarray((b * T + t) * F, (b * T + t + 1) * F));
/** v (len K) times M (K x N, row-major). */
const vm = (v: readonly number[], M: Float64Array, N: number) => Array.from({ length: N }, (_, j) => v.reduce((s, vk, k) => s + vk * M[k * N + j], 0));
const sig = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * Runs a float64 step over time for every sequence, with Lasagne's mask rule (state carried where
 * the mask is 0), backwards order, and output layout (batch, time, H), or the final state.
 */
function runRef(x: Float64Array, mask: Float64Array | null, backwards: boolean, onlyFinal: boolean, init: number[][], step: (xt: number[], state: number[][]) => number[][], outIndex: number): Float64Array {
  const out = new Float64Array(onlyFinal ? B * H : B * T * H);
  for (let b = 0; b < B; b++) {
    let state = init.map((s) => [...s]);
    for (let i = 0; i < T; i++) {
      const t = backwards ? T - 1 - i : i;
      const next = step(xAt(x, b, t), state);
      const m = mask ? mask[b * T + t] : 1;
      state = next.map((s, k) => (m ? s : state[k]));
      if (!onlyFinal) out.set(state[outIndex], (b * T + t) * H);
    }
    if (onlyFinal) out.set(state[outIndex], b * H);
  }
  return out;
}

function expectClose(a: ArrayLike<number>, e: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) if (!(Math.abs(a[i] - e[i]) <= tol + tol * Math.abs(e[i]))) throw new Error(`entry ${i}: ${a[i]} vs ${e[i]}`);
}

interface Net {
  out: ST;
  layer: Layer;
  inputs: ST[];
  feed: unknown[];
}

function build(make: (lIn: InputLayer, lMask: InputLayer | null) => Layer, masked: boolean): Net {
  const x = tensor3('x'), m = matrix('mask');
  const lIn = new InputLayer([null, T, F], { inputVar: x });
  const lMask = masked ? new InputLayer([null, T], { inputVar: m }) : null;
  const layer = make(lIn, lMask);
  return { out: getOutput(layer), layer, inputs: masked ? [x, m] : [x], feed: masked ? [f32(X, [B, T, F]), f32(MASK, [B, T])] : [f32(X, [B, T, F])] };
}

async function forward(net: Net): Promise<Float64Array> {
  const r = await call(compile(net.inputs, net.out), ...(net.feed as never[])) as HostTensor;
  return Float64Array.from(r.data as Float32Array);
}

/** Every parameter's gradient and the input's, for cost = sum(out * R), against central differences. */
async function checkGrads(net: Net, label: string): Promise<void> {
  const n = net.out.shape.length === 2 ? B * H : B * T * H;
  const Rc = constant(Float32Array.from(R.subarray(0, n)), { dtype: 'float32' }).reshape(net.out.shape.length === 2 ? [B, H] : [B, T, H]);
  const cost = sum(mul(net.out, Rc));
  const params = getAllParams(net.layer, { trainable: true });
  const grads = grad(cost, [net.inputs[0], ...params]);
  const g = await call(compile(net.inputs, grads), ...(net.feed as never[])) as HostTensor[];
  const f = compile(net.inputs, cost);
  const eps = 1e-2;
  const at = async () => await call(f, ...(net.feed as never[])) as number;
  // The input.
  const xd = Float32Array.from(X);
  const gx = new Float64Array(xd.length);
  for (let i = 0; i < xd.length; i++) {
    const x0 = xd[i];
    const feed = async (v: number) => {
      xd[i] = v;
      return await call(f, { data: xd, shape: [B, T, F] }, ...(net.feed.slice(1) as never[])) as number;
    };
    const hi = Math.fround(x0 + eps), lo = Math.fround(x0 - eps);
    gx[i] = ((await feed(hi)) - (await feed(lo))) / (hi - lo);
    xd[i] = x0;
  }
  expectGrad(g[0].data, gx, `${label}: d/dx`);
  await eachAsync(params, async (p, k) => {
    const v = Float32Array.from((await value(p)).data as Float32Array);
    const num = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const v0 = v[i];
      const hi = Math.fround(v0 + eps), lo = Math.fround(v0 - eps);
      v[i] = hi;
      p.set({ data: v, shape: [...(await value(p)).shape] });
      const fp = await at();
      v[i] = lo;
      p.set({ data: v, shape: [...(await value(p)).shape] });
      const fm = await at();
      v[i] = v0;
      p.set({ data: v, shape: [...(await value(p)).shape] });
      num[i] = (fp - fm) / (hi - lo);
    }
    expectGrad(g[k + 1].data, num, `${label}: d/d${p.name}`);
  });
}

function expectGrad(a: ArrayLike<number>, n: ArrayLike<number>, label: string): void {
  for (let i = 0; i < n.length; i++) {
    if (!(Math.abs(a[i] - n[i]) <= 2e-3 + 2e-2 * Math.abs(n[i]))) throw new Error(`${label}[${i}]: analytic ${a[i]}, numeric ${n[i]}`);
  }
}

describe('RecurrentLayer', () => {
  const make = (o: Record<string, unknown> = {}) => (lIn: InputLayer, lMask: InputLayer | null) =>
    new RecurrentLayer(lIn, { numUnits: H, nonlinearity: tanh, WInToHid: new init.Normal(0.5), WHidToHid: new init.Normal(0.5), b: new init.Normal(0.2), hidInit: new init.Normal(0.3), learnInit: true, maskInput: lMask, ...o });
  const ref = async (layer: RecurrentLayer, masked: boolean, backwards: boolean, onlyFinal: boolean) => {
    const Wx = await p64(layer.WInToHid), Wh = await p64(layer.WHidToHid), b = await p64(layer.b!), h0 = Array.from(await p64(layer.hidInit!));
    return runRef(X, masked ? MASK : null, backwards, onlyFinal, [h0], (xt, [h]) => {
      const a = vm(xt, Wx, H), c = vm(h, Wh, H);
      return [a.map((v, j) => Math.tanh(v + c[j] + b[j]))];
    }, 0);
  };

  it.each([
    ['plain', false, false, false],
    ['masked', true, false, false],
    ['masked, backwards', true, true, false],
    ['onlyReturnFinal, backwards', true, true, true],
  ] as const)('%s: forward against the float64 loop; gradients of the input and every parameter', async (label, masked, backwards, onlyFinal) => {
    setSeed(5);
    const net = build(make({ backwards, onlyReturnFinal: onlyFinal }), masked);
    expect(net.layer.outputShape).toEqual(onlyFinal ? [null, H] : [null, T, H]);
    expectClose(await forward(net), await ref(net.layer as RecurrentLayer, masked, backwards, onlyFinal));
    await checkGrads(net, `RecurrentLayer ${label}`);
  });

  it('precomputeInput false and unrollScan give the same output and gradients', async () => {
    setSeed(5);
    const base = build(make({ backwards: true }), true);
    const expected = await ref(base.layer as RecurrentLayer, true, true, false);
    for (const o of [{ precomputeInput: false }, { unrollScan: true }]) {
      setSeed(5);
      const net = build(make({ backwards: true, ...o }), true);
      expectClose(await forward(net), expected);
      await checkGrads(net, `RecurrentLayer ${JSON.stringify(o)}`);
    }
  });

  it('parameters: names, tags, Lasagne order; hidInit learnt only with learnInit', () => {
    const l = new RecurrentLayer(new InputLayer([null, null, 4]), { numUnits: 5, name: 'rnn' });
    expect(l.getParams().map((p) => p.name)).toEqual(['rnn.hid_init', 'rnn.input_to_hidden.W', 'rnn.input_to_hidden.b', 'rnn.hidden_to_hidden.W']);
    expect(l.getParams({ trainable: true }).map((p) => p.name)).not.toContain('rnn.hid_init');
    expect(l.getParams({ regularizable: true }).map((p) => p.name)).toEqual(['rnn.input_to_hidden.W', 'rnn.hidden_to_hidden.W']);
    expect(l.outputShape).toEqual([null, null, 5]);
    const learnt = new RecurrentLayer(new InputLayer([null, null, 4]), { numUnits: 5, learnInit: true });
    expect(learnt.getParams({ trainable: true })).toContain(learnt.hidInit);
  });

  it('hidInit given by a layer: its output is the initial state', async () => {
    const x = tensor3('x'), h0 = matrix('h0');
    const lIn = new InputLayer([null, T, F], { inputVar: x });
    const lH = new InputLayer([null, H], { inputVar: h0 });
    // Zero input weights and identity hidden-to-hidden weights carry the initial state through.
    const eye = Float32Array.from({ length: H * H }, (_, i) => (i % (H + 1) === 0 ? 1 : 0));
    const carry = new RecurrentLayer(lIn, { numUnits: H, nonlinearity: null, hidInit: lH, WInToHid: new init.Constant(0), WHidToHid: { data: eye, shape: [H, H] }, b: null, onlyReturnFinal: true });
    expect(carry.getParams().map((p) => p.name)).not.toContain('hid_init');
    const h0v = [[1, 2, 3], [-1, 0.5, 4]];
    const out = await call(compile([x, h0], getOutput(carry)), f32(X, [B, T, F]), h0v) as HostTensor;
    expectClose(out.data, h0v.flat());
  });
});

describe('LSTMLayer', () => {
  const make = (o: Record<string, unknown> = {}) => (lIn: InputLayer, lMask: InputLayer | null) => {
    const g = () => new Gate({ WIn: new init.Normal(0.5), WHid: new init.Normal(0.5), WCell: new init.Normal(0.5), b: new init.Normal(0.2) });
    return new LSTMLayer(lIn, { numUnits: H, ingate: g(), forgetgate: g(), outgate: g(), cell: new Gate({ WIn: new init.Normal(0.5), WHid: new init.Normal(0.5), WCell: null, b: new init.Normal(0.2), nonlinearity: tanh }), cellInit: new init.Normal(0.3), hidInit: new init.Normal(0.3), learnInit: true, maskInput: lMask, ...o });
  };
  const ref = async (l: LSTMLayer, masked: boolean, backwards: boolean, peep: boolean) => {
    const gp = async (g: { WIn: SharedVariable; WHid: SharedVariable; b: SharedVariable }) => ({ Wx: await p64(g.WIn), Wh: await p64(g.WHid), b: await p64(g.b) });
    const [I, Fg, C, O] = await Promise.all([l.ingate, l.forgetgate, l.cell, l.outgate].map(gp));
    const zero = new Float64Array(H);
    const [wci, wcf, wco] = peep ? [await p64(l.WCellToIngate!), await p64(l.WCellToForgetgate!), await p64(l.WCellToOutgate!)] : [zero, zero, zero];
    const pre = (g: typeof I, xt: number[], h: number[]) => {
      const a = vm(xt, g.Wx, H), c = vm(h, g.Wh, H);
      return a.map((v, j) => v + c[j] + g.b[j]);
    };
    return runRef(X, masked ? MASK : null, backwards, false, [Array.from(await p64(l.cellInit!)), Array.from(await p64(l.hidInit!))], (xt, [c, h]) => {
      const i = pre(I, xt, h).map((v, j) => sig(v + c[j] * wci[j]));
      const f = pre(Fg, xt, h).map((v, j) => sig(v + c[j] * wcf[j]));
      const cin = pre(C, xt, h).map(Math.tanh);
      const cell = c.map((cv, j) => f[j] * cv + i[j] * cin[j]);
      const o = pre(O, xt, h).map((v, j) => sig(v + cell[j] * wco[j]));
      return [cell, cell.map((cv, j) => o[j] * Math.tanh(cv))];
    }, 1);
  };

  it.each([
    ['peepholes, masked', true, false, true],
    ['no peepholes, backwards, not precomputed', true, true, false],
  ] as const)('%s: forward against the float64 loop; gradients of the input and every parameter', async (label, masked, backwards, peep) => {
    setSeed(7);
    const net = build(make({ backwards, peepholes: peep, precomputeInput: peep }), masked);
    expectClose(await forward(net), await ref(net.layer as LSTMLayer, masked, backwards, peep));
    await checkGrads(net, `LSTMLayer ${label}`);
  });

  it('parameter names and shapes, and flattening of extra feature axes', () => {
    const l = new LSTMLayer(new InputLayer([null, null, 2, 3]), { numUnits: 4 });
    expect(l.getParams().map((p) => p.name)).toEqual([
      'W_in_to_ingate', 'W_hid_to_ingate', 'b_ingate', 'W_in_to_forgetgate', 'W_hid_to_forgetgate', 'b_forgetgate',
      'W_in_to_cell', 'W_hid_to_cell', 'b_cell', 'W_in_to_outgate', 'W_hid_to_outgate', 'b_outgate',
      'W_cell_to_ingate', 'W_cell_to_forgetgate', 'W_cell_to_outgate', 'cell_init', 'hid_init',
    ]);
    expect(l.ingate.WIn.shape).toEqual([6, 4]);
    expect(l.outputShape).toEqual([null, null, 4]);
  });
});

describe('GRULayer', () => {
  const make = (o: Record<string, unknown> = {}) => (lIn: InputLayer, lMask: InputLayer | null) => {
    const g = (nl?: unknown) => new Gate({ WIn: new init.Normal(0.5), WHid: new init.Normal(0.5), WCell: null, b: new init.Normal(0.2), ...(nl ? { nonlinearity: nl as never } : {}) });
    return new GRULayer(lIn, { numUnits: H, resetgate: g(), updategate: g(), hiddenUpdate: g(tanh), hidInit: new init.Normal(0.3), learnInit: true, maskInput: lMask, ...o });
  };
  const ref = async (l: GRULayer, masked: boolean, backwards: boolean) => {
    const gp = async (g: { WIn: SharedVariable; WHid: SharedVariable; b: SharedVariable }) => ({ Wx: await p64(g.WIn), Wh: await p64(g.WHid), b: await p64(g.b) });
    const [Rg, U, C] = await Promise.all([l.resetgate, l.updategate, l.hiddenUpdate].map(gp));
    return runRef(X, masked ? MASK : null, backwards, false, [Array.from(await p64(l.hidInit!))], (xt, [h]) => {
      const xr = vm(xt, Rg.Wx, H), hr = vm(h, Rg.Wh, H);
      const xu = vm(xt, U.Wx, H), hu = vm(h, U.Wh, H);
      const xc = vm(xt, C.Wx, H), hc = vm(h, C.Wh, H);
      const r = xr.map((v, j) => sig(v + hr[j] + Rg.b[j]));
      const u = xu.map((v, j) => sig(v + hu[j] + U.b[j]));
      const c = xc.map((v, j) => Math.tanh(v + C.b[j] + r[j] * hc[j]));
      return [h.map((hv, j) => (1 - u[j]) * hv + u[j] * c[j])];
    }, 0);
  };
  it.each([
    ['masked', true, false, {}],
    ['backwards, unrolled', false, true, { unrollScan: true }],
    ['not precomputed, gradient clipping', true, false, { precomputeInput: false, gradClipping: 100 }],
  ] as const)('%s: forward against the float64 loop; gradients of the input and every parameter', async (label, masked, backwards, o) => {
    setSeed(9);
    const net = build(make({ backwards, ...o }), masked);
    expectClose(await forward(net), await ref(net.layer as GRULayer, masked, backwards));
    await checkGrads(net, `GRULayer ${label}`);
  });
});

describe('CustomRecurrentLayer', () => {
  it('with dense connections equals RecurrentLayer; shape checks name the mismatch', async () => {
    setSeed(3);
    const lIn = new InputLayer([B, T, F]);
    const inToHid = new DenseLayer(new InputLayer([null, F]), { numUnits: H, nonlinearity: null, W: new init.Normal(0.5) });
    const hidToHid = new DenseLayer(new InputLayer([null, H]), { numUnits: H, nonlinearity: null, W: new init.Normal(0.5), b: null });
    const l = new CustomRecurrentLayer(lIn, inToHid, hidToHid, { nonlinearity: tanh });
    expect(l.outputShape).toEqual([B, T, H]);
    const out = await call(compile([lIn.inputVar], getOutput(l)), f32(X, [B, T, F])) as HostTensor;
    const Wx = await p64(inToHid.W), b = await p64(inToHid.b!), Wh = await p64(hidToHid.W);
    const expected = runRef(X, null, false, false, [[0, 0, 0]], (xt, [h]) => {
      const a = vm(xt, Wx, H), c = vm(h, Wh, H);
      return [a.map((v, j) => Math.tanh(v + b[j] + c[j]))];
    }, 0);
    expectClose(out.data, expected);
    expect(getAllParams(l)).toEqual([l.hidInit, inToHid.W, inToHid.b, hidToHid.W]);
    const wrong = new DenseLayer(new InputLayer([null, 7]), { numUnits: 7 });
    expect(() => new CustomRecurrentLayer(lIn, inToHid, wrong)).toThrow(ShapeError);
  });
});

describe('recurrent layers: options and typed errors', () => {
  const lIn = new InputLayer([null, null, F]);
  it('unrollScan needs gradientSteps -1 and a known sequence length', () => {
    expect(() => new RecurrentLayer(new InputLayer([null, T, F]), { numUnits: 2, unrollScan: true, gradientSteps: 3 })).toThrow(OptionsError);
    expect(() => new LSTMLayer(lIn, { numUnits: 2, unrollScan: true })).toThrow(/sequence length cannot be null/);
  });
  it('bad options, a mask of the wrong shape, an input without a time axis', () => {
    expect(() => new GRULayer(lIn, { numUnits: 2, nonlinearity: tanh } as never)).toThrow(OptionsError);
    expect(() => new RecurrentLayer(lIn, { numUnits: 0 })).toThrow(OptionsError);
    expect(() => new RecurrentLayer(lIn, { numUnits: 2, gradientSteps: 0 })).toThrow(OptionsError);
    expect(() => new LSTMLayer(lIn, { numUnits: 2, ingate: {} as never })).toThrow(OptionsError);
    expect(() => new RecurrentLayer(lIn, { numUnits: 2, maskInput: new InputLayer([null, null, 2]) })).toThrow(ShapeError);
    expect(() => new RecurrentLayer(new InputLayer([null, F]), { numUnits: 2 })).toThrow(ShapeError);
  });
  it('gradientSteps truncates: equal to the full gradient when at least the sequence length', async () => {
    setSeed(2);
    const x = tensor3('x');
    const mk = async (steps: number) => {
      setSeed(2);
      const l = new RecurrentLayer(new InputLayer([null, T, F], { inputVar: x }), { numUnits: H, nonlinearity: tanh, gradientSteps: steps, WHidToHid: new init.Normal(0.5) });
      return await call(compile([x], grad(sum(getOutput(l)), l.WHidToHid)), f32(X, [B, T, F])) as HostTensor;
    };
    const full = await mk(-1), same = await mk(T), cut = await mk(1);
    expectClose(same.data, full.data);
    expect(Array.from(cut.data)).not.toEqual(Array.from(full.data));
  });
  it('gradClip: identity forward, the gradient clipped to the bounds', async () => {
    const v = vector('v');
    const y = gradClip(v, -1, 2);
    const f = compile([v], [y, grad(sum(mul(y, constant(Float32Array.from([-5, 0.5, 7])))), v)]);
    const [yv, gv] = await call(f, [1, 2, 3]) as HostTensor[];
    expect(Array.from(yv.data)).toEqual([1, 2, 3]);
    expect(Array.from(gv.data)).toEqual([-1, 0.5, 2]);
  });
});
