import type { Apply } from '../graph/node';
import { HostTensor } from '../host';
import { tf, type Tensor } from '../tf';
import { lower } from '../lowering/registry';

/**
 * Small integer computations (shapes, indices, counters) run on the host, so that an op that
 * needs them there (`hostInputs`) never waits for the device: Theano likewise runs its shape
 * arithmetic in C on the CPU. A node runs here when all its outputs are int32/bool and it either
 * reads only its inputs' shapes (`shapeOnly`) or all its inputs are on the host already.
 */
export function runsOnHost(node: Apply, onHost: (i: number) => boolean): boolean {
  if (node.op.stochastic || !node.inputs.length) return false;
  if (!node.outputs.every((o) => o.dtype === 'int32' || o.dtype === 'bool')) return false;
  return node.op.shapeOnly || node.inputs.every((_, i) => onHost(i));
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
