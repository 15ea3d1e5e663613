/**
 * EmbeddingLayer, NINLayer, ParametricRectifierLayer and prelu: forward against float64 loops,
 * gradients by finite differences, shapes with null sizes, typed errors.
 */
import { DTypeError, OptionsError, ShapeError, compile, imatrix, matrix, tensor4, type HostTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { checkLayerGrad, expectClose, f32, mapND, randomND, run, type NDArray } from './helpers';
import { call, value } from '../../core/test/calls';

describe('EmbeddingLayer', () => {
  test('rows of W at the indices (output shape input + [outputSize]); gradient sums repeated rows', async () => {
    const Wv = randomND(1, [6, 3]);
    const ids = imatrix('ids');
    const l = new L.EmbeddingLayer(new L.InputLayer([null, 4], { inputVar: ids }), { inputSize: 6, outputSize: 3, W: Float32Array.from(Wv.data) });
    expect(l.outputShape).toEqual([null, 4, 3]);
    const idv = [0, 5, 2, 5, 1, 1, 3, 0];
    const out = await call(compile([ids], L.getOutput(l)), { data: Int32Array.from(idv), shape: [2, 4] }) as HostTensor;
    expect(out.shape).toEqual([2, 4, 3]);
    idv.forEach((id, k) => [0, 1, 2].forEach((j) => expect(out.data[k * 3 + j]).toBeCloseTo(Wv.data[id * 3 + j], 6)));
    await checkLayerGrad(l, ids, { data: Float64Array.from(idv), shape: [2, 4] });
  });
  test('W is (inputSize, outputSize), default Normal(0.01), trainable and regularizable; float input and bad options are errors', async () => {
    const l = new L.EmbeddingLayer([null], { inputSize: 100, outputSize: 8, name: 'emb' });
    expect(l.W.shape).toEqual([100, 8]);
    expect(l.W.name).toBe('emb.W');
    expect(l.getParams({ regularizable: true })).toEqual([l.W]);
    const std = Math.sqrt(Array.from((await value(l.W)).data).reduce((a, v) => a + v * v, 0) / 800);
    expect(std).toBeGreaterThan(0.008);
    expect(std).toBeLessThan(0.012);
    expect(() => L.getOutput(l, new Map([[null, matrix('f')]]))).toThrow(DTypeError);
    expect(() => new L.EmbeddingLayer([null], { inputSize: 0, outputSize: 8 })).toThrow(OptionsError);
    expect(() => new L.EmbeddingLayer([null], { inputSize: 3, outputSize: 2, W: [[1, 2, 3]] })).toThrow(ShapeError);
  });
});

describe('NINLayer', () => {
  const xv = randomND(2, [2, 3, 4, 5]);
  const Wv = randomND(3, [3, 2]);
  /** out[n, u, p] = f(Σ_c W[c, u]·x[n, c, p] + b). */
  const ref = (b: NDArray, untied: boolean, f: (v: number) => number): NDArray => {
    const out = { data: new Float64Array(2 * 2 * 20), shape: [2, 2, 4, 5] };
    for (let n = 0; n < 2; n++)
      for (let u = 0; u < 2; u++)
        for (let p = 0; p < 20; p++) {
          let acc = untied ? b.data[u * 20 + p] : b.data[u];
          for (let c = 0; c < 3; c++) acc += Wv.data[c * 2 + u] * xv.data[(n * 3 + c) * 20 + p];
          out.data[(n * 2 + u) * 20 + p] = f(acc);
        }
    return out;
  };
  test.each([false, true])('untieBiases %s: a dense layer over the channel axis at every position; gradients', async (untied) => {
    const x = tensor4('x');
    const b = randomND(4, untied ? [2, 4, 5] : [2]);
    const l = new L.NINLayer(new L.InputLayer([null, 3, 4, 5], { inputVar: x }), { numUnits: 2, untieBiases: untied, W: Float32Array.from(Wv.data), b: f32(b), nonlinearity: L.tanh });
    expect(l.outputShape).toEqual([null, 2, 4, 5]);
    expectClose(await run([x], L.getOutput(l), [xv]), ref(b, untied, Math.tanh), 1e-5, 1e-5);
    await checkLayerGrad(l, x, xv);
  });
  test('any rank ≥ 2, null sizes after the channels; rectify by default; errors', () => {
    expect(new L.NINLayer([null, 3], { numUnits: 4 }).outputShape).toEqual([null, 4]);
    expect(new L.NINLayer([null, 3, null, 7, 2], { numUnits: 4 }).outputShape).toEqual([null, 4, null, 7, 2]);
    expect(new L.NINLayer([null, 3], { numUnits: 4 }).nonlinearity).toBe(L.rectify);
    expect(() => new L.NINLayer([null, null, 5], { numUnits: 4 })).toThrow(/channels must be known/);
    expect(() => new L.NINLayer([null, 3, null], { numUnits: 4, untieBiases: true })).toThrow(/untied biases/);
    expect(() => new L.NINLayer([null, 3], { numUnits: 0 })).toThrow(OptionsError);
  });
});

describe('ParametricRectifierLayer and prelu', () => {
  test('x for x > 0, α·x otherwise, α per channel (default 0.25); gradients for x and α', async () => {
    const xv = randomND(5, [2, 3, 2, 2]);
    const x = tensor4('x');
    const alpha = [0.1, 0.25, -0.5];
    const l = new L.ParametricRectifierLayer(new L.InputLayer([null, 3, 2, 2], { inputVar: x }), { alpha });
    expect(l.alpha.shape).toEqual([3]);
    expect(l.getParams({ regularizable: true })).toEqual([]);
    expectClose(await run([x], L.getOutput(l), [xv]), mapND(xv, (v, i) => (v > 0 ? v : alpha[Math.floor(i / 4) % 3] * v)), 1e-6, 1e-6);
    await checkLayerGrad(l, x, xv);
    expect(Array.from((await value(new L.ParametricRectifierLayer([null, 3]).alpha)).data)).toEqual([0.25, 0.25, 0.25]);
  });
  test("sharedAxes 'all', an axis or a list; unknown sizes where α is not shared are errors", () => {
    expect(new L.ParametricRectifierLayer([null, 3, 4], { sharedAxes: 'all' }).alpha.shape).toEqual([]);
    expect(new L.ParametricRectifierLayer([null, 3, 4], { sharedAxes: [0, 1] }).alpha.shape).toEqual([4]);
    expect(new L.ParametricRectifierLayer([5, 3, 4], { sharedAxes: 1 }).alpha.shape).toEqual([5, 4]);
    expect(() => new L.ParametricRectifierLayer([null, 3, 4], { sharedAxes: 1 })).toThrow(/needs known input sizes/);
    expect(() => new L.ParametricRectifierLayer([null, 3, 4], { sharedAxes: 3 })).toThrow(ShapeError);
    expect(() => new L.ParametricRectifierLayer([null, 3, 4], { sharedAxes: 'some' } as never)).toThrow(OptionsError);
  });
  test('prelu(layer) removes the layer nonlinearity and stacks a ParametricRectifierLayer', () => {
    const dense = new L.DenseLayer([null, 5], { numUnits: 4 });
    const p = L.prelu(dense, { name: 'p' });
    expect(p).toBeInstanceOf(L.ParametricRectifierLayer);
    expect(p.inputLayer).toBe(dense);
    expect(dense.nonlinearity).toBe(L.identity);
    expect(p.alpha.shape).toEqual([4]);
    expect(L.getAllParams(p).length).toBe(3);
  });
});
