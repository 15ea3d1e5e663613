import { tf, type Tensor } from '../tf';
import { runHostKernel } from './host-memory';
import { moduleBytes, type FunctionSpec } from './wasm-module';

type Entry = (...args: number[]) => void;

/** The part of the WebAssembly JS API used here (core's libs are ES2022 + Node 20 types, which lack it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
};

/**
 * A kernel generated as WebAssembly (`wasm-module.ts`), run on the tensors' memory: on the wasm
 * backend, on tfjs' own heap (no copies: the module imports that memory and gets the tensors'
 * addresses); on the plain-JS cpu backend, on a private memory the operands are copied into.
 * Instances are cached per memory.
 */
export class WasmKernel {
  private readonly entries = new WeakMap<WasmMemory, Entry | null>();
  constructor(readonly fn: FunctionSpec) {}

  /** The kernel's entry point on `memory`, or undefined when this engine cannot compile it (no SIMD, a CSP without 'wasm-unsafe-eval'). */
  bind(memory: WasmMemory): Entry | undefined {
    let e = this.entries.get(memory);
    if (e === undefined) {
      try {
        const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
        const mod = new WebAssembly.Module(moduleBytes(this.fn, shared));
        e = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports.run as Entry;
      } catch {
        e = null;
      }
      this.entries.set(memory, e);
    }
    return e ?? undefined;
  }
}

interface WasmModule {
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
}

let privateMemory: WasmMemory | undefined;

/** The memory kernels run on: tfjs' wasm heap on the wasm backend, else a private one (cpu: operands are copied in). */
export function kernelMemory(): WasmMemory {
  if (tf.getBackend() === 'wasm') {
    const m = (tf.backend() as unknown as { wasm?: WasmModule }).wasm;
    const heap = m?.wasmMemory ?? m?.asm?.memory;
    if (heap) return heap;
  }
  privateMemory ??= new WebAssembly.Memory({ initial: 1 });
  return privateMemory;
}

/**
 * Runs `entry` (bound to `memory`) on float32 `inputs`, with outputs of the given shapes: the
 * entry gets the inputs' and outputs' byte addresses, then `extra` i32 arguments. On tfjs' heap
 * the addresses are the tensors' own; on a private memory the inputs are copied in (16-byte
 * aligned, converted to float32) and the outputs copied out.
 */
export function runWasmKernel(memory: WasmMemory, entry: Entry, inputs: readonly Tensor[], outShapes: readonly number[][], extra: readonly number[]): Tensor[] {
  return runHostKernel(inputs, outShapes, (ins, outs) => {
    if (ins.concat(outs).every((a) => a.buffer === memory.buffer)) {
      entry(...ins.map((a) => a.byteOffset), ...outs.map((a) => a.byteOffset), ...extra);
      return;
    }
    const offsets: number[] = [];
    let end = 0;
    for (const a of ins.concat(outs)) {
      offsets.push(end);
      // a.length, not a.byteLength: tfjs' cpu backend may hold a float32 tensor's values in
      // another typed array (a cast from bool keeps its bytes).
      end += Math.ceil((a.length * 4) / 16) * 16;
    }
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    ins.forEach((a, i) => new Float32Array(memory.buffer, offsets[i], a.length).set(a));
    entry(...offsets, ...extra);
    outs.forEach((a, o) => a.set(new Float32Array(memory.buffer, offsets[ins.length + o], a.length)));
  });
}
