import { compile, GraphError, OptionsError, ready, shared, sum, vector, type SharedVariable, type SymbolicTensor } from '@lasagne-ts/core';
import {
  allLayers, applyPenalty, l1, l2, regularization, regularizeLayerParams, regularizeLayerParamsWeighted, regularizeNetworkParams, type LayerLike, type ParamTags,
} from '../src';
import { call } from '../../core/test/calls';

beforeAll(() => ready());

const evaluate = async (e: SymbolicTensor) => await call(compile([], e)) as number;

/** A minimal stand-in for a Lasagne layer: W (trainable, regularizable) and b (trainable). */
class FakeLayer implements LayerLike {
  readonly params: SharedVariable[] = [];
  constructor(readonly name: string, public inputLayer: LayerLike | null, w?: number[], b?: number[]) {
    if (w) this.params.push(shared(w, { name: `${name}.W`, tags: ['trainable', 'regularizable'] }));
    if (b) this.params.push(shared(b, { name: `${name}.b`, tags: ['trainable'] }));
  }
  getParams(tags: ParamTags = {}): SharedVariable[] {
    return this.params.filter((p) => Object.entries(tags).every(([t, want]) => p.tags.has(t) === want));
  }
}
class FakeMerge implements LayerLike {
  constructor(readonly name: string, public inputLayers: LayerLike[]) {}
  getParams(): SharedVariable[] {
    return [];
  }
}

describe('penalties', () => {
  test('l1 = Σ|x|, l2 = Σx² (no ½)', async () => {
    const x = vector('x');
    expect(await call(compile([x], l1(x)), [1, -2, 3])).toBeCloseTo(6, 6);
    expect(await call(compile([x], l2(x)), [1, -2, 3])).toBeCloseTo(14, 6);
    expect(await evaluate(l2(shared({ data: [1, 2, 3, 4], shape: [2, 2] })))).toBeCloseTo(30, 6);
  });

  test('applyPenalty: a list is summed, a single tensor penalised, an empty list is 0', async () => {
    const a = shared([1, -2]);
    const b = shared([3]);
    expect(await evaluate(applyPenalty([a, b], l2))).toBeCloseTo(14, 6);
    expect(await evaluate(applyPenalty(a, l1))).toBeCloseTo(3, 6);
    expect(await evaluate(applyPenalty([], l2))).toBe(0);
  });

  test('applyPenalty passes options on to the penalty (Lasagne\'s **kwargs)', async () => {
    const lp = (x: SymbolicTensor, o?: { p: number }) => sum(x.abs().pow(o?.p ?? 2));
    expect(await evaluate(applyPenalty([shared([1, 2])], lp, { p: 3 }))).toBeCloseTo(9, 5);
  });

  test('the regularization namespace mirrors lasagne.regularization', () => {
    expect(regularization.l2).toBe(l2);
    expect(regularization.regularizeNetworkParams).toBe(regularizeNetworkParams);
  });
});

describe('layer helpers (anything with getParams)', () => {
  // Lasagne's docstring example: layer1 (Dense 3), layer2 (Dense 5)
  const input = new FakeLayer('in', null);
  const layer1 = new FakeLayer('l1', input, [1, 2], [10]);
  const layer2 = new FakeLayer('l2', layer1, [3], [20, 30]);

  test('regularizeLayerParams: only regularizable params (W, not b) by default', async () => {
    expect(await evaluate(regularizeLayerParams(layer2, l2))).toBeCloseTo(9, 6);
    expect(await evaluate(regularizeLayerParams([layer1, layer2], l1))).toBeCloseTo(6, 6);
    expect(await evaluate(regularizeLayerParams(layer2, l1, { tags: { trainable: true } }))).toBeCloseTo(53, 6);
    expect(await evaluate(regularizeLayerParams(layer2, l1, { tags: { regularizable: false } }))).toBeCloseTo(50, 6);
  });

  test('regularizeLayerParamsWeighted: Σ coeff · penalty(layer) (Map or pairs, numbers or shared)', async () => {
    const layers = new Map<LayerLike, number>([[layer1, 0.1], [layer2, 0.5]]);
    expect(await evaluate(regularizeLayerParamsWeighted(layers, l2))).toBeCloseTo(0.1 * 5 + 0.5 * 9, 6);
    const c = shared(2, { dtype: 'float32' });
    expect(await evaluate(regularizeLayerParamsWeighted([[layer1, c]], l2))).toBeCloseTo(10, 6);
  });

  test('regularizeNetworkParams walks inputLayer / inputLayers, each param once', async () => {
    expect(await evaluate(regularizeNetworkParams(layer2, l2))).toBeCloseTo(14, 6);
    // a diamond: l1 -> l2 -> l3 and l4 -> l5, merged in l6 (as LASAGNE_REFERENCE.md's getAllLayers case)
    const la = new FakeLayer('l1', null, [1]);
    const l2n = new FakeLayer('l2', la, [2]);
    const l3 = new FakeLayer('l3', l2n, [3]);
    const l4 = new FakeLayer('l4', null, [4]);
    const l5 = new FakeLayer('l5', l4, [5]);
    const l6 = new FakeMerge('l6', [l3, l5]);
    expect(allLayers(l6).map((l) => (l as FakeLayer).name)).toEqual(['l1', 'l2', 'l3', 'l4', 'l5', 'l6']);
    expect(allLayers([l4, l6]).map((l) => (l as FakeLayer).name)).toEqual(['l4', 'l1', 'l2', 'l3', 'l5', 'l6']);
    expect(await evaluate(regularizeNetworkParams(l6, l2))).toBeCloseTo(1 + 4 + 9 + 16 + 25, 6);
    // a shared layer reached twice is penalised once
    const twice = new FakeMerge('twice', [l3, l3]);
    expect(await evaluate(regularizeNetworkParams(twice, l1))).toBeCloseTo(6, 6);
  });

  test('tags are passed to getParams (the layer filters, as Lasagne\'s get_params(**tags))', () => {
    const seen: ParamTags[] = [];
    const spy: LayerLike = { getParams: (tags?: ParamTags) => (seen.push(tags!), layer1.getParams(tags)), inputLayer: null };
    regularizeNetworkParams(spy, l2);
    regularizeLayerParams(spy, l2, { tags: { trainable: true, regularizable: false } });
    expect(seen).toEqual([{ regularizable: true }, { trainable: true, regularizable: false }]);
  });

  test('errors', () => {
    expect(() => regularizeLayerParams({} as LayerLike, l2)).toThrow(GraphError);
    expect(() => regularizeNetworkParams(layer2, l2, { tag: {} } as never)).toThrow(OptionsError);
  });
});
