import { isFloat, upcast, type DType } from '../dtype';
import { DTypeError, ShapeError } from '../errors';
import { broadcastShapes, formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import { Constant } from '../graph/constant';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { sumToShape } from './broadcast';
import { cast } from './cast';
import { switchOnHost } from './switch-host';
import { nameGeneric, registerLowering } from '../lowering/registry';

type GradFn = (x: readonly ST[], out: ST, g: ST) => (ST | null)[];

/** How an elementwise op chooses its computation and output dtypes. */
type DTypeRule = 'upcast' | 'float' | 'compare' | 'logical' | 'numeric';

interface ElemSpec {
  name: string;
  rule: DTypeRule;
  kernel: (x: Tensor[]) => Tensor;
  grad?: GradFn;
}

/** One elementwise op (unary, binary or ternary) with NumPy broadcasting. */
export class Elemwise extends Op {
  readonly name: string;
  constructor(readonly spec: ElemSpec) {
    super();
    this.name = spec.name;
  }
  override inferTypes(inputs: readonly ST[]): TensorType[] {
    const shape = broadcastShapes(this.name, ...inputs.map((i) => i.shape));
    const dtype = this.spec.rule === 'compare' || this.spec.rule === 'logical' ? 'bool' : inputs[inputs.length - 1].dtype;
    return [{ dtype, shape }];
  }
  /**
   * As in Theano, only a dimension that is statically 1 broadcasts: an unknown size that turns
   * out to be 1 at run time must still match the other operands (tfjs would broadcast it, and
   * the gradient of that operand would come out with the wrong shape).
   */
  override checkInputs(inputs: readonly ST[], values: readonly Tensor[]): void {
    const rank = Math.max(...values.map((v) => v.rank));
    for (let axis = 0; axis < rank; axis++) {
      const sizes = values.map((v) => v.shape[axis - (rank - v.rank)] as number | undefined);
      const target = sizes.find((d) => d !== undefined && d !== 1) ?? 1;
      sizes.forEach((d, k) => {
        if (d === undefined || d === target) return;
        const a = axis - (rank - values[k].rank);
        if (d === 1 && inputs[k].shape[a] === 1) return;
        throw new ShapeError(
          `${this.name}: run-time shapes ${values.map((v) => formatShape(v.shape)).join(' and ')} do not match (axis ${axis}: ${d} vs ${target}); ` +
            `input ${k} (${inputs[k].describe()}) can only broadcast along axes of static size 1 (dimshuffle in an 'x' axis, or give the static shape).`,
        );
      });
    }
  }
  override perform(x: Tensor[]): Tensor[] {
    return [this.spec.kernel(x)];
  }
  override grad(inputs: readonly ST[], outputs: readonly ST[], g: readonly (ST | null)[]): (ST | null)[] {
    if (!this.spec.grad) return inputs.map(() => null);
    const raw = this.spec.grad(inputs, outputs[0], g[0]!);
    return raw.map((gi, i) => (gi === null || !isFloat(inputs[i].dtype) ? null : sumToShape(gi, inputs[i].shape)));
  }
}

/** The dtype the operands are computed in, honouring weak (JS number) constants. */
function computeDType(rule: DTypeRule, xs: readonly ST[], name: string): DType {
  if (rule === 'logical') return 'bool';
  const strong = xs.filter((x) => !(x instanceof Constant && x.weak));
  let dt = upcast(...(strong.length ? strong : xs).map((x) => x.dtype));
  if (xs.some((x) => x instanceof Constant && x.weak && x.dtype === 'float32')) dt = upcast(dt, 'float32');
  if (rule === 'float') return 'float32';
  if (dt === 'bool' && rule !== 'compare') {
    if (rule === 'numeric') throw new DTypeError(`${name}: not defined for bool operands; cast them first.`);
    dt = 'int32';
  }
  return dt;
}

function build(spec: ElemSpec, args: TensorLike[]): ST {
  const xs = args.map(asTensor);
  const dt = computeDType(spec.rule, xs, spec.name);
  const cast_ = xs.map((x) => cast(x, dt));
  return new Elemwise(spec).make1(...cast_);
}

/** The scalar operation each elementwise builder (`add`, `relu`, `where`, ...) applies. */
const specOf = new WeakMap<object, ElemSpec>();

function define(spec: ElemSpec): (...args: TensorLike[]) => ST {
  const fn = (...args: TensorLike[]) => build(spec, args);
  specOf.set(fn, spec);
  return fn;
}

/**
 * Whether `op` is the elementwise op that the builder `fn` applies: `isElemwise(x.owner?.op, relu)`.
 * Rewrites recognise elementwise nodes this way (as PyTensor matches `Elemwise.scalar_op`), by
 * the function users call, not by an op name spelled differently (`square` is 'Sqr').
 */
export function isElemwise(op: Op | undefined, fn: (...args: never[]) => ST): op is Elemwise {
  return op instanceof Elemwise && op.spec === specOf.get(fn);
}

/** Makes `isElemwise(op, fn)` recognise the nodes `of` builds (for a wrapper like `log`). */
export function sameElemwise(fn: (...args: never[]) => ST, of: (...args: never[]) => ST): void {
  specOf.set(fn, specOf.get(of)!);
}

const one = (): ST => asTensor(1);
const zerosLikeF = (x: ST): ST => mul(x, 0);
const asFloat = (x: ST): ST => cast(x, 'float32');

// ---- binary arithmetic -------------------------------------------------------------------------
export const add: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Add', rule: 'upcast', kernel: ([a, b]) => tf.add(a, b), grad: (_x, _o, g) => [g, g] });
export const sub: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Sub', rule: 'upcast', kernel: ([a, b]) => tf.sub(a, b), grad: (_x, _o, g) => [g, neg(g)] });
export const mul: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Mul', rule: 'upcast', kernel: ([a, b]) => tf.mul(a, b), grad: ([a, b], _o, g) => [mul(g, b), mul(g, a)] });
/** True division (ints are divided as floats, like Theano's `/`). */
export const div: (a: TensorLike, b: TensorLike) => ST = define({
  name: 'TrueDiv', rule: 'float', kernel: ([a, b]) => tf.div(a, b),
  grad: ([a, b], _o, g) => [div(g, b), neg(div(mul(g, a), mul(b, b)))],
});
export const pow: (a: TensorLike, b: TensorLike) => ST = define({
  name: 'Pow', rule: 'upcast', kernel: ([a, b]) => tf.pow(a, b),
  // a.log(): the method is ops/stabilize.ts's log, which elemwise cannot import (it imports elemwise).
  grad: ([a, b], out, g) => [mul(g, mul(b, pow(a, sub(b, 1)))), mul(g, mul(out, a.log()))],
});
export const maximum: (a: TensorLike, b: TensorLike) => ST = define({
  name: 'Maximum', rule: 'upcast', kernel: ([a, b]) => tf.maximum(a, b),
  grad: ([a, b], _o, g) => [mul(g, asFloat(ge(a, b))), mul(g, asFloat(lt(a, b)))],
});
export const minimum: (a: TensorLike, b: TensorLike) => ST = define({
  name: 'Minimum', rule: 'upcast', kernel: ([a, b]) => tf.minimum(a, b),
  grad: ([a, b], _o, g) => [mul(g, asFloat(le(a, b))), mul(g, asFloat(gt(a, b)))],
});
/** Floor division (Theano's `//`). */
export const intDiv: (a: TensorLike, b: TensorLike) => ST = define({ name: 'FloorDiv', rule: 'numeric', kernel: ([a, b]) => tf.floorDiv(a, b), grad: () => [null, null] });
export const mod: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Mod', rule: 'numeric', kernel: ([a, b]) => tf.mod(a, b), grad: () => [null, null] });

// ---- comparisons and logic ---------------------------------------------------------------------
export const eq: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Eq', rule: 'compare', kernel: ([a, b]) => tf.equal(a, b) });
export const neq: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Neq', rule: 'compare', kernel: ([a, b]) => tf.notEqual(a, b) });
export const lt: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Lt', rule: 'compare', kernel: ([a, b]) => tf.less(a, b) });
export const le: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Le', rule: 'compare', kernel: ([a, b]) => tf.lessEqual(a, b) });
export const gt: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Gt', rule: 'compare', kernel: ([a, b]) => tf.greater(a, b) });
export const ge: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Ge', rule: 'compare', kernel: ([a, b]) => tf.greaterEqual(a, b) });
export const and: (a: TensorLike, b: TensorLike) => ST = define({ name: 'And', rule: 'logical', kernel: ([a, b]) => tf.logicalAnd(a, b) });
export const or: (a: TensorLike, b: TensorLike) => ST = define({ name: 'Or', rule: 'logical', kernel: ([a, b]) => tf.logicalOr(a, b) });
export const not: (a: TensorLike) => ST = define({ name: 'Not', rule: 'logical', kernel: ([a]) => tf.logicalNot(a) });

// ---- unary -------------------------------------------------------------------------------------
export const neg: (x: TensorLike) => ST = define({ name: 'Neg', rule: 'upcast', kernel: ([x]) => tf.neg(x), grad: (_x, _o, g) => [neg(g)] });
/** int32 through where/neg: tfjs' Abs computes int32 in float32 on cpu, wasm and webgpu (inexact above 2^24). */
export const abs: (x: TensorLike) => ST = define({ name: 'Abs', rule: 'upcast', kernel: ([x]) => (x.dtype === 'int32' ? tf.where(tf.less(x, 0), tf.neg(x), x) : tf.abs(x)), grad: ([x], _o, g) => [mul(g, sign(x))] });
export const sign: (x: TensorLike) => ST = define({ name: 'Sign', rule: 'upcast', kernel: ([x]) => tf.sign(x), grad: ([x]) => [zerosLikeF(x)] });
// x * x: wasm's Square kernel measured ~5x slower than its Mul on a 100x100 matrix.
export const square: (x: TensorLike) => ST = define({ name: 'Sqr', rule: 'upcast', kernel: ([x]) => tf.mul(x, x), grad: ([x], _o, g) => [mul(g, mul(x, 2))] });
export const exp: (x: TensorLike) => ST = define({ name: 'Exp', rule: 'float', kernel: ([x]) => tf.exp(x), grad: (_x, out, g) => [mul(g, out)] });
/** The natural log as it is written, with no stable-form substitution (`log` in ops/stabilize.ts makes one). */
export const logRaw: (x: TensorLike) => ST = define({ name: 'Log', rule: 'float', kernel: ([x]) => tf.log(x), grad: ([x], _o, g) => [div(g, x)] });
export const log1p: (x: TensorLike) => ST = define({ name: 'Log1p', rule: 'float', kernel: ([x]) => tf.log1p(x), grad: ([x], _o, g) => [div(g, add(x, 1))] });
export const sqrt: (x: TensorLike) => ST = define({ name: 'Sqrt', rule: 'float', kernel: ([x]) => tf.sqrt(x), grad: (_x, out, g) => [div(g, mul(out, 2))] });
export const sigmoid: (x: TensorLike) => ST = define({ name: 'Sigmoid', rule: 'float', kernel: ([x]) => tf.sigmoid(x), grad: (_x, out, g) => [mul(g, mul(out, sub(one(), out)))] });
export const tanh: (x: TensorLike) => ST = define({ name: 'Tanh', rule: 'float', kernel: ([x]) => tf.tanh(x), grad: (_x, out, g) => [mul(g, sub(one(), square(out)))] });
export const relu: (x: TensorLike) => ST = define({ name: 'Relu', rule: 'upcast', kernel: ([x]) => tf.relu(x), grad: (_x, out, g) => [new ReluGrad().make1(out, g)] });

/**
 * The gradient of relu, `g * (y > 0)`, in one op (two kernels instead of compare, cast,
 * multiply). It reads relu's output y (y > 0 exactly where x > 0), not its input, so the
 * pre-activation need not be kept for the backward pass and can be fused away (see the
 * conv-bias-relu rewrite).
 */
export class ReluGrad extends Op {
  readonly name = 'ReluGrad';
  override inferTypes([x, g]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: broadcastShapes(this.name, x.shape, g.shape) }];
  }
  override perform([x, g]: Tensor[]): Tensor[] {
    return [tf.mul(g, tf.step(x))];
  }
  override grad([x, g]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    // Linear in g; piecewise constant in x (zero gradient almost everywhere).
    return [null, sumToShape(new ReluGrad().make1(x, gg!), g.shape)];
  }
}
export const softplus: (x: TensorLike) => ST = define({ name: 'Softplus', rule: 'float', kernel: ([x]) => tf.softplus(x), grad: ([x], _o, g) => [mul(g, sigmoid(x))] });

