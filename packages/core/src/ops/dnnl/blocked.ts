import { GraphError, ShapeError } from '../../errors';
import { formatShape } from '../../shape';
import { tf, type Tensor } from '../../tf';
import type { ST, TensorType } from '../../graph/node';
import { Op, type PerformContext } from '../../graph/op';
import { runHostKernel } from '../../backend/host-memory';
import type { DnnlKernels } from '../../backend/native/dnnl-kernels';
import { nameGeneric, registerLowering, type Lowering, type OpClass } from '../../lowering/registry';

/**
 * oneDNN's blocked activation layout as graph values. An NCHW image batch `[N, C, H, W]` with
 * channel block b (8 on AVX2, 16 on AVX-512) is the 5-d float32 tensor `[N, C/b, H, W, b]`:
 * the same numbers, channels split into blocks stored innermost. Only the Dnnl* ops read and
 * write it; the layout rewrite (compile/rewrites/dnnl-layout.ts) puts `DnnlToBlocked` /
 * `DnnlFromBlocked` at the edges of a region of them.
 *
 * Every Dnnl* op has two lowerings (lowering/registry.ts): 'onednn', oneDNN on the tensors' own
 * memory, chosen when the backend keeps them in this process (wasm, cpu) and oneDNN is loaded
 * with the block size the graph was compiled for; and the generic `perform` ('tfjs-nchw'), the same values
 * with tfjs through NCHW, for everything else (the backend changed after compiling, oneDNN
 * turned off, a run-time shape oneDNN cannot express).
 */
export function blockedType(nchw: readonly (number | null)[], block: number): TensorType {
  const c = nchw[1];
  if (c !== null && c % block !== 0) throw new GraphError(`blocked layout: the channel count must be a multiple of ${block}, found ${c}.`);
  return { dtype: 'float32', shape: [nchw[0], c === null ? null : c / block, nchw[2], nchw[3], block] };
}

/** The NCHW shape of a blocked tensor's (static or run-time) shape. */
export function nchwOf<T extends number | null>(s: readonly T[]): T[] {
  return [s[0], (s[1] === null || s[4] === null ? null : (s[1] as number) * (s[4] as number)) as T, s[2], s[3]];
}

/** NCHW → blocked with tfjs (the portable path). */
export function toBlockedTf(x: Tensor, block: number): Tensor {
  const [n, c, h, w] = x.shape as number[];
  return tf.transpose(tf.reshape(x, [n, c / block, block, h, w]), [0, 1, 3, 4, 2]);
}

/** Blocked → NCHW with tfjs (the portable path). */
export function fromBlockedTf(x: Tensor): Tensor {
  const [n, cb, h, w, b] = x.shape as number[];
  return tf.reshape(tf.transpose(x, [0, 1, 4, 2, 3]), [n, cb * b, h, w]);
}

/** A 4-d value as NCHW whichever layout it is in. */
export const asNCHW = (x: Tensor): Tensor => (x.rank === 5 ? fromBlockedTf(x) : x);

export abstract class DnnlOp extends Op {
  static override readonly props: readonly string[] = ['block'];
  constructor(readonly block: 8 | 16) {
    super();
  }
}

/**
 * Registers the 'onednn' lowering of a Dnnl* op: `fits` says whether oneDNN can compute these
 * inputs (run-time shapes), `run` computes them with the kernels (undefined: declined, e.g.
 * where oneDNN has only a reference implementation; the generic lowering runs).
 */
export function registerDnnl<O extends DnnlOp>(op: OpClass<O>, fits: (inputs: readonly Tensor[], op: O) => boolean, run: (k: DnnlKernels, inputs: Tensor[], op: O) => Tensor[] | undefined): void {
  const lowering: Lowering<O> = {
    name: 'onednn',
    applies: (ctx, inputs, o) => ctx.hostMemory && inputs.every((t) => t.dtype === 'float32') && fits(inputs, o),
    when: (ctx, _inputs, o) => ctx.native.dnnl?.block === o.block,
    run: (inputs, ctx, o) => {
      const d = ctx.native.dnnl;
      return d && d.block === o.block ? run(d.kernels, inputs, o) : undefined;
    },
  };
  registerLowering(op, lowering, { priority: 10 });
  nameGeneric(op, 'tfjs-nchw');
}

/** NCHW → blocked (a oneDNN reorder). */
export class DnnlToBlocked extends DnnlOp {
  readonly name = 'DnnlToBlocked';
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [blockedType(x.shape, this.block)];
  }
  override checkInputs(_types: readonly ST[], [x]: readonly Tensor[]): void {
    if ((x.shape[1] as number) % this.block !== 0) throw new ShapeError(`DnnlToBlocked: expected a channel count that is a multiple of ${this.block} (the filters' input channels), received a value of shape ${formatShape(x.shape)}.`);
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [toBlockedTf(x, this.block)];
  }
}
registerDnnl(
  DnnlToBlocked,
  () => true,
  (k, [x], op) => {
    const dims = x.shape as number[];
    const [n, c, h, w] = dims;
    return runHostKernel([x], [[n, c / op.block, h, w, op.block]], ([xv], [yv]) => k.toBlocked(dims, xv, yv));
  },
);

/** Blocked → NCHW (a oneDNN reorder). */
export class DnnlFromBlocked extends DnnlOp {
  readonly name = 'DnnlFromBlocked';
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: nchwOf(x.shape) }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [fromBlockedTf(x)];
  }
}
registerDnnl(
  DnnlFromBlocked,
  () => true,
  (k, [x]) => {
    const dims = nchwOf(x.shape as number[]);
    return runHostKernel([x], [dims], ([xv], [yv]) => k.fromBlocked(dims, xv, yv));
  },
);
