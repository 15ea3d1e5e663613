import type { DType } from '../dtype';
import { Op } from '../graph/op';
import { HostTensor, makeTypedArray } from '../host';
import { registerLowering } from '../lowering/registry';
import { evalOnHost } from './host-eval';

/**
 * 'webgpu-empty-on-host', a rule for every op: tfjs-backend-webgpu cannot bind an empty buffer (a
 * kernel with an empty operand fails validation, and the failure invalidates every kernel
 * submitted with it: their outputs read as zeros). Such a node runs on the host instead, with the
 * non-empty device operands replaced by zeros of their shape, and its result is kept when it does
 * not depend on those values: when every output is empty, or every non-empty operand was on the
 * host anyway. Declined otherwise (the node's own lowerings run).
 */
registerLowering(Op, {
  name: 'webgpu-empty-on-host',
  applies: (ctx, inputs) => ctx.node !== undefined && ctx.inputsOnHost !== undefined && inputs.some((t) => t.size === 0),
  when: (ctx) => ctx.backend === 'webgpu',
  run(inputs, ctx) {
    const host = ctx.inputsOnHost!;
    const exact = inputs.every((t, i) => host[i] || t.size === 0);
    const stand = inputs.map((t, i) => host[i] ?? new HostTensor(makeTypedArray(t.dtype as DType, new Float32Array(t.size)), t.shape, t.dtype as DType));
    let out: HostTensor[];
    try {
      out = evalOnHost(ctx.node!, stand);
    } catch {
      return undefined;
    }
    return exact || out.every((h) => h.size === 0) ? out : undefined;
  },
}, { priority: 100 });
