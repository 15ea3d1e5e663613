/** DenseLayer values against LASAGNE_REFERENCE.md and a float64 reference written here. */
import { HostTensor, matrix, shared, tensor3, ShapeError, OptionsError } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { arange, nd } from '../../core/test/reference';
import { expectClose, randomND, run, type NDArray } from './helpers';
import { value } from '../../core/test/calls';

/** dot(x.reshape(-1, K), W) + b, then f, in float64, keeping `lead` leading axes. */
function denseRef(x: NDArray, W: NDArray, b: NDArray | null, lead: number, f: (v: number) => number): NDArray {
  const [K, U] = W.shape;
  const outer = x.shape.slice(0, lead);
  const rows = x.data.length / K;
  const out = new Float64Array(rows * U);
  for (let r = 0; r < rows; r++) {
    for (let u = 0; u < U; u++) {
      let acc = b ? b.data[u] : 0;
      for (let k = 0; k < K; k++) acc += x.data[r * K + k] * W.data[k * U + u];
      out[r * U + u] = f(acc);
    }
  }
  return { data: out, shape: [...outer, U] };
}

describe('DenseLayer', () => {
  test('worked values: ones((2,3,4)), W = arange, b = arange(5)·3, 5 units, linear', async () => {
    const x = tensor3('x');
    const b = new Float32Array([0, 3, 6, 9, 12]);
    // numLeadingAxes 1: W (12, 5)
    const l1 = new L.DenseLayer(new L.InputLayer([2, 3, 4], { inputVar: x }), { numUnits: 5, W: Float32Array.from(arange(60).data), b, nonlinearity: null });
    const ones = nd(new Array(24).fill(1), [2, 3, 4]);
    const out1 = await run([x], L.getOutput(l1), [ones]);
    expect(out1.shape).toEqual([2, 5]);
    expect(Array.from(out1.data.slice(0, 5))).toEqual([330, 345, 360, 375, 390]);
    for (const lead of [2, -1]) {
      const l2 = new L.DenseLayer(new L.InputLayer([2, 3, 4], { inputVar: x }), {
        numUnits: 5, numLeadingAxes: lead, nonlinearity: null, b,
        W: { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] },
      });
      const out2 = await run([x], L.getOutput(l2), [ones]);
      expect(out2.shape).toEqual([2, 3, 5]);
      expect(Array.from(out2.data.slice(0, 5))).toEqual([30, 37, 44, 51, 58]);
    }
  });

  test('random input against the float64 reference (rectify, flattening trailing axes)', async () => {
    const x = tensor3('x');
    const xv = randomND(1, [4, 3, 5]);
    const Wv = randomND(2, [15, 7], 0.3);
    const bv = randomND(3, [7], 0.1);
    const l = new L.DenseLayer(new L.InputLayer([null, 3, 5], { inputVar: x }), { numUnits: 7, W: Float32Array.from(Wv.data), b: Float32Array.from(bv.data) });
    expect(l.nonlinearity).toBe(L.rectify);
    expectClose(await run([x], L.getOutput(l), [xv]), denseRef(xv, Wv, bv, 1, (v) => Math.max(0, v)), 1e-5, 1e-5);
  });

  test('b = null: no bias parameter; nonlinearity applied', async () => {
    const x = matrix('x');
    const xv = randomND(4, [3, 6]);
    const Wv = randomND(5, [6, 4]);
    const l = new L.DenseLayer(new L.InputLayer([null, 6], { inputVar: x }), { numUnits: 4, W: new HostTensor(Float32Array.from(Wv.data), [6, 4], 'float32'), b: null, nonlinearity: L.tanh });
    expect(l.b).toBeNull();
    expect(l.getParams()).toEqual([l.W]);
    expectClose(await run([x], L.getOutput(l), [xv]), denseRef(xv, Wv, null, 1, Math.tanh), 1e-5, 1e-6);
  });

  test('weight sharing: a shared variable passed as W is used as is', async () => {
    const x = matrix('x');
    const inp = new L.InputLayer([null, 6], { inputVar: x });
    const a = new L.DenseLayer(inp, { numUnits: 4, nonlinearity: null });
    const c = new L.DenseLayer(inp, { numUnits: 4, W: a.W, b: a.b!, nonlinearity: null });
    expect(c.W).toBe(a.W);
    const xv = randomND(6, [2, 6]);
    expectClose(await run([x], L.getOutput(c), [xv]), await run([x], L.getOutput(a), [xv]), 0, 0);
    const sum = new L.ElemwiseSumLayer([a, c]);
    expect(L.getAllParams(sum)).toEqual([a.W, a.b]);
    // An update through one layer is seen by the other.
    a.W.set({ data: new Float32Array(24).fill(0.5), shape: [6, 4] });
    expect(Array.from((await value(c.W)).data)).toEqual(new Array(24).fill(0.5));
  });

  test('parameters of the wrong shape are ShapeErrors naming the layer and parameter', () => {
    const w = shared(new Float32Array(12), { shape: [3, 4], name: 'w' });
    expect(() => new L.DenseLayer([null, 6], { numUnits: 4, W: w, name: 'fc' })).toThrow(ShapeError);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 4, W: w, name: 'fc' })).toThrow(/DenseLayer 'fc', parameter W.*\(3, 4\).*\(6, 4\)/);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 4, b: new Float32Array(5) })).toThrow(/parameter b: a typed array of 5 values cannot fill shape \(4,\)/);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 4, W: [[1, 2], [3, 4]] })).toThrow(/\(2, 2\).*\(6, 4\)/);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 4, W: (s: number[]) => new Float32Array(s[0]) })).toThrow(ShapeError);
  });

  test('options are validated (OptionsError naming the layer and field)', () => {
    expect(() => new L.DenseLayer([null, 6], { numUnits: 0 })).toThrow(OptionsError);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 2.5 })).toThrow(/numUnits/);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 2, num_units: 3 } as never)).toThrow(/DenseLayer: invalid options.*num_units/);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 2, W: 3 } as never)).toThrow(/W: expected an initializer/);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 2, nonlinearity: 'relu' } as never)).toThrow(/nonlinearity/);
    expect(() => new L.DenseLayer([null, 6], { numUnits: 2, W: null } as never)).toThrow(OptionsError);
  });

  test('a function of the shape is accepted as a parameter spec', async () => {
    const l = new L.DenseLayer([null, 3], { numUnits: 2, W: (s) => ({ data: new Float32Array(s[0] * s[1]).fill(2), shape: s }) });
    expect(Array.from((await value(l.W)).data)).toEqual([2, 2, 2, 2, 2, 2]);
  });
});
