import { freemem, totalmem } from 'node:os';
import type { ModelSpec } from './models';

/**
 * How much memory training one of mnist.py's networks needs, estimated from the MODEL argument
 * before anything is allocated (building the network allocates its weights: a WIDTH of 10^8 would
 * fail inside the allocator with a bare RangeError, a WIDTH of 3·10^6 would grow the process to
 * 20 GB before anything said why).
 */
export interface MemoryEstimate {
  /** Trainable parameters. */
  params: number;
  /** Elements of the largest single tensor (a weight matrix or a batch of activations). */
  largestTensor: number;
  /** Bytes of tensor memory for training (parameters, optimizer state, gradients, activations). */
  bytes: number;
}

interface LayerSize {
  params: number;
  /** Activation units per example (output of the layer). */
  units: number;
  /** Largest weight tensor. */
  weights: number;
}

const INPUT_UNITS = 28 * 28;

function layers(spec: ModelSpec): LayerSize[] {
  const dense = (nIn: number, nOut: number): LayerSize => ({ params: nIn * nOut + nOut, units: nOut, weights: nIn * nOut });
  switch (spec.kind) {
    case 'cnn':
      return [
        { params: 32 * 25 + 32, units: 32 * 24 * 24, weights: 32 * 25 },
        { params: 0, units: 32 * 12 * 12, weights: 0 },
        { params: 32 * 32 * 25 + 32, units: 32 * 8 * 8, weights: 32 * 32 * 25 },
        { params: 0, units: 32 * 4 * 4, weights: 0 },
        dense(512, 256),
        dense(256, 10),
      ];
    case 'mlp':
      return layers({ kind: 'custom_mlp', depth: 2, width: 800, dropInput: 0.2, dropHidden: 0.5 });
    case 'custom_mlp': {
      const out: LayerSize[] = [];
      let nIn = INPUT_UNITS;
      for (let i = 0; i < spec.depth; i++) {
        out.push(dense(nIn, spec.width));
        nIn = spec.width;
      }
      out.push(dense(nIn, 10));
      return out;
    }
  }
}

/**
 * Parameters count five times (the value, Nesterov's velocity, the gradient and two update
 * temporaries); activations four times per example (pre-activation, output, dropout mask,
 * gradient); the input batch twice (with its dropout mask).
 */
export function estimateTrainingMemory(spec: ModelSpec, batchSize: number): MemoryEstimate {
  const ls = layers(spec);
  const params = ls.reduce((s, l) => s + l.params, 0);
  const units = ls.reduce((s, l) => s + l.units, 0);
  const largestTensor = Math.max(...ls.map((l) => Math.max(l.weights, l.units * batchSize)), INPUT_UNITS * batchSize);
  const floats = 5 * params + 4 * units * batchSize + 2 * INPUT_UNITS * batchSize;
  return { params, largestTensor, bytes: 4 * floats };
}

/** `3.2 GB`, `512 MB` (powers of 1024, as `free -h`). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} bytes` : `${v.toFixed(1)} ${units[i]}`;
}

/** WebAssembly's 32-bit heap: tfjs' wasm module may grow to 4 GiB, no more. */
export const WASM_HEAP_BYTES = 2 ** 32;
/** The longest typed array Node allows (the cpu backend keeps each tensor in one). */
const MAX_TYPED_ARRAY = 2 ** 32;

/** The memory training may use on `backend`: the machine's available memory, and for wasm its 4 GiB heap. */
export function memoryLimit(backend: string): { bytes: number; what: string } {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const machine = Math.min(freemem(), constrained && constrained < totalmem() ? constrained : Infinity);
  if (backend === 'wasm' && WASM_HEAP_BYTES < machine) return { bytes: WASM_HEAP_BYTES, what: "the wasm backend's 4.0 GB heap" };
  return { bytes: machine, what: `the ${formatBytes(machine)} of memory available` };
}

/**
 * Why `spec` cannot be trained with `batchSize` on `backend` (a one-line message naming the
 * model's size and the estimate), or undefined when it fits.
 */
export function memoryProblem(spec: ModelSpec, batchSize: number, backend: string, limit = memoryLimit(backend)): string | undefined {
  const est = estimateTrainingMemory(spec, batchSize);
  const size = spec.kind === 'custom_mlp' ? `custom_mlp with WIDTH ${spec.width} and DEPTH ${spec.depth}` : spec.kind;
  const fix = spec.kind === 'custom_mlp' ? 'use a smaller WIDTH (or DEPTH) or --batch-size' : 'use a smaller --batch-size';
  const what = `${size} has ${est.params.toLocaleString('en-US')} parameters and needs about ${formatBytes(est.bytes)} to train with batches of ${batchSize}`;
  if (est.bytes > limit.bytes) return `${what}, more than ${limit.what}; ${fix}.`;
  if (est.largestTensor > MAX_TYPED_ARRAY) return `${what}, with one tensor of ${est.largestTensor.toLocaleString('en-US')} values, more than the 2^32 a tensor can hold; ${fix}.`;
  return undefined;
}
