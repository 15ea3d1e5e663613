/** Helpers for the layers tests: running expressions and comparing with float64 references. */
import { compile, HostTensor, type OutputValue, type SymbolicTensor } from '@lasagne-ts/core';
import { nd, type NDArray, rng, randn } from '../../core/test/reference';

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
export function run(inputs: readonly ST[], out: ST, values: readonly NDArray[]): NDArray {
  const fn = compile(inputs, out);
  const res = toND(fn(...values.map(f32)) as OutputValue);
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
