import { topoSort } from '../../graph/traverse';
import { Conv2D, Conv2DBiasRelu } from '../../ops/conv';
import { DimShuffle } from '../../ops/dimshuffle';
import { add, isElemwise, relu } from '../../ops/elemwise';
import { transform } from '../transform';
import type { ST } from '../../graph/node';

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
