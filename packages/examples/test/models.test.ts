import { setSeed, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { buildCnn, buildCustomMlp, buildMlp, modelBuilder } from '../src/models';

function describeNet(net: L.Layer): string[] {
  return L.getAllLayers(net).map((l) => {
    const kind = l.constructor.name;
    if (l instanceof L.DropoutLayer) return `${kind}(p=${l.p})`;
    if (l instanceof L.DenseLayer) return `${kind}(${l.numUnits}, ${l.nonlinearity === L.softmax ? 'softmax' : l.nonlinearity === L.rectify ? 'rectify' : '?'})`;
    if (l instanceof L.Conv2DLayer) return `${kind}(${l.numFilters}, ${l.filterSize.join('x')})`;
    if (l instanceof L.MaxPool2DLayer) return `${kind}(${l.poolSize.join('x')})`;
    return kind;
  });
}
const shapes = (net: L.Layer) => L.getAllParams(net).map((p) => [...p.get().shape]);

describe("mnist.py's networks", () => {
  it('build_mlp', () => {
    const v = tensor4('x');
    const net = buildMlp(v);
    expect(describeNet(net)).toEqual([
      'InputLayer', 'DropoutLayer(p=0.2)', 'DenseLayer(800, rectify)', 'DropoutLayer(p=0.5)', 'DenseLayer(800, rectify)', 'DropoutLayer(p=0.5)', 'DenseLayer(10, softmax)',
    ]);
    expect(shapes(net)).toEqual([[784, 800], [800], [800, 800], [800], [800, 10], [10]]);
    expect((L.getAllLayers(net)[0] as L.InputLayer).inputVar).toBe(v);
    expect((L.getAllLayers(net)[0] as L.InputLayer).shape).toEqual([null, 1, 28, 28]);
    expect(L.getAllParams(net, { trainable: true })).toHaveLength(6);
  });

  it('build_custom_mlp (dropout 0 leaves the layer out, as `if drop_input:`)', () => {
    expect(describeNet(buildCustomMlp(undefined, { depth: 3, width: 20, dropInput: 0, dropHidden: 0.25 }))).toEqual([
      'InputLayer', 'DenseLayer(20, rectify)', 'DropoutLayer(p=0.25)', 'DenseLayer(20, rectify)', 'DropoutLayer(p=0.25)', 'DenseLayer(20, rectify)', 'DropoutLayer(p=0.25)', 'DenseLayer(10, softmax)',
    ]);
    expect(describeNet(buildCustomMlp())).toEqual(describeNet(buildMlp()));
    expect(describeNet(modelBuilder('custom_mlp:0,5,0.1,0')())).toEqual(['InputLayer', 'DropoutLayer(p=0.1)', 'DenseLayer(10, softmax)']);
  });

  it('build_cnn', () => {
    const net = buildCnn();
    expect(describeNet(net)).toEqual([
      'InputLayer', 'Conv2DLayer(32, 5x5)', 'MaxPool2DLayer(2x2)', 'Conv2DLayer(32, 5x5)', 'MaxPool2DLayer(2x2)', 'DropoutLayer(p=0.5)', 'DenseLayer(256, rectify)', 'DropoutLayer(p=0.5)', 'DenseLayer(10, softmax)',
    ]);
    expect(shapes(net)).toEqual([[32, 1, 5, 5], [32], [32, 32, 5, 5], [32], [512, 256], [256], [256, 10], [10]]);
    const conv = L.getAllLayers(net).filter((l) => l instanceof L.Conv2DLayer) as L.Conv2DLayer[];
    expect(conv.every((c) => c.nonlinearity === L.rectify)).toBe(true);
    expect(L.getOutputShape(net)).toEqual([null, 10]);
  });

  it('uses Glorot-uniform weights and zero biases, reproducibly for a seed', () => {
    setSeed(11);
    const a = L.getAllParamValues(buildMlp());
    setSeed(11);
    const b = L.getAllParamValues(buildMlp());
    a.forEach((v, i) => expect(Buffer.from(v.data.buffer).equals(Buffer.from(b[i].data.buffer))).toBe(true));
    const bound = Math.sqrt(6 / (784 + 800));
    const w = a[0].data;
    let max = 0;
    for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]));
    expect(max).toBeLessThanOrEqual(bound);
    expect(max).toBeGreaterThan(0.99 * bound);
    expect(Array.from(a[1].data).every((x) => x === 0)).toBe(true);
  });
});
