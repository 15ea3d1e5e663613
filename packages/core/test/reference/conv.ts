/**
 * Reference 2-D convolution with Theano/Lasagne semantics (float64, plain loops).
 *
 *   x: (N, C, H, W), w: (O, C, kh, kw)  ->  y: (N, O, outH, outW)
 *   y[n,o,r,c] = sum_{ch,i,j} xpad[n, ch, r*sh + i, c*sw + j] * wEff[o, ch, i, j]
 * where xpad is x zero-padded by (ph, pw) on each side, and wEff = w flipped in both
 * spatial dims when filterFlip (true convolution, Theano's default), else wEff = w
 * (cross-correlation).  out = floor((L + 2p - k) / stride) + 1 (0 if negative).
 */
import { NDArray, zeros } from './ndarray';

export type BorderMode = 'valid' | 'full' | 'half' | 'same' | number | [number, number];

export interface Conv2dOpts {
  borderMode: BorderMode;
  /** Strides (rows, cols), default [1, 1]. */
  subsample?: [number, number];
  /** true (default): true convolution; false: cross-correlation. */
  filterFlip?: boolean;
}

/** Padding (rows, cols) for a border mode and filter size. 'same' requires odd filters (Lasagne). */
export function convPadding(mode: BorderMode, kh: number, kw: number): [number, number] {
  if (Array.isArray(mode)) return [mode[0], mode[1]];
  if (typeof mode === 'number') return [mode, mode];
  switch (mode) {
    case 'valid':
      return [0, 0];
    case 'full':
      return [kh - 1, kw - 1];
    case 'half':
      return [Math.floor(kh / 2), Math.floor(kw / 2)];
    case 'same':
      if (kh % 2 === 0 || kw % 2 === 0) throw new Error(`'same' padding requires odd filter size, got ${kh}x${kw}`);
      return [Math.floor(kh / 2), Math.floor(kw / 2)];
    default:
      throw new Error(`unknown border mode ${String(mode)}`);
  }
}

/** floor((L + 2p - k) / s) + 1, clamped at 0. */
export function convOutputLength(L: number, k: number, pad: number, stride: number): number {
  return Math.max(0, Math.floor((L + 2 * pad - k) / stride) + 1);
}

/** Output shape (N, O, outH, outW) of conv2d. */
export function conv2dOutputShape(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOpts): number[] {
  if (xShape.length !== 4 || wShape.length !== 4) throw new Error('conv2d expects 4-d x (N,C,H,W) and w (O,C,kh,kw)');
  if (xShape[1] !== wShape[1]) throw new Error(`conv2d: x has ${xShape[1]} channels, w expects ${wShape[1]}`);
  const [ph, pw] = convPadding(opts.borderMode, wShape[2], wShape[3]);
  const [sh, sw] = opts.subsample ?? [1, 1];
  return [xShape[0], wShape[0], convOutputLength(xShape[2], wShape[2], ph, sh), convOutputLength(xShape[3], wShape[3], pw, sw)];
}

/**
 * Calls tap(xOffset, wOffset, yOffset) for every multiply-add of the convolution
 * (taps that land in the zero padding are skipped). Forward and both gradients are
 * built on this one loop, so the gradients are exact transposes of the forward map.
 */
function forEachTap(
  xShape: readonly number[],
  wShape: readonly number[],
  opts: Conv2dOpts,
  tap: (xi: number, wi: number, yi: number) => void,
): number[] {
  const yShape = conv2dOutputShape(xShape, wShape, opts);
  const [N, C, H, W] = xShape;
  const [O, , kh, kw] = wShape;
  const [, , oh, ow] = yShape;
  const [ph, pw] = convPadding(opts.borderMode, kh, kw);
  const [sh, sw] = opts.subsample ?? [1, 1];
  const flip = opts.filterFlip ?? true;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let r = 0; r < oh; r++)
        for (let c = 0; c < ow; c++) {
          const yi = ((n * O + o) * oh + r) * ow + c;
          for (let ch = 0; ch < C; ch++)
            for (let i = 0; i < kh; i++) {
              const xr = r * sh + i - ph;
              if (xr < 0 || xr >= H) continue;
              for (let j = 0; j < kw; j++) {
                const xc = c * sw + j - pw;
                if (xc < 0 || xc >= W) continue;
                const wi_ = flip ? kh - 1 - i : i;
                const wj = flip ? kw - 1 - j : j;
                tap(((n * C + ch) * H + xr) * W + xc, ((o * C + ch) * kh + wi_) * kw + wj, yi);
              }
            }
        }
  return yShape;
}

export function conv2d(x: NDArray, w: NDArray, opts: Conv2dOpts): NDArray {
  const y = zeros(conv2dOutputShape(x.shape, w.shape, opts));
  forEachTap(x.shape, w.shape, opts, (xi, wi, yi) => {
    y.data[yi] += x.data[xi] * w.data[wi];
  });
  return y;
}

/** d(sum(gy * conv2d(x, w))) / dx, for x of shape xShape. */
export function conv2dGradInput(gy: NDArray, w: NDArray, xShape: readonly number[], opts: Conv2dOpts): NDArray {
  checkGy(gy, conv2dOutputShape(xShape, w.shape, opts));
  const gx = zeros(xShape);
  forEachTap(xShape, w.shape, opts, (xi, wi, yi) => {
    gx.data[xi] += gy.data[yi] * w.data[wi];
  });
  return gx;
}

/** d(sum(gy * conv2d(x, w))) / dw, for w of shape wShape. */
export function conv2dGradWeight(x: NDArray, gy: NDArray, wShape: readonly number[], opts: Conv2dOpts): NDArray {
  checkGy(gy, conv2dOutputShape(x.shape, wShape, opts));
  const gw = zeros(wShape);
  forEachTap(x.shape, wShape, opts, (xi, wi, yi) => {
    gw.data[wi] += gy.data[yi] * x.data[xi];
  });
  return gw;
}

function checkGy(gy: NDArray, yShape: number[]): void {
  if (gy.shape.length !== yShape.length || gy.shape.some((d, i) => d !== yShape[i])) {
    throw new Error(`output gradient has shape [${gy.shape}], conv output is [${yShape}]`);
  }
}

/**
 * Dilated (atrous) valid convolution, stride 1: y[n, f, r, c] = Σ x[n, ch, r + i·d0, c + j·d1] ·
 * w[f, ch, i, j] (w reversed in both spatial axes when flip).
 */
export function dilatedConv2d(x: NDArray, w: NDArray, d: [number, number], flip: boolean): NDArray {
  const [N, C, H, W] = x.shape;
  const [F, , kh, kw] = w.shape;
  const [oh, ow] = [H - (kh - 1) * d[0], W - (kw - 1) * d[1]];
  const y = zeros([N, F, oh, ow]);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let r = 0; r < oh; r++)
        for (let c = 0; c < ow; c++) {
          let acc = 0;
          for (let ch = 0; ch < C; ch++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const [wi, wj] = flip ? [kh - 1 - i, kw - 1 - j] : [i, j];
                acc += x.data[((n * C + ch) * H + r + i * d[0]) * W + c + j * d[1]] * w.data[((f * C + ch) * kh + wi) * kw + wj];
              }
          y.data[((n * F + f) * oh + r) * ow + c] = acc;
        }
  return y;
}
