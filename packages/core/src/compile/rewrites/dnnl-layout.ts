import { topoSort } from '../../graph/traverse';
import type { ST } from '../../graph/node';
import { hasHostMemory } from '../../backend/host-memory';
import { platform } from '../../platform';
import { Conv2DGradInput, Conv2DGradWeight } from '../../ops/conv/conv2d';
import { Conv2DBiasRelu } from '../../ops/conv/fuse';
import { ReluGrad } from '../../ops/elemwise';
import { Pool2D, Pool2DGrad, type PoolConfig } from '../../ops/pool';
import { Reduce } from '../../ops/reduce';
import { DnnlFromBlocked, DnnlToBlocked } from '../../ops/dnnl/blocked';
import { DnnlBiasGrad, DnnlConvBiasRelu, DnnlConvGradInput, DnnlConvGradWeight } from '../../ops/conv/dnnl';
import { DnnlMaxPool, DnnlMaxPoolReluGrad } from '../../ops/dnnl/pool';
import { transform } from '../transform';

/** Windows that tile the image: stride = window, no padding (Lasagne's MaxPool2DLayer default). */
const tiles = (c: PoolConfig) => c.mode === 'max' && c.ignoreBorder && c.pad[0] === 0 && c.pad[1] === 0 && c.stride[0] === c.ws[0] && c.stride[1] === c.ws[1];
const CANDIDATES = [Conv2DBiasRelu, Conv2DGradInput, Conv2DGradWeight, Pool2D];

/**
 * The oneDNN layout rewrite: conv → bias → ReLU → max-pool chains (the fused `Conv2DBiasRelu`,
 * `Pool2D`) and their gradients (`Pool2DGrad` followed by the ReLU's `ReluGrad`, the bias
 * gradient's `Sum` over N, H, W, `Conv2DGradInput`, `Conv2DGradWeight`) become Dnnl* ops that
 * keep their intermediates in oneDNN's blocked layout (ops/dnnl/blocked.ts). Each replaced node
 * is `FromBlocked(DnnlOp(blocked inputs))`; an input that is itself a `FromBlocked` is read
 * blocked directly, so conversions remain only at the region's edges (the image going into the
 * first convolution, the pooled features going to the dense layers and their gradient coming
 * back). Runs when oneDNN is loaded and the backend keeps tensors in this process (wasm, cpu).
 *
 * Left as they were: input and filter gradients of layers whose input channels do not fill a
 * block (oneDNN has only reference loops for those with plain NCHW operands; the im2col + BLAS
 * host kernel takes the one-channel filter gradient), convolutions without the fused ReLU,
 * overlapping or padded pooling, non-float32 values. A convolution oneDNN has no optimised
 * kernel for at run time is declined by its lowering (the tfjs path runs).
 */
export function dnnlLayoutRewrite(outputs: readonly ST[], backend: string): ST[] {
  if (!hasHostMemory(backend)) return [...outputs];
  const nodes = topoSort(outputs);
  if (!nodes.some((ap) => CANDIDATES.some((C) => ap.op instanceof C))) return [...outputs];
  const dnnl = platform().dnnl();
  if (!dnnl) return [...outputs];
  const b = dnnl.block;

  const uses = new Map<ST, number>();
  for (const ap of nodes) for (const i of ap.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of outputs) uses.set(o, (uses.get(o) ?? 0) + 1);

  const fills = (c: number | null) => c !== null && c % b === 0;
  const toBlocked = new Map<ST, ST>();
  /** v in the blocked layout: the blocked value behind a FromBlocked, else one ToBlocked per value. */
  const blocked = (v: ST): ST => {
    if (v.owner?.op instanceof DnnlFromBlocked) return v.owner.inputs[0];
    let t = toBlocked.get(v);
    if (!t) toBlocked.set(v, (t = new DnnlToBlocked(b).make1(v)));
    return t;
  };
  const unblocked = (v: ST): ST => new DnnlFromBlocked(b).make1(v);
  /** The blocked value when v is a FromBlocked (a shape donor reads either), else v. */
  const either = (v: ST): ST => (v.owner?.op instanceof DnnlFromBlocked ? v.owner.inputs[0] : v);
  const f32 = (...vs: ST[]) => vs.every((v) => v.dtype === 'float32');

  return transform(outputs, (ap, ins) => {
    const op = ap.op;
    if (op instanceof Conv2DBiasRelu) {
      const [x, w, bias] = ins;
      if (!f32(x, w, bias) || x.ndim !== 4 || !fills(w.shape[0])) return null;
      return [unblocked(new DnnlConvBiasRelu(op.cfg, b).make1(fills(w.shape[1]) ? blocked(x) : x, w, bias))];
    }
    if (op instanceof Pool2D) {
      const [x] = ins;
      if (!tiles(op.cfg) || !f32(x) || !fills(x.shape[1])) return null;
      return [unblocked(new DnnlMaxPool(op.cfg, b).make1(blocked(x)))];
    }
    if (op instanceof ReluGrad) {
      // relu's gradient of a max-pool gradient whose input is that relu's output.
      const [r, p] = ins;
      const pool = p.owner;
      if (!(pool?.op instanceof Pool2DGrad) || uses.get(ap.inputs[1]) !== 1 || !tiles(pool.op.cfg)) return null;
      const [x, y, gy] = pool.inputs;
      if (x !== r || r.ndim !== 4 || !f32(x, y, gy) || !fills(r.shape[1])) return null;
      return [unblocked(new DnnlMaxPoolReluGrad(pool.op.cfg, b).make1(blocked(x), blocked(y), blocked(gy)))];
    }
    if (op instanceof Reduce) {
      const [g] = ins;
      const biasSum = op.kind === 'sum' && op.keepdims && op.axis.join() === '0,2,3';
      return biasSum && g.owner?.op instanceof DnnlFromBlocked ? [new DnnlBiasGrad(b).make1(g.owner.inputs[0])] : null;
    }
    if (op instanceof Conv2DGradInput) {
      // Into a layer whose input channels fill blocks (oneDNN has only reference loops for a plain NCHW input gradient).
      const [gy, w, x] = ins;
      if (!f32(gy, w) || gy.ndim !== 4 || !fills(w.shape[0]) || !fills(w.shape[1])) return null;
      return [unblocked(new DnnlConvGradInput(op.cfg, b).make1(blocked(gy), w, either(x)))];
    }
    if (op instanceof Conv2DGradWeight) {
      const [x, gy, w] = ins;
      if (!f32(x, gy) || x.ndim !== 4 || !fills(w.shape[0]) || !fills(w.shape[1])) return null;
      return [new DnnlConvGradWeight(op.cfg, b).make1(blocked(x), blocked(gy), w)];
    }
    return null;
  });
}
