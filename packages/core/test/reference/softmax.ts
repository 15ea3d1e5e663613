/** Reference softmax / log-softmax along the last axis (float64, max-subtracted). */
import { NDArray } from './ndarray';

function rowwise(x: NDArray, f: (row: Float64Array, out: Float64Array) => void): NDArray {
  if (x.shape.length < 1) throw new Error('softmax needs at least 1 dim');
  const n = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let off = 0; off < x.data.length; off += n) f(x.data.subarray(off, off + n), out.subarray(off, off + n));
  return { data: out, shape: [...x.shape] };
}

/** exp(x - max) / sum(exp(x - max)) per row. */
export function softmax(x: NDArray): NDArray {
  return rowwise(x, (row, out) => {
    const m = Math.max(...row);
    let s = 0;
    for (let i = 0; i < row.length; i++) s += out[i] = Math.exp(row[i] - m);
    for (let i = 0; i < row.length; i++) out[i] /= s;
  });
}

/** x - max - log(sum(exp(x - max))) per row. */
export function logSoftmax(x: NDArray): NDArray {
  return rowwise(x, (row, out) => {
    const m = Math.max(...row);
    let s = 0;
    for (let i = 0; i < row.length; i++) s += Math.exp(row[i] - m);
    const lse = m + Math.log(s);
    for (let i = 0; i < row.length; i++) out[i] = row[i] - lse;
  });
}
