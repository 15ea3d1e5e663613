import { OptionsError, ShapeError } from '../errors';
import { formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op, type PerformContext } from '../graph/op';
import { cast } from './cast';
import { dilate } from './dilate';
import { basicSubtensor, slice } from './slicing';
import { hostBlas } from '../backend/host-memory';
import { convGradWeightHost } from './conv-host';
import { toNCHW, toNHWC } from './layout';

export type BorderMode = 'valid' | 'full' | 'half' | 'same' | number | readonly [number, number];

export interface ConvConfig {
  borderMode: BorderMode;
  subsample: [number, number];
  filterFlip: boolean;
}

/** Padding per spatial axis for a filter size (Theano: full = k-1, half/same = k//2). */
export function convPads(mode: BorderMode, kh: number, kw: number): [number, number] {
  if (mode === 'valid') return [0, 0];
  if (mode === 'full') return [kh - 1, kw - 1];
  if (mode === 'half' || mode === 'same') return [Math.floor(kh / 2), Math.floor(kw / 2)];
  if (typeof mode === 'number') return [mode, mode];
  return [mode[0], mode[1]];
}

const isPad = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Throws an OptionsError unless `mode` is a border mode Theano knows. */
export function checkBorderMode(mode: unknown, where: string): asserts mode is BorderMode {
  const ok = mode === 'valid' || mode === 'full' || mode === 'half' || mode === 'same' || isPad(mode) || (Array.isArray(mode) && mode.length === 2 && mode.every(isPad));
  if (!ok) throw new OptionsError(`${where}: invalid border mode ${JSON.stringify(mode)}; expected 'valid', 'full', 'half', 'same', a non-negative integer or a pair of them.`);
}

/** Theano's output length of a convolution: (L + 2p - k) // s + 1. */
export function convOutLength(len: number | null, k: number | null, pad: BorderMode, stride: number, axis: 0 | 1): number | null {
  if (len === null || k === null) return null;
  const p = convPads(pad, k, k)[axis];
  return Math.floor((len + 2 * p - k) / stride) + 1;
}

/** OIHW filters to the HWIO layout of tfjs, flipped for a true convolution. */
function toHWIO(w: Tensor, flip: boolean): Tensor {
  const t = tf.transpose(w, [2, 3, 1, 0]);
  return flip ? tf.reverse(t, [0, 1]) : t;
}
function explicit(p: [number, number]): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [p[0], p[0]], [p[1], p[1]], [0, 0]];
}

function forward(x: Tensor, w: Tensor, c: ConvConfig): Tensor {
  const p = convPads(c.borderMode, w.shape[2] as number, w.shape[3] as number);
  return toNCHW(tf.conv2d(toNHWC(x) as tf.Tensor4D, toHWIO(w, c.filterFlip) as tf.Tensor4D, c.subsample, explicit(p)));
}

export function gradInput(gy: Tensor, w: Tensor, xShape: number[], c: ConvConfig, ctx: PerformContext): Tensor {
  const [kh, kw] = [w.shape[2] as number, w.shape[3] as number];
  const p = convPads(c.borderMode, kh, kw);
  const [n, ch, h, wd] = xShape;
  const hwio = toHWIO(w, c.filterFlip);
  if (c.subsample[0] === 1 && c.subsample[1] === 1 && ctx.backend === 'wasm' && p[0] < kh && p[1] < kw) {
    // wasm's Conv2DBackpropInput is a slow scalar loop; with stride 1 the input gradient is a
    // forward (XNNPACK) convolution of the output gradient, padded by k-1-p, with the filters
    // rotated 180 degrees and their in/out channels swapped.
    const rotated = tf.transpose(tf.reverse(hwio, [0, 1]), [0, 1, 3, 2]);
    const pads: [number, number] = [kh - 1 - p[0], kw - 1 - p[1]];
    const out = tf.conv2d(toNHWC(gy) as tf.Tensor4D, rotated as tf.Tensor4D, 1, explicit(pads));
    return toNCHW(tf.slice(out, [0, 0, 0, 0], [n, h, wd, ch]));
  }
  const out = tf.conv2dTranspose(toNHWC(gy) as tf.Tensor4D, hwio as tf.Tensor4D, [n, h, wd, ch], c.subsample, explicit(p) as never);
  return toNCHW(out);
}

