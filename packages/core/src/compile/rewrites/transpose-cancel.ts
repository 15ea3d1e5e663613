import { DimShuffle } from '../../ops/dimshuffle';
import { transform } from '../transform';
import type { ST } from '../../graph/node';

/** Composes consecutive dimshuffles/transposes into one, and drops the ones that cancel out. */
export function transposeCancelRewrite(outputs: readonly ST[]): ST[] {
  return transform(outputs, (ap, [x]) => {
    if (!(ap.op instanceof DimShuffle)) return null;
    const inner = x.owner;
    if (!inner || !(inner.op instanceof DimShuffle)) return null;
    const pattern = ap.op.pattern.map((p) => (p === 'x' ? 'x' : (inner.op as DimShuffle).pattern[p]));
    const src = inner.inputs[0];
    const op = new DimShuffle(pattern, src.ndim);
    return op.isIdentity() ? [src] : [op.make1(src)];
  });
}
