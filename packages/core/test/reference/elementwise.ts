/** Small elementwise helpers (same-shape only, no broadcasting). */
import { NDArray } from './ndarray';

export function map(a: NDArray, f: (v: number, i: number) => number): NDArray {
  return { data: a.data.map(f), shape: [...a.shape] };
}

export function zipWith(a: NDArray, b: NDArray, f: (x: number, y: number) => number): NDArray {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`zipWith: shapes [${a.shape}] and [${b.shape}] differ`);
  }
  return { data: a.data.map((v, i) => f(v, b.data[i])), shape: [...a.shape] };
}

/** Sum of all elements (float64). */
export function sum(a: NDArray | ArrayLike<number>): number {
  const d = 'data' in a ? a.data : a;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  return s;
}

/** sum(a * b) over all elements: the scalar loss whose gradient w.r.t. a is b. */
export function vdot(a: NDArray | ArrayLike<number>, b: NDArray | ArrayLike<number>): number {
  const x = 'data' in a ? a.data : a;
  const y = 'data' in b ? b.data : b;
  if (x.length !== y.length) throw new Error(`vdot: lengths ${x.length} and ${y.length} differ`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}
