import { tf, type Tensor } from '../../tf';
import type { ST, TensorType } from '../../graph/node';
import type { PerformContext } from '../../graph/op';
import { runHostKernel } from '../../backend/host-memory';
import type { PoolGeometry } from '../../backend/native/dnnl-kernels';
import { lower } from '../../lowering/registry';
import { Pool2D, Pool2DGrad, type PoolConfig } from '../pool';
import { asNCHW, DnnlOp, nchwOf, registerDnnl, toBlockedTf } from './blocked';

/**
 * Max-pooling in oneDNN's blocked region (see blocked.ts), for windows that tile the image
 * (stride = window, no padding; the rewrite checks that). Their 'onednn' lowering needs sizes
 * that are multiples of the window at run time (`ignoreBorder` drops the rest otherwise); other
 * sizes take the generic `perform`, the plain ops on NCHW.
 */
abstract class DnnlPoolOp extends DnnlOp {
  static override readonly props: readonly string[] = ['cfg', 'block'];
  constructor(
    readonly cfg: PoolConfig,
    block: 8 | 16,
  ) {
    super(block);
  }
  /** The geometry of a blocked input, when the windows tile it. */
  geometry(x: Tensor): PoolGeometry | undefined {
    const [n, c, h, w] = nchwOf(x.shape);
    const ws = this.cfg.ws;
    return h % ws[0] === 0 && w % ws[1] === 0 ? { n, c, h, w, ws } : undefined;
  }
}

/** Pools a blocked tensor; the output blocked. */
export class DnnlMaxPool extends DnnlPoolOp {
  readonly name = 'DnnlMaxPool';
  override inferTypes([x]: readonly ST[]): TensorType[] {
    const s = x.shape;
    const [a, b] = this.cfg.ws;
    return [{ dtype: 'float32', shape: [s[0], s[1], s[2] === null ? null : Math.floor(s[2] / a), s[3] === null ? null : Math.floor(s[3] / b), s[4]] }];
  }
  override perform([x]: Tensor[], ctx: PerformContext): Tensor[] {
    return [toBlockedTf(lower(new Pool2D(this.cfg), [asNCHW(x)], ctx).outputs[0] as Tensor, this.block)];
  }
}
registerDnnl(
  DnnlMaxPool,
  ([x], op) => op.geometry(x) !== undefined,
  (k, [x], op) => {
    const g = op.geometry(x)!;
    const [n, cb, , , b] = x.shape;
    return runHostKernel([x], [[n, cb, g.h / g.ws[0], g.w / g.ws[1], b]], ([xv], [yv]) => k.maxPool(g, xv, yv));
  },
);

/**
 * The gradient through max-pooling and the ReLU that produced its input, inputs (x: the ReLU's
 * output, y: the pooled maxima, gy: their gradient), all blocked; the output (the gradient of
 * the ReLU's input) blocked. Theano's tie rule: every cell equal to its window's max gets the
 * window's gradient (see DnnlKernels.maxPoolReluGrad).
 */
export class DnnlMaxPoolReluGrad extends DnnlPoolOp {
  readonly name = 'DnnlMaxPoolReluGrad';
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: x.shape }];
  }
  override perform([x, y, gy]: Tensor[], ctx: PerformContext): Tensor[] {
    const xn = asNCHW(x);
    const gp = lower(new Pool2DGrad(this.cfg), [xn, asNCHW(y), asNCHW(gy)], ctx).outputs[0] as Tensor;
    return [toBlockedTf(tf.mul(gp, tf.step(xn)), this.block)];
  }
}
registerDnnl(
  DnnlMaxPoolReluGrad,
  ([x], op) => op.geometry(x) !== undefined,
  (k, [x, y, gy], op) => {
    const g = op.geometry(x)!;
    return runHostKernel([x, y, gy], [x.shape], ([xv, yv, gv], [dv]) => k.maxPoolReluGrad(g, xv, yv, gv, dv));
  },
);
