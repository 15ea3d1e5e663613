import { upcast } from '../dtype';
import { ShapeError } from '../errors';
import { formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { runHostKernel } from '../backend/host-memory';
import { integerAsFloat32 } from '../lowering/int-as-float32';
import { nameGeneric, registerLowering, type Lowering, type LoweringContext } from '../lowering/registry';
import { cast } from './cast';
import { mul } from './elemwise';
import { dimshuffle, transpose } from './dimshuffle';
import { reshapeLike } from './reshape';

function checkInner(where: string, a: ST, b: ST, ka: number, kb: number): void {
  const [da, db] = [a.shape[ka], b.shape[kb]];
  if (da !== null && db !== null && da !== db) {
    throw new ShapeError(`${where}: inner dimensions differ: ${formatShape(a.shape)} · ${formatShape(b.shape)} (${da} vs ${db}).`);
  }
}

/** Matrix product of two matrices (optionally transposed), the kernel every `dot` case maps to. */
export class MatMul extends Op {
  readonly name = 'MatMul';
  static override readonly props = ['transA', 'transB'] as const;
  constructor(readonly transA = false, readonly transB = false) {
    super();
  }
  override inferTypes([a, b]: readonly ST[]): TensorType[] {
    if (a.ndim !== 2 || b.ndim !== 2) throw new ShapeError(`matmul: expected two matrices, received ${a.describe()} and ${b.describe()}.`);
    const [m, ka] = this.transA ? [a.shape[1], 0] : [a.shape[0], 1];
    const [n, kb] = this.transB ? [b.shape[0], 1] : [b.shape[1], 0];
    checkInner('dot', a, b, ka, kb);
    return [{ dtype: a.dtype, shape: [m, n] }];
  }
  override perform([a, b]: Tensor[]): Tensor[] {
    return [tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, this.transA, this.transB)];
  }
  override grad([a, b]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    // C = op(A) op(B); dA = g op(B)^T (transposed back if A was), dB likewise.
    const ga = this.transA ? matmul(b, g!, this.transB, true) : matmul(g!, b, false, !this.transB);
    const gb = this.transB ? matmul(g!, a, true, this.transA) : matmul(a, g!, !this.transA, false);
    return [ga, gb];
  }
}

export function matmul(a: ST, b: ST, transA = false, transB = false): ST {
  return new MatMul(transA, transB).make1(a, b);
}

/**
 * `T.dot` with NumPy's semantics: vector·vector is a scalar, matrix·vector a vector, and an N-d
 * tensor times a matrix contracts the last axis of the first with the first axis of the second.
 */
export function dot(x: TensorLike, y: TensorLike): ST {
  let a = asTensor(x);
  let b = asTensor(y);
  const dt = upcast(a.dtype, b.dtype, 'int32');
  a = cast(a, dt);
  b = cast(b, dt);
  if (a.ndim === 0 || b.ndim === 0) return mul(a, b);
  if (b.ndim > 2) throw new ShapeError(`dot: the second operand must be a vector or matrix, received ${b.describe()}; use batchedDot or tensordot-style reshapes.`);
  const aMat = a.ndim === 1 ? dimshuffle(a, ['x', 0]) : a.ndim === 2 ? a : flattenLeading(a);
  const bMat = b.ndim === 1 ? dimshuffle(b, [0, 'x']) : b;
  checkInner('dot', a, b, a.ndim - 1, 0);
  const c = matmul(aMat, bMat);
  if (a.ndim === 1 && b.ndim === 1) return dimshuffle(c, []);
  if (a.ndim === 1) return dimshuffle(c, [1]);
  if (a.ndim === 2) return b.ndim === 1 ? dimshuffle(c, [0]) : c;
  const full = new ReshapeLeading().make1(c, a);
  return b.ndim === 1 ? dimshuffle(full, a.shape.slice(0, -1).map((_, i) => i)) : full;
}

/** (d0, ..., dk-1, n) -> (d0*...*dk-1, n) */
function flattenLeading(a: ST): ST {
  return new FlattenLeading().make1(a);
}

class FlattenLeading extends Op {
  readonly name = 'FlattenLeading';
  override inferTypes([a]: readonly ST[]): TensorType[] {
    const lead = a.shape.slice(0, -1);
    return [{ dtype: a.dtype, shape: [lead.every((d) => d !== null) ? (lead as number[]).reduce((p, q) => p * q, 1) : null, a.shape[a.ndim - 1]] }];
  }
  override perform([a]: Tensor[]): Tensor[] {
    return [tf.reshape(a, [-1, a.shape[a.rank - 1] as number])];
  }
  override grad([a]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [reshapeLike(g!, a)];
  }
}

/** (d0*...*dk-1, m) back to (d0, ..., dk-1, m) using the run-time leading dims of `a`. */
class ReshapeLeading extends Op {
  readonly name = 'ReshapeLeading';
  override inferTypes([c, a]: readonly ST[]): TensorType[] {
    return [{ dtype: c.dtype, shape: [...a.shape.slice(0, -1), c.shape[1]] }];
  }
  override perform([c, a]: Tensor[]): Tensor[] {
    return [tf.reshape(c, [...(a.shape as number[]).slice(0, -1), c.shape[1] as number])];
  }
  override grad([c]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [reshapeLike(g!, c), null];
  }
}

