/** Helpers for the layers tests: running expressions and comparing with float64 references. */
import { compile, constant, grad, HostTensor, mul, sum, type OutputValue, type SharedVariable, type SymbolicTensor } from '@lasagne-ts/core';
import { getOutput, type Layer } from '@lasagne-ts/layers';
import { expectGradClose, nd, numericGradAsync, type NDArray, rng, randn, vdot } from '../../core/test/reference';
import { call, value, eachAsync } from '../../core/test/calls';

export type { NDArray };
type ST = SymbolicTensor;

/** A float32 value for a compiled function (the reference data rounded to float32). */
export function f32(a: NDArray): { data: Float32Array; shape: number[] } {
  return { data: Float32Array.from(a.data), shape: [...a.shape] };
}

/** A reference array with float32-representable random normal values. */
export function randomND(seed: number, shape: readonly number[], std = 1): NDArray {
  return randn(rng(seed), shape, std);
}

export function toND(v: OutputValue): NDArray {
  if (typeof v === 'number') return nd([v], []);
  if (v instanceof HostTensor) return nd(Array.from(v.data, Number), [...v.shape]);
  throw new Error(`toND: unexpected output ${String(v)}`);
}

/** Compiles and runs `out` on the given inputs, returning a float64 NDArray. */
export async function run(inputs: readonly ST[], out: ST, values: readonly NDArray[]): Promise<NDArray> {
  const fn = compile(inputs, out);
  const res = toND(await call(fn, ...values.map(f32)) as OutputValue);
  fn.dispose();
  return res;
}

/** Expects same shape and |a − e| ≤ atol + rtol·|e| everywhere, reporting the worst offender. */
export function expectClose(actual: NDArray, expected: NDArray, rtol = 1e-5, atol = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const err = Math.abs(actual.data[i] - expected.data[i]) - (atol + rtol * Math.abs(expected.data[i]));
    if (!(err <= 0) && (worst < 0 || err > worstErr)) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) throw new Error(`mismatch at flat index ${worst}: actual ${actual.data[worst]}, expected ${expected.data[worst]} (shape [${expected.shape}])`);
}

/** Elementwise map of a reference array. */
export function mapND(a: NDArray, f: (v: number, i: number) => number): NDArray {
  return { data: a.data.map(f), shape: [...a.shape] };
}

/**
 * Gradient check of a layer: cost = sum(output · R) for a fixed random R; the symbolic gradients
 * with respect to the (float) input and every trainable parameter are compared with central
 * differences of the cost (parameters perturbed through their shared variables). The cost of the
 * differences is summed in float64 from the compiled output, so its rounding does not depend on
 * how a backend orders a float32 sum.
 */
export async function checkLayerGrad(layer: Layer, input: ST, xv: NDArray, opts: { eps?: number; rtol?: number; atol?: number; seed?: number } = {}): Promise<void> {
  const out = getOutput(layer, input, { deterministic: true });
  const feedX = (d: Float64Array | readonly number[]) => ({ data: input.dtype === 'float32' ? Float32Array.from(d) : Int32Array.from(d), shape: [...xv.shape] });
  const f = compile([input], out);
  const R = randomND(opts.seed ?? 77, toND(await call(f, feedX(xv.data)) as OutputValue).shape);
  const cost = sum(mul(out, constant(f32(R))));
  const params = layer.getParams({ trainable: true });
  const wrt: ST[] = [...(input.dtype === 'float32' ? [input] : []), ...params];
  const analytic = await call(compile([input], grad(cost, wrt)), feedX(xv.data)) as OutputValue[];
  const costAt = async (d: Float64Array | readonly number[]) => vdot(toND(await call(f, feedX(d)) as OutputValue), R);
  const tol = { rtol: opts.rtol ?? 1e-2, atol: opts.atol ?? 2e-3 };
  await eachAsync(wrt, async (v, k) => {
    let numeric: Float64Array;
    if (v === input) numeric = await numericGradAsync(costAt, xv.data, opts.eps ?? 1e-3);
    else {
      const p = v as SharedVariable;
      const v0 = await value(p);
      numeric = await numericGradAsync(async (d) => {
        p.set({ data: Float32Array.from(d), shape: [...v0.shape] });
        return costAt(xv.data);
      }, Float64Array.from(v0.data, Number), opts.eps ?? 1e-3);
      p.set(v0);
    }
    expectGradClose(toND(analytic[k]).data, numeric, { ...tol, label: `${layer.constructor.name}: d/d ${v === input ? 'input' : v.name ?? 'param'}` });
  });
  f.dispose();
}