// ---- ternary -----------------------------------------------------------------------------------
/** `Switch` (where): an elementwise op of its own class, so lowerings can be registered for it alone. */
export class Switch extends Elemwise {}
const whereOp = new Switch({
  name: 'Switch', rule: 'upcast',
  kernel: ([c, a, b]) => {
    // broadcastTo is a Tile (a copy) even when nothing needs broadcasting: only where needed.
    const shape = broadcastRuntime(c.shape, a.shape, b.shape);
    const to = (t: Tensor) => (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.broadcastTo(t, shape));
    return tf.where(to(c), to(a), to(b));
  },
  grad: ([c, a], _o, g) => {
    const z = zerosLikeF(g);
    void a;
    return [null, where(c, g, z), where(c, z, g)];
  },
});
function broadcastRuntime(...shapes: number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  // The size that is not 1 (0 included: an empty axis broadcasts against 1 to 0).
  return Array.from({ length: r }, (_, i) => shapes.map((s) => s[i - (r - s.length)] ?? 1).find((d) => d !== 1) ?? 1);
}
/**
 * 'host-switch': float32 choices on the in-process backends, one loop reading each operand through
 * broadcast strides (whole rows when the condition is a column, a recurrent step's mask): tfjs'
 * `where` tiles every operand to the full shape first (ops/switch-host.ts).
 */
nameGeneric(Switch, 'tfjs-where');
registerLowering(Switch, {
  name: 'host-switch',
  applies: (_ctx, [, a, b]) => a.dtype === 'float32' && b.dtype === 'float32',
  when: (ctx) => ctx.hostMemory,
  run: ([c, a, b]) => {
    const out = switchOnHost(c, a, b, broadcastRuntime(c.shape, a.shape, b.shape));
    return out && [out];
  },
});
/** `T.switch(cond, a, b)`: elementwise choice, broadcasting all three. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): ST {
  const c = cast(asTensor(cond), 'bool');
  const xs = [asTensor(a), asTensor(b)];
  const dt = computeDType('upcast', xs, 'where');
  return whereOp.make1(c, cast(xs[0], dt), cast(xs[1], dt));
}
specOf.set(where, whereOp.spec);
export const switch_ = where;

/** `T.clip(x, lo, hi)`: gradient flows where lo <= x <= hi. */
export function clip(x: TensorLike, lo: TensorLike, hi: TensorLike): ST {
  return minimum(maximum(x, lo), hi);
}

