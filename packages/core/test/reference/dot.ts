/** Reference numpy.dot and Theano batched_dot (float64). */
import { NDArray, zeros } from './ndarray';

/**
 * numpy.dot:
 * - either operand 0-d: elementwise product with the scalar;
 * - 1-d . 1-d: inner product, shape [];
 * - N-d . 1-d: sum over the last axis of a and b, shape a.shape[:-1];
 * - N-d . M-d (M >= 2): sum over a's last axis and b's second-to-last axis,
 *   shape a.shape[:-1] + b.shape[:-2] + b.shape[-1:]  (2-d . 2-d is the matrix product).
 */
export function dot(a: NDArray, b: NDArray): NDArray {
  if (a.shape.length === 0 || b.shape.length === 0) {
    const [s, t] = a.shape.length === 0 ? [a.data[0], b] : [b.data[0], a];
    return { data: t.data.map((v) => v * s), shape: [...t.shape] };
  }
  const K = a.shape[a.shape.length - 1];
  const kAxis = b.shape.length === 1 ? 0 : b.shape.length - 2;
  if (b.shape[kAxis] !== K) {
    throw new Error(`dot: shapes [${a.shape}] and [${b.shape}] not aligned (${K} != ${b.shape[kAxis]})`);
  }
  const aOuter = a.shape.slice(0, -1);
  const bPre = b.shape.length === 1 ? [] : b.shape.slice(0, -2);
  const bPost = b.shape.length === 1 ? [] : [b.shape[b.shape.length - 1]];
  const A = aOuter.reduce((p, d) => p * d, 1);
  const Q = bPre.reduce((p, d) => p * d, 1);
  const P = bPost.length ? bPost[0] : 1;
  const out = zeros([...aOuter, ...bPre, ...bPost]);
  let o = 0;
  for (let i = 0; i < A; i++)
    for (let q = 0; q < Q; q++)
      for (let p = 0; p < P; p++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[i * K + k] * b.data[(q * K + k) * P + p];
        out.data[o++] = s;
      }
  return out;
}

/** The i-th sub-array along axis 0. */
function slice0(a: NDArray, i: number): NDArray {
  const inner = a.shape.slice(1);
  const n = inner.reduce((p, d) => p * d, 1);
  return { data: a.data.slice(i * n, (i + 1) * n), shape: inner };
}

/** Theano batched_dot: out[i] = dot(a[i], b[i]); e.g. (B,m,k) x (B,k,n) -> (B,m,n), (B,k) x (B,k) -> (B,). */
export function batchedDot(a: NDArray, b: NDArray): NDArray {
  if (a.shape.length < 1 || b.shape.length < 1 || a.shape[0] !== b.shape[0]) {
    throw new Error(`batchedDot: batch sizes differ: [${a.shape}] vs [${b.shape}]`);
  }
  const B = a.shape[0];
  const parts: NDArray[] = [];
  for (let i = 0; i < B; i++) parts.push(dot(slice0(a, i), slice0(b, i)));
  if (B === 0) throw new Error('batchedDot: empty batch');
  const out = zeros([B, ...parts[0].shape]);
  const n = parts[0].data.length;
  parts.forEach((p, i) => out.data.set(p.data, i * n));
  return out;
}
