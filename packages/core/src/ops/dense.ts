import { ShapeError } from '../errors';
import { formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { topoSort } from '../graph/traverse';
import { transform } from '../compile/transform';
import { hasHostMemory, runHostKernel } from '../backend/host-memory';
import { platform } from '../platform';
import { nameGeneric, registerLowering, type Lowering } from '../lowering/registry';
import { cast } from './cast';
import { Composite } from './composite';
import { DimShuffle } from './dimshuffle';
import { add, gt, isElemwise, mul, relu } from './elemwise';
import { dnnlGemmUsable, MatMul, matmul, nativeOperands } from './linalg';
import { sum } from './reduce';

/**
 * A dense layer's `x · W + b` (then `relu` when `relu`), x [m, k], W [k, n], b [n]: one kernel
 * where a native library applies the bias and the ReLU to the product while it is in cache
 * (oneDNN's matmul with post-ops: the separate bias + ReLU pass over the [m, n] output is gone).
 * Made by the `fuseDense` rewrite below after gradients were taken; its own gradient is there
 * for a graph that builds it directly.
 */
export class MatMulBias extends Op {
  readonly name = 'MatMulBias';
  static override readonly props = ['relu'] as const;
  constructor(readonly relu: boolean) {
    super();
  }
  override inferTypes([x, w, b]: readonly ST[]): TensorType[] {
    if (x.ndim !== 2 || w.ndim !== 2 || b.ndim !== 1) throw new ShapeError(`matMulBias: expected a matrix, a matrix and a vector, received ${x.describe()}, ${w.describe()} and ${b.describe()}.`);
    return new MatMul().inferTypes([x, w]);
  }
  override perform([x, w, b]: Tensor[]): Tensor[] {
    checkSizes(x, w, b);
    return [tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: this.relu ? 'relu' : 'linear' })];
  }
  override grad([x, w]: readonly ST[], [out]: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    const gz = this.relu ? mul(g!, cast(gt(out, 0), 'float32')) : g!;
    return [matmul(gz, w, false, true), matmul(x, gz, true, false), sum(gz, 0)];
  }
}

/** [m, k, n] of x [m, k] · W [k, n] + b [n], checked (a native kernel trusts its sizes). */
function checkSizes(x: Tensor, w: Tensor, b: Tensor): [number, number, number] {
  if (x.shape[1] !== w.shape[0] || b.shape[0] !== w.shape[1]) {
    throw new ShapeError(`dense layer: sizes differ at run time: ${formatShape(x.shape)} · ${formatShape(w.shape)} + ${formatShape(b.shape)}.`);
  }
  return [x.shape[0], x.shape[1], w.shape[1]] as [number, number, number];
}

/**
 * oneDNN's matmul with the bias and the ReLU as post-ops, on the tensors' own memory. Not while
 * a sampling profiler may run: oneDNN's JIT gemm corrupts the heap when a signal arrives during
 * it (`Dnnl.gemmSafe`); the BLAS lowering below runs then.
 */
const dnnlMatmul: Lowering<MatMulBias> = {
  name: 'onednn-matmul',
  applies: nativeOperands,
  when: dnnlGemmUsable,
  run([x, w, b], ctx, op) {
    const dnnl = ctx.native.dnnl;
    if (!dnnl) return undefined;
    const [m, k, n] = checkSizes(x, w, b);
    return runHostKernel([x, w, b], [[m, n]], ([xv, wv, bv], [out]) => dnnl.kernels.dense(m, k, n, op.relu, xv, wv, bv, out));
  },
};

/** The bias (and ReLU) pass after the BLAS product: one generated SIMD loop, the product's `full`, the bias a `row`. */
const epilogue = (relu: boolean) =>
  new Composite({ inputs: ['full', 'row'], rowAxes: 1, instrs: [{ op: 'Add', args: [{ input: 0 }, { input: 1 }] }, ...(relu ? [{ op: 'Relu' as const, args: [{ temp: 0 }] }] : [])], outputs: [relu ? 1 : 0] }, []);
