import { tf, type Tensor } from '../../tf';
import type { ST, TensorType } from '../../graph/node';
import type { PerformContext } from '../../graph/op';
import { runHostKernel } from '../../backend/host-memory';
import { convOut, type ConvGeometry } from '../../backend/native/dnnl-kernels';
import { Conv2DBiasRelu, Conv2DGradWeight, convOutLength, convPads, gradInput, type ConvConfig } from '../conv';
import { asNCHW, blockedType, dnnlKernels, DnnlOp, nchwOf, toBlockedTf } from './blocked';

/**
 * The convolution ops of the blocked region (see blocked.ts): relu(conv + bias) forward, the
 * input gradient, the filter gradient and the bias gradient, as oneDNN primitives on blocked
 * activations. Filters stay OIHW in the graph (flipped on the way in and out for Lasagne's true
 * convolution); the kernels reorder them to the layout oneDNN picked, a small copy per call.
 */
abstract class DnnlConvOp extends DnnlOp {
  static override readonly props: readonly string[] = ['cfg', 'block'];
  constructor(
    readonly cfg: ConvConfig,
    block: 8 | 16,
  ) {
    super(block);
  }
  /** The geometry at run time; undefined when oneDNN cannot express it (negative padding after the last row). */
  protected geometry(x: readonly number[], w: readonly number[], srcBlocked: boolean): ConvGeometry | undefined {
    const [n, ci, h, wd] = x;
    const [co, , kh, kw] = w;
    const g: ConvGeometry = { n, ci, h, w: wd, co, kh, kw, stride: this.cfg.subsample, pad: convPads(this.cfg.borderMode, kh, kw), flip: this.cfg.filterFlip, srcBlocked };
    const { padR } = convOut(g);
    return padR[0] >= 0 && padR[1] >= 0 ? g : undefined;
  }
}

const blockedOut = (g: ConvGeometry, block: number): number[] => {
  const { oh, ow } = convOut(g);
  return [g.n, g.co / block, oh, ow, block];
};

/** relu(conv2d(x, W) + b) with x blocked (or NCHW when its channels do not fill blocks); the output blocked. */
export class DnnlConvBiasRelu extends DnnlConvOp {
  readonly name = 'DnnlConvBiasRelu';
  override inferTypes([x, w, b]: readonly ST[]): TensorType[] {
    void b;
    const s = x.ndim === 5 ? nchwOf(x.shape) : x.shape;
    const [sh, sw] = this.cfg.subsample;
    const out = [s[0], w.shape[0], convOutLength(s[2], w.shape[2], this.cfg.borderMode, sh, 0), convOutLength(s[3], w.shape[3], this.cfg.borderMode, sw, 1)];
    return [blockedType(out, this.block)];
  }
  override perform([x, w, b]: Tensor[], ctx: PerformContext): Tensor[] {
    const k = dnnlKernels(ctx, this.block);
    const g = k && this.geometry(x.rank === 5 ? nchwOf(x.shape) : x.shape, w.shape, x.rank === 5);
    if (!k || !g) return [toBlockedTf(new Conv2DBiasRelu(this.cfg).perform([asNCHW(x), w, b])[0], this.block)];
    return runHostKernel([x, w, b], [blockedOut(g, this.block)], ([xv, wv, bv], [yv]) => k.convBiasRelu(g, xv, wv, bv, yv));
  }
}

/** The input gradient: inputs (gy blocked, W, x as shape donor, blocked or NCHW); the output blocked when `blocked`, else NCHW. */
export class DnnlConvGradInput extends DnnlConvOp {
  readonly name = 'DnnlConvGradInput';
  static override readonly props: readonly string[] = ['cfg', 'block', 'blocked'];
  constructor(cfg: ConvConfig, block: 8 | 16, readonly blocked: boolean) {
    super(cfg, block);
  }
  override inferTypes([, w, x]: readonly ST[]): TensorType[] {
    const shape = x.ndim === 5 ? nchwOf(x.shape) : [...x.shape];
    shape[1] = w.shape[1];
    return [this.blocked ? blockedType(shape, this.block) : { dtype: 'float32', shape }];
  }
  override perform([gy, w, x]: Tensor[], ctx: PerformContext): Tensor[] {
    const k = dnnlKernels(ctx, this.block);
    const xShape = [gy.shape[0], w.shape[1], x.shape[2], x.shape[3]] as number[];
    const g = k && this.geometry(xShape, w.shape, this.blocked);
    if (!k || !g) {
      const gx = gradInput(asNCHW(gy), w, xShape, this.cfg, ctx);
      return [this.blocked ? toBlockedTf(gx, this.block) : gx];
    }
    const out = this.blocked ? [g.n, g.ci / this.block, g.h, g.w, this.block] : xShape;
    return runHostKernel([gy, w], [out], ([gv, wv], [xv]) => k.convGradInput(g, gv, wv, xv));
  }
}

/** The filter gradient: inputs (x blocked or NCHW, gy blocked, W as shape donor); the output OIHW. */
export class DnnlConvGradWeight extends DnnlConvOp {
  readonly name = 'DnnlConvGradWeight';
  override inferTypes([, , w]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: w.shape }];
  }
  override perform([x, gy, w]: Tensor[], ctx: PerformContext): Tensor[] {
    const k = dnnlKernels(ctx, this.block);
    const g = k && this.geometry(x.rank === 5 ? nchwOf(x.shape) : x.shape, w.shape, x.rank === 5);
    if (!k || !g) return new Conv2DGradWeight(this.cfg).perform([asNCHW(x), asNCHW(gy), w], ctx);
    return runHostKernel([x, gy], [w.shape], ([xv, gv], [wv]) => k.convGradWeight(g, xv, gv, wv));
  }
}

/** Sum over N, H, W of a blocked tensor (the bias gradient), shaped [1, C, 1, 1] as the Sum it replaces. */
export class DnnlBiasGrad extends DnnlOp {
  readonly name = 'DnnlBiasGrad';
  override inferTypes([g]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: [1, nchwOf(g.shape)[1], 1, 1] }];
  }
  override perform([g]: Tensor[], ctx: PerformContext): Tensor[] {
    const k = dnnlKernels(ctx, this.block);
    if (!k) return [tf.sum(asNCHW(g), [0, 2, 3], true)];
    const dims = nchwOf(g.shape);
    return runHostKernel([g], [[1, dims[1], 1, 1]], ([gv], [bv]) => k.biasGrad(dims, gv, bv));
  }
}
