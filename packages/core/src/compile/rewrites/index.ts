import { OptionsError } from '../../errors';
import { constantFoldRewrite } from './constant-fold';
import { dnnlLayoutRewrite } from './dnnl-layout';
import { fuseConvRewrite } from '../../ops/conv/fuse';
import { fuseDenseRewrite } from '../../ops/dense';
import { fuseElemwiseRewrite } from './fuse-elemwise';
import { mergeRewrite } from './merge';
import { argmaxPushdownRewrite, crossentropySoftmaxRewrite } from './softmax-nll';
import { stabilizeRewrite } from './stabilize';
import { transposeCancelRewrite } from './transpose-cancel';
import type { ST } from '../../graph/node';

export { argmaxPushdownRewrite, crossentropySoftmaxRewrite, constantFoldRewrite, dnnlLayoutRewrite, fuseConvRewrite, fuseDenseRewrite, fuseElemwiseRewrite, mergeRewrite, stabilizeRewrite, transposeCancelRewrite };

/** A graph rewrite: the outputs of a graph in, the outputs of the rewritten graph out. */
export type GraphRewrite = (outputs: readonly ST[], ctx: { backend: string }) => ST[];

/**
 * Every rewrite `compile` can run, by the name `compile({rewrites: [...]})` uses (PyTensor's
 * optimisation database; `register_stabilize` and friends add to it there, entries are added here).
 */
export const REWRITES = {
  /** Identical subgraphs computed once; equal small constants shared. */
  merge: (outs) => mergeRewrite(outs),
  /** `log(softmax)`, `log(sigmoid)`, `log(1 - sigmoid)` and indexed forms replaced by stable ones. */
  stabilize: (outs) => stabilizeRewrite(outs),
  /** Consecutive dimshuffles composed; ones that cancel dropped. */
  transposeCancel: (outs) => transposeCancelRewrite(outs),
  /** Nodes whose inputs are all constants evaluated at compile time. */
  constantFold: (outs) => constantFoldRewrite(outs),
  /** `relu(conv2d(x, W) + b.dimshuffle('x', 0, 'x', 'x'))` as one fused kernel. */
  fuseConv: (outs) => fuseConvRewrite(outs),
  /**
   * conv → bias → ReLU → max-pool chains and their gradients as oneDNN kernels on a blocked
   * layout (when oneDNN is loaded and the backend is wasm or cpu; otherwise nothing changes).
   */
  dnnlLayout: (outs, ctx) => dnnlLayoutRewrite(outs, ctx.backend),
  /**
   * Chains of float32 elementwise ops over one shape as one Composite node, whose generated
   * WebAssembly loop reads and writes each element once (wasm and cpu backends only).
   */
  fuseElemwise: (outs, ctx) => fuseElemwiseRewrite(outs, ctx.backend),
  /** `-logSoftmax(z)[arange(n), y]` (a categorical crossentropy of a softmax) as one `CrossentropySoftmax1Hot(z, y)`. */
  crossentropySoftmax: (outs) => crossentropySoftmaxRewrite(outs),
  /** `argmax(softmax(z), axis)` as `argmax(z, axis)`. */
  argmaxPushdown: (outs) => argmaxPushdownRewrite(outs),
  /** `relu(dot(x, W) + b)` and `dot(x, W) + b` as one `MatMulBias` (oneDNN's matmul with post-ops), when oneDNN is loaded on wasm or cpu. */
  fuseDense: (outs, ctx) => fuseDenseRewrite(outs, ctx.backend),
} satisfies Record<string, GraphRewrite>;

export type RewriteName = keyof typeof REWRITES;
/** The passes `compile` runs by default, in order (merge again after folding made new duplicates). */
export const DEFAULT_REWRITES: readonly RewriteName[] = ['merge', 'stabilize', 'transposeCancel', 'constantFold', 'crossentropySoftmax', 'argmaxPushdown', 'merge', 'fuseConv', 'dnnlLayout', 'fuseDense', 'fuseElemwise'];

/** Runs the rewrite passes in order; dead code disappears because only what the outputs need is rebuilt. */
export function rewrite(outputs: readonly ST[], passes: readonly RewriteName[], backend: string): ST[] {
  const unknown = passes.find((p) => !Object.hasOwn(REWRITES, p));
  if (unknown !== undefined) throw new OptionsError(`compile: unknown rewrite '${unknown}'; the rewrites are ${Object.keys(REWRITES).join(', ')} (or pass rewrites: false for none).`);
  let cur = [...outputs];
  for (const p of passes) cur = (REWRITES[p] as GraphRewrite)(cur, { backend });
  return cur;
}
