import { ShapeError } from '../errors';
import { formatShape } from '../shape';
import { tf, type Tensor } from '../tf';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { nameGeneric, registerLowering } from '../lowering/registry';
import { kernelMemory, runWasmKernel } from '../backend/wasm-kernel';
import { compositeKernel, type ScalarOps } from './composite-wasm';
import { ReluGrad } from './elemwise';

/**
 * Theano's elemwise fusion `Composite`: a chain of float32 elementwise ops over tensors of one
 * shape computed as one loop, each element read and written once instead of once per op. The
 * fuseElemwise rewrite (compile/rewrites/fuse-elemwise.ts) builds it; users never do.
 *
 * Each scalar op is listed once with its three forms side by side: the WebAssembly SIMD and scalar
 * instructions of the generated kernel (`composite-wasm.ts`, the `wasm-simd-loop` lowering, chosen
 * where the tensors live in this process), and the tfjs kernels of the generic lowering
 * (`tfjs-ops`: what the unfused graph runs). Every op rounds to float32 as the unfused kernels do, so
 * the fused loop gives the unfused results bit for bit.
 */
interface ScalarOp {
  arity: number;
  text: (args: string[]) => string;
  tfjs: (args: Tensor[]) => Tensor;
}

export type ScalarOpName = keyof ScalarOps;

export const SCALAR_OPS: { readonly [K in ScalarOpName]: ScalarOp } = {
  Add: { arity: 2, text: ([a, b]) => `(${a} + ${b})`, tfjs: ([a, b]) => tf.add(a, b) },
  Sub: { arity: 2, text: ([a, b]) => `(${a} - ${b})`, tfjs: ([a, b]) => tf.sub(a, b) },
  Mul: { arity: 2, text: ([a, b]) => `(${a} * ${b})`, tfjs: ([a, b]) => tf.mul(a, b) },
  TrueDiv: { arity: 2, text: ([a, b]) => `(${a} / ${b})`, tfjs: ([a, b]) => tf.div(a, b) },
  Maximum: { arity: 2, text: ([a, b]) => `maximum(${a}, ${b})`, tfjs: ([a, b]) => tf.maximum(a, b) },
  Minimum: { arity: 2, text: ([a, b]) => `minimum(${a}, ${b})`, tfjs: ([a, b]) => tf.minimum(a, b) },
  Neg: { arity: 1, text: ([a]) => `-${a}`, tfjs: ([a]) => tf.neg(a) },
  Abs: { arity: 1, text: ([a]) => `abs(${a})`, tfjs: ([a]) => tf.abs(a) },
  Sqrt: { arity: 1, text: ([a]) => `sqrt(${a})`, tfjs: ([a]) => tf.sqrt(a) },
  Sqr: { arity: 1, text: ([a]) => `sqr(${a})`, tfjs: ([a]) => tf.mul(a, a) },
  Relu: { arity: 1, text: ([a]) => `relu(${a})`, tfjs: ([a]) => tf.relu(a) },
  /** relu's gradient `g * step(y)` (ops/elemwise.ts's ReluGrad). */
  ReluGrad: { arity: 2, text: ([y, g]) => `(${g} * step(${y}))`, tfjs: ([y, g]) => tf.mul(g, tf.step(y)) },
};

/** An operand of an instruction: a Composite input, a float32 constant, or an earlier instruction's result. */
export type Ref = { input: number } | { value: number } | { temp: number };

/**
 * How an input is read: `full` (the output's shape), `row` (the output's last `rowAxes` axes,
 * repeated over the leading ones: a bias), `col` (the output's leading axes, repeated along the
 * last `rowAxes` ones: one value per sample), `scalar` (one value).
 */
export type OperandKind = 'full' | 'row' | 'col' | 'scalar';

export interface CompositeProgram {
  inputs: readonly OperandKind[];
  /** The trailing axes a `row` input covers and a `col` input repeats along (0 when there is neither). */
  rowAxes: number;
  instrs: readonly { op: ScalarOpName; args: readonly Ref[] }[];
  /** The instructions whose results are the outputs. */
  outputs: readonly number[];
}

/**
 * Theano's Composite label: the outputs' expressions over the inputs `i0, i1, ...` (constants
 * with 7 significant digits, as constants print), then the inputs that are not full.
 */
export function programText(p: CompositeProgram): string {
  const temps: string[] = [];
  const ref = (r: Ref): string => ('input' in r ? `i${r.input}` : 'value' in r ? String(Number(r.value.toPrecision(7))) : temps[r.temp]);
  for (const ins of p.instrs) temps.push(SCALAR_OPS[ins.op].text(ins.args.map(ref)));
  const kinds = p.inputs.map((k, i) => (k === 'full' ? '' : `i${i}: ${k}`)).filter(Boolean);
  return [...p.outputs.map((o) => temps[o]), ...kinds].join(', ');
}

