/** getOutput / getOutputShape: inputs, options, evaluating each layer once, multiple outputs. */
import { GraphError, OptionsError, SymbolicTensor, compile, matrix, type Shape } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { arange } from '../../core/test/reference';
import { run } from './helpers';
import { call } from '../../core/test/calls';

type ST = SymbolicTensor;

/** Counts its getOutputFor calls and records the options it received. */
class Probe extends L.Layer {
  calls = 0;
  seen: L.GetOutputOptions[] = [];
  override readonly getOutputKwargs = ['probeOption'];
  getOutputFor(input: ST, opts: L.GetOutputOptions = {}): ST {
    this.calls++;
    this.seen.push(opts);
    return input.add(1);
  }
}

describe('getOutput', () => {
  test('a layer feeding several others is evaluated once per call', () => {
    const inp = new L.InputLayer([null, 3]);
    const probe = new Probe(inp);
    const a = new L.NonlinearityLayer(probe, L.linear);
    const b = new L.NonlinearityLayer(probe, L.tanh);
    const s = new L.ElemwiseSumLayer([a, b, probe]);
    const out = L.getOutput(s);
    expect(probe.calls).toBe(1);
    expect(out).toBeInstanceOf(SymbolicTensor);
    const [oa, ob, op] = L.getOutput([a, b, probe]);
    expect(probe.calls).toBe(2);
    expect(oa).toBe(op); // linear(x) is x: the same expression, not a second evaluation
    expect(ob.owner!.inputs[0]).toBe(op);
  });

  test('options reach every layer; unknown options warn', () => {
    const inp = new L.InputLayer([null, 3]);
    const probe = new Probe(inp);
    L.getOutput(probe, { deterministic: true, probeOption: 3 });
    expect(probe.seen[0]).toEqual({ deterministic: true, probeOption: 3 });
    L.getOutput(probe, undefined, { deterministic: true });
    expect(probe.seen[1]).toEqual({ deterministic: true });
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    L.getOutput(probe, { determinstic: true });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/unused options: determinstic/));
    warn.mockRestore();
  });

  test('inputs: one expression for the single InputLayer, or values', async () => {
    const x = matrix('x');
    const y = matrix('y');
    const inp = new L.InputLayer([null, 3], { inputVar: x });
    const net = new L.ExpressionLayer(inp, { fn: (t) => t.mul(2) });
    const out = L.getOutput(net, y.add(1));
    expect(Array.from((await run([y], out, [arange(3, [1, 3])])).data)).toEqual([2, 4, 6]);
    const constOut = await call(compile([], L.getOutput(net, [[1, 2, 3]])));
    expect(Array.from((constOut as { data: Float32Array }).data)).toEqual([2, 4, 6]);
  });

  test('inputs: a Map from layers to expressions (input layers or any layer)', async () => {
    const a = matrix('a');
    const b = matrix('b');
    const la = new L.InputLayer([null, 2], { inputVar: a });
    const lb = new L.InputLayer([null, 2], { inputVar: b });
    const mid = new L.ExpressionLayer(la, { fn: (t) => t.mul(10) });
    const sum = new L.ElemwiseSumLayer([mid, lb]);
    const z = matrix('z');
    expect(Array.from((await run([z, b], L.getOutput(sum, new Map<L.Layer, ST>([[la, z]])), [arange(2, [1, 2]), arange(2, [1, 2])])).data)).toEqual([0, 11]);
    // Replacing an intermediate layer's output: its inputs are not needed.
    expect(Array.from((await run([z, b], L.getOutput(sum, new Map<L.Layer, ST>([[mid, z]])), [arange(2, [1, 2]), arange(2, [1, 2])])).data)).toEqual([0, 2]);
    expect(() => L.getOutput(sum, z)).toThrow(/single input expression was given for a network with 2 input layers/);
    expect(() => L.getOutput(sum, new Map([['a' as never, z]]))).toThrow(OptionsError);
  });

  test('free-floating layers need a Map', () => {
    const d = new L.DenseLayer([null, 3], { numUnits: 2 });
    expect(() => L.getOutput(d)).toThrow(GraphError);
    const x = matrix('x');
    const out = L.getOutput(new L.NonlinearityLayer(d), new Map<L.Layer, ST>([[d, x]]));
    expect(out.owner!.inputs[0]).toBe(x);
  });

  test("the key null stands for the input of layers built on a shape (Lasagne's {None: x}); a single expression does not", async () => {
    const d = new L.DenseLayer([null, 3], { numUnits: 2, W: [[1, 0], [0, 1], [1, 1]], nonlinearity: null });
    const top = new L.NonlinearityLayer(d, L.tanh);
    const x = matrix('x');
    const out = await run([x], L.getOutput(top, new Map([[null, x]])), [{ data: Float64Array.from([1, 2, 3]), shape: [1, 3] }]);
    [Math.tanh(4), Math.tanh(5)].forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 6));
    expect(L.getOutputShape(top, new Map([[null, [7, 3]]]))).toEqual([7, 2]);
    expect(() => L.getOutput(top, x)).toThrow(/free-floating layer DenseLayer/);
    expect(() => L.getOutputShape(top, [7, 3])).toThrow(GraphError);
    expect(() => L.getOutput(top, new Map([[undefined as never, x]]))).toThrow(OptionsError);
  });
});

describe('getOutputShape', () => {
  test('as built, and propagated from other input shapes', () => {
    const inp = new L.InputLayer([null, 1, 28, 28]);
    const conv = new L.Conv2DLayer(inp, { numFilters: 4, filterSize: 5 });
    const pool = new L.MaxPool2DLayer(conv, { poolSize: 2 });
    expect(L.getOutputShape(pool)).toEqual([null, 4, 12, 12]);
    expect(L.getOutputShape([conv, pool])).toEqual([[null, 4, 24, 24], [null, 4, 12, 12]]);
    expect(L.getOutputShape(pool, [8, 1, 32, 32])).toEqual([8, 4, 14, 14]);
    expect(L.getOutputShape(pool, new Map<L.Layer, Shape>([[conv, [2, 4, 10, 10]]]))).toEqual([2, 4, 5, 5]);
  });
});
