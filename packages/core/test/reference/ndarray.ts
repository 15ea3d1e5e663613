/**
 * Minimal float64 n-d array for reference computations in tests.
 * Row-major (C order), no views: every function returns fresh data.
 */

export interface NDArray {
  data: Float64Array;
  shape: number[];
}

/** A nested array of numbers, like numpy's `tolist()` output (a bare number for 0-d). */
export type Nested = number | Nested[];

/** Number of elements of a shape (1 for the 0-d shape []). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`bad dimension ${d} in shape [${shape}]`);
    n *= d;
  }
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Build an NDArray (data is copied). `shape` defaults to [data.length]. */
export function nd(data: ArrayLike<number>, shape?: readonly number[]): NDArray {
  const sh = shape ? [...shape] : [data.length];
  if (sizeOf(sh) !== data.length) {
    throw new Error(`nd: ${data.length} values do not fill shape [${sh}]`);
  }
  return { data: Float64Array.from(data), shape: sh };
}

export function zeros(shape: readonly number[]): NDArray {
  return { data: new Float64Array(sizeOf(shape)), shape: [...shape] };
}

/** 0, 1, ..., n-1, optionally reshaped (numpy `arange(n).reshape(shape)`). */
export function arange(n: number, shape?: readonly number[]): NDArray {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = i;
  return nd(d, shape ?? [n]);
}

/** Same data, new shape; one dimension may be -1. */
export function reshape(a: NDArray, shape: readonly number[]): NDArray {
  const sh = [...shape];
  const neg = sh.indexOf(-1);
  if (neg >= 0) {
    const rest = sizeOf(sh.filter((_, i) => i !== neg));
    sh[neg] = rest === 0 ? 0 : a.data.length / rest;
  }
  return nd(a.data, sh);
}

/** Flat offset of a multi-index (bounds-checked, negative indices count from the end). */
export function offsetOf(shape: readonly number[], idx: readonly number[]): number {
  if (idx.length !== shape.length) {
    throw new Error(`index [${idx}] has ${idx.length} entries, shape [${shape}] has ${shape.length} dims`);
  }
  let off = 0;
  for (let k = 0; k < shape.length; k++) {
    let i = idx[k];
    if (i < 0) i += shape[k];
    if (!Number.isInteger(i) || i < 0 || i >= shape[k]) {
      throw new Error(`index [${idx}] out of bounds for shape [${shape}]`);
    }
    off = off * shape[k] + i;
  }
  return off;
}

/** Element at a full multi-index: get(a, n, c, h, w). */
export function get(a: NDArray, ...idx: number[]): number {
  return a.data[offsetOf(a.shape, idx)];
}

/** Nested JS arrays (numpy `tolist()`); a 0-d array gives a number. */
export function toNested(a: NDArray): Nested {
  const rec = (dim: number, off: number): Nested => {
    if (dim === a.shape.length) return a.data[off];
    const stride = sizeOf(a.shape.slice(dim + 1));
    const out: Nested[] = [];
    for (let i = 0; i < a.shape[dim]; i++) out.push(rec(dim + 1, off + i * stride));
    return out;
  };
  return rec(0, 0);
}

/** Inverse of toNested: nested (rectangular) arrays to an NDArray. */
export function fromNested(v: Nested): NDArray {
  const shape: number[] = [];
  for (let cur: Nested = v; Array.isArray(cur); cur = cur[0]) shape.push(cur.length);
  const out: number[] = [];
  const rec = (x: Nested, dim: number): void => {
    if (dim === shape.length) {
      if (typeof x !== 'number') throw new Error('fromNested: ragged input');
      out.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) throw new Error('fromNested: ragged input');
    for (const e of x) rec(e, dim + 1);
  };
  rec(v, 0);
  return nd(out, shape);
}

function isND(x: unknown): x is NDArray {
  return typeof x === 'object' && x !== null && 'data' in x && 'shape' in x;
}

/**
 * numpy.allclose: |a - b| <= atol + rtol * |b| elementwise (b is the reference).
 * Shapes must match when both are NDArrays; lengths must match otherwise. NaN never matches.
 */
export function allClose(
  a: NDArray | ArrayLike<number>,
  b: NDArray | ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-8,
): boolean {
  if (isND(a) && isND(b)) {
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  }
  const x = isND(a) ? a.data : a;
  const y = isND(b) ? b.data : b;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i]) continue; // also handles equal infinities
    if (!(Math.abs(x[i] - y[i]) <= atol + rtol * Math.abs(y[i]))) return false;
  }
  return true;
}
