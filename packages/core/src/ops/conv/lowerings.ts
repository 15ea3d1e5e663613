import { tf, type Tensor } from '../../tf';
import type { Op, PerformContext } from '../../graph/op';
import type { Lowering } from '../../lowering/registry';
import { toNCHW, toNHWC } from '../layout';
import { convPads, explicit, padsOf, toHWIO, type ConvConfig } from './config';
import type { Conv2DGradWeight } from './conv2d';
import { convGradWeightHost } from './host';

/**
 * The named lowerings of the convolution ops (registered next to the ops, in `conv2d.ts` and
 * `transpose.ts`). Measurements behind each choice: docs/ARCHITECTURE.md, Lowerings.
 */

/** HWIO filter gradients back to OIHW, flipped back for a true convolution. */
export function hwioToOIHW(hwio: Tensor, flip: boolean): Tensor {
  return tf.transpose(flip ? tf.reverse(hwio, [0, 1]) : hwio, [3, 2, 0, 1]);
}

/** What an input-gradient-like op computes: the transposed convolution of `gy` with `w` to an input of shape `xShape`. */
export interface InputGradOperands {
  gy: Tensor;
  w: Tensor;
  xShape: number[];
}

/**
 * 'wasm-stride1-forward-conv': with stride 1, the input gradient of a convolution is a forward
 * convolution of the output gradient padded by k−1−p, with the filters rotated 180 degrees and
 * their in/out channels swapped. Chosen on wasm, whose Conv2DBackpropInput is a scalar loop and
 * whose forward convolution is XNNPACK's (1.8 s → 0.33 s per MNIST step). `operands` says where
 * the op keeps gy, W and the input's shape.
 */
export function wasmStride1ForwardConv<O extends Op & { cfg: ConvConfig }>(operands: (inputs: readonly Tensor[], op: O, ctx: PerformContext) => InputGradOperands): Lowering<O> {
  return {
    name: 'wasm-stride1-forward-conv',
    applies(ctx, inputs, op) {
      const { w } = operands(inputs, op, ctx);
      const p = padsOf(op.cfg, w);
      return op.cfg.subsample[0] === 1 && op.cfg.subsample[1] === 1 && p[0] < (w.shape[2] as number) && p[1] < (w.shape[3] as number);
    },
    when: (ctx) => ctx.backend === 'wasm',
    run(inputs, ctx, op) {
      const { gy, w, xShape } = operands(inputs, op, ctx);
      const [kh, kw] = [w.shape[2] as number, w.shape[3] as number];
      const p = padsOf(op.cfg, w);
      const [n, ch, h, wd] = xShape;
      const rotated = tf.transpose(tf.reverse(toHWIO(w, op.cfg.filterFlip), [0, 1]), [0, 1, 3, 2]);
      const out = tf.conv2d(toNHWC(gy) as tf.Tensor4D, rotated as tf.Tensor4D, 1, explicit([kh - 1 - p[0], kw - 1 - p[1]]));
      return [toNCHW(tf.slice(out, [0, 0, 0, 0], [n, h, wd, ch]))];
    },
  };
}

/**
 * 'blas-im2col': the filter gradient as one GEMM per sample on the native BLAS over an im2col
 * scratch buffer (`host.ts`). Chosen with a BLAS on an in-process backend for < 8 input channels
 * (MNIST's first layer); with 32 channels the JS unrolling costs more than it saves (figures:
 * docs/ARCHITECTURE.md).
 */
export const blasIm2colFilterGrad: Lowering<Conv2DGradWeight> = {
  name: 'blas-im2col',
  applies: (ctx, [x, gy]) => ctx.hostMemory && x.dtype === 'float32' && gy.dtype === 'float32',
  when: (ctx, [x]) => ctx.native.blas !== undefined && (x.shape[1] as number) < 8,
  run([x, gy, w], ctx, op) {
    const blas = ctx.native.blas;
    if (!blas) return undefined;
    const [kh, kw] = [w.shape[2] as number, w.shape[3] as number];
    return [convGradWeightHost(blas, x, gy, w.shape, { kernel: [kh, kw], stride: op.cfg.subsample, pad: convPads(op.cfg.borderMode, kh, kw), flip: op.cfg.filterFlip })];
  },
};

/**
 * 'tfjs-backprop-filter': tfjs' Conv2DBackpropFilter kernel, where the backend has one; not on
 * cpu, whose kernel is ~50x slower than the generic lowering (11 s vs 0.2 s for MNIST's second
 * conv layer, batch 6).
 */
export const tfjsBackpropFilter: Lowering<Conv2DGradWeight> = {
  name: 'tfjs-backprop-filter',
  when: (ctx) => ctx.backend !== 'cpu' && tf.getKernel('Conv2DBackpropFilter', ctx.backend) !== undefined,
  run([x, gy, w], _ctx, op) {
    const [o, c, kh, kw] = w.shape as number[];
    const attrs = { strides: op.cfg.subsample, pad: explicit(padsOf(op.cfg, w)), dataFormat: 'NHWC', filterShape: [kh, kw, c, o] };
    const hwio = tf.engine().runKernel('Conv2DBackpropFilter', { x: toNHWC(x), dy: toNHWC(gy) }, attrs as never) as Tensor;
    return [hwioToOIHW(hwio, op.cfg.filterFlip)];
  },
};
