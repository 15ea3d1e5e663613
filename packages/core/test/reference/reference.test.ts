/** Self-tests of the float64 reference implementations (worked values + hand arithmetic). */
import {
  allClose,
  arange,
  batchedDot,
  checkGrad,
  conv2d,
  conv2dGradInput,
  conv2dGradWeight,
  Conv2dOpts,
  dot,
  expectGradClose,
  fromNested,
  get,
  logSoftmax,
  map,
  nd,
  NDArray,
  numericGrad,
  pool2d,
  pool2dGrad,
  Pool2dOpts,
  poolOutputLength,
  randn,
  randu,
  reshape,
  rng,
  softmax,
  toNested,
  vdot,
  zeros,
} from './index';

const x44 = arange(16, [1, 1, 4, 4]);
const w33 = arange(9, [1, 1, 3, 3]);
const plane = (a: NDArray) => (toNested(a) as number[][][][])[0][0];

describe('ndarray helpers', () => {
  it('nd / get / toNested / fromNested / reshape', () => {
    const a = nd([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(get(a, 1, 2)).toBe(6);
    expect(get(a, -1, 0)).toBe(4);
    expect(() => get(a, 2, 0)).toThrow(/out of bounds/);
    expect(toNested(a)).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(fromNested([[1, 2, 3], [4, 5, 6]])).toEqual(a);
    expect(() => fromNested([[1, 2], [3]])).toThrow(/ragged/);
    expect(toNested(nd([7], []))).toBe(7);
    expect(reshape(a, [3, -1]).shape).toEqual([3, 2]);
    expect(() => nd([1, 2, 3], [2, 2])).toThrow();
    expect(toNested(arange(4, [2, 2]))).toEqual([[0, 1], [2, 3]]);
  });

  it('allClose follows numpy (b is the reference)', () => {
    expect(allClose(nd([1, 2]), nd([1, 2 + 1e-9]))).toBe(true);
    expect(allClose(nd([1, 2]), nd([1, 2.1]))).toBe(false);
    expect(allClose([100], [101], 0.01, 0)).toBe(true); // 1 <= 0.01 * 101
    expect(allClose([100], [101], 0.005, 0)).toBe(false);
    expect(allClose(nd([1, 2], [2]), nd([1, 2], [1, 2]))).toBe(false); // shape mismatch
    expect(allClose([NaN], [NaN])).toBe(false);
    expect(allClose([Infinity], [Infinity])).toBe(true);
  });
});

describe('rng', () => {
  it('is deterministic and seed-dependent', () => {
    const a = randn(rng(1), [5]);
    expect(randn(rng(1), [5])).toEqual(a);
    expect(randn(rng(2), [5])).not.toEqual(a);
  });

  it('gives float32-representable values with plausible moments', () => {
    const a = randn(rng(3), [20001]);
    expect(a.data.every((v) => Math.fround(v) === v)).toBe(true);
    const mean = a.data.reduce((s, v) => s + v, 0) / a.data.length;
    const varc = a.data.reduce((s, v) => s + (v - mean) ** 2, 0) / a.data.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(varc - 1)).toBeLessThan(0.05);
    const u = randu(rng(4), [1000], -2, 3);
    expect(u.shape).toEqual([1000]);
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.data)).toBeLessThanOrEqual(3);
  });
});