const EPILOGUE = { relu: epilogue(true), linear: epilogue(false) };

/** The native BLAS's sgemm, then the bias and ReLU in one SIMD pass (what the unfused graph runs, as one node). */
const blasSgemm: Lowering<MatMulBias> = {
  name: 'blas-sgemm',
  applies: nativeOperands,
  when: (ctx) => ctx.hostMemory && ctx.native.blas !== undefined,
  run([x, w, b], ctx, op) {
    const blas = ctx.native.blas;
    if (!blas) return undefined;
    const [m, k, n] = checkSizes(x, w, b);
    const [product] = runHostKernel([x, w], [[m, n]], ([xv, wv], [out]) => blas.sgemm(false, false, m, n, k, xv, wv, out));
    return (op.relu ? EPILOGUE.relu : EPILOGUE.linear).performWasm([product, b]) ?? [op.relu ? tf.relu(tf.add(product, b)) : tf.add(product, b)];
  },
};

nameGeneric(MatMulBias, 'tfjs-fused-matmul');
registerLowering(MatMulBias, dnnlMatmul);
registerLowering(MatMulBias, blasSgemm);

/** `x · W + b`, then `relu` when `{ relu: true }` (x a matrix, W a matrix, b a vector): what the `fuseDense` rewrite builds. */
export function matMulBias(x: TensorLike, w: TensorLike, b: TensorLike, options: { relu?: boolean } = {}): ST {
  const [a, m, v] = [x, w, b].map((t) => cast(asTensor(t), 'float32'));
  return new MatMulBias(options.relu ?? false).make1(a, m, v);
}

/** The vector `b` of a bias added to a matrix's rows: `b` itself, or `b.dimshuffle('x', 0)`. */
function rowBias(v: ST): ST | undefined {
  if (v.ndim === 1) return v;
  const op = v.owner?.op;
  if (op instanceof DimShuffle && op.inputRank === 1 && op.pattern.length === 2 && op.pattern[0] === 'x' && op.pattern[1] === 0) return v.owner!.inputs[0];
  return undefined;
}

/**
 * `relu(dot(x, W) + b)` and `dot(x, W) + b` (Lasagne's DenseLayer with rectify, or with the
 * softmax / identity applied after) as one `MatMulBias`, when the product and the sum are used
 * nowhere else (ReLU's gradient reads ReLU's output, so training graphs qualify too). Only where
 * the backend keeps tensors in this process and oneDNN or a native BLAS is loaded: without them
 * the tfjs matMul and the Composite's loop are faster than tfjs' fused kernel (XNNPACK).
 */
export function fuseDenseRewrite(outputs: readonly ST[], backend: string): ST[] {
  if (!hasHostMemory(backend) || !(platform().dnnl() || platform().blas())) return [...outputs];
  const uses = new Map<ST, number>();
  for (const ap of topoSort(outputs)) for (const i of ap.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
  const single = (v: ST) => uses.get(v) === 1;
  const f32 = (...vs: ST[]) => vs.every((v) => v.dtype === 'float32');
  return transform(outputs, (ap, ins) => {
    if (isElemwise(ap.op, add) && ins.length === 2 && ap.outputs[0].ndim === 2) {
      for (const [k, j] of [[0, 1], [1, 0]]) {
        const bias = rowBias(ins[j]);
        const mm = ins[k].owner;
        if (!bias || !(mm?.op instanceof MatMul) || mm.op.transA || mm.op.transB || !single(ap.inputs[k])) continue;
        const [x, w] = mm.inputs;
        if (f32(x, w, bias)) return [new MatMulBias(false).make1(x, w, bias)];
      }
      return null;
    }
    // relu of a fused sum used nowhere else: the ReLU joins the kernel.
    const inner = ins[0]?.owner;
    if (isElemwise(ap.op, relu) && inner?.op instanceof MatMulBias && !inner.op.relu && single(ap.inputs[0])) return [new MatMulBias(true).make1(...inner.inputs)];
    return null;
  });
}