function gradWeight(x: Tensor, gy: Tensor, wShape: number[], c: ConvConfig, ctx: PerformContext): Tensor {
  const [, , kh, kw] = wShape;
  const p = convPads(c.borderMode, kh, kw);
  // Few input channels: a GEMM per sample beats the lowering below (see conv-host.ts).
  const blas = (x.shape[1] as number) < 8 ? hostBlas(ctx.backend, [x, gy]) : undefined;
  if (blas) return convGradWeightHost(blas, x, gy, wShape, { kernel: [kh, kw], stride: c.subsample, pad: p, flip: c.filterFlip });
  let hwio: Tensor;
  // The plain-JS backend has the kernel, but it is much slower than the lowering below, so it
  // takes the lowering too (measured: docs/ARCHITECTURE.md, Kernel lowering).
  if (ctx.backend !== 'cpu' && tf.getKernel('Conv2DBackpropFilter', ctx.backend)) {
    hwio = tf.engine().runKernel('Conv2DBackpropFilter', { x: toNHWC(x), dy: toNHWC(gy) }, { strides: c.subsample, pad: explicit(p), dataFormat: 'NHWC', filterShape: [kh, kw, wShape[1], wShape[0]] }) as Tensor;
  } else {
    // Lowering for backends without the kernel (wasm) or with a slow one (cpu): the filter gradient is itself a
    // convolution of the input (channels as batch) with the output gradient (batch as channels),
    // dilated by the stride. Each operand is one transpose away from NCHW.
    const xT = tf.pad(tf.transpose(x, [1, 2, 3, 0]), explicit(p)); // Ci, Hp, Wp, N
    const dyT = tf.transpose(gy, [2, 3, 0, 1]); // Oh, Ow, N, Co
    const full = tf.conv2d(xT as tf.Tensor4D, dyT as tf.Tensor4D, 1, 'valid', 'NHWC', c.subsample); // Ci, *, *, Co
    hwio = tf.transpose(tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]), [1, 2, 0, 3]);
  }
  const flipped = c.filterFlip ? tf.reverse(hwio, [0, 1]) : hwio;
  return tf.transpose(flipped, [3, 2, 0, 1]);
}

abstract class ConvBase extends Op {
  static override readonly props = ['cfg'] as const;
  constructor(readonly cfg: ConvConfig) {
    super();
  }
}

/** 2-D convolution, NCHW input and OIHW filters, with Theano's border modes and filter flip. */
export class Conv2D extends ConvBase {
  readonly name = 'Conv2D';
  override inferTypes([x, w]: readonly ST[]): TensorType[] {
    const where = `conv2d of ${x.describe()} with filters ${w.describe()}`;
    if (x.ndim !== 4 || w.ndim !== 4) throw new ShapeError(`${where}: expected a 4-d input (N, C, H, W) and 4-d filters (O, C, kh, kw).`);
    if (x.shape[1] !== null && w.shape[1] !== null && x.shape[1] !== w.shape[1]) {
      throw new ShapeError(`${where}: the input has ${x.shape[1]} channels but the filters expect ${w.shape[1]}.`);
    }
    const [s0, s1] = this.cfg.subsample;
    const mode = this.cfg.borderMode;
    if (mode === 'same' && ((w.shape[2] ?? 1) % 2 === 0 || (w.shape[3] ?? 1) % 2 === 0)) {
      throw new ShapeError(`${where}: 'same' padding needs odd filter sizes, received ${formatShape(w.shape.slice(2))}; use an explicit pad.`);
    }
    const h = convOutLength(x.shape[2], w.shape[2], mode, s0, 0);
    const wd = convOutLength(x.shape[3], w.shape[3], mode, s1, 1);
    if ((h !== null && h <= 0) || (wd !== null && wd <= 0)) throw new ShapeError(`${where}: the output would be empty (${h}x${wd}); the input is smaller than the filter.`);
    return [{ dtype: 'float32', shape: [x.shape[0], w.shape[0], h, wd] }];
  }
  override perform([x, w]: Tensor[]): Tensor[] {
    return [forward(x, w, this.cfg)];
  }
  override grad([x, w]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new Conv2DGradInput(this.cfg).make1(g!, w, x), new Conv2DGradWeight(this.cfg).make1(x, g!, w)];
  }
}

