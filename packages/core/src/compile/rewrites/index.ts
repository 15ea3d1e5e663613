import type { SymbolicTensor } from '../../graph/node';
import { constantFoldRewrite } from './constant-fold';
import { mergeRewrite } from './merge';
import { stabilizeRewrite } from './stabilize';
import { transposeCancelRewrite } from './transpose-cancel';

export { constantFoldRewrite, mergeRewrite, stabilizeRewrite, transposeCancelRewrite };

export type RewriteName = 'merge' | 'constantFold' | 'stabilize' | 'transposeCancel';
export const DEFAULT_REWRITES: readonly RewriteName[] = ['merge', 'stabilize', 'transposeCancel', 'constantFold', 'merge'];

/** Runs the rewrite passes in order; dead code disappears because only what the outputs need is rebuilt. */
export function rewrite(outputs: readonly SymbolicTensor[], passes: readonly RewriteName[], backend: string): SymbolicTensor[] {
  let cur = [...outputs];
  for (const p of passes) {
    if (p === 'merge') cur = mergeRewrite(cur);
    else if (p === 'constantFold') cur = constantFoldRewrite(cur, backend);
    else if (p === 'stabilize') cur = stabilizeRewrite(cur);
    else cur = transposeCancelRewrite(cur);
  }
  return cur;
}
