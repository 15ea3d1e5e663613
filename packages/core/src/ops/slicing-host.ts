import { hasHostMemory, runHostKernel } from '../backend/host-memory';
import { tf, type Tensor } from '../tf';

/**
 * Step-1 slicing and its gradient (the slice written into zeros) as block copies on the backends
 * whose float32 tensors live in this process (wasm, cpu). tfjs' wasm Slice of a non-contiguous
 * block (a gate's columns of an LSTM's 100x400 product) copies element by element (~0.35 ms), and
 * its Pad likewise; here each run of the last axis is one `set`. Undefined where it does not apply.
 */
const applies = (t: Tensor) => t.dtype === 'float32' && t.rank >= 1 && hasHostMemory(tf.getBackend());

/**
 * Calls `row(full, block, n)` for every run of the last axis of the block at `begin` of size
 * `size` within an array of `shape`: its offset in the array and in the block.
 */
function forEachRun(shape: readonly number[], begin: readonly number[], size: readonly number[], row: (src: number, dst: number, n: number) => void): void {
  const r = shape.length;
  const strides = tf.util.computeStrides([...shape]);
  const last = size[r - 1];
  const total = size.reduce((a, b) => a * b, 1);
  if (!total) return;
  const idx = new Array<number>(r - 1).fill(0);
  for (let block = 0; block < total; block += last) {
    let full = begin[r - 1];
    for (let d = 0; d < r - 1; d++) full += (begin[d] + idx[d]) * strides[d];
    row(full, block, last);
    for (let d = r - 2; d >= 0 && ++idx[d] === size[d]; d--) idx[d] = 0;
  }
}

/** `x[begin : begin + size]` (every step 1). */
export function sliceOnHost(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor | undefined {
  if (!applies(x)) return undefined;
  return runHostKernel([x], [[...size]], ([xv], [out]) => forEachRun(x.shape, begin, size, (full, block, n) => out.set(xv.subarray(full, full + n), block)))[0];
}

/** Zeros of `shape` with `g` written at `begin` (SubtensorGrad of a step-1 slice). */
export function padOnHost(g: Tensor, shape: readonly number[], begin: readonly number[]): Tensor | undefined {
  if (!applies(g) || g.rank !== shape.length) return undefined;
  return runHostKernel([g], [[...shape]], ([gv], [out]) => {
    out.fill(0);
    forEachRun(shape, begin, g.shape, (full, block, n) => out.set(gv.subarray(block, block + n), full));
  })[0];
}
