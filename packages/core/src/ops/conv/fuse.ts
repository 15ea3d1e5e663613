import { tf, type Tensor } from '../../tf';
import { topoSort } from '../../graph/traverse';
import type { ST, TensorType } from '../../graph/node';
import { Op } from '../../graph/op';
import { transform } from '../../compile/transform';
import { nameGeneric } from '../../lowering/registry';
import { DimShuffle } from '../dimshuffle';
import { add, isElemwise, relu } from '../elemwise';
import { toNCHW, toNHWC } from '../layout';
import { explicit, padsOf, toHWIO, type ConvConfig } from './config';
import { Conv2D } from './conv2d';

/**
 * relu(conv2d(x, W) + b) as one tfjs FusedConv2D kernel (bias and activation applied inside the
 * convolution). Made only by the fusion rewrite below, after gradients were taken, so it has no
 * gradient of its own.
 */
export class Conv2DBiasRelu extends Op {
  readonly name = 'Conv2DBiasRelu';
  static override readonly props = ['cfg'] as const;
  constructor(readonly cfg: ConvConfig) {
    super();
  }
  override inferTypes([x, w]: readonly ST[]): TensorType[] {
    return new Conv2D(this.cfg).inferTypes([x, w]);
  }
  override perform([x, w, b]: Tensor[]): Tensor[] {
    const out = tf.fused.conv2d({
      x: toNHWC(x) as tf.Tensor4D,
      filter: toHWIO(w, this.cfg.filterFlip) as tf.Tensor4D,
      strides: this.cfg.subsample,
      pad: explicit(padsOf(this.cfg, w)) as never,
      bias: b,
      activation: 'relu',
    });
    return [toNCHW(out)];
  }
}
nameGeneric(Conv2DBiasRelu, 'tfjs-fused-conv2d');

/** The bias vector of `b.dimshuffle('x', 0, 'x', 'x')`, else undefined. */
function channelBias(v: ST): ST | undefined {
  const op = v.owner?.op;
  if (!(op instanceof DimShuffle)) return undefined;
  const p = op.pattern;
  return p.length === 4 && p[0] === 'x' && p[1] === 0 && p[2] === 'x' && p[3] === 'x' && op.inputRank === 1 ? v.owner!.inputs[0] : undefined;
}

/**
 * Fuses `relu(conv2d(x, W) + b.dimshuffle('x', 0, 'x', 'x'))` (Conv2DLayer with rectify) into
 * one FusedConv2D kernel, when neither the convolution nor the sum is used elsewhere (relu's
 * gradient reads relu's output, so training graphs qualify too). Saves two full passes over the
 * layer's output.
 */
export function fuseConvRewrite(outputs: readonly ST[]): ST[] {
  const uses = new Map<ST, number>();
  for (const ap of topoSort(outputs)) for (const i of ap.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
  const single = (v: ST) => uses.get(v) === 1;
  return transform(outputs, (ap, ins) => {
    if (!isElemwise(ap.op, relu)) return null;
    const sumOld = ap.inputs[0];
    const sum = ins[0];
    if (!single(sumOld) || !isElemwise(sum.owner?.op, add) || sum.dtype !== 'float32') return null;
    const [a, b] = sum.owner!.inputs;
    const [aOld, bOld] = sumOld.owner!.inputs;
    for (const [conv, convOld, biasSide] of [[a, aOld, b], [b, bOld, a]] as const) {
      const bias = channelBias(biasSide);
      if (!bias || !(conv.owner?.op instanceof Conv2D) || !single(convOld)) continue;
      const [x, w] = conv.owner.inputs;
      return [new Conv2DBiasRelu(conv.owner.op.cfg).make1(x, w, bias)];
    }
    return null;
  });
}
