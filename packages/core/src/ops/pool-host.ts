import { tf, type Tensor } from '../tf';
import { runHostKernel } from '../backend/host-memory';

/**
 * The max-pool gradient as one loop over NCHW memory, for the in-process backends (wasm, cpu).
 * The tfjs route needs upsampling, comparison and multiplication passes (plus NHWC transposes
 * when windows overlap or are padded), each single-threaded at ~10 ns per element on wasm; this
 * loop costs ~10 ns per input element (measurements: docs/ARCHITECTURE.md, Host kernels).
 * It is written out in full, with no per-window callback: V8 runs it ~1.5x faster so.
 * The forward MaxPool stays on tfjs: a JS loop was no faster than transposes + XNNPACK there.
 */
export interface HostPoolGeometry {
  ws: [number, number];
  stride: [number, number];
  /** Padding before the first row / column. */
  pad: [number, number];
  out: [number, number];
}

/** Row and column ranges of every window, clipped to the image ([start, end) pairs, flat). */
function windows(len: number, out: number, ws: number, stride: number, pad: number): Int32Array {
  const r = new Int32Array(2 * out);
  for (let i = 0; i < out; i++) {
    const s = i * stride - pad;
    r[2 * i] = Math.max(s, 0);
    r[2 * i + 1] = Math.min(s + ws, len);
  }
  return r;
}

/** Theano's rule: each window's gradient goes to every cell equal to the window's max. */
export function maxPoolGradHost(x: Tensor, y: Tensor, gy: Tensor, geo: HostPoolGeometry): Tensor {
  const [n, c, h, w] = x.shape as number[];
  const [oh, ow] = geo.out;
  const rows = windows(h, oh, geo.ws[0], geo.stride[0], geo.pad[0]);
  const cols = windows(w, ow, geo.ws[1], geo.stride[1], geo.pad[1]);
  return runHostKernel([x, y, gy], [[n, c, h, w]], ([xv, yv, gv], [dx]) => {
    dx.fill(0);
    let o = 0;
    for (let base = 0; base < n * c * h * w; base += h * w) {
      for (let i = 0; i < oh; i++) {
        const r0 = rows[2 * i];
        const r1 = rows[2 * i + 1];
        for (let j = 0; j < ow; j++, o++) {
          const c0 = cols[2 * j];
          const c1 = cols[2 * j + 1];
          const m = yv[o];
          const d = gv[o];
          for (let r = r0; r < r1; r++) {
            const row = base + r * w;
            for (let q = c0; q < c1; q++) if (xv[row + q] === m) dx[row + q] += d;
          }
        }
      }
    }
  })[0];
}

/**
 * The transpose of the max-pool gradient: out[window] = the sum of gg over the window's cells
 * equal to its max. Reads the values to the host (any backend); used by second derivatives only.
 */
export function maxPoolGradGradLoop(x: Tensor, y: Tensor, gg: Tensor, geo: HostPoolGeometry): Tensor {
  const [n, c, h, w] = x.shape as number[];
  const [oh, ow] = geo.out;
  const rows = windows(h, oh, geo.ws[0], geo.stride[0], geo.pad[0]);
  const cols = windows(w, ow, geo.ws[1], geo.stride[1], geo.pad[1]);
  const [xv, yv, gv] = [x, y, gg].map((t) => t.dataSync());
  const out = new Float32Array(n * c * oh * ow);
  let o = 0;
  for (let base = 0; base < n * c * h * w; base += h * w) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++, o++) {
        let acc = 0;
        for (let r = rows[2 * i]; r < rows[2 * i + 1]; r++) {
          for (let q = cols[2 * j]; q < cols[2 * j + 1]; q++) if (xv[base + r * w + q] === yv[o]) acc += gv[base + r * w + q];
        }
        out[o] = acc;
      }
    }
  }
  return tf.tensor(out, [n, c, oh, ow], 'float32');
}
