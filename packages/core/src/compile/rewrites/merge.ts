import { Constant } from '../../graph/constant';
import { transform } from '../transform';
import type { ST } from '../../graph/node';

/** Merges identical subgraphs: the same op with the same inputs is computed once; equal constants are shared. */
export function mergeRewrite(outputs: readonly ST[]): ST[] {
  const consts = new Map<string, ST>();
  const nodes = new Map<string, ST[]>();
  const canon = (x: ST): ST => {
    if (!(x instanceof Constant) || x.value.size > 64) return x;
    const key = `${x.dtype}|${x.value.shape.join(',')}|${Array.from(x.value.data).join(',')}`;
    const seen = consts.get(key);
    if (seen) return seen;
    consts.set(key, x);
    return x;
  };
  return transform(outputs, (ap, ins) => {
    const inputs = ins.map(canon);
    if (ap.op.stochastic) return inputs.every((x, k) => x === ap.inputs[k]) ? null : ap.op.make(inputs);
    const key = `${ap.op.key()}(${inputs.map((i) => i.id).join(',')})`;
    const seen = nodes.get(key);
    if (seen) return seen;
    const outs = inputs.every((x, k) => x === ap.inputs[k]) ? ap.outputs : ap.op.make(inputs);
    nodes.set(key, outs);
    return outs;
  });
}