export class Composite extends Op {
  readonly name = 'Composite';
  /** The label: the program with constants rounded (the key compares the exact program). */
  static override readonly props = ['text'] as const;
  readonly text: string;
  /** `types`: the static types of the variables the outputs replace (as specific as the fused nodes knew them). */
  constructor(readonly program: CompositeProgram, readonly types: readonly TensorType[]) {
    super();
    this.text = programText(program);
  }
  /** Merging compares the exact program (the label rounds constants). */
  override key(): string {
    return `${this.name}${JSON.stringify(this.program)}`;
  }
  override inferTypes(): TensorType[] {
    return this.types.map((t) => ({ dtype: t.dtype, shape: [...t.shape] }));
  }
  /** The full inputs agree on their run-time shape, and a row input has its trailing axes. */
  override checkInputs(inputs: readonly ST[], values: readonly Tensor[]): void {
    const shape = values[this.program.inputs.indexOf('full')].shape;
    const row = shape.slice(shape.length - this.program.rowAxes);
    const col = shape.slice(0, shape.length - this.program.rowAxes);
    const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, k) => d === b[k]);
    values.forEach((v, i) => {
      const kind = this.program.inputs[i];
      const ok =
        kind === 'full' ? same(v.shape, shape)
        : kind === 'row' ? same(v.shape.slice(v.shape.length - row.length), row) && v.size === tf.util.sizeFromShape(row)
        : kind === 'col' ? same(v.shape.slice(0, col.length), col) && v.size === tf.util.sizeFromShape(col)
        : v.size === 1;
      if (!ok) {
        throw new ShapeError(
          `Composite{${this.text}}: input ${i} (${inputs[i].describe()}) has run-time shape ${formatShape(v.shape)}, expected ${kind === 'full' ? formatShape(shape) : kind === 'row' ? `${formatShape(row)} after leading 1s` : kind === 'col' ? `${formatShape(col)} then 1s` : 'one element'} ` +
            `(the fused elementwise ops need the shapes their static types promised).`,
        );
      }
    });
  }
  /** The generic lowering: the unfused ops' tfjs kernels, one after the other (any backend). */
  override perform(inputs: Tensor[]): Tensor[] {
    const temps: Tensor[] = [];
    const ref = (r: Ref): Tensor => ('input' in r ? inputs[r.input] : 'value' in r ? tf.scalar(r.value, 'float32') : temps[r.temp]);
    for (const ins of this.program.instrs) temps.push(SCALAR_OPS[ins.op].tfjs(ins.args.map(ref)));
    return this.program.outputs.map((o) => temps[o]);
  }
  /**
   * The generated WebAssembly loop on the tensors' memory (wasm: tfjs' heap; cpu: a private
   * memory), or undefined when this engine cannot compile it or there is nothing to compute.
   */
  performWasm(inputs: Tensor[]): Tensor[] | undefined {
    const shape = inputs[this.program.inputs.indexOf('full')].shape;
    const n = tf.util.sizeFromShape(shape);
    if (n === 0) return undefined;
    const memory = kernelMemory();
    const entry = compositeKernel(this.program).bind(memory);
    if (!entry) return undefined;
    const m = this.program.rowAxes ? tf.util.sizeFromShape(shape.slice(shape.length - this.program.rowAxes)) : n; // elements per row
    return runWasmKernel(memory, entry, inputs, this.program.outputs.map(() => shape), [n / m, m * 4, Math.floor(m / 4) * 16]);
  }
}

nameGeneric(Composite, 'tfjs-ops');
registerLowering(Composite, { name: 'wasm-simd-loop', when: (ctx) => ctx.hostMemory, run: (inputs, _ctx, op) => op.performWasm(inputs) });

/**
 * A ReluGrad left alone by the fusion (its operands come from ops that are not elementwise, e.g.
 * a pooling gradient) as a one-instruction Composite: one SIMD pass instead of tfjs' step + mul.
 * wasm, 2 threads, MNIST's first conv layer (500x32x24x24): ~20 → ~11 ms.
 */
const loneReluGrad = new Composite({ inputs: ['full', 'full'], rowAxes: 0, instrs: [{ op: 'ReluGrad', args: [{ input: 0 }, { input: 1 }] }], outputs: [0] }, []);
nameGeneric(ReluGrad, 'tfjs-step-mul');
registerLowering(ReluGrad, {
  name: 'wasm-simd-loop',
  applies: (_ctx, [y, g]) => y.dtype === 'float32' && g.dtype === 'float32' && y.shape.length === g.shape.length && y.shape.every((d, k) => d === g.shape[k]),
  when: (ctx) => ctx.hostMemory,
  run: (inputs) => loneReluGrad.performWasm(inputs),
});
