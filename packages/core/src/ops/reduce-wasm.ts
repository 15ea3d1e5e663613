import { tf, type Tensor } from '../tf';
import { F32, I32, V128, op, v128, type ValType } from '../backend/wasm-module';
import { kernelMemory, runWasmKernel, WasmKernel } from '../backend/wasm-kernel';
import type { Lowering } from '../lowering/registry';
import type { Reduce } from './reduce';

/**
 * The sum over every axis but one contiguous block, the shape of a bias gradient (conv: N, C, H, W
 * summed to C), as a generated WebAssembly SIMD loop over the tensor's memory in order: x viewed
 * as [A, K, B], out[k] = Σ_a Σ_b x[a, k, b], each (a, k) row of B values summed in four lanes.
 * tfjs' wasm Sum transposes the reduced axes last first (a copy of the tensor).
 */
function channelSumFunction(): { params: number; locals: ValType[]; body: number[] } {
  // Parameters: x, out (byte addresses), A, K, B in bytes, B's SIMD part in bytes.
  const [X, OUT, A, K, BB, SB] = [0, 1, 2, 3, 4, 5];
  const [a, k, base, j, acc, s, oAddr] = [6, 7, 8, 9, 10, 11, 12];
  const locals: ValType[] = [I32, I32, I32, I32, V128, F32, I32];
  const get = op.localGet;
  const set = op.localSet;
  const loop = (counter: number, limit: number, body: number[]) => [
    ...op.i32Const(0), ...set(counter),
    ...op.block, ...op.loop,
    ...get(counter), ...get(limit), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...get(counter), ...op.i32Const(1), ...op.i32Add, ...set(counter),
    ...op.br(0), ...op.end, ...op.end,
  ];
  const stepLoop = (limit: number, step: number, body: number[]) => [
    ...op.block, ...op.loop,
    ...get(j), ...get(limit), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...get(j), ...op.i32Const(step), ...op.i32Add, ...set(j),
    ...op.br(0), ...op.end, ...op.end,
  ];
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

let kernel: WasmKernel | undefined;

/** [A, K, B] of x when `axes` are every axis but one contiguous block (the kept K), else undefined. */
export function blockSumShape(shape: readonly number[], axes: readonly number[]): [number, number, number] | undefined {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  if (!kept.length || kept[kept.length - 1] - kept[0] !== kept.length - 1) return undefined;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((p, q) => p * q, 1);
  return [size(0, kept[0]), size(kept[0], kept[kept.length - 1] + 1), size(kept[kept.length - 1] + 1, shape.length)];
}

/**
 * 'wasm-block-sum': chosen on the in-process backends for float32 sums whose summed block B holds
 * at least 16 values (a conv bias gradient; a dense one, B = 1, stays on tfjs).
 * wasm, 2 threads: 500x32x24x24 to 32, 18 → 2 ms (on cpu 700 → 6 ms); the MNIST CNN step's Sum nodes
 * 24–36 → 3–4 ms. Summed in float32 (four lanes per row, then the rows), closer to float64 than
 * tfjs' wasm Sum on these shapes.
 */
export const wasmBlockSum: Lowering<Reduce> = {
  name: 'wasm-block-sum',
  applies: (_ctx, [x], op) => op.kind === 'sum' && x.dtype === 'float32' && x.size > 0 && blockSumShape(x.shape, op.axis) !== undefined,
  when: (ctx, [x], op) => ctx.hostMemory && blockSumShape(x.shape, op.axis)![2] >= 16,
  run([x], _ctx, op) {
    const [A, K, B] = blockSumShape(x.shape, op.axis)!;
    const memory = kernelMemory();
    kernel ??= new WasmKernel(channelSumFunction());
    const entry = kernel.bind(memory);
    if (!entry) return undefined;
    const want = x.shape.flatMap((d, i) => (op.axis.includes(i) ? (op.keepdims ? [1] : []) : [d]));
    const [out] = runWasmKernel(memory, entry, [x], [[K]], [A, K, B * 4, Math.floor(B / 4) * 16]);
    return [tf.reshape(out as Tensor, want)];
  },
};
