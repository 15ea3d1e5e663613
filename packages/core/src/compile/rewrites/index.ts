import type { SymbolicTensor } from '../../graph/node';
import { constantFoldRewrite } from './constant-fold';
import { fuseConvRewrite } from './fuse-conv';
import { mergeRewrite } from './merge';
import { stabilizeRewrite } from './stabilize';
import { transposeCancelRewrite } from './transpose-cancel';

export { constantFoldRewrite, fuseConvRewrite, mergeRewrite, stabilizeRewrite, transposeCancelRewrite };

export type RewriteName = 'merge' | 'constantFold' | 'stabilize' | 'transposeCancel' | 'fuseConv';
export const DEFAULT_REWRITES: readonly RewriteName[] = ['merge', 'stabilize', 'transposeCancel', 'constantFold', 'merge', 'fuseConv'];

/** Runs the rewrite passes in order; dead code disappears because only what the outputs need is rebuilt. */
export function rewrite(outputs: readonly SymbolicTensor[], passes: readonly RewriteName[], backend: string): SymbolicTensor[] {
  let cur = [...outputs];
  for (const p of passes) {
    if (p === 'merge') cur = mergeRewrite(cur);
    else if (p === 'constantFold') cur = constantFoldRewrite(cur, backend);
    else if (p === 'stabilize') cur = stabilizeRewrite(cur);
    else if (p === 'fuseConv') cur = fuseConvRewrite(cur);
    else cur = transposeCancelRewrite(cur);
  }
  return cur;
}
