/**
 * Reference 2-D pooling with Theano's semantics (theano.tensor.signal.pool.Pool),
 * over the last two axes of an input with ndim >= 2 (usually N, C, H, W).
 *
 * Windows, per axis, for output index r (coordinates in the padded image, length L + 2p):
 *   start = r * st, end = min(start + ws, L + 2p)
 * - 'max' and 'sum' use only the cells of the window inside the real image (padding excluded);
 * - 'average_exc_pad' averages over the cells inside the real image;
 * - 'average_inc_pad' sums the real cells and divides by the window size clipped to the
 *   padded image (= ws_h * ws_w whenever ignoreBorder is true).
 * Theano's restrictions are enforced: pad < ws, and pad must be 0 unless ignoreBorder.
 */
import { NDArray, zeros } from './ndarray';

export type PoolMode = 'max' | 'average_inc_pad' | 'average_exc_pad' | 'sum';

export interface Pool2dOpts {
  ws: [number, number];
  /** Default: ws. */
  stride?: [number, number];
  /** Default: [0, 0]. */
  pad?: [number, number];
  /** Default: true. */
  ignoreBorder?: boolean;
  mode: PoolMode;
}

/** Theano Pool.out_shape along one axis. */
export function poolOutputLength(L: number, ws: number, st: number, pad: number, ignoreBorder: boolean): number {
  const r = L + 2 * pad;
  if (ignoreBorder) return Math.max(0, Math.floor((r - ws) / st) + 1);
  if (st >= ws) return Math.floor((r - 1) / st) + 1;
  return Math.max(0, Math.floor((r - 1 - ws) / st) + 1) + 1;
}

interface Window {
  /** Real-image window [lo, hi). */
  lo: number;
  hi: number;
  /** Length of the window clipped to the padded image (divisor for average_inc_pad). */
  incLen: number;
}

function windows(L: number, ws: number, st: number, pad: number, ignoreBorder: boolean): Window[] {
  const n = poolOutputLength(L, ws, st, pad, ignoreBorder);
  const out: Window[] = [];
  for (let r = 0; r < n; r++) {
    const start = r * st;
    const end = Math.min(start + ws, L + 2 * pad);
    out.push({ lo: Math.max(start, pad) - pad, hi: Math.min(end, L + pad) - pad, incLen: end - start });
  }
  return out;
}

function setup(xShape: readonly number[], opts: Pool2dOpts) {
  if (xShape.length < 2) throw new Error('pool2d needs an input with at least 2 dims');
  const [wh, ww] = opts.ws;
  const [sh, sw] = opts.stride ?? opts.ws;
  const [ph, pw] = opts.pad ?? [0, 0];
  const ignoreBorder = opts.ignoreBorder ?? true;
  if ((ph !== 0 || pw !== 0) && !ignoreBorder) throw new Error('pool2d: padding requires ignoreBorder=true (Theano)');
  if (ph >= wh || pw >= ww) throw new Error('pool2d: pad must be smaller than the pool size (Theano)');
  const H = xShape[xShape.length - 2];
  const W = xShape[xShape.length - 1];
  const rows = windows(H, wh, sh, ph, ignoreBorder);
  const cols = windows(W, ww, sw, pw, ignoreBorder);
  const batch = xShape.slice(0, -2).reduce((a, b) => a * b, 1);
  const yShape = [...xShape.slice(0, -2), rows.length, cols.length];
  return { H, W, rows, cols, batch, yShape };
}

function divisor(mode: PoolMode, rw: Window, cw: Window): number {
  if (mode === 'average_inc_pad') return rw.incLen * cw.incLen;
  if (mode === 'average_exc_pad') return (rw.hi - rw.lo) * (cw.hi - cw.lo);
  return 1;
}

export function pool2d(x: NDArray, opts: Pool2dOpts): NDArray {
  const { H, W, rows, cols, batch, yShape } = setup(x.shape, opts);
  const y = zeros(yShape);
  let yi = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * H * W;
    for (const rw of rows)
      for (const cw of cols) {
        let acc = opts.mode === 'max' ? -Infinity : 0;
        for (let i = rw.lo; i < rw.hi; i++)
          for (let j = cw.lo; j < cw.hi; j++) {
            const v = x.data[base + i * W + j];
            acc = opts.mode === 'max' ? Math.max(acc, v) : acc + v;
          }
        y.data[yi++] = acc / divisor(opts.mode, rw, cw);
      }
  }
  return y;
}

/**
 * d(sum(gy * pool2d(x))) / dx.  'max': like Theano's MaxPoolGrad, every cell of the window
 * equal to the window's max receives the full output gradient (ties all get it).
 * Average / sum modes: the exact transpose of the forward map.
 */
export function pool2dGrad(x: NDArray, gy: NDArray, opts: Pool2dOpts): NDArray {
  const { H, W, rows, cols, batch, yShape } = setup(x.shape, opts);
  if (gy.shape.length !== yShape.length || gy.shape.some((d, i) => d !== yShape[i])) {
    throw new Error(`pool2dGrad: gy has shape [${gy.shape}], pool output is [${yShape}]`);
  }
  const y = opts.mode === 'max' ? pool2d(x, opts) : undefined;
  const gx = zeros(x.shape);
  let yi = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * H * W;
    for (const rw of rows)
      for (const cw of cols) {
        const g = gy.data[yi] / divisor(opts.mode, rw, cw);
        for (let i = rw.lo; i < rw.hi; i++)
          for (let j = cw.lo; j < cw.hi; j++) {
            const k = base + i * W + j;
            if (!y || x.data[k] === y.data[yi]) gx.data[k] += g;
          }
        yi++;
      }
  }
  return gx;
}

/**
 * Theano's DownsampleFactorMaxGradGrad: for each max-pool window, the sum of gg over the window's
 * cells equal to its max (the transpose of the max routing of `pool2dGrad`). Shape of the output.
 */
export function pool2dGradGrad(x: NDArray, gg: NDArray, opts: Pool2dOpts): NDArray {
  const { H, W, rows, cols, batch } = setup(x.shape, opts);
  const y = pool2d(x, { ...opts, mode: 'max' });
  const out = zeros(y.shape);
  let yi = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * H * W;
    for (const rw of rows)
      for (const cw of cols) {
        for (let i = rw.lo; i < rw.hi; i++)
          for (let j = cw.lo; j < cw.hi; j++) {
            const k = base + i * W + j;
            if (x.data[k] === y.data[yi]) out.data[yi] += gg.data[k];
          }
        yi++;
      }
  }
  return out;
}