/** `T.batched_dot`: (B, n, m) · (B, m, p) -> (B, n, p). */
export class BatchedDot extends Op {
  readonly name = 'BatchedDot';
  override inferTypes([a, b]: readonly ST[]): TensorType[] {
    if (a.ndim !== 3 || b.ndim !== 3) throw new ShapeError(`batchedDot: expected two rank-3 tensors, received ${a.describe()} and ${b.describe()}.`);
    checkInner('batchedDot', a, b, 2, 1);
    checkInner('batchedDot (batch axis)', a, b, 0, 0);
    return [{ dtype: a.dtype, shape: [a.shape[0] ?? b.shape[0], a.shape[1], b.shape[2]] }];
  }
  override perform([a, b]: Tensor[]): Tensor[] {
    return [tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D)];
  }
  override grad([a, b]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [batchedDot(g!, transpose(b, [0, 2, 1])), batchedDot(transpose(a, [0, 2, 1]), g!)];
  }
}

export function batchedDot(x: TensorLike, y: TensorLike): ST {
  const a = asTensor(x);
  const b = asTensor(y);
  const dt = upcast(a.dtype, b.dtype, 'int32');
  return new BatchedDot().make1(cast(a, dt), cast(b, dt));
}

/** [m, k, n] of op(a) · op(b), checked: native kernels trust their sizes (they would read past the operands). */
function matmulSizes(a: Tensor, b: Tensor, op: MatMul): [number, number, number] {
  const [r, c] = a.shape as [number, number];
  const [m, k] = op.transA ? [c, r] : [r, c];
  const n = (op.transB ? b.shape[0] : b.shape[1]) as number;
  const kb = (op.transB ? b.shape[1] : b.shape[0]) as number;
  if (k !== kb) throw new ShapeError(`dot: inner dimensions differ at run time: ${formatShape(a.shape)}${op.transA ? '^T' : ''} · ${formatShape(b.shape)}${op.transB ? '^T' : ''} (${k} vs ${kb}).`);
  return [m, k, n];
}

/** A native sgemm on the tensors' own memory (backend/native/blas.ts), where one is loaded: ~4x wasm's matMul. */
const blasSgemm: Lowering<MatMul> = {
  name: 'blas-sgemm',
  applies: (ctx, inputs) => ctx.hostMemory && inputs.every((t) => t.dtype === 'float32'),
  when: (ctx) => ctx.native.blas !== undefined,
  run([a, b], ctx, op) {
    const blas = ctx.native.blas;
    if (!blas) return undefined;
    const [m, k, n] = matmulSizes(a, b, op);
    return runHostKernel([a, b], [[m, n]], ([av, bv], [cv]) => blas.sgemm(op.transA, op.transB, m, n, k, av, bv, cv));
  },
};

/** What a native product computes: float32 operands, none empty (shared with MatMulBias's lowerings). */
export const nativeOperands = (_ctx: unknown, inputs: readonly Tensor[]): boolean => inputs.every((t) => t.dtype === 'float32' && t.size > 0);

/** oneDNN's gemm may run: loaded, on the tensors' own memory, and no sampling profiler may run (see `Dnnl.gemmSafe`). */
export const dnnlGemmUsable = (ctx: LoweringContext): boolean => ctx.hostMemory && ctx.native.dnnl !== undefined && ctx.native.dnnl.gemmSafe();

/** oneDNN's matmul, transposes read in place. */
const dnnlMatmul: Lowering<MatMul> = {
  name: 'onednn-matmul',
  applies: nativeOperands,
  when: dnnlGemmUsable,
  run([a, b], ctx, op) {
    const dnnl = ctx.native.dnnl;
    if (!dnnl) return undefined;
    const [m, k, n] = matmulSizes(a, b, op);
    return runHostKernel([a, b], [[m, n]], ([av, bv], [cv]) => dnnl.kernels.matmul(m, k, n, op.transA, op.transB, av, bv, cv));
  },
};

/** wasm's transposed BatchMatMul is a slow scalar loop: explicit transposes, then a plain matMul. */
const explicitTranspose: Lowering<MatMul> = {
  name: 'explicit-transpose',
  applies: (_ctx, _inputs, op) => op.transA || op.transB,
  when: (ctx) => ctx.backend === 'wasm',
  run([a, b], _ctx, op) {
    return [tf.matMul((op.transA ? tf.transpose(a) : a) as tf.Tensor2D, (op.transB ? tf.transpose(b) : b) as tf.Tensor2D)];
  },
};

nameGeneric(MatMul, 'tfjs-matmul');
registerLowering(MatMul, integerAsFloat32(['wasm']));
registerLowering(MatMul, dnnlMatmul);
registerLowering(MatMul, blasSgemm);
registerLowering(MatMul, explicitTranspose);
nameGeneric(BatchedDot, 'tfjs-matmul');
registerLowering(BatchedDot, integerAsFloat32(['wasm']));
