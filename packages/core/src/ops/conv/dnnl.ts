import { tf, type Tensor } from '../../tf';
import type { ST, TensorType } from '../../graph/node';
import type { PerformContext } from '../../graph/op';
import { runHostKernel } from '../../backend/host-memory';
import { convOut, type ConvGeometry } from '../../backend/native/dnnl-kernels';
import { lower } from '../../lowering/registry';
import { asNCHW, blockedType, DnnlOp, nchwOf, registerDnnl, toBlockedTf } from '../dnnl/blocked';
import { convOutLength, convPads, type ConvConfig } from './config';
import { Conv2DGradInput, Conv2DGradWeight } from './conv2d';
import { Conv2DBiasRelu } from './fuse';

/**
 * The convolution ops of oneDNN's blocked region (ops/dnnl/blocked.ts; made by the `dnnlLayout`
 * rewrite): relu(conv + bias) forward, the input gradient, the filter gradient and the bias
 * gradient. Their 'onednn' lowerings run oneDNN primitives on blocked activations (filters stay
 * OIHW in the graph, flipped on the way in and out for Lasagne's true convolution, and are
 * reordered to the layout oneDNN picked: a small copy per call); their generic `perform` is the
 * plain op (through its own best lowering) on NCHW.
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
  geometry(x: readonly number[], w: readonly number[], srcBlocked: boolean): ConvGeometry | undefined {
    const [n, ci, h, wd] = x;
    const [co, , kh, kw] = w;
    const g: ConvGeometry = { n, ci, h, w: wd, co, kh, kw, stride: this.cfg.subsample, pad: convPads(this.cfg.borderMode, kh, kw), flip: this.cfg.filterFlip, srcBlocked };
    const { padR } = convOut(g);
    return padR[0] >= 0 && padR[1] >= 0 ? g : undefined;
  }
}

const nchw = (x: Tensor): number[] => (x.rank === 5 ? nchwOf(x.shape) : x.shape);

/** relu(conv2d(x, W) + b) with x blocked (or NCHW when its channels do not fill blocks); the output blocked. */
export class DnnlConvBiasRelu extends DnnlConvOp {
  readonly name = 'DnnlConvBiasRelu';
  override inferTypes([x, w]: readonly ST[]): TensorType[] {
    const s = x.ndim === 5 ? nchwOf(x.shape) : x.shape;
    const [sh, sw] = this.cfg.subsample;
    const out = [s[0], w.shape[0], convOutLength(s[2], w.shape[2], this.cfg.borderMode, sh, 0), convOutLength(s[3], w.shape[3], this.cfg.borderMode, sw, 1)];
    return [blockedType(out, this.block)];
  }
  override perform([x, w, b]: Tensor[], ctx: PerformContext): Tensor[] {
    return [toBlockedTf(lower(new Conv2DBiasRelu(this.cfg), [asNCHW(x), w, b], ctx).outputs[0] as Tensor, this.block)];
  }
}
registerDnnl(
  DnnlConvBiasRelu,
  ([x, w], op) => op.geometry(nchw(x), w.shape, x.rank === 5) !== undefined,
  (k, [x, w, b], op) => {
    const g = op.geometry(nchw(x), w.shape, x.rank === 5)!;
    if (!k.isFast('forward', g)) return undefined;
    const { oh, ow } = convOut(g);
    return runHostKernel([x, w, b], [[g.n, g.co / op.block, oh, ow, op.block]], ([xv, wv, bv], [yv]) => k.convBiasRelu(g, xv, wv, bv, yv));
  },
);

/** The input gradient: inputs (gy blocked, W, x as shape donor, blocked or NCHW); the output blocked. */
export class DnnlConvGradInput extends DnnlConvOp {
  readonly name = 'DnnlConvGradInput';
  override inferTypes([, w, x]: readonly ST[]): TensorType[] {
    const shape = x.ndim === 5 ? nchwOf(x.shape) : [...x.shape];
    shape[1] = w.shape[1];
    return [blockedType(shape, this.block)];
  }
  /** The NCHW shape of the input gradient: N from gy, C from W, H and W from the donor. */
  inputShape([gy, w, x]: readonly Tensor[]): number[] {
    return [gy.shape[0], w.shape[1], x.shape[2], x.shape[3]] as number[];
  }
  override perform(inputs: Tensor[], ctx: PerformContext): Tensor[] {
    const [gy, w] = inputs;
    // The plain op reads only its third input's shape (a zero tensor of it, freed by the executor's tidy).
    const gx = lower(new Conv2DGradInput(this.cfg), [asNCHW(gy), w, tf.zeros(this.inputShape(inputs))], ctx).outputs[0] as Tensor;
    return [toBlockedTf(gx, this.block)];
  }
}
registerDnnl(
  DnnlConvGradInput,
  (inputs, op) => op.geometry(op.inputShape(inputs), inputs[1].shape, true) !== undefined,
  (k, inputs, op) => {
    const [gy, w] = inputs;
    const g = op.geometry(op.inputShape(inputs), w.shape, true)!;
    if (!k.isFast('inputGrad', g)) return undefined;
    return runHostKernel([gy, w], [[g.n, g.ci / op.block, g.h, g.w, op.block]], ([gv, wv], [xv]) => k.convGradInput(g, gv, wv, xv));
  },
);

/** The filter gradient: inputs (x blocked or NCHW, gy blocked, W as shape donor); the output OIHW. */
export class DnnlConvGradWeight extends DnnlConvOp {
  readonly name = 'DnnlConvGradWeight';
  override inferTypes([, , w]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: w.shape }];
  }
  override perform([x, gy, w]: Tensor[], ctx: PerformContext): Tensor[] {
    return lower(new Conv2DGradWeight(this.cfg), [asNCHW(x), asNCHW(gy), w], ctx).outputs as Tensor[];
  }
}
registerDnnl(
  DnnlConvGradWeight,
  ([x, , w], op) => op.geometry(nchw(x), w.shape, x.rank === 5) !== undefined,
  (k, [x, gy, w], op) => {
    const g = op.geometry(nchw(x), w.shape, x.rank === 5)!;
    if (!k.isFast('filterGrad', g)) return undefined;
    return runHostKernel([x, gy], [w.shape], ([xv, gv], [wv]) => k.convGradWeight(g, xv, gv, wv));
  },
);

/** Sum over N, H, W of a blocked tensor (the bias gradient), shaped [1, C, 1, 1] as the Sum it replaces. */
export class DnnlBiasGrad extends DnnlOp {
  readonly name = 'DnnlBiasGrad';
  override inferTypes([g]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: [1, nchwOf(g.shape)[1], 1, 1] }];
  }
  override perform([g]: Tensor[]): Tensor[] {
    return [tf.sum(asNCHW(g), [0, 2, 3], true)];
  }
}
registerDnnl(
  DnnlBiasGrad,
  () => true,
  (k, [g]) => {
    const dims = nchwOf(g.shape);
    return runHostKernel([g], [[1, dims[1], 1, 1]], ([gv], [bv]) => k.biasGrad(dims, gv, bv));
  },
);
