import type { Apply } from '../graph/node';
import { HostTensor } from '../host';
import { tf, type Tensor } from '../tf';
import { lower } from '../lowering/registry';

/**
 * Small integer computations (shapes, indices, counters) run on the host, so that an op that
 * needs them there (`hostInputs`) never waits for the device: Theano likewise runs its shape
 * arithmetic in C on the CPU. A node runs here when all its outputs are int32/bool and it either
 * reads only its inputs' shapes (`shapeOnly`) or all its inputs are on the host already; and so
 * does a scalar computation of host values (a learning rate, adam's bias correction from its
 * step counter): tfjs' plain-JS kernels round correctly where a GPU's may not (WGSL's pow is a
 * few ulps off, which `1 − β2^t` would amplify a thousandfold).
 */
export function runsOnHost(node: Apply, onHost: (i: number) => boolean): boolean {
  if (node.op.stochastic || !node.inputs.length) return false;
  const allOnHost = () => node.inputs.every((_, i) => onHost(i));
  if (node.outputs.every((o) => o.ndim === 0 && o.dtype === 'float32')) return allOnHost();
  if (!node.outputs.every((o) => o.dtype === 'int32' || o.dtype === 'bool')) return false;
  return node.op.shapeOnly || allOnHost();
}

/**
 * Backends some of whose kernels compute int32 through float32, so that integers above 2^24 come
 * out rounded (tfjs 4.22, measured with operands on the device):
 * - webgpu (on lavapipe): sum, max/min reductions, abs, mod, where, clipByValue, slice,
 *   stridedSlice, concat, stack, tile, pad, gather, reverse, addN, unsortedSegmentSum, integer
 *   matMul (add, sub, mul, neg, elementwise maximum/minimum, floorDiv, sign, casts, reshape,
 *   transpose, comparisons, argmax were exact);
 * - wasm: neg, abs, floorDiv, clipByValue.
 * The plain-JS engine that host evaluation uses is exact but for Abs (worked around in `abs`)
 * and UnsortedSegmentSum (used by float gradients only).
 */
const INT32_THROUGH_FLOAT32 = new Set(['webgpu', 'wasm']);

/**
 * Whether a node must run on the host to keep int32 exact (see `INT32_THROUGH_FLOAT32`): its
 * outputs are integers (int32, bool; one int32 at least) and an int32 operand is on the device.
 * The executor then reads its device operands first (awaited in `fn.async`, counted in
 * `fn.hostReads`), so integer results are exact whatever their size. Integer values computed on
 * the host already (shapes, indices, labels, counters) never need this.
 */
export function needsHostForInt32(node: Apply, backend: string, onHost: (i: number) => boolean): boolean {
  if (!INT32_THROUGH_FLOAT32.has(backend) || node.op.stochastic || !node.inputs.length) return false;
  if (!node.outputs.some((o) => o.dtype === 'int32') || !node.outputs.every((o) => o.dtype === 'int32' || o.dtype === 'bool')) return false;
  return node.inputs.some((v, i) => v.dtype === 'int32' && !onHost(i));
}

type Engine = { backendName: string; backendInstance: unknown; registry: Record<string, unknown> };

/**
 * Runs `f` with tfjs' plain-JS backend as the engine's backend, without `tf.setBackend`'s kernel
 * set-up (nothing is awaited, and the previous backend is restored even when `f` throws). Tensors
 * made inside live in this process' memory, so reading them never waits for a device.
 */
export function withCpuEngine<T>(f: () => T): T {
  const engine = tf.engine() as unknown as Engine;
  if (engine.backendName === 'cpu') return f();
  if (!engine.registry.cpu) (tf.engine() as unknown as { initializeBackend(n: string): unknown }).initializeBackend('cpu');
  const saved = { name: engine.backendName, instance: engine.backendInstance };
  engine.backendName = 'cpu';
  engine.backendInstance = engine.registry.cpu;
  try {
    return f();
  } finally {
    engine.backendName = saved.name;
    engine.backendInstance = saved.instance;
  }
}

/**
 * Evaluates a node on the host (see `runsOnHost`): host inputs become plain-JS tensors, device
 * inputs are passed as they are (a `shapeOnly` op looks at their shapes only).
 */
export function evalOnHost(node: Apply, inputs: readonly (Tensor | HostTensor)[]): HostTensor[] {
  let out: HostTensor[] = [];
  withCpuEngine(() =>
    tf.tidy(() => {
      const ts = inputs.map((v) => (v instanceof HostTensor ? tf.tensor(v.data, [...v.shape], v.dtype) : v));
      node.op.checkInputs(node.inputs, ts);
      const res = lower(node.op, ts, { backend: 'cpu', host: inputs.map((v) => (v instanceof HostTensor ? v : undefined)) }).outputs;
      out = res.map((r, k) => {
        const dtype = node.outputs[k].dtype;
        const t = r instanceof HostTensor ? tf.tensor(r.data, [...r.shape], r.dtype) : r;
        return HostTensor.fromTensor(t.dtype === dtype ? t : tf.cast(t, dtype));
      });
    }),
  );
  return out;
}
