import { F32, I32, V128, op, v128, whileBelow, type ValType } from '../backend/wasm-module';
import { WasmKernel } from '../backend/wasm-kernel';
import type { CompositeProgram, Ref } from './composite';

/**
 * A Composite's kernel in WebAssembly: `run(in0.., out0.., rows, rowBytes, simdBytes)` loops over
 * `rows` rows of `rowBytes` bytes, four elements at a time with SIMD (the first `simdBytes` of a
 * row), then one at a time. A full input or an output is read/written at row*rowBytes + j, a row
 * input at j, a column input once per row (at row*4), a scalar input once before the loop. Each
 * instruction's result is a local.
 */
interface Emit {
  /** Pushes the operands, then applies the op (the SIMD form). */
  simd: (args: number[][]) => number[];
  /** The same on one f32. */
  scalar: (args: number[][]) => number[];
}

const splat = (v: number) => [...op.f32Const(v), ...v128.f32x4Splat];
const binary = (s: number[], f: number[]): Emit => ({ simd: ([a, b]) => [...a, ...b, ...s], scalar: ([a, b]) => [...a, ...b, ...f] });
const unary = (s: number[], f: number[]): Emit => ({ simd: ([a]) => [...a, ...s], scalar: ([a]) => [...a, ...f] });

/** The generated instructions of each scalar op (its other forms are in composite.ts's SCALAR_OPS). */
const EMIT = {
  Add: binary(v128.f32x4.add, op.f32.add),
  Sub: binary(v128.f32x4.sub, op.f32.sub),
  Mul: binary(v128.f32x4.mul, op.f32.mul),
  TrueDiv: binary(v128.f32x4.div, op.f32.div),
  // WebAssembly's min/max return NaN when either operand is NaN, as Theano's maximum/minimum.
  Maximum: binary(v128.f32x4.max, op.f32.max),
  Minimum: binary(v128.f32x4.min, op.f32.min),
  Neg: unary(v128.f32x4.neg, op.f32.neg),
  Abs: unary(v128.f32x4.abs, op.f32.abs),
  Sqrt: unary(v128.f32x4.sqrt, op.f32.sqrt),
  Sqr: { simd: ([a]) => [...a, ...a, ...v128.f32x4.mul], scalar: ([a]) => [...a, ...a, ...op.f32.mul] },
  // max(x, 0): NaN stays NaN (Theano's relu).
  Relu: { simd: ([a]) => [...a, ...splat(0), ...v128.f32x4.max], scalar: ([a]) => [...a, ...op.f32Const(0), ...op.f32.max] },
  // g * step(y), step(y) = 1 where y > 0, NaN where y is NaN, else 0 (tfjs' step).
  ReluGrad: {
    simd: ([y, g]) => [
      ...y, ...splat(0), ...v128.f32x4.gt, ...splat(1), ...v128.and,
      ...y, ...y, ...v128.f32x4.ne, ...splat(NaN), ...v128.and, ...v128.or,
      ...g, ...v128.f32x4.mul,
    ],
    scalar: ([y, g]) => [
      ...op.f32Const(1), ...op.f32Const(NaN), ...op.f32Const(0), ...y, ...y, ...op.f32.ne, ...op.select,
      ...y, ...op.f32Const(0), ...op.f32.gt, ...op.select,
      ...g, ...op.f32.mul,
    ],
  },
} satisfies Record<string, Emit>;

export type ScalarOps = typeof EMIT;

/** The function of a Composite program (parameters, locals, body). */
export function compositeFunction(p: CompositeProgram): { params: number; locals: ValType[]; body: number[] } {
  const nIn = p.inputs.length;
  const nOut = p.outputs.length;
  const params = nIn + nOut + 3;
  const [ROWS, ROW_BYTES, SIMD_BYTES] = [nIn + nOut, nIn + nOut + 1, nIn + nOut + 2];
  const locals: ValType[] = [];
  const local = (t: ValType) => params + locals.push(t) - 1;
  const [r, rowBase, j] = [local(I32), local(I32), local(I32)];
  const vIn = p.inputs.map(() => local(V128));
  const fIn = p.inputs.map(() => local(F32));
  const vTemp = p.instrs.map(() => local(V128));
  const fTemp = p.instrs.map(() => local(F32));
  const get = op.localGet;
  const set = op.localSet;
  // Address of element j of the current row: full inputs and outputs at rowBase + j, rows at j.
  const addr = (ptr: number, full: boolean) => [...get(ptr), ...(full ? [...get(rowBase), ...op.i32Add] : []), ...get(j), ...op.i32Add];

  const body: number[] = [];
  // Scalar inputs: read once, kept as f32 and splatted.
  p.inputs.forEach((k, i) => {
    if (k === 'scalar') body.push(...get(i), ...op.f32Load, ...set(fIn[i]), ...get(fIn[i]), ...v128.f32x4Splat, ...set(vIn[i]));
  });
  const iteration = (simd: boolean): number[] => {
    const out: number[] = [];
    // Load the row's elements of the full and row inputs once.
    p.inputs.forEach((k, i) => {
      if (k === 'full' || k === 'row') out.push(...addr(i, k === 'full'), ...(simd ? v128.load : op.f32Load), ...set(simd ? vIn[i] : fIn[i]));
    });
    const push = (ref: Ref): number[] =>
      'input' in ref ? get(simd ? vIn[ref.input] : fIn[ref.input]) : 'value' in ref ? (simd ? splat(ref.value) : op.f32Const(ref.value)) : get(simd ? vTemp[ref.temp] : fTemp[ref.temp]);
    p.instrs.forEach((ins, t) => {
      const emit = EMIT[ins.op] as Emit;
      out.push(...(simd ? emit.simd : emit.scalar)(ins.args.map(push)), ...set(simd ? vTemp[t] : fTemp[t]));
    });
    p.outputs.forEach((t, o) => out.push(...addr(nIn + o, true), ...get(simd ? vTemp[t] : fTemp[t]), ...(simd ? v128.store : op.f32Store)));
    out.push(...get(j), ...op.i32Const(simd ? 16 : 4), ...op.i32Add, ...set(j));
    return out;
  };
  const innerLoop = (limit: number, simd: boolean) => whileBelow(j, limit, iteration(simd));
  body.push(
    ...op.i32Const(0), ...set(r), ...op.i32Const(0), ...set(rowBase),
    ...whileBelow(r, ROWS, [
      ...op.i32Const(0), ...set(j),
      // Column inputs: this row's value, kept as f32 and splatted.
      ...p.inputs.flatMap((k, i) =>
        k === 'col' ? [...get(i), ...get(r), ...op.i32Const(4), ...op.i32Mul, ...op.i32Add, ...op.f32Load, ...set(fIn[i]), ...get(fIn[i]), ...v128.f32x4Splat, ...set(vIn[i])] : [],
      ),
      ...innerLoop(SIMD_BYTES, true),
      ...innerLoop(ROW_BYTES, false),
      ...get(rowBase), ...get(ROW_BYTES), ...op.i32Add, ...set(rowBase),
      ...get(r), ...op.i32Const(1), ...op.i32Add, ...set(r),
    ]),
  );
  return { params, locals, body };
}

const kernels = new Map<string, WasmKernel>();

/** The (cached) WebAssembly kernel of a program. */
export function compositeKernel(p: CompositeProgram): WasmKernel {
  const key = JSON.stringify(p);
  let k = kernels.get(key);
  if (!k) {
    k = new WasmKernel(compositeFunction(p));
    kernels.set(key, k);
  }
  return k;
}
