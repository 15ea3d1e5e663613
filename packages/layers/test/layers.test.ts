/** InputLayer, shape layers (Reshape, Flatten, Dimshuffle), merge layers and the special layers. */
import { GraphError, HostTensor, OptionsError, ShapeError, compile, dim, matrix, maximum, tensor, tensor3, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { arange } from '../../core/test/reference';
import { expectClose, randomND, run } from './helpers';
import { call } from '../../core/test/calls';

describe('InputLayer', () => {
  test('creates a float32 variable of the right rank and static shape, named after the layer', () => {
    const l = new L.InputLayer([null, 3, 32, 32], { name: 'img' });
    expect(l.inputVar.ndim).toBe(4);
    expect(l.inputVar.shape).toEqual([null, 3, 32, 32]);
    expect(l.inputVar.dtype).toBe('float32');
    expect(l.inputVar.name).toBe('img.input');
    expect(new L.InputLayer([null, 10]).inputVar.name).toBe('input');
    expect(l.outputShape).toEqual([null, 3, 32, 32]);
    expect(L.getOutput(l)).toBe(l.inputVar);
  });

  test('uses the given variable; checks rank and sizes', () => {
    const x = tensor4('x');
    expect(new L.InputLayer([null, 1, 28, 28], { inputVar: x }).inputVar).toBe(x);
    expect(() => new L.InputLayer([null, 1, 28], { inputVar: x, name: 'in' })).toThrow(/InputLayer 'in': shape \(None, 1, 28\) has 3 dimensions, but the input variable .* has 4/);
    const y = tensor('float32', [null, 3, 28, 28], 'y');
    expect(() => new L.InputLayer([null, 1, 28, 28], { inputVar: y })).toThrow(ShapeError);
    expect(() => new L.InputLayer([null, 0, 28])).toThrow(/non-positive/);
    expect(() => new L.InputLayer([null, 3], { input_var: x } as never)).toThrow(OptionsError);
  });
});

describe('ReshapeLayer', () => {
  test("[0] back-references and -1 (static shape and values)", async () => {
    const x = tensor4('x');
    const inp = new L.InputLayer([null, 3, 4, 5], { inputVar: x });
    const r = new L.ReshapeLayer(inp, { shape: [[0], -1] });
    expect(r.outputShape).toEqual([null, 60]);
    const xv = randomND(61, [2, 3, 4, 5]);
    const out = await run([x], L.getOutput(r), [xv]);
    expect(out.shape).toEqual([2, 60]);
    expectClose(out, { data: xv.data, shape: [2, 60] }, 0, 0);
    expect(new L.ReshapeLayer(inp, [[0], [2], 15]).outputShape).toEqual([null, 4, 15]);
    expect(L.reshape(inp, [[0], 1, -1, 20]).outputShape).toEqual([null, 1, 3, 20]);
    expect(new L.ReshapeLayer([null, 3, null], { shape: [[0], [2], 3] }).outputShape).toEqual([null, null, 3]);
    expect(new L.ReshapeLayer([null, 3, null], { shape: [[0], -1] }).outputShape).toEqual([null, null]);
    expect(new L.ReshapeLayer([2, 3, 4], { shape: [-1, 6] }).outputShape).toEqual([4, 6]);
  });

  test('symbolic sizes', async () => {
    const x = matrix('x');
    const inp = new L.InputLayer([null, 6], { inputVar: x });
    const r = new L.ReshapeLayer(inp, { shape: [dim(x, 0), 2, -1] });
    expect(r.outputShape).toEqual([null, 2, null]);
    const out = await run([x], L.getOutput(r), [arange(12, [2, 6])]);
    expect(out.shape).toEqual([2, 2, 3]);
  });

  test('invalid specifications', () => {
    expect(() => new L.ReshapeLayer([null, 6], { shape: [0, 6] })).toThrow(/positive or -1/);
    expect(() => new L.ReshapeLayer([null, 6], { shape: [-1, -1] })).toThrow(/more than one -1/);
    expect(() => new L.ReshapeLayer([null, 6], { shape: [[2], 6] })).toThrow(/refers to input axis \[2\]/);
    expect(() => new L.ReshapeLayer([3, 6], { shape: [4, 5], name: 'r' })).toThrow(/ReshapeLayer 'r': input shape \(3, 6\) cannot be reshaped/);
    expect(() => new L.ReshapeLayer([3, 6], { shape: [[-1], 5] } as never)).toThrow(OptionsError);
  });
});

describe('FlattenLayer and DimshuffleLayer', () => {
  test('FlattenLayer keeps outdim − 1 axes', async () => {
    const x = tensor4('x');
    const inp = new L.InputLayer([null, 3, 4, 5], { inputVar: x });
    expect(new L.FlattenLayer(inp).outputShape).toEqual([null, 60]);
    expect(L.flatten(inp, { outdim: 3 }).outputShape).toEqual([null, 3, 20]);
    expect(new L.FlattenLayer(inp, { outdim: 1 }).outputShape).toEqual([null]);
    expect(new L.FlattenLayer([2, null, 4]).outputShape).toEqual([2, null]);
    const out = await run([x], L.getOutput(L.flatten(inp, { outdim: 3 })), [arange(120, [2, 3, 4, 5])]);
    expect(out.shape).toEqual([2, 3, 20]);
    expect(() => new L.FlattenLayer(inp, { outdim: 0 })).toThrow(OptionsError);
    expect(() => new L.FlattenLayer(inp, { outdim: 5 })).toThrow(ShapeError);
  });

  test('DimshuffleLayer reorders, adds and drops axes', async () => {
    const x = tensor3('x');
    const inp = new L.InputLayer([null, 1, 4], { inputVar: x });
    const d = new L.DimshuffleLayer(inp, { pattern: [2, 'x', 0] });
    expect(d.outputShape).toEqual([4, 1, null]);
    const xv = arange(8, [2, 1, 4]);
    const out = await run([x], L.getOutput(d), [xv]);
    expect(out.shape).toEqual([4, 1, 2]);
    expect(Array.from(out.data)).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    expect(L.dimshuffle(inp, [0, 2, 1]).outputShape).toEqual([null, 4, 1]);
    expect(() => new L.DimshuffleLayer(inp, [0, 0, 2])).toThrow(/more than once/);
    expect(() => new L.DimshuffleLayer(inp, [0, 1]).outputShape).toThrow(/drops axis 2 of size 4/);
    expect(() => new L.DimshuffleLayer(inp, [0, 1, 3])).toThrow(/contains 3/);
    // An axis of unknown size may be dropped (it must be 1 at run time).
    const y = tensor3('y');
    const dropUnknown = new L.DimshuffleLayer(new L.InputLayer([null, null, 4], { inputVar: y }), [0, 2]);
    expect((await run([y], L.getOutput(dropUnknown), [xv])).shape).toEqual([2, 4]);
  });
});

describe('merge layers', () => {
  test('ConcatLayer along axis 1 (default) and other axes', async () => {
    const a = matrix('a');
    const b = matrix('b');
    const la = new L.InputLayer([null, 2], { inputVar: a });
    const lb = new L.InputLayer([null, 3], { inputVar: b });
    const c = new L.ConcatLayer([la, lb]);
    expect(c.outputShape).toEqual([null, 5]);
    const av = arange(4, [2, 2]);
    const bv = arange(6, [2, 3]);
    const out = await run([a, b], L.getOutput(c), [av, bv]);
    expect(Array.from(out.data)).toEqual([0, 1, 0, 1, 2, 2, 3, 3, 4, 5]);
    expect(L.concat([la, la], { axis: 0 }).outputShape).toEqual([null, 2]);
    expect(new L.ConcatLayer([[2, 3], [4, 3]], { axis: 0 }).outputShape).toEqual([6, 3]);
    expect(new L.ConcatLayer([[2, 3], [4, 3]], { axis: -2 }).outputShape).toEqual([6, 3]);
    expect(() => new L.ConcatLayer([[2, 3], [4, 2]], { axis: 0, name: 'cat' })).toThrow(/ConcatLayer 'cat': input shapes must be the same except along the concatenation axis 0; received \(2, 3\), \(4, 2\)/);
  });

  test('ElemwiseSumLayer with coefficients; ElemwiseMergeLayer', async () => {
    const a = matrix('a');
    const b = matrix('b');
    const la = new L.InputLayer([null, 3], { inputVar: a });
    const lb = new L.InputLayer([null, 3], { inputVar: b });
    const av = randomND(71, [2, 3]);
    const bv = randomND(72, [2, 3]);
    const s = new L.ElemwiseSumLayer([la, lb], { coeffs: [2, -1] });
    expectClose(await run([a, b], L.getOutput(s), [av, bv]), { data: av.data.map((v, i) => 2 * v - bv.data[i]), shape: [2, 3] }, 1e-6, 1e-6);
    expectClose(await run([a, b], L.getOutput(new L.ElemwiseSumLayer([la, lb])), [av, bv]), { data: av.data.map((v, i) => v + bv.data[i]), shape: [2, 3] }, 1e-6, 1e-6);
    const m = new L.ElemwiseMergeLayer([la, lb], { mergeFunction: maximum });
    expectClose(await run([a, b], L.getOutput(m), [av, bv]), { data: av.data.map((v, i) => Math.max(v, bv.data[i])), shape: [2, 3] }, 0, 0);
    expect(() => new L.ElemwiseSumLayer([la, new L.InputLayer([null, 4])])).toThrow(/all input shapes must be the same; received \(None, 3\), \(None, 4\)/);
    expect(() => new L.ElemwiseSumLayer([la, lb], { coeffs: [1, 2, 3] })).toThrow(/3 coeffs for 2 incomings/);
    expect(new L.ElemwiseSumLayer([[null, 3], [2, null]]).outputShape).toEqual([2, 3]);
  });
});

describe('special layers', () => {
  test('NonlinearityLayer (default rectify), BiasLayer and ScaleLayer with shared axes', async () => {
    const x = tensor4('x');
    const inp = new L.InputLayer([null, 2, 3, 3], { inputVar: x });
    const xv = randomND(81, [2, 2, 3, 3]);
    expectClose(await run([x], L.getOutput(new L.NonlinearityLayer(inp)), [xv]), { data: xv.data.map((v) => Math.max(0, v)), shape: xv.shape }, 0, 0);
    expectClose(await run([x], L.getOutput(new L.NonlinearityLayer(inp, L.sigmoid)), [xv]), { data: xv.data.map((v) => 1 / (1 + Math.exp(-v))), shape: xv.shape }, 1e-5, 1e-6);
    const bias = new L.BiasLayer(inp, { b: Float32Array.from([10, 20]) });
    expect(bias.b!.shape).toEqual([2]);
    expect(bias.params.get(bias.b!)).toEqual(new Set(['trainable']));
    expectClose(await run([x], L.getOutput(bias), [xv]), { data: xv.data.map((v, i) => v + (Math.floor(i / 9) % 2 ? 20 : 10)), shape: xv.shape }, 1e-6, 1e-6);
    const untied = new L.BiasLayer(inp, { sharedAxes: 0 });
    expect(untied.b!.shape).toEqual([2, 3, 3]);
    expect(new L.BiasLayer(inp, { b: null }).getParams()).toEqual([]);
    const scale = new L.ScaleLayer(inp, { scales: Float32Array.from([2, 3]) });
    expect(scale.params.get(scale.scales)).toEqual(new Set(['trainable', 'regularizable']));
    expectClose(await run([x], L.getOutput(scale), [xv]), { data: xv.data.map((v, i) => v * (Math.floor(i / 9) % 2 ? 3 : 2)), shape: xv.shape }, 1e-6, 1e-6);
    expect(() => new L.BiasLayer([null, null, 3])).toThrow(/needs known input sizes/);
  });

  test('ExpressionLayer with given, computed and inferred output shapes', async () => {
    const x = matrix('x');
    const inp = new L.InputLayer([null, 6], { inputVar: x });
    const e = new L.ExpressionLayer(inp, { fn: (t) => t.mul(2) });
    expect(e.outputShape).toEqual([null, 6]);
    expect(new L.ExpressionLayer(inp, { fn: (t) => t.sum(1), outputShape: 'auto' }).outputShape).toEqual([null]);
    expect(new L.ExpressionLayer(inp, { fn: (t) => t.sum(1), outputShape: (s) => [s[0]] }).outputShape).toEqual([null]);
    expect(Array.from((await run([x], L.getOutput(e), [arange(6, [1, 6])])).data)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(new L.ExpressionLayer(inp, { fn: (t) => t.sum(1), outputShape: [7] }).outputShape).toEqual([7]);
    // An unknown mode is an OptionsError (it used to be taken as the shape itself).
    expect(() => new L.ExpressionLayer(inp, { fn: (t) => t, outputShape: 'same' as never })).toThrow(OptionsError);
    expect(() => new L.ExpressionLayer(inp, { fn: (t) => t, outputShape: [2, -1] })).toThrow(/outputShape/);
  });

  test('a layer needs an incoming layer or a shape', () => {
    expect(() => new L.DenseLayer(undefined as never, { numUnits: 2 })).toThrow(GraphError);
    expect(() => new L.ConcatLayer(new L.InputLayer([null, 2]) as never)).toThrow(/list of incoming layers/);
    expect(() => new L.DenseLayer([null, -2], { numUnits: 2 })).toThrow(/non-positive input shape/);
  });

  test('compiled outputs of merge + special layers are HostTensors', async () => {
    const x = matrix('x');
    const inp = new L.InputLayer([null, 2], { inputVar: x });
    const out = await call(compile([x], L.getOutput(new L.ConcatLayer([inp, new L.NonlinearityLayer(inp, L.linear)]))), [[1, 2]]);
    expect(out).toBeInstanceOf(HostTensor);
  });
});
