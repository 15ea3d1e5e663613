import { kernelMemory, runWasmKernel, WasmKernel } from '../backend/wasm-kernel';
import { I32, op, v128 } from '../backend/wasm-module';
import type { Tensor } from '../tf';

/**
 * A sum over the leading axes as generated WebAssembly (a bias gradient: the output gradient
 * summed over the batch): out[j] = Σ_r in[r·m + j], rows added into the output in order, four
 * columns at a time with SIMD. tfjs sums over leading axes by transposing the whole input first.
 *
 * run(in, out, rows, rowBytes, simdBytes)
 */
const [IN, OUT, ROWS, ROW_BYTES, SIMD_BYTES] = [0, 1, 2, 3, 4];
const [R, BASE, J] = [5, 6, 7];
const get = op.localGet;
const set = op.localSet;

/** `for (j = 0; j < limit; j += step) body` over the current row (j in bytes). */
const columns = (limit: number, step: number, body: number[]) => [
  ...op.i32Const(0), ...set(J),
  ...op.block, ...op.loop,
  ...get(J), ...get(limit), ...op.i32GeU, ...op.brIf(1),
  ...body,
  ...get(J), ...op.i32Const(step), ...op.i32Add, ...set(J),
  ...op.br(0), ...op.end, ...op.end,
];
const outAt = [...get(OUT), ...get(J), ...op.i32Add];
const inAt = [...get(IN), ...get(BASE), ...op.i32Add, ...get(J), ...op.i32Add];
/** Both column loops (SIMD, then one at a time) of `simd`/`scalar` bodies. */
const row = (simd: number[], scalar: number[]) => [
  ...columns(SIMD_BYTES, 16, simd),
  // the tail starts where the SIMD loop stopped
  ...get(SIMD_BYTES), ...set(J),
  ...op.block, ...op.loop,
  ...get(J), ...get(ROW_BYTES), ...op.i32GeU, ...op.brIf(1),
  ...scalar,
  ...get(J), ...op.i32Const(4), ...op.i32Add, ...set(J),
  ...op.br(0), ...op.end, ...op.end,
];

const body = [
  // out = 0
  ...row([...outAt, ...op.f32Const(0), ...v128.f32x4Splat, ...v128.store], [...outAt, ...op.f32Const(0), ...op.f32Store]),
  // out += each row, in order
  ...op.i32Const(0), ...set(R), ...op.i32Const(0), ...set(BASE),
  ...op.block, ...op.loop,
  ...get(R), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
  ...row(
    [...outAt, ...outAt, ...v128.load, ...inAt, ...v128.load, ...v128.f32x4.add, ...v128.store],
    [...outAt, ...outAt, ...op.f32Load, ...inAt, ...op.f32Load, ...op.f32.add, ...op.f32Store],
  ),
  ...get(BASE), ...get(ROW_BYTES), ...op.i32Add, ...set(BASE),
  ...get(R), ...op.i32Const(1), ...op.i32Add, ...set(R),
  ...op.br(0), ...op.end, ...op.end,
];

const kernel = new WasmKernel({ params: 5, locals: [I32, I32, I32], body });

/** `x` (float32) summed over its first `lead` axes, or undefined where the kernel cannot run. */
export function leadingSum(x: Tensor, lead: number, outShape: readonly number[]): Tensor | undefined {
  const rows = x.shape.slice(0, lead).reduce((a, b) => a * b, 1);
  const m = x.shape.slice(lead).reduce((a, b) => a * b, 1);
  if (m === 0) return undefined;
  const memory = kernelMemory();
  const entry = kernel.bind(memory);
  if (!entry) return undefined;
  return runWasmKernel(memory, entry, [x], [[...outShape]], [rows, m * 4, Math.floor(m / 4) * 16])[0];
}