/** Gradient of Conv2D with respect to its input: inputs (gy, W, x as shape donor). */
export class Conv2DGradInput extends ConvBase {
  readonly name = 'Conv2DGradInput';
  override inferTypes([, , x]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: x.shape }];
  }
  override perform([gy, w, x]: Tensor[], ctx: PerformContext): Tensor[] {
    return [gradInput(gy, w, x.shape, this.cfg, ctx)];
  }
  override grad([gy, w]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new Conv2D(this.cfg).make1(g!, w), new Conv2DGradWeight(this.cfg).make1(g!, gy, w), null];
  }
}

/** Gradient of Conv2D with respect to its filters: inputs (x, gy, W as shape donor). */
export class Conv2DGradWeight extends ConvBase {
  readonly name = 'Conv2DGradWeight';
  override inferTypes([, , w]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: w.shape }];
  }
  override perform([x, gy, w]: Tensor[], ctx: PerformContext): Tensor[] {
    return [gradWeight(x, gy, w.shape, this.cfg, ctx)];
  }
  override grad([x, gy]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new Conv2DGradInput(this.cfg).make1(gy, g!, x), new Conv2D(this.cfg).make1(x, g!), null];
  }
}

export interface Conv2DOptions {
  borderMode?: BorderMode;
  subsample?: number | readonly [number, number];
  filterFlip?: boolean;
  /** Spacing between filter taps (Theano's `filter_dilation`), default 1: an atrous convolution. */
  filterDilation?: number | readonly [number, number];
}

const asPair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** The shared option handling of conv2d and convTranspose2d. */
export function convConfig(options: Conv2DOptions, where: string): ConvConfig {
  const subsample = asPair(options.subsample ?? 1);
  if (subsample.some((v) => !Number.isInteger(v) || v < 1)) throw new OptionsError(`${where}: subsample must be positive integers, received ${JSON.stringify(options.subsample)}.`);
  const bm = options.borderMode ?? 'valid';
  checkBorderMode(bm, where);
  return { borderMode: Array.isArray(bm) ? [bm[0], bm[1]] : bm, subsample, filterFlip: options.filterFlip ?? true };
}

/**
 * Filters with `d − 1` zeros between taps (kernel size (k − 1)·d + 1), so that a plain
 * convolution with them is the dilated convolution; its gradient reads back every d-th tap.
 */
export function dilateFilters(w: ST, dilation: readonly [number, number]): ST {
  if (dilation[0] === 1 && dilation[1] === 1) return w;
  const trim = (d: number) => slice(null, d > 1 ? -(d - 1) : null);
  return basicSubtensor(dilate(w, [1, 1, dilation[0], dilation[1]]), [slice(), slice(), trim(dilation[0]), trim(dilation[1])]);
}

/** `T.nnet.conv2d(input, filters, border_mode, subsample, filter_flip, filter_dilation)` (NCHW, OIHW). */
export function conv2d(input: TensorLike, filters: TensorLike, options: Conv2DOptions = {}): ST {
  const cfg = convConfig(options, 'conv2d');
  const dilation = asPair(options.filterDilation ?? 1);
  if (dilation.some((v) => !Number.isInteger(v) || v < 1)) throw new OptionsError(`conv2d: filterDilation must be positive integers, received ${JSON.stringify(options.filterDilation)}.`);
  const w = dilateFilters(cast(asTensor(filters), 'float32'), dilation);
  return new Conv2D(cfg).make1(cast(asTensor(input), 'float32'), w);
}

/**
 * relu(conv2d(x, W) + b) as one tfjs FusedConv2D kernel (bias and activation applied inside the
 * convolution). Made only by the compile-time fusion rewrite, after gradients were taken, so it
 * has no gradient of its own.
 */
export class Conv2DBiasRelu extends ConvBase {
  readonly name = 'Conv2DBiasRelu';
  override inferTypes([x, w]: readonly ST[]): TensorType[] {
    return new Conv2D(this.cfg).inferTypes([x, w]);
  }
  override perform([x, w, b]: Tensor[]): Tensor[] {
    const p = convPads(this.cfg.borderMode, w.shape[2] as number, w.shape[3] as number);
    const out = tf.fused.conv2d({
      x: toNHWC(x) as tf.Tensor4D,
      filter: toHWIO(w, this.cfg.filterFlip) as tf.Tensor4D,
      strides: this.cfg.subsample,
      pad: explicit(p) as never,
      bias: b,
      activation: 'relu',
    });
    return [toNCHW(out)];
  }
}
