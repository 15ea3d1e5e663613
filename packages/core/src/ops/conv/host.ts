import type { Tensor } from '../../tf';
import type { Blas } from '../../backend/native/blas';
import { runHostKernel } from '../../backend/host-memory';

/**
 * The filter gradient of a convolution with few input channels, as one small GEMM per sample on
 * a native BLAS, for the in-process backends: G[o, (c,a,b)] += dy_n[o, (i,j)] · cols_n[(i,j),
 * (c,a,b)], where cols_n is sample n unrolled into its receptive fields (im2col, in a scratch
 * buffer that stays in cache). NCHW in, OIHW out: no layout transposes. The wasm lowering (a
 * convolution of the transposed input with the transposed output gradient) has the input
 * channels as its batch, so with one channel it runs on one thread with a 24x24x500x32 filter.
 * With many channels the unrolling (C·kh·kw values per output pixel, written by JS) costs more
 * than it saves, and the input gradient done this way (GEMM + col2im) lost to XNNPACK; the
 * measurements are in docs/ARCHITECTURE.md (Host kernels).
 */
export interface HostConvGeometry {
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
  flip: boolean;
}

/**
 * im2col: one C x H x W image unrolled into its receptive fields, one row of `cols` per output
 * pixel ((c,a,b) order, zero outside the image).
 */
function im2col(image: Float32Array, c: number, h: number, w: number, oh: number, ow: number, geo: HostConvGeometry, cols: Float32Array): void {
  const [kh, kw] = geo.kernel;
  const [sh, sw] = geo.stride;
  const [ph, pw] = geo.pad;
  const k = c * kh * kw;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      let o = (i * ow + j) * k;
      for (let ch = 0; ch < c; ch++) {
        const plane = ch * h * w;
        for (let a = 0; a < kh; a++) {
          const r = i * sh + a - ph;
          const inside = r >= 0 && r < h;
          const row = plane + r * w;
          for (let b = 0; b < kw; b++, o++) {
            const q = j * sw + b - pw;
            cols[o] = inside && q >= 0 && q < w ? image[row + q] : 0;
          }
        }
      }
    }
  }
}

/** OIHW filters as the [O, C·kh·kw] matrix of the unrolled correlation (flipped for a true convolution). */
function filterMatrix(wv: Float32Array, geo: HostConvGeometry): Float32Array {
  if (!geo.flip) return wv;
  const taps = geo.kernel[0] * geo.kernel[1];
  const out = new Float32Array(wv.length);
  for (let f = 0; f < wv.length; f += taps) for (let t = 0; t < taps; t++) out[f + t] = wv[f + taps - 1 - t];
  return out;
}

export function convGradWeightHost(blas: Blas, x: Tensor, gy: Tensor, wShape: number[], geo: HostConvGeometry): Tensor {
  const [n, c, h, w] = x.shape as number[];
  const [, co, oh, ow] = gy.shape as number[];
  const [kh, kw] = geo.kernel;
  const k = c * kh * kw;
  const p = oh * ow;
  return runHostKernel([x, gy], [wShape], ([xv, gv], [out]) => {
    const image = new Float32Array(c * h * w); // reads from a plain array are ~2x faster than from the wasm heap
    const cols = new Float32Array(p * k);
    const acc = new Float32Array(co * k);
    for (let s = 0; s < n; s++) {
      image.set(xv.subarray(s * c * h * w, (s + 1) * c * h * w));
      im2col(image, c, h, w, oh, ow, geo, cols);
      blas.sgemm(false, false, co, k, p, gv.subarray(s * co * p, (s + 1) * co * p), cols, acc, s === 0 ? 0 : 1);
    }
    // True convolution (Theano's filter_flip): the gradient of a flipped filter is flipped.
    out.set(filterMatrix(acc, geo));
  })[0];
}
