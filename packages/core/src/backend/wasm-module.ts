/**
 * A minimal WebAssembly binary writer: one module that imports a memory (`env.mem`) and exports
 * one function (`run`) taking i32 parameters. Enough for the kernels generated at run time
 * (`ops/composite-wasm.ts`); the opcodes are the WebAssembly 2.0 core and fixed-width SIMD ones.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/** Instructions (each returns its bytes). */
export const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  f32Const: (v: number) => [0x43, ...new Uint8Array(new Float32Array([v]).buffer)],
  /** `block` / `loop` with no result, `end`, `br`, `br_if` (label depth). */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  select: [0x1b],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32Or: [0x72],
  i32Xor: [0x73],
  i32ShrU: [0x76],
  i32LtS: [0x48],
  i32GeU: [0x4f],
  f32ConvertI32S: [0xb2],
  /** f32.load / f32.store with 4-byte alignment, offset 0. */
  f32Load: [0x2a, 2, 0],
  f32Store: [0x38, 2, 0],
  f32: { abs: [0x8b], neg: [0x8c], sqrt: [0x91], add: [0x92], sub: [0x93], mul: [0x94], div: [0x95], min: [0x96], max: [0x97], ne: [0x5c], gt: [0x5e] },
};

/**
 * `while (local[counter] < local[limit]) body` (unsigned compare; the body advances the counter):
 * the loop every generated kernel is made of.
 */
export function whileBelow(counter: number, limit: number, body: number[]): number[] {
  return [...op.block, ...op.loop, ...op.localGet(counter), ...op.localGet(limit), ...op.i32GeU, ...op.brIf(1), ...body, ...op.br(0), ...op.end, ...op.end];
}

const simd = (code: number): number[] => [0xfd, ...uleb(code)];
/** The fixed-width SIMD instructions used (v128.load/store with 4-byte alignment, offset 0). */
export const v128 = {
  load: [...simd(0x00), 2, 0],
  store: [...simd(0x0b), 2, 0],
  f32x4Splat: simd(0x13),
  f32x4ExtractLane: (lane: number) => [...simd(0x1f), lane],
  i32x4Splat: simd(0x11),
  i32x4ExtractLane: (lane: number) => [...simd(0x1b), lane],
  i32x4ReplaceLane: (lane: number) => [...simd(0x1c), lane],
  xor: simd(0x51),
  i32x4: { ltS: simd(0x39), shrU: simd(0xad), add: simd(0xae), mul: simd(0xb5) },
  and: simd(0x4e),
  or: simd(0x50),
  f32x4: { ne: simd(0x42), gt: simd(0x44), abs: simd(0xe0), neg: simd(0xe1), sqrt: simd(0xe3), add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7), min: simd(0xe8), max: simd(0xe9) },
};

export interface FunctionSpec {
  /** Number of i32 parameters (locals 0..params-1). */
  params: number;
  /** Further locals, in order after the parameters. */
  locals: ValType[];
  body: number[];
}

/**
 * The bytes of a module importing `env.mem` (shared when `sharedMemory`, as tfjs' threaded wasm
 * heap is) and exporting `run`.
 */
export function moduleBytes(fn: FunctionSpec, sharedMemory: boolean): Uint8Array {
  const type = [0x60, ...vec(Array.from({ length: fn.params }, () => [I32])), 0];
  // A shared memory must declare a maximum: 65536 pages (4 GiB) accepts any imported one.
  const limits = sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = [...name('env'), ...name('mem'), 0x02, ...limits];
  const groups: number[][] = [];
  for (const t of fn.locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  const code = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...fn.body, ...op.end];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec([imports])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('run'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}
