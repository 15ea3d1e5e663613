import { kernelMemory, runWasmKernel, WasmKernel } from './backend/wasm-kernel';
import { I32, op, V128, v128, whileBelow } from './backend/wasm-module';
import type { Tensor } from './tf';

/**
 * `bernoulli` (random.ts) as generated WebAssembly, four draws at a time with SIMD, written
 * straight into the mask tensor's memory (no JS loop, no upload): the same mulberry32 stream and
 * the same decisions, bit for bit. The i-th draw's state is seed + (i + 1)·0x6d2b79f5, so four
 * lanes step by 4·0x6d2b79f5 independently.
 *
 * run(out, n, a0, a1, a2, a3, threshold): a0..a3 are the first four states, threshold the int32
 * `ceil(p·2^32) − 2^31` of `bernoulli`.
 */
const C = 0x6d2b79f5;
const [OUT, N, A0, THRESHOLD] = [0, 1, 2, 6];
const PARAMS = 7;
const [I, END, A, T, THR, ONE, SA, ST] = [7, 8, 9, 10, 11, 12, 13, 14];
const LOCALS = [I32, I32, V128, V128, V128, V128, I32, I32] as const;

const get = op.localGet;
const set = op.localSet;
const iSplat = (v: number) => [...op.i32Const(v), ...v128.i32x4Splat];

/** mulberry32's output step on the value on the stack's local `t` (SIMD: lanes; scalar: one i32), leaving x on the stack. */
function mix(simd: boolean, t: number): number[] {
  const [xor, or, mul, add, shr] = simd
    ? [v128.xor, v128.or, v128.i32x4.mul, v128.i32x4.add, v128.i32x4.shrU]
    : [op.i32Xor, op.i32Or, op.i32Mul, op.i32Add, op.i32ShrU];
  const c = (v: number) => (simd ? iSplat(v) : op.i32Const(v));
  return [
    // t = imul(t ^ (t >>> 15), t | 1)
    ...get(t), ...get(t), ...op.i32Const(15), ...shr, ...xor, ...get(t), ...c(1), ...or, ...mul, ...set(t),
    // t ^= t + imul(t ^ (t >>> 7), t | 61)
    ...get(t), ...get(t), ...get(t), ...get(t), ...op.i32Const(7), ...shr, ...xor, ...get(t), ...c(61), ...or, ...mul, ...add, ...xor, ...set(t),
    // x = t ^ (t >>> 14) ^ 0x80000000 (the uint32 draw minus 2^31, as an int32)
    ...get(t), ...get(t), ...op.i32Const(14), ...shr, ...xor, ...c(-2147483648), ...xor,
  ];
}

const body = [
  // a = [a0, a1, a2, a3]; thr = splat(threshold); one = splat(1.0f)
  ...get(A0), ...v128.i32x4Splat,
  ...[1, 2, 3].flatMap((k) => [...get(A0 + k), ...v128.i32x4ReplaceLane(k)]), ...set(A),
  ...get(THRESHOLD), ...v128.i32x4Splat, ...set(THR),
  ...op.f32Const(1), ...v128.f32x4Splat, ...set(ONE),
  // SIMD over the first n & ~3 draws
  ...op.i32Const(0), ...set(I),
  ...get(N), ...op.i32Const(-4), ...op.i32And, ...op.i32Const(4), ...op.i32Mul, ...set(END),
  ...whileBelow(I, END, [
    ...get(A), ...set(T),
    ...get(OUT), ...get(I), ...op.i32Add,
    ...mix(true, T), ...get(THR), ...v128.i32x4.ltS, ...get(ONE), ...v128.and,
    ...v128.store,
    ...get(A), ...iSplat((4 * C) | 0), ...v128.i32x4.add, ...set(A),
    ...get(I), ...op.i32Const(16), ...op.i32Add, ...set(I),
  ]),
  // the last n % 4 draws one at a time, from lane 0's next state
  ...get(A), ...v128.i32x4ExtractLane(0), ...set(SA),
  ...get(N), ...op.i32Const(4), ...op.i32Mul, ...set(END),
  ...whileBelow(I, END, [
    ...get(SA), ...set(ST),
    ...get(OUT), ...get(I), ...op.i32Add,
    ...mix(false, ST), ...get(THRESHOLD), ...op.i32LtS, ...op.f32ConvertI32S,
    ...op.f32Store,
    ...get(SA), ...op.i32Const(C), ...op.i32Add, ...set(SA),
    ...get(I), ...op.i32Const(4), ...op.i32Add, ...set(I),
  ]),
];

const kernel = new WasmKernel({ params: PARAMS, locals: [...LOCALS], body });

/**
 * A float32 Bernoulli(p) mask of `shape` drawn from `seed` into the tensor's memory (wasm or cpu
 * backend), or undefined where the kernel declines (p = 1, which does not fit the int32
 * threshold; an empty shape; no WebAssembly SIMD): the caller then draws with `bernoulli`.
 */
export function bernoulliTensor(shape: readonly number[], seed: number, p: number): Tensor | undefined {
  const n = shape.reduce((a, b) => a * b, 1);
  const threshold = Math.ceil(p * 4294967296) - 2147483648;
  if (n === 0 || threshold > 2147483647) return undefined;
  const memory = kernelMemory();
  const entry = kernel.bind(memory);
  if (!entry) return undefined;
  const lanes = [1, 2, 3, 4].map((k) => (seed + k * C) | 0);
  return runWasmKernel(memory, entry, [], [[...shape]], [n, ...lanes, threshold])[0];
}