describe('conv2d: Lasagne worked values (x = arange(16) 4x4, W = arange(9) 3x3)', () => {
  it('valid, flipped (true convolution)', () => {
    // top-left: sum x[0:3,0:3] * W[::-1,::-1] = 0*8+1*7+2*6 + 4*5+5*4+6*3 + 8*2+9*1+10*0 = 102
    expect(plane(conv2d(x44, w33, { borderMode: 'valid' }))).toEqual([[102, 138], [246, 282]]);
  });
  it('valid, no flip (cross-correlation)', () => {
    // top-left: 0*0+1*1+2*2 + 4*3+5*4+6*5 + 8*6+9*7+10*8 = 258
    expect(plane(conv2d(x44, w33, { borderMode: 'valid', filterFlip: false }))).toEqual([[258, 294], [402, 438]]);
  });
  it("'same' and 'half'", () => {
    const expected = [[7, 23, 38, 41], [45, 102, 138, 126], [129, 246, 282, 234], [197, 341, 374, 287]];
    expect(plane(conv2d(x44, w33, { borderMode: 'same' }))).toEqual(expected);
    expect(plane(conv2d(x44, w33, { borderMode: 'half' }))).toEqual(expected);
    expect(plane(conv2d(x44, w33, { borderMode: 1 }))).toEqual(expected);
    expect(plane(conv2d(x44, w33, { borderMode: [1, 1] }))).toEqual(expected);
  });
  it("'same' with stride 2", () => {
    expect(plane(conv2d(x44, w33, { borderMode: 'same', subsample: [2, 2] }))).toEqual([[7, 38], [129, 282]]);
  });
  it("'full'", () => {
    const y = conv2d(x44, w33, { borderMode: 'full' });
    expect(y.shape).toEqual([1, 1, 6, 6]);
    // row 0 = 1-d full convolution of x row 0 [0,1,2,3] with W row 0 [0,1,2]
    expect(plane(y)[0]).toEqual([0, 0, 1, 4, 7, 6]);
    // last row = full convolution of x row 3 [12,13,14,15] with W row 2 [6,7,8]:
    // [12*6, 12*7+13*6, 12*8+13*7+14*6, 13*8+14*7+15*6, 14*8+15*7, 15*8]
    expect(plane(y)[5]).toEqual([72, 162, 271, 292, 217, 120]);
  });
});

describe('conv2d: hand-derived cases', () => {
  const x33 = arange(9, [1, 1, 3, 3]); // [[0,1,2],[3,4,5],[6,7,8]]
  const wDiag = nd([1, 0, 0, -1], [1, 1, 2, 2]);

  it('2x2 diagonal-difference filter', () => {
    // no flip: y[r][c] = x[r][c] - x[r+1][c+1] = -4; flipped filter [[-1,0],[0,1]] gives +4
    expect(plane(conv2d(x33, wDiag, { borderMode: 'valid', filterFlip: false }))).toEqual([[-4, -4], [-4, -4]]);
    expect(plane(conv2d(x33, wDiag, { borderMode: 'valid' }))).toEqual([[4, 4], [4, 4]]);
  });

  it('channels are summed, output channels kept apart', () => {
    // x channel 0 = ones, channel 1 = twos; filters (1x1): o0 = [1, 1] -> 1+2 = 3, o1 = [1, -1] -> 1-2 = -1
    const x = nd([1, 1, 1, 1, 2, 2, 2, 2], [1, 2, 2, 2]);
    const w = nd([1, 1, 1, -1], [2, 2, 1, 1]);
    expect(toNested(conv2d(x, w, { borderMode: 'valid' }))).toEqual([[[[3, 3], [3, 3]], [[-1, -1], [-1, -1]]]]);
  });

  it('asymmetric padding [1, 0] with a 1x1 identity filter adds zero rows only', () => {
    const y = conv2d(arange(4, [1, 1, 2, 2]), nd([1], [1, 1, 1, 1]), { borderMode: [1, 0] });
    expect(plane(y)).toEqual([[0, 0], [0, 1], [2, 3], [0, 0]]);
  });

  it('pad 1, stride 2, 3x3 box filter on 3x3 arange', () => {
    // padded 5x5 -> (3+2-3)//2+1 = 2; windows cover real rows/cols {0,1} and {1,2}
    // [0,0]: 0+1+3+4 = 8   [0,1]: 1+2+4+5 = 12   [1,0]: 3+4+6+7 = 20   [1,1]: 4+5+7+8 = 24
    const y = conv2d(x33, nd(new Array(9).fill(1), [1, 1, 3, 3]), { borderMode: 1, subsample: [2, 2] });
    expect(plane(y)).toEqual([[8, 12], [20, 24]]);
  });

  it('output shapes and errors', () => {
    const x = zeros([2, 3, 7, 5]);
    const w = zeros([4, 3, 3, 2]);
    expect(conv2d(x, w, { borderMode: 'valid' }).shape).toEqual([2, 4, 5, 4]);
    expect(conv2d(x, w, { borderMode: 'full' }).shape).toEqual([2, 4, 9, 6]);
    expect(conv2d(x, w, { borderMode: 'half' }).shape).toEqual([2, 4, 7, 6]); // even kw: pad 1 -> 5+2-2+1
    expect(conv2d(x, w, { borderMode: 'valid', subsample: [2, 3] }).shape).toEqual([2, 4, 3, 2]);
    expect(() => conv2d(x, w, { borderMode: 'same' })).toThrow(/odd/);
    expect(() => conv2d(x, zeros([4, 2, 3, 3]), { borderMode: 'valid' })).toThrow(/channels/);
  });
});

