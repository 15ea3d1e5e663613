/**
 * Shared helpers for the core test suite: conversions between the float64 reference arrays and
 * the library's values, a forward comparison and a gradient check against central differences.
 */
import { compile, constant, grad, HostTensor, mul, sum, type OutputValue, type SymbolicTensor } from '@lasagne-ts/core';
import { expectGradClose, nd, numericGradAsync, randn, rng, vdot, type NDArray, type Nested, fromNested } from './reference';
import { call, eachAsync } from './calls';

type ST = SymbolicTensor;

/** A float32 value for a compiled function's input (exactly the reference's data, rounded). */
export function f32(a: NDArray): { data: Float32Array; shape: number[] } {
  return { data: Float32Array.from(a.data), shape: [...a.shape] };
}

/** An int32 value for a compiled function's input. */
export function i32(values: readonly number[], shape?: readonly number[]): { data: Int32Array; shape: number[] } {
  return { data: Int32Array.from(values), shape: shape ? [...shape] : [values.length] };
}

/** A compiled function's output (number or HostTensor) as a float64 NDArray. */
export function toND(v: OutputValue | OutputValue[]): NDArray {
  if (typeof v === 'number') return nd([v], []);
  if (v instanceof HostTensor) return nd(Array.from(v.data, Number), [...v.shape]);
  throw new Error(`toND: expected a number or HostTensor, received ${String(v)}`);
}

/** Rounds a reference array to float32 (what the library can hold). */
export function round32(a: NDArray): NDArray {
  return { data: a.data.map(Math.fround), shape: [...a.shape] };
}

/**
 * Expects `actual` (library output) to match `expected` (reference or hand value) in shape and
 * values: |a - e| <= atol + rtol * |e|. Reports the first offenders.
 */
export function expectClose(actual: OutputValue | OutputValue[] | NDArray, expected: NDArray | Nested, rtol = 1e-5, atol = 1e-5): void {
  const a = isND(actual) ? actual : toND(actual as OutputValue);
  const e = isND(expected) ? expected : fromNested(expected as Nested);
  expect(a.shape).toEqual(e.shape);
  const bad: string[] = [];
  for (let i = 0; i < e.data.length; i++) {
    const x = a.data[i];
    const y = e.data[i];
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) bad.push(`[${i}] ${x} vs ${y}`);
  }
  if (bad.length) throw new Error(`values differ at ${bad.length}/${e.data.length} entries (rtol ${rtol}, atol ${atol}):\n${bad.slice(0, 8).join('\n')}`);
}

function isND(x: unknown): x is NDArray {
  return typeof x === 'object' && x !== null && !(x instanceof HostTensor) && 'data' in x && 'shape' in x && (x as NDArray).data instanceof Float64Array;
}

/** Seeded standard normal data. */
export function rn(seed: number, shape: readonly number[], std = 1): NDArray {
  return randn(rng(seed), shape, std);
}

export interface GradCheckSpec {
  /** The symbolic inputs (all fed to the compiled functions). */
  inputs: ST[];
  /** Their values (float32-representable for float inputs; ints for int inputs). */
  values: NDArray[];
  /** The op's output, built from `inputs`. */
  output: ST;
  /** Indices of the inputs to differentiate with respect to (default: every float32 input). */
  wrt?: number[];
  /**
   * A float64 reference of the output. Without it the numeric gradient differentiates the
   * compiled float32 forward function (the scalar cost is still summed in float64).
   */
  ref?: (values: NDArray[]) => NDArray;
  /** Seed of the random weights R in cost = sum(output * R). */
  seed?: number;
  eps?: number;
  rtol?: number;
  atol?: number;
  label?: string;
}

/** Feeds NDArrays to a compiled function with the dtypes of its inputs. */
export function feed(inputs: readonly ST[], values: readonly NDArray[]): { data: Float32Array | Int32Array | Uint8Array; shape: number[] }[] {
  return values.map((v, i) => {
    const dt = inputs[i].dtype;
    const data = dt === 'float32' ? Float32Array.from(v.data) : dt === 'int32' ? Int32Array.from(v.data) : Uint8Array.from(v.data);
    return { data, shape: [...v.shape] };
  });
}

/**
 * Gradient check of an op: cost = sum(output * R) for a fixed random R; the compiled symbolic
 * gradient of each wrt input is compared with central differences of the float64 reference
 * (or of the compiled forward). Also checks the compiled forward against the reference.
 */
