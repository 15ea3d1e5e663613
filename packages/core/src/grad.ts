import { z } from 'zod';
import { isFloat } from './dtype';
import { DTypeError, GraphError, ShapeError } from './errors';
import { constant } from './graph/constant';
import type { Apply, ST } from './graph/node';
import { NotDifferentiable } from './graph/op';
import { parseOptions } from './options';
import { cast } from './ops/cast';
import { add } from './ops/elemwise';
import { broadcastLike } from './ops/broadcast';
import { topoSort } from './graph/traverse';

const GradOptions = z.object({
  disconnected: z.enum(['raise', 'zero', 'ignore', 'warn']).optional(),
  considerConstant: z.array(z.any()).optional(),
  knownGrads: z.instanceof(Map).optional(),
}).strict();
export interface GradOptions {
  /** What to do when a `wrt` variable does not influence the cost: 'raise' (default) or 'zero'. */
  disconnected?: 'raise' | 'zero' | 'ignore' | 'warn';
  /** Expressions treated as constants: no gradient flows through them. */
  considerConstant?: ST[];
  /** Gradients given for intermediate variables (Theano's known_grads). */
  knownGrads?: Map<ST, ST>;
}

/**
 * `T.grad(cost, wrt)`: symbolic reverse-mode differentiation. Returns expressions (which can be
 * compiled, rewritten and differentiated again). Where a variable is used several times its
 * gradient is the sum over the paths.
 */
export function grad(cost: ST | null, wrt: ST, options?: GradOptions): ST;
export function grad(cost: ST | null, wrt: readonly ST[], options?: GradOptions): ST[];
export function grad(cost: ST | null, wrt: ST | readonly ST[], options: GradOptions = {}): ST | ST[] {
  const o = parseOptions(GradOptions, options, 'grad') as GradOptions;
  const list = Array.isArray(wrt) ? (wrt as ST[]) : [wrt as ST];
  const seeds = new Map<ST, ST>(o.knownGrads ?? []);
  if (cost) {
    if (cost.ndim !== 0) throw new ShapeError(`grad: the cost must be a scalar, received ${cost.describe()}; take its sum or mean first.`);
    if (!isFloat(cost.dtype)) throw new DTypeError(`grad: the cost must be float32, received ${cost.describe()}.`);
    seeds.set(cost, constant(1, { dtype: 'float32' }));
  }
  for (const w of list) {
    if (!isFloat(w.dtype)) throw new DTypeError(`grad: cannot differentiate with respect to ${w.describe()}; only float32 variables have gradients.`);
  }
  const blocked = new Set(o.considerConstant ?? []);
  const contributions = new Map<ST, ST[]>();
  for (const [v, g] of seeds) contributions.set(v, [g]);
  const applies = topoSort([...seeds.keys()], blocked);
  // Only applies that lie on a path from a wrt variable need their gradients.
  const needed = new Set<ST>(list);
  for (const ap of applies) if (ap.inputs.some((i) => needed.has(i))) ap.outputs.forEach((out) => needed.add(out));
  const total = (v: ST): ST | null => {
    const cs = contributions.get(v);
    if (!cs || !cs.length) return null;
    const s = cs.reduce((a, b) => add(a, b));
    return s.dtype === v.dtype ? s : cast(s, 'float32');
  };
  for (let i = applies.length - 1; i >= 0; i--) {
    const ap = applies[i];
    if (!ap.outputs.some((out) => needed.has(out))) continue;
    const gOut = ap.outputs.map(total);
    if (gOut.every((g) => g === null)) continue;
    const gIn = applyGrad(ap, gOut);
    ap.inputs.forEach((inp, k) => {
      const g = gIn[k];
      if (!g || !needed.has(inp) || blocked.has(inp) || !isFloat(inp.dtype)) return;
      const fitted = fitShape(g, inp, ap);
      contributions.set(inp, [...(contributions.get(inp) ?? []), fitted]);
    });
  }
  const ancestors = new Set<ST>();
  for (const ap of applies) ap.inputs.forEach((i) => ancestors.add(i));
  for (const v of seeds.keys()) ancestors.add(v);
  const out = list.map((w) => {
    const g = total(w);
    if (g) return g;
    // As Theano: a variable the cost does not depend on, or depends on only through ops that
    // pass no gradient (integer casts, argmax, shapes), is disconnected.
    if ((o.disconnected ?? 'raise') === 'raise') {
      const why = ancestors.has(w) ? 'is used only by non-differentiable paths (integer casts, argmax, shapes, considerConstant) in' : 'is not part of';
      throw new GraphError(`grad: ${w.describe()} ${why} the cost's computational graph. Pass {disconnected: 'zero'} to get zeros instead.`);
    }
    return broadcastLike(constant(0, { dtype: 'float32' }), w);
  });
  return Array.isArray(wrt) ? out : out[0];
}

function applyGrad(ap: Apply, gOut: (ST | null)[]): (ST | null)[] {
  try {
    return ap.op.grad(ap.inputs, ap.outputs, gOut);
  } catch (e) {
    if (e instanceof NotDifferentiable) {
      throw new GraphError(`grad: the op ${e.opName} (computing ${ap.outputs[0].describe()}) has no gradient; mark its inputs with considerConstant if no gradient should flow through it.`);
    }
    throw e;
  }
}

/** A gradient must have its variable's static shape; broadcast a gradient that came out smaller. */
function fitShape(g: ST, v: ST, ap: Apply): ST {
  if (g.ndim !== v.ndim) {
    throw new GraphError(`grad: the gradient of ${ap.op.name} for ${v.describe()} has rank ${g.ndim} (internal error: please report).`);
  }
  const smaller = g.shape.some((d, i) => d === 1 && v.shape[i] !== 1);
  return smaller ? broadcastLike(g, v) : g;
}
