import { OptionsError, ShapeError } from '../../errors';
import { formatShape } from '../../shape';
import { tf, type Tensor } from '../../tf';
import { asTensor, type TensorLike } from '../../graph/lift';
import type { ST, TensorType } from '../../graph/node';
import { Op } from '../../graph/op';
import { nameGeneric, registerLowering } from '../../lowering/registry';
import { cast } from '../cast';
import { dilate } from '../dilate';
import { basicSubtensor, slice } from '../slicing';
import { toNCHW, toNHWC } from '../layout';
import { asPair, convConfig, convOutLength, explicit, padsOf, toHWIO, type ConvConfig, type Conv2DOptions } from './config';
import { blasIm2colFilterGrad, hwioToOIHW, tfjsBackpropFilter, wasmStride1ForwardConv } from './lowerings';

/**
 * The convolution and its two gradients, side by side. Each op's `perform` is its generic
 * lowering (tfjs kernels, correct on every backend); the other ways of computing them are named
 * lowerings (`lowerings.ts`), registered at the end of this file and chosen per node by the
 * lowering registry.
 */

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
  /** tfjs' Conv2D in NHWC, with the layout transposes around it. */
  override perform([x, w]: Tensor[]): Tensor[] {
    return [toNCHW(tf.conv2d(toNHWC(x) as tf.Tensor4D, toHWIO(w, this.cfg.filterFlip) as tf.Tensor4D, this.cfg.subsample, explicit(padsOf(this.cfg, w))))];
  }
  override grad([x, w]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new Conv2DGradInput(this.cfg).make1(g!, w, x), new Conv2DGradWeight(this.cfg).make1(x, g!, w)];
  }
}

/** The input gradient of a convolution with config `c` (a transposed convolution) by tfjs' Conv2DBackpropInput. */
export function convInputGrad(gy: Tensor, w: Tensor, xShape: number[], c: ConvConfig): Tensor {
  const [n, ch, h, wd] = xShape;
  const out = tf.conv2dTranspose(toNHWC(gy) as tf.Tensor4D, toHWIO(w, c.filterFlip) as tf.Tensor4D, [n, h, wd, ch], c.subsample, explicit(padsOf(c, w)) as never);
  return toNCHW(out);
}

/** Gradient of Conv2D with respect to its input: inputs (gy, W, x as shape donor). */
export class Conv2DGradInput extends ConvBase {
  readonly name = 'Conv2DGradInput';
  override inferTypes([, , x]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: x.shape }];
  }
  override perform([gy, w, x]: Tensor[]): Tensor[] {
    return [convInputGrad(gy, w, x.shape, this.cfg)];
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
  /**
   * The filter gradient as a convolution of the input (channels as batch) with the output
   * gradient (batch as channels), dilated by the stride; each operand is one transpose away from
   * NCHW. Runs on every backend (wasm has no Conv2DBackpropFilter; cpu's is ~50x slower).
   */
  override perform([x, gy, w]: Tensor[]): Tensor[] {
    const [kh, kw] = [w.shape[2] as number, w.shape[3] as number];
    const xT = tf.pad(tf.transpose(x, [1, 2, 3, 0]), explicit(padsOf(this.cfg, w))); // Ci, Hp, Wp, N
    const dyT = tf.transpose(gy, [2, 3, 0, 1]); // Oh, Ow, N, Co
    const full = tf.conv2d(xT as tf.Tensor4D, dyT as tf.Tensor4D, 1, 'valid', 'NHWC', this.cfg.subsample); // Ci, *, *, Co
    return [hwioToOIHW(tf.transpose(tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]), [1, 2, 0, 3]), this.cfg.filterFlip)];
  }
  override grad([x, gy]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new Conv2DGradInput(this.cfg).make1(gy, g!, x), new Conv2D(this.cfg).make1(x, g!), null];
  }
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

nameGeneric(Conv2D, 'tfjs-conv2d');
nameGeneric(Conv2DGradInput, 'tfjs-backprop-input');
registerLowering(Conv2DGradInput, wasmStride1ForwardConv<Conv2DGradInput>(([gy, w, x]) => ({ gy, w, xShape: x.shape })));
nameGeneric(Conv2DGradWeight, 'conv-of-transposes');
registerLowering(Conv2DGradWeight, blasIm2colFilterGrad);
registerLowering(Conv2DGradWeight, tfjsBackpropFilter);
