import { hasHostMemory, runHostKernel } from '../backend/host-memory';
import { ShapeError } from '../errors';
import { formatShape } from '../shape';
import { tf, type Tensor } from '../tf';

/**
 * Splitting a sequence into its steps' rows and stacking the steps' results, the two copies a
 * Scan makes per call. On the backends whose tensors live in this process (wasm, cpu) a float32
 * tensor is copied row by row in memory: tfjs' `unstack` on wasm slices each row through a copy of
 * the whole input (55 rows of 100x100: ~80 ms instead of ~0.3 ms). Elsewhere (GPU backends, other
 * dtypes) the tfjs kernels.
 */
const onHost = (t: Tensor) => t.dtype === 'float32' && hasHostMemory(tf.getBackend());

/** The first `n` rows of `x` along its leading axis, each a tensor of its own (owned by the caller). */
export function splitRows(x: Tensor, n: number): Tensor[] {
  const rowShape = x.shape.slice(1);
  if (!onHost(x)) return tf.unstack(x.shape[0] === n ? x : tf.slice(x, 0, n));
  const size = rowShape.reduce((a, b) => a * b, 1);
  return runHostKernel([x], Array.from({ length: n }, () => rowShape), ([xv], rows) => rows.forEach((r, t) => r.set(xv.subarray(t * size, (t + 1) * size))));
}

/** The rows stacked along a new leading axis (a new tensor; the rows are left as they are). */
export function stackRows(rows: readonly Tensor[], where: string): Tensor {
  const bad = rows.findIndex((r) => r.shape.length !== rows[0].shape.length || r.shape.some((d, i) => d !== rows[0].shape[i]));
  if (bad >= 0) throw new ShapeError(`${where}: step ${bad} computed a value of shape ${formatShape(rows[bad].shape)}, step 0 one of shape ${formatShape(rows[0].shape)}; the steps' results are stacked, so their shapes must agree.`);
  if (!rows.length || !rows.every(onHost)) return tf.stack(rows as Tensor[]);
  const size = rows[0].size;
  return runHostKernel(rows, [[rows.length, ...rows[0].shape]], (rv, [out]) => rv.forEach((r, t) => out.set(r, t * size)))[0];
}
