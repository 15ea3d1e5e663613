import { HostTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { call } from '../../core/test/calls';

describe('summary(net)', () => {
  it('prints one row per layer with output shape and parameter count, then the totals', () => {
    const input = new L.InputLayer([null, 4], { name: 'in' });
    const hidden = new L.DenseLayer(input, { numUnits: 3, name: 'hidden' }); // 4*3 + 3 = 15
    const out = new L.DenseLayer(hidden, { numUnits: 2, nonlinearity: L.softmax }); // 3*2 + 2 = 8
    expect(L.summary(out)).toBe(
      [
        '#   Layer (type)         Output shape  Params',
        '=============================================',
        '#0  in (InputLayer)      (None, 4)          0',
        '#1  hidden (DenseLayer)  (None, 3)         15',
        '#2  DenseLayer           (None, 2)          8',
        '=============================================',
        'Total params: 23',
        'Trainable params: 23',
        'Non-trainable params: 0',
      ].join('\n'),
    );
  });

  it("counts mnist.py's MLP (1,276,810 parameters) with thousands separators", () => {
    let net: L.Layer = new L.InputLayer([null, 1, 28, 28]);
    net = new L.DropoutLayer(net, { p: 0.2 });
    net = new L.DropoutLayer(new L.DenseLayer(net, { numUnits: 800 }), { p: 0.5 }); // 784*800 + 800 = 628,000
    net = new L.DropoutLayer(new L.DenseLayer(net, { numUnits: 800 }), { p: 0.5 }); // 800*800 + 800 = 640,800
    net = new L.DenseLayer(net, { numUnits: 10, nonlinearity: L.softmax }); // 8,010
    const text = L.summary(net);
    expect(text).toMatch(/^#1 {2}DropoutLayer +\(None, 1, 28, 28\) +0$/m);
    expect(text).toMatch(/^#2 {2}DenseLayer +\(None, 800\) +628,000$/m);
    expect(text).toMatch(/^#4 {2}DenseLayer +\(None, 800\) +640,800$/m);
    expect(text).toMatch(/^#6 {2}DenseLayer +\(None, 10\) +8,010$/m);
    expect(text.split('\n').slice(-3)).toEqual(['Total params: 1,276,810', 'Trainable params: 1,276,810', 'Non-trainable params: 0']);
  });

  it("separates BatchNorm's statistics (not trainable), counts a shared parameter once and names inputs of non-chains", () => {
    const a = new L.InputLayer([null, 3]);
    const d1 = new L.DenseLayer(a, { numUnits: 3 }); // 12
    const d2 = new L.DenseLayer(a, { numUnits: 3, W: d1.W, b: null }); // shares W: 0 new
    const cat = new L.ConcatLayer([d1, d2]);
    const bn = new L.BatchNormLayer(cat); // beta, gamma (trainable) + mean, inv_std: 4 x 6
    const lines = L.summary(bn).split('\n');
    expect(lines[0]).toMatch(/^# +Layer \(type\) +Output shape +Params +Inputs$/);
    expect(lines[2]).toMatch(/^#0 {2}InputLayer +\(None, 3\) +0$/);
    expect(lines[3]).toMatch(/^#1 {2}DenseLayer +\(None, 3\) +12 {2}#0$/);
    expect(lines[4]).toMatch(/^#2 {2}DenseLayer +\(None, 3\) +0 {2}#0$/);
    expect(lines[5]).toMatch(/^#3 {2}ConcatLayer +\(None, 6\) +0 {2}#1, #2$/);
    expect(lines[6]).toMatch(/^#4 {2}BatchNormLayer +\(None, 6\) +24 {2}#3$/);
    expect(lines.slice(-3)).toEqual(['Total params: 36', 'Trainable params: 24', 'Non-trainable params: 12']);
  });
});

describe('compileOutput(net)', () => {
  // x -> dropout(0.5) -> dense(W = [[1], [1]], b = 0, linear): deterministic output x1 + x2.
  const build = () => {
    const input = new L.InputLayer([null, 2]);
    const drop = new L.DropoutLayer(input, { p: 0.5 });
    return new L.DenseLayer(drop, { numUnits: 1, W: [[1], [1]], b: [0], nonlinearity: L.linear });
  };

  it('runs the network deterministically by default', async () => {
    const predict = L.compileOutput(build());
    const y = await call(predict, [[1, 2], [3, 4]]);
    expect(y).toBeInstanceOf(HostTensor);
    expect((y as HostTensor).shape).toEqual([2, 1]);
    expect(Array.from((y as HostTensor).data)).toEqual([3, 7]);
    predict.dispose();
  });

  it('gives the noisy training output with {deterministic: false}', async () => {
    const noisy = L.compileOutput(build(), { deterministic: false });
    // Each input is dropped or doubled (1 / (1 - p)); over 64 rows of [1, 2] both happen.
    const y = await call(noisy, Array.from({ length: 64 }, () => [1, 2])) as HostTensor;
    const values = new Set(Array.from(y.data));
    for (const v of values) expect([0, 2, 4, 6]).toContain(v);
    expect(values.size).toBeGreaterThan(1);
  });

  it('takes one argument per InputLayer and returns a tuple for a tuple of layers', async () => {
    const a = new L.InputLayer([null, 1]);
    const b = new L.InputLayer([null, 2]);
    const cat = new L.ConcatLayer([a, b]);
    const sum = new L.DenseLayer(cat, { numUnits: 1, W: [[1], [10], [100]], b: [0.5], nonlinearity: L.linear });
    const [joined, total] = await call(L.compileOutput([cat, sum] as const), [[1]], [[2, 3]]);
    expect(Array.from((joined as HostTensor).data)).toEqual([1, 2, 3]);
    expect(Array.from((total as HostTensor).data)).toEqual([1 + 20 + 300 + 0.5]);
  });

  it('says what to do when the network reads no InputLayer', () => {
    const net = new L.DenseLayer([null, 2], { numUnits: 1 });
    expect(() => L.compileOutput(net)).toThrow(/reads no InputLayer; build the output with getOutput\(net, inputs\)/);
  });
});