export async function checkOpGrad(spec: GradCheckSpec): Promise<void> {
  const { inputs, values, output } = spec;
  const wrt = spec.wrt ?? inputs.map((v, i) => (v.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  const fwd = compile(inputs, output, { onUnusedInput: 'ignore' });
  const y0 = toND(await call(fwd, ...feed(inputs, values)));
  if (spec.ref) expectClose(y0, spec.ref(values), 1e-4, 1e-4);
  const R = rn(spec.seed ?? 99, y0.shape);
  const cost = sum(mul(output, constant(f32(R), { dtype: 'float32' })));
  const grads = grad(cost, wrt.map((i) => inputs[i]));
  const gfn = compile(inputs, grads, { onUnusedInput: 'ignore' });
  const analytic = await call(gfn, ...feed(inputs, values)) as OutputValue[];
  const forward = async (vals: NDArray[]): Promise<NDArray> => (spec.ref ? spec.ref(vals) : toND(await call(fwd, ...feed(inputs, vals))));
  await eachAsync(wrt, async (k, j) => {
    const numeric = await numericGradAsync(async (x) => {
      const vals = values.map((v, i) => (i === k ? { data: x, shape: v.shape } : v));
      return vdot(await forward(vals), R);
    }, values[k].data, spec.eps ?? 1e-3);
    const a = toND(analytic[j]);
    expect(a.shape).toEqual(values[k].shape);
    expectGradClose(a.data, numeric, { rtol: spec.rtol ?? 1e-2, atol: spec.atol ?? 1e-3, shape: values[k].shape, label: `${spec.label ?? output.owner?.op.name ?? 'op'}: d/d input ${k}` });
  });
  fwd.dispose();
  gfn.dispose();
}

// ---- small float64 references used across the tests ------------------------------------------

/** NumPy-broadcast elementwise map over any number of arrays (float64). */
export function bmap(arrays: readonly NDArray[], f: (...v: number[]) => number): NDArray {
  const rank = Math.max(...arrays.map((a) => a.shape.length));
  const shape = Array.from({ length: rank }, (_, i) =>
    Math.max(...arrays.map((a) => a.shape[i - (rank - a.shape.length)] ?? 1)),
  );
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let r = k;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = r % shape[d];
      r = Math.floor(r / shape[d]);
    }
    const vals = arrays.map((a) => {
      const off = rank - a.shape.length;
      let o = 0;
      for (let d = 0; d < a.shape.length; d++) o = o * a.shape[d] + (a.shape[d] === 1 ? 0 : idx[d + off]);
      return a.data[o];
    });
    out[k] = f(...vals);
  }
  return { data: out, shape };
}

/** Reduction over `axes` (all when undefined) with a JS reducer on the list of values (float64). */
export function reduceRef(a: NDArray, axes: readonly number[] | undefined, f: (vals: number[]) => number, keepdims = false): NDArray {
  const ax = axes ?? a.shape.map((_, i) => i);
  const outShapeKeep = a.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  const n = a.data.length;
  const idx = new Array<number>(a.shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let r = k;
    for (let d = a.shape.length - 1; d >= 0; d--) {
      idx[d] = r % a.shape[d];
      r = Math.floor(r / a.shape[d]);
    }
    let o = 0;
    for (let d = 0; d < a.shape.length; d++) o = o * outShapeKeep[d] + (ax.includes(d) ? 0 : idx[d]);
    if (!groups.has(o)) groups.set(o, []);
    groups.get(o)!.push(a.data[k]);
  }
  const size = outShapeKeep.reduce((p, d) => p * d, 1);
  const out = new Float64Array(size);
  for (let o = 0; o < size; o++) out[o] = f(groups.get(o) ?? []);
  return { data: out, shape: keepdims ? outShapeKeep : a.shape.filter((_, i) => !ax.includes(i)) };
}

/** numpy.transpose(a, perm) (float64). */
export function permute(a: NDArray, perm: readonly number[]): NDArray {
  const shape = perm.map((p) => a.shape[p]);
  const inStrides = a.shape.map((_, i) => a.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const n = a.data.length;
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let r = k;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = r % shape[d];
      r = Math.floor(r / shape[d]);
    }
    let o = 0;
    for (let d = 0; d < shape.length; d++) o += idx[d] * inStrides[perm[d]];
    out[k] = a.data[o];
  }
  return { data: out, shape };
}
