/** getAllLayers order, getAllParams order/tags/deduplication, countParams, get/setAllParamValues. */
import { HostTensor, ShapeError, matrix, shared, tf } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { value } from '../../core/test/calls';

describe('getAllLayers', () => {
  // l1→l2→l3→l6 and l4→l5→l6, l6 = ElemwiseSum([l3, l5]).
  const l1 = new L.InputLayer([null, 10], { name: 'l1' });
  const l2 = new L.DenseLayer(l1, { numUnits: 20, name: 'l2' });
  const l3 = new L.DenseLayer(l2, { numUnits: 30, name: 'l3' });
  const l4 = new L.InputLayer([null, 5], { name: 'l4' });
  const l5 = new L.DenseLayer(l4, { numUnits: 30, name: 'l5' });
  const l6 = new L.ElemwiseSumLayer([l3, l5], { name: 'l6' });

  test("Lasagne's order", () => {
    expect(L.getAllLayers(l6)).toEqual([l1, l2, l3, l4, l5, l6]);
    expect(L.getAllLayers([l4, l6])).toEqual([l4, l1, l2, l3, l5, l6]);
    expect(L.getAllLayers(l3)).toEqual([l1, l2, l3]);
    expect(L.getAllLayers([l3, l3, l2])).toEqual([l1, l2, l3]);
  });

  test('treatAsInput stops the walk', () => {
    expect(L.getAllLayers(l6, [l2])).toEqual([l2, l3, l4, l5, l6]);
  });

  test('getAllParams follows that order, W before b', () => {
    expect(L.getAllParams(l6).map((p) => p.name)).toEqual(['l2.W', 'l2.b', 'l3.W', 'l3.b', 'l5.W', 'l5.b']);
    expect(L.getAllParams(l6, { regularizable: true }).map((p) => p.name)).toEqual(['l2.W', 'l3.W', 'l5.W']);
    expect(L.getAllParams(l6, { regularizable: false }).map((p) => p.name)).toEqual(['l2.b', 'l3.b', 'l5.b']);
    expect(L.getAllParams(l6, { trainable: true, regularizable: false }).map((p) => p.name)).toEqual(['l2.b', 'l3.b', 'l5.b']);
    expect(L.getAllParams(l6, { trainable: false })).toEqual([]);
  });

  test('a deep chain does not overflow the stack', () => {
    let l: L.Layer = new L.InputLayer([null, 2]);
    for (let i = 0; i < 20000; i++) l = new L.NonlinearityLayer(l, { nonlinearity: L.linear });
    expect(L.getAllLayers(l)).toHaveLength(20001);
  });
});

describe('parameters', () => {
  test('tags: W trainable+regularizable, b trainable; also on the shared variable', () => {
    const d = new L.DenseLayer([null, 3], { numUnits: 2 });
    expect(d.params.get(d.W)).toEqual(new Set(['trainable', 'regularizable']));
    expect(d.params.get(d.b!)).toEqual(new Set(['trainable']));
    expect(d.b!.tags.has('trainable')).toBe(true);
    expect(d.W.name).toBe('W');
    expect(new L.DenseLayer([null, 3], { numUnits: 2, name: 'out' }).W.name).toBe('out.W');
  });

  test('every kind of parameter spec: initializer, shared variable, tf.Tensor, HostTensor, nested array, typed array, function', async () => {
    const w = shared(new Float32Array(6).fill(7), { shape: [3, 2] });
    const t = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const specs: L.ParamSpec[] = [new L.init.Constant(7), w, t, new HostTensor(new Float32Array(6).fill(7), [3, 2], 'float32'), [[7, 7], [7, 7], [7, 7]], new Float32Array(6).fill(7), (s: number[]) => new L.init.Constant(7).sample(s)];
    for (const spec of specs) {
      const l = new L.DenseLayer([null, 3], { numUnits: 2, W: spec });
      expect(l.W.shape).toEqual([3, 2]);
      expect(Array.from((await value(l.W)).data)).toEqual(spec === t ? [1, 2, 3, 4, 5, 6] : [7, 7, 7, 7, 7, 7]);
    }
    t.dispose();
    expect(L.createParam(new L.init.Constant(1), [2], 'p', 'here').name).toBe('p');
    expect(() => L.createParam(new L.init.Constant(1), [0, 2], 'p', 'here')).toThrow(/here: cannot create a parameter with a non-positive/);
  });

  test('countParams: Input(10,20) → Dense 30 → Dense 40', () => {
    const l1 = new L.InputLayer([10, 20]);
    const l2 = new L.DenseLayer(l1, { numUnits: 30 });
    const l3 = new L.DenseLayer(l2, { numUnits: 40 });
    expect(L.countParams(l3, { regularizable: true })).toBe(1800);
    expect(L.countParams(l3, { regularizable: false })).toBe(70);
    expect(L.countParams(l3)).toBe(1870);
  });

  test('shared weights are listed once', () => {
    const inp = new L.InputLayer([null, 4]);
    const a = new L.DenseLayer(inp, { numUnits: 4, name: 'a' });
    const b = new L.DenseLayer(a, { numUnits: 4, W: a.W, name: 'b' });
    expect(L.getAllParams(b).map((p) => p.name)).toEqual(['a.W', 'a.b', 'b.b']);
    expect(L.countParams(b)).toBe(16 + 4 + 4);
  });

  test('getAllParamValues / setAllParamValues round trip', () => {
    const x = matrix('x');
    const net = new L.DenseLayer(new L.DenseLayer(new L.InputLayer([null, 3], { inputVar: x }), { numUnits: 4 }), { numUnits: 2 });
    const values = L.getAllParamValues(net);
    expect(values.map((v) => v.shape)).toEqual([[3, 4], [4], [4, 2], [2]]);
    const newValues = values.map((v, i) => new HostTensor(Float32Array.from(v.data, (_, k) => i * 100 + k), v.shape, 'float32'));
    L.setAllParamValues(net, newValues);
    expect(L.getAllParamValues(net).map((v) => Array.from(v.data))).toEqual(newValues.map((v) => Array.from(v.data)));
    // Nested arrays and typed arrays are accepted too.
    L.setAllParamValues(net, [new Float32Array(12), [0, 0, 0, 0], { data: new Float32Array(8), shape: [4, 2] }, [1, 1]]);
    expect(Array.from(L.getAllParamValues(net)[3].data)).toEqual([1, 1]);
  });

  test('mismatches are errors naming the parameter; nothing is set', () => {
    const net = new L.DenseLayer(new L.DenseLayer(new L.InputLayer([null, 3]), { numUnits: 4, name: 'h' }), { numUnits: 2, name: 'o' });
    const before = L.getAllParamValues(net).map((v) => Array.from(v.data));
    const vals = L.getAllParamValues(net);
    expect(() => L.setAllParamValues(net, vals.slice(1))).toThrow(/got 3 values to set 4 parameters/);
    const bad = [...vals];
    bad[2] = new HostTensor(new Float32Array(8), [2, 4], 'float32');
    bad[0] = new HostTensor(new Float32Array(12).fill(9), [3, 4], 'float32');
    expect(() => L.setAllParamValues(net, bad)).toThrow(ShapeError);
    expect(() => L.setAllParamValues(net, bad)).toThrow(/parameter 2 \('o.W'\) has shape \(4, 2\), but the value to set has shape \(2, 4\)/);
    expect(L.getAllParamValues(net).map((v) => Array.from(v.data))).toEqual(before);
  });
});
