import { kernelMemory, runWasmKernel, WasmKernel } from '../backend/wasm-kernel';
import { F32, I32, V128, op, v128, whileBelow, type ValType } from '../backend/wasm-module';
import { tf, type Tensor } from '../tf';

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
  ...whileBelow(J, limit, [...body, ...get(J), ...op.i32Const(step), ...op.i32Add, ...set(J)]),
];
const outAt = [...get(OUT), ...get(J), ...op.i32Add];
const inAt = [...get(IN), ...get(BASE), ...op.i32Add, ...get(J), ...op.i32Add];
/** Both column loops (SIMD, then one at a time) of `simd`/`scalar` bodies. */
const row = (simd: number[], scalar: number[]) => [
  ...columns(SIMD_BYTES, 16, simd),
  // the tail starts where the SIMD loop stopped
  ...get(SIMD_BYTES), ...set(J),
  ...whileBelow(J, ROW_BYTES, [...scalar, ...get(J), ...op.i32Const(4), ...op.i32Add, ...set(J)]),
];

const body = [
  // out = 0
  ...row([...outAt, ...op.f32Const(0), ...v128.f32x4Splat, ...v128.store], [...outAt, ...op.f32Const(0), ...op.f32Store]),
  // out += each row, in order
  ...op.i32Const(0), ...set(R), ...op.i32Const(0), ...set(BASE),
  ...whileBelow(R, ROWS, [
    ...row(
      [...outAt, ...outAt, ...v128.load, ...inAt, ...v128.load, ...v128.f32x4.add, ...v128.store],
      [...outAt, ...outAt, ...op.f32Load, ...inAt, ...op.f32Load, ...op.f32.add, ...op.f32Store],
    ),
    ...get(BASE), ...get(ROW_BYTES), ...op.i32Add, ...set(BASE),
    ...get(R), ...op.i32Const(1), ...op.i32Add, ...set(R),
  ]),
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

/**
 * The sum over every axis but one contiguous block, the shape of a bias gradient (conv: N, C, H, W
 * summed to C), as a generated WebAssembly SIMD loop over the tensor's memory in order: x viewed
 * as [A, K, B], out[k] = Σ_a Σ_b x[a, k, b], each (a, k) row of B values summed in four lanes.
 * tfjs' wasm Sum transposes the reduced axes last first (a copy of the tensor).
 */
function blockSumFunction(): { params: number; locals: ValType[]; body: number[] } {
  // Parameters: x, out (byte addresses), A, K, B in bytes, B's SIMD part in bytes.
  const [X, OUT, A, K, BB, SB] = [0, 1, 2, 3, 4, 5];
  const [a, k, base, j, acc, s, oAddr] = [6, 7, 8, 9, 10, 11, 12];
  const locals: ValType[] = [I32, I32, I32, I32, V128, F32, I32];
  const get = op.localGet;
  const set = op.localSet;
  const loop = (counter: number, limit: number, body: number[]) => [
    ...op.i32Const(0), ...set(counter),
    ...whileBelow(counter, limit, [...body, ...get(counter), ...op.i32Const(1), ...op.i32Add, ...set(counter)]),
  ];
  const stepLoop = (limit: number, step: number, body: number[]) => whileBelow(j, limit, [...body, ...get(j), ...op.i32Const(step), ...op.i32Add, ...set(j)]);
  const outAddr = [...get(OUT), ...get(k), ...op.i32Const(4), ...op.i32Mul, ...op.i32Add, ...set(oAddr)];
  const body = [
    // out = 0
    ...loop(k, K, [...outAddr, ...get(oAddr), ...op.f32Const(0), ...op.f32Store]),
    ...get(X), ...set(base),
    ...loop(a, A, loop(k, K, [
      ...op.f32Const(0), ...v128.f32x4Splat, ...set(acc),
      ...op.i32Const(0), ...set(j),
      ...stepLoop(SB, 16, [...get(acc), ...get(base), ...get(j), ...op.i32Add, ...v128.load, ...v128.f32x4.add, ...set(acc)]),
      ...get(acc), ...v128.f32x4ExtractLane(0), ...get(acc), ...v128.f32x4ExtractLane(1), ...op.f32.add,
      ...get(acc), ...v128.f32x4ExtractLane(2), ...get(acc), ...v128.f32x4ExtractLane(3), ...op.f32.add, ...op.f32.add, ...set(s),
      ...stepLoop(BB, 4, [...get(s), ...get(base), ...get(j), ...op.i32Add, ...op.f32Load, ...op.f32.add, ...set(s)]),
      ...outAddr, ...get(oAddr), ...get(oAddr), ...op.f32Load, ...get(s), ...op.f32.add, ...op.f32Store,
      ...get(base), ...get(BB), ...op.i32Add, ...set(base),
    ])),
  ];
  return { params: 6, locals, body };
}

let blockKernel: WasmKernel | undefined;

/** [A, K, B] of x when `axes` are every axis but one contiguous block (the kept K), else undefined. */
export function blockSumShape(shape: readonly number[], axes: readonly number[]): [number, number, number] | undefined {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  if (!kept.length || kept[kept.length - 1] - kept[0] !== kept.length - 1) return undefined;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((p, q) => p * q, 1);
  return [size(0, kept[0]), size(kept[0], kept[kept.length - 1] + 1), size(kept[kept.length - 1] + 1, shape.length)];
}

/** `x` (float32) viewed as [A, K, B] summed to K (shaped `outShape`), or undefined where the kernel cannot run. */
export function blockSum(x: Tensor, [A, K, B]: readonly [number, number, number], outShape: readonly number[]): Tensor | undefined {
  const memory = kernelMemory();
  blockKernel ??= new WasmKernel(blockSumFunction());
  const entry = blockKernel.bind(memory);
  if (!entry) return undefined;
  const [out] = runWasmKernel(memory, entry, [x], [[K]], [A, K, B * 4, Math.floor(B / 4) * 16]);
  return tf.reshape(out, [...outShape]);
}
