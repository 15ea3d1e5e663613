import { tf, type Tensor } from '../tf';
import type { Lowering } from './registry';

/**
 * The one rule for kernels a backend has for float32 only (wasm's BatchMatMul and MaxPool): the
 * integer operands are cast to float32, the rest of the chain computes (a native BLAS included),
 * and the outputs are cast back to the first operand's dtype. Exact while |values| and the
 * results stay below 2^24.
 */
export function integerAsFloat32(backends: readonly string[]): Lowering {
  return {
    name: 'int-as-float32',
    applies: (_ctx, inputs) => inputs.some((t) => t.dtype === 'int32' || t.dtype === 'bool'),
    when: (ctx) => backends.includes(ctx.backend),
    run(inputs, _ctx, _op, next) {
      const dtype = inputs[0].dtype;
      return next(inputs.map((t) => (t.dtype === 'float32' ? t : tf.cast(t, 'float32')))).map((o) => (o instanceof tf.Tensor && o.dtype !== dtype ? tf.cast(o as Tensor, dtype) : o));
    },
  };
}