describe('conv2d gradients match numeric differentiation of the reference', () => {
  const cases: Array<[string, number[], number[], Conv2dOpts]> = [
    ['valid flip', [2, 2, 5, 4], [3, 2, 3, 2], { borderMode: 'valid' }],
    ['valid no flip stride', [1, 2, 6, 5], [2, 2, 3, 3], { borderMode: 'valid', filterFlip: false, subsample: [2, 2] }],
    ['full', [1, 1, 3, 4], [2, 1, 2, 3], { borderMode: 'full' }],
    ['same stride', [2, 1, 5, 5], [2, 1, 3, 3], { borderMode: 'same', subsample: [2, 1] }],
    ['pad tuple stride', [1, 3, 4, 6], [2, 3, 2, 3], { borderMode: [2, 1], subsample: [3, 2], filterFlip: false }],
  ];
  it.each(cases)('%s', (_name, xShape, wShape, opts) => {
    const r = rng(7);
    const x = randn(r, xShape);
    const w = randn(r, wShape);
    const y = conv2d(x, w, opts);
    const gy = randn(r, y.shape);
    const fx = (xd: Float64Array) => vdot(conv2d({ data: xd, shape: xShape }, w, opts), gy);
    const fw = (wd: Float64Array) => vdot(conv2d(x, { data: wd, shape: wShape }, opts), gy);
    // The map is linear, so central differences are exact up to rounding.
    expectGradClose(conv2dGradInput(gy, w, xShape, opts).data, numericGrad(fx, x.data), { rtol: 1e-6, atol: 1e-8, shape: xShape });
    expectGradClose(conv2dGradWeight(x, gy, wShape, opts).data, numericGrad(fw, w.data), { rtol: 1e-6, atol: 1e-8, shape: wShape });
  });
});

describe('pool2d output length', () => {
  it('matches the Lasagne formulas', () => {
    for (let L = 1; L <= 12; L++)
      for (let ws = 1; ws <= 4; ws++)
        for (let st = 1; st <= 4; st++) {
          const lasagne = st >= ws ? Math.ceil(L / st) : Math.max(0, Math.floor((L - ws + st - 1) / st)) + 1;
          expect(poolOutputLength(L, ws, st, 0, false)).toBe(lasagne);
          expect(poolOutputLength(L, ws, st, 0, true)).toBe(Math.max(0, Math.floor((L - ws) / st) + 1));
        }
    expect(poolOutputLength(1, 3, 1, 0, true)).toBe(0);
    expect(poolOutputLength(5, 3, 2, 1, true)).toBe(3); // (5+2-3)//2+1
  });
});

