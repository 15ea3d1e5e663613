/**
 * Output shapes against Lasagne's formulas, written here independently:
 *   conv_output_length: valid L−f+1, full L+f−1, same L, int p L+2p−f+1, then (len + s − 1) // s;
 *   pool_output_length: ignore_border ((L + 2p − ps + 1) + s − 1) // s; otherwise (p = 0)
 *   ceil(L / s) if s ≥ ps else max(0, (L − ps + s − 1) // s) + 1.
 * Every combination is checked on the layers' static shapes, and a subset by running the layer.
 */
import { compile, HostTensor, ShapeError, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { call } from '../../core/test/calls';

const floorDiv = (a: number, b: number) => Math.floor(a / b);

function lasagneConvLength(len: number, f: number, s: number, pad: 'valid' | 'full' | 'same' | number): number {
  let out: number;
  if (pad === 'valid') out = len - f + 1;
  else if (pad === 'full') out = len + f - 1;
  else if (pad === 'same') out = len;
  else out = len + 2 * pad - f + 1;
  return floorDiv(out + s - 1, s);
}

function lasagnePoolLength(len: number, ps: number, s: number, pad: number, ignoreBorder: boolean): number {
  if (ignoreBorder) return floorDiv(len + 2 * pad - ps + 1 + s - 1, s);
  if (s >= ps) return floorDiv(len + s - 1, s);
  return Math.max(0, floorDiv(len - ps + s - 1, s)) + 1;
}

const PADS = ['valid', 'full', 'same', 0, 1, 2] as const;

async function runShape(layer: L.Layer, inputVar: ReturnType<typeof tensor4>, shape: number[]): Promise<readonly number[]> {
  const fn = compile([inputVar], L.getOutput(layer));
  const out = await call(fn, { data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape }) as HostTensor;
  fn.dispose();
  return out.shape;
}

describe('Conv2DLayer output shapes', () => {
  test("Lasagne's worked examples (13, 5, 3, pad)", () => {
    expect(L.convOutputLength(13, 5, 3, 'valid')).toBe(3);
    expect(L.convOutputLength(13, 5, 3, 0)).toBe(3);
    expect(L.convOutputLength(13, 5, 3, 'full')).toBe(6);
    expect(L.convOutputLength(13, 5, 3, 'same')).toBe(5);
    expect(L.convOutputLength(13, 5, 3, 2)).toBe(5);
    expect(L.convOutputLength(null, 5, 3, 2)).toBeNull();
    // Lasagne raises "Invalid pad" for an unknown mode (it used to come out NaN).
    expect(() => L.convOutputLength(13, 5, 3, 'nonexistent' as never)).toThrow(L.OptionsError);
    expect(() => L.convOutputLength(null, 5, 3, 'nonexistent' as never)).toThrow(/invalid pad "nonexistent"/);
    expect(() => L.convOutputLength(13, 5, 3, 1.5)).toThrow(/invalid pad 1.5/);
  });

  test('every pad mode × stride × size against the formula (static shapes)', () => {
    let checked = 0;
    for (const len of [5, 6, 7, 8, 11, 13]) {
      for (const f of [1, 2, 3, 4, 5]) {
        for (const s of [1, 2, 3]) {
          for (const pad of PADS) {
            if (pad === 'same' && f % 2 === 0) continue;
            const expected = lasagneConvLength(len, f, s, pad);
            if (expected <= 0) continue;
            const l = new L.Conv2DLayer([null, 2, len, len + 1], { numFilters: 3, filterSize: f, stride: s, pad });
            expect(l.outputShape).toEqual([null, 3, expected, lasagneConvLength(len + 1, f, s, pad)]);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
  });

  test('non-square filters, strides and pads per axis', () => {
    const l = new L.Conv2DLayer([4, 1, 13, 9], { numFilters: 2, filterSize: [5, 3], stride: [3, 2], pad: [2, 1] });
    expect(l.outputShape).toEqual([4, 2, lasagneConvLength(13, 5, 3, 2), lasagneConvLength(9, 3, 2, 1)]);
    expect(l.W.shape).toEqual([2, 1, 5, 3]);
  });

  test('the computed outputs have the static shapes (every pad mode × stride)', async () => {
    for (const len of [7, 8]) {
      for (const f of [2, 3]) {
        for (const s of [1, 2, 3]) {
          for (const pad of PADS) {
            if (pad === 'same' && f % 2 === 0) continue;
            const x = tensor4('x');
            const inp = new L.InputLayer([null, 1, len, len], { inputVar: x });
            const l = new L.Conv2DLayer(inp, { numFilters: 2, filterSize: f, stride: s, pad });
            expect(await runShape(l, x, [2, 1, len, len])).toEqual([2, 2, ...l.outputShape.slice(2)]);
          }
        }
      }
    }
  });

  test('shape problems are ShapeErrors naming the layer and the shapes', () => {
    expect(() => new L.Conv2DLayer([null, 3, 28], { numFilters: 2, filterSize: 3, name: 'c1' })).toThrow(ShapeError);
    expect(() => new L.Conv2DLayer([null, 3, 28], { numFilters: 2, filterSize: 3, name: 'c1' })).toThrow(/Conv2DLayer 'c1'.*\(None, 3, 28\)/);
    expect(() => new L.Conv2DLayer([null, 3, 4, 4], { numFilters: 2, filterSize: 5 })).toThrow(/input shape \(None, 3, 4, 4\) is too small for filterSize \(5, 5\)/);
    expect(() => new L.Conv2DLayer([null, 3, 8, 8], { numFilters: 2, filterSize: 4, pad: 'same' })).toThrow(/'same' padding requires odd filter sizes/);
    expect(() => new L.Conv2DLayer([null, null, 8, 8], { numFilters: 2, filterSize: 3 })).toThrow(/input channels must be known/);
  });
});

describe('Pool2DLayer output shapes', () => {
  test("Lasagne's formula for every pool size × stride × pad × ignoreBorder", () => {
    let checked = 0;
    for (const len of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
      for (const ps of [1, 2, 3]) {
        for (const s of [undefined, 1, 2, 3]) {
          for (const pad of [0, 1, 2]) {
            for (const ignoreBorder of [true, false]) {
              if (pad >= ps || (!ignoreBorder && pad > 0)) continue;
              const stride = s ?? ps;
              const eh = lasagnePoolLength(len, ps, stride, pad, ignoreBorder);
              const ew = lasagnePoolLength(len + 2, ps, stride, pad, ignoreBorder);
              const make = () => new L.Pool2DLayer([null, 3, len, len + 2], { poolSize: ps, stride: s, pad, ignoreBorder, mode: 'average_inc_pad' });
              if (eh <= 0 || ew <= 0) {
                expect(make).toThrow(ShapeError);
                continue;
              }
              expect(make().outputShape).toEqual([null, 3, eh, ew]);
              expect(L.poolOutputLength(len, ps, stride, pad, ignoreBorder)).toBe(eh);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  test('the computed outputs have the static shapes (max and both averages)', async () => {
    for (const len of [5, 6, 7]) {
      for (const ps of [2, 3]) {
        for (const s of [1, 2, 3]) {
          for (const [pad, ignoreBorder] of [[0, true], [1, true], [0, false]] as const) {
            for (const mode of ['max', 'average_inc_pad', 'average_exc_pad'] as const) {
              const x = tensor4('x');
              const inp = new L.InputLayer([null, 2, len, len], { inputVar: x });
              const l = new L.Pool2DLayer(inp, { poolSize: ps, stride: s, pad, ignoreBorder, mode });
              expect(await runShape(l, x, [1, 2, len, len])).toEqual([1, ...l.outputShape.slice(1)]);
            }
          }
        }
      }
    }
  });

  test('MaxPool2DLayer defaults: stride = poolSize, ignoreBorder', () => {
    const l = new L.MaxPool2DLayer([null, 32, 24, 24], { poolSize: 2 });
    expect(l.outputShape).toEqual([null, 32, 12, 12]);
    expect(l.stride).toEqual([2, 2]);
    expect(l.mode).toBe('max');
    expect(new L.MaxPool2DLayer([null, 1, 5, 5], { poolSize: 2, ignoreBorder: false }).outputShape).toEqual([null, 1, 3, 3]);
  });

  test('invalid pooling configurations', () => {
    expect(() => new L.MaxPool2DLayer([null, 1, 5, 5], { poolSize: 2, pad: 1, ignoreBorder: false })).toThrow(/requires ignoreBorder/);
    expect(() => new L.MaxPool2DLayer([null, 1, 5, 5], { poolSize: 2, pad: 2 })).toThrow(/smaller than the pool size/);
    expect(() => new L.MaxPool2DLayer([null, 5, 5], { poolSize: 2, name: 'p' })).toThrow(/MaxPool2DLayer 'p'.*4-d input.*\(None, 5, 5\)/);
    expect(() => new L.MaxPool2DLayer([null, 1, 5, 5], { poolSize: 2, mode: 'max' } as never)).toThrow(/mode/);
  });
});

describe('DenseLayer output shapes', () => {
  test('numLeadingAxes', () => {
    expect(new L.DenseLayer([null, 3, 4], { numUnits: 5 }).outputShape).toEqual([null, 5]);
    expect(new L.DenseLayer([null, 3, 4], { numUnits: 5 }).W.shape).toEqual([12, 5]);
    expect(new L.DenseLayer([null, 3, 4], { numUnits: 5, numLeadingAxes: 2 }).outputShape).toEqual([null, 3, 5]);
    expect(new L.DenseLayer([null, 3, 4], { numUnits: 5, numLeadingAxes: -1 }).outputShape).toEqual([null, 3, 5]);
    expect(new L.DenseLayer([null, null, 4], { numUnits: 5, numLeadingAxes: -1 }).W.shape).toEqual([4, 5]);
  });

  test('DenseLayer((10, None), 20) requires a fixed input shape', () => {
    expect(() => new L.DenseLayer([10, null], { numUnits: 20, name: 'fc' })).toThrow(ShapeError);
    expect(() => new L.DenseLayer([10, null], { numUnits: 20, name: 'fc' })).toThrow(/DenseLayer 'fc' requires a fixed input shape.*\(10, None\)/);
    expect(() => new L.DenseLayer([10, 3], { numUnits: 20, numLeadingAxes: 2 })).toThrow(/leaves no trailing axes/);
    expect(() => new L.DenseLayer([10, 3], { numUnits: 20, numLeadingAxes: -3 })).toThrow(/more trailing axes/);
  });
});