describe('pool2d: worked values and hand-derived cases', () => {
  const x55 = arange(25, [1, 1, 5, 5]);

  it('MaxPool 2 on arange(25) 5x5', () => {
    expect(plane(pool2d(x55, { ws: [2, 2], mode: 'max' }))).toEqual([[6, 8], [16, 18]]);
    expect(plane(pool2d(x55, { ws: [2, 2], mode: 'max', ignoreBorder: false }))).toEqual([
      [6, 8, 9],
      [16, 18, 19],
      [21, 23, 24],
    ]);
  });

  it('ignoreBorder=false averages clip the window to the image (both average modes)', () => {
    // [0,0]: (0+1+5+6)/4 = 3; [0,2]: (4+9)/2 = 6.5; [2,0]: (20+21)/2 = 20.5; [2,2]: 24/1
    const expected = [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]];
    for (const mode of ['average_inc_pad', 'average_exc_pad'] as const) {
      expect(plane(pool2d(x55, { ws: [2, 2], mode, ignoreBorder: false }))).toEqual(expected);
    }
    // sum: [0,2] = 4+9 = 13, [2,2] = 24
    expect(plane(pool2d(x55, { ws: [2, 2], mode: 'sum', ignoreBorder: false }))[0][2]).toBe(13);
  });

  describe('pad [1,1], ws 2, stride 2 on [[1,2,3],[4,5,6],[7,8,9]]', () => {
    // padded 5x5 -> (5-2)//2+1 = 2 per axis; window rows: padded [0,2) = real {0}, padded [2,4) = real {1,2}.
    // cells: [0,0] {1}; [0,1] {2,3}; [1,0] {4,7}; [1,1] {5,6,8,9}
    const x = nd([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    const opts = (mode: Pool2dOpts['mode']): Pool2dOpts => ({ ws: [2, 2], pad: [1, 1], mode });
    it('average_inc_pad divides by 4', () => {
      // 1/4, 5/4, 11/4, 28/4
      expect(plane(pool2d(x, opts('average_inc_pad')))).toEqual([[0.25, 1.25], [2.75, 7]]);
    });
    it('average_exc_pad divides by the real cell count', () => {
      // 1/1, 5/2, 11/2, 28/4
      expect(plane(pool2d(x, opts('average_exc_pad')))).toEqual([[1, 2.5], [5.5, 7]]);
    });
    it('sum and max exclude the padding', () => {
      expect(plane(pool2d(x, opts('sum')))).toEqual([[1, 5], [11, 28]]);
      expect(plane(pool2d(x, opts('max')))).toEqual([[1, 3], [7, 9]]);
      // negative input: padding zeros must not win the max
      expect(plane(pool2d(map(x, (v) => -v), opts('max')))).toEqual([[-1, -2], [-4, -5]]);
    });
  });

  it('overlapping windows, stride < ws, on a 2-d input', () => {
    // row [0..5], ws 3, stride 2: ignoreBorder=false -> 3 windows {0,1,2} {2,3,4} {4,5}; true -> 2
    const x = arange(6, [1, 6]);
    const o = { ws: [1, 3] as [number, number], stride: [1, 2] as [number, number] };
    expect(toNested(pool2d(x, { ...o, mode: 'max', ignoreBorder: false }))).toEqual([[2, 4, 5]]);
    expect(toNested(pool2d(x, { ...o, mode: 'max' }))).toEqual([[2, 4]]);
    expect(toNested(pool2d(x, { ...o, mode: 'average_exc_pad', ignoreBorder: false }))).toEqual([[1, 3, 4.5]]);
  });

  it('average_inc_pad with overlap and padding: pad 1, ws 3, stride 1 on 1x3 [[3, 6, 9]]', () => {
    // padded row [0,3,6,9,0] (rows: ws 1, no pad); windows [0,3,6] [3,6,9] [6,9,0] -> sums 9, 18, 15
    const x = nd([3, 6, 9], [1, 3]);
    const y = pool2d(x, { ws: [1, 3], stride: [1, 1], pad: [0, 1], mode: 'average_inc_pad' });
    expect(toNested(y)).toEqual([[3, 6, 5]]);
    const e = pool2d(x, { ws: [1, 3], stride: [1, 1], pad: [0, 1], mode: 'average_exc_pad' });
    expect(toNested(e)).toEqual([[4.5, 6, 7.5]]); // 9/2, 18/3, 15/2
  });

  it('rejects what Theano rejects', () => {
    expect(() => pool2d(x55, { ws: [2, 2], pad: [1, 1], ignoreBorder: false, mode: 'max' })).toThrow();
    expect(() => pool2d(x55, { ws: [2, 2], pad: [2, 0], mode: 'max' })).toThrow();
  });
});

describe('pool2dGrad', () => {
  it('max routes the gradient to every tied maximum', () => {
    const x = nd([1, 1, 0, 0], [1, 1, 2, 2]);
    const g = pool2dGrad(x, nd([5], [1, 1, 1, 1]), { ws: [2, 2], mode: 'max' });
    expect(plane(g)).toEqual([[5, 5], [0, 0]]);
  });

  it('average_inc_pad with padding, by hand', () => {
    // same layout as the forward test: every cell gets g/4 from its single window
    const x = nd([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    const gy = nd([4, 8, 12, 16], [1, 1, 2, 2]);
    const g = pool2dGrad(x, gy, { ws: [2, 2], pad: [1, 1], mode: 'average_inc_pad' });
    expect(plane(g)).toEqual([[1, 2, 2], [3, 4, 4], [3, 4, 4]]);
    const e = pool2dGrad(x, gy, { ws: [2, 2], pad: [1, 1], mode: 'average_exc_pad' });
    // counts 1, 2, 2, 4 -> 4, 8/2, 12/2, 16/4
    expect(plane(e)).toEqual([[4, 4, 4], [6, 4, 4], [6, 4, 4]]);
  });

  const cases: Array<[string, number[], Pool2dOpts]> = [
    ['max overlap', [2, 2, 5, 6], { ws: [3, 2], stride: [2, 1], mode: 'max' }],
    ['max no-ignore', [1, 2, 5, 5], { ws: [2, 2], ignoreBorder: false, mode: 'max' }],
    ['max pad', [1, 1, 5, 4], { ws: [3, 3], stride: [2, 2], pad: [1, 2], mode: 'max' }],
    ['inc_pad', [2, 1, 5, 4], { ws: [3, 3], stride: [2, 1], pad: [1, 2], mode: 'average_inc_pad' }],
    ['exc_pad', [2, 1, 5, 4], { ws: [3, 3], stride: [2, 1], pad: [1, 2], mode: 'average_exc_pad' }],
    ['exc_pad no-ignore', [1, 1, 5, 7], { ws: [3, 2], stride: [2, 3], ignoreBorder: false, mode: 'average_exc_pad' }],
    ['sum', [1, 2, 4, 5], { ws: [2, 3], stride: [1, 2], pad: [1, 1], mode: 'sum' }],
  ];
  it.each(cases)('%s agrees with numericGrad', (_name, xShape, opts) => {
    const r = rng(11);
    const x = randn(r, xShape); // continuous values: ties have probability 0
    const gy = randn(r, pool2d(x, opts).shape);
    const f = (xd: Float64Array) => vdot(pool2d({ data: xd, shape: xShape }, opts), gy);
    // eps small enough not to change which cell is the max
    expectGradClose(pool2dGrad(x, gy, opts).data, numericGrad(f, x.data, 1e-6), { rtol: 1e-6, atol: 1e-8, shape: xShape });
  });
});

describe('dot', () => {
  const m = nd([1, 2, 3, 4], [2, 2]);
  it('2-d . 2-d, 1-d . 1-d, 2-d . 1-d, 1-d . 2-d', () => {
    expect(toNested(dot(m, nd([5, 6, 7, 8], [2, 2])))).toEqual([[19, 22], [43, 50]]); // [1*5+2*7, 1*6+2*8; ...]
    const s = dot(nd([1, 2, 3]), nd([4, 5, 6])); // 4+10+18
    expect(s.shape).toEqual([]);
    expect(toNested(s)).toBe(32);
    expect(toNested(dot(m, nd([1, 1])))).toEqual([3, 7]);
    expect(toNested(dot(nd([1, 1]), m))).toEqual([4, 6]);
    expect(toNested(dot(nd([2], []), m))).toEqual([[2, 4], [6, 8]]);
  });
  it('N-d . 2-d and N-d . N-d shapes', () => {
    // arange(8).reshape(2,2,2) . [[1],[1]] sums the last axis: 0+1, 2+3, 4+5, 6+7
    expect(toNested(dot(arange(8, [2, 2, 2]), nd([1, 1], [2, 1])))).toEqual([[[1], [5]], [[9], [13]]]);
    const a = randn(rng(1), [2, 3, 4]);
    const b = randn(rng(2), [5, 4, 6]);
    const c = dot(a, b);
    expect(c.shape).toEqual([2, 3, 5, 6]);
    let s = 0;
    for (let k = 0; k < 4; k++) s += get(a, 1, 2, k) * get(b, 3, k, 4);
    expect(get(c, 1, 2, 3, 4)).toBeCloseTo(s, 12);
    expect(dot(a, randn(rng(3), [4])).shape).toEqual([2, 3]);
    expect(() => dot(a, zeros([3, 2]))).toThrow(/not aligned/);
  });
  it('batchedDot', () => {
    const a = arange(8, [2, 2, 2]);
    const b = nd([1, 1, 1, -1], [2, 2, 1]);
    // batch 0: [[0,1],[2,3]] . [1,1]^T = [1, 5]; batch 1: [[4,5],[6,7]] . [1,-1]^T = [-1, -1]
    expect(toNested(batchedDot(a, b))).toEqual([[[1], [5]], [[-1], [-1]]]);
    expect(toNested(batchedDot(nd([1, 2, 3, 4], [2, 2]), nd([5, 6, 7, 8], [2, 2])))).toEqual([17, 53]);
    expect(() => batchedDot(a, zeros([3, 2, 1]))).toThrow(/batch/);
  });
});

describe('softmax / logSoftmax', () => {
  it('hand values', () => {
    // exp(0), exp(ln 2), exp(ln 3) = 1, 2, 3 -> [1/6, 2/6, 3/6]
    const s = softmax(nd([0, Math.log(2), Math.log(3)], [1, 3]));
    expect(allClose(s, nd([1 / 6, 2 / 6, 3 / 6], [1, 3]), 1e-14)).toBe(true);
  });
  it('is stable for large inputs', () => {
    expect(toNested(softmax(nd([1000, 1000, -1000, 1000], [2, 2])))).toEqual([[0.5, 0.5], [0, 1]]);
    const l = logSoftmax(nd([-1000, 0], [1, 2]));
    expect(get(l, 0, 0)).toBeCloseTo(-1000, 10);
    expect(get(l, 0, 1)).toBeCloseTo(0, 12);
  });
  it('logSoftmax = log(softmax), rows sum to 1', () => {
    const x = randn(rng(5), [4, 7], 3);
    const s = softmax(x);
    expect(allClose(logSoftmax(x), map(s, Math.log), 1e-12, 1e-12)).toBe(true);
    for (let i = 0; i < 4; i++) expect(s.data.slice(i * 7, i * 7 + 7).reduce((p, v) => p + v, 0)).toBeCloseTo(1, 14);
  });
});

describe('gradient checking', () => {
  it('numericGrad of sum(x^3) is 3x^2', () => {
    const x = randu(rng(9), [10], -2, 2);
    const g = numericGrad((v) => v.reduce((s, t) => s + t ** 3, 0), x.data);
    expectGradClose(Array.from(x.data, (t) => 3 * t * t), g, { rtol: 1e-5, atol: 1e-5 });
    expect(Array.from(x.data)).toEqual(Array.from(randu(rng(9), [10], -2, 2).data)); // x untouched
  });

  it('numericGrad tolerates a float32 forward pass at the default settings', () => {
    const x = randn(rng(10), [20]);
    const f32 = (v: Float64Array) => {
      let s = 0;
      for (const t of Float32Array.from(v)) s = Math.fround(s + Math.fround(Math.fround(t * t) * 0.5));
      return s;
    };
    expectGradClose(x.data, numericGrad(f32, x.data)); // d/dx sum(x^2/2) = x
  });

  it('checkGrad reports the worst entry', () => {
    const r = checkGrad([1, 2, 3, 0], [1, 2.001, 3.5, 0]);
    expect(r.ok).toBe(false);
    expect(r.failures).toBe(1);
    expect(r.worstIndex).toBe(2);
    expect(r.maxAbsErr).toBeCloseTo(0.5, 12);
    expect(r.maxRelErr).toBeCloseTo(0.5 / 3.5, 12);
    expect(checkGrad([1, 2], [1.005, 2], { rtol: 1e-2, atol: 0 }).ok).toBe(true);
    expect(checkGrad([NaN], [0]).ok).toBe(false);
  });

  it('expectGradClose fails with a helpful message', () => {
    expect(() => expectGradClose([0, 0, 0, 1], [0, 0, 0, 2], { shape: [2, 2], label: 'dL/dW' })).toThrow(
      /dL\/dW mismatch: 1\/4 entries[\s\S]*worst at \[1, 1\]: analytic 1\.00000, numeric 2\.00000/,
    );
    expect(() => expectGradClose([1], [1.05], 0.1)).not.toThrow();
  });
});
