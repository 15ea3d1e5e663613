import { OptionsError, ShapeError } from '../errors';
import { tf, type Tensor } from '../tf';
import { asTensor, type TensorLike } from '../graph/lift';
import type { ST, TensorType } from '../graph/node';
import { Op } from '../graph/op';
import { constant } from '../graph/constant';
import { broadcastLike } from './broadcast';
import { cast } from './cast';
import { integerAsFloat32 } from '../lowering/int-as-float32';
import { nameGeneric, registerLowering, type Lowering } from '../lowering/registry';
import { toNCHW, toNHWC } from './layout';
import { maxPoolGradGradLoop, maxPoolGradHost } from './pool-host';
import { maxPool2x2GradWasm, maxPool2x2Wasm } from './pool-wasm';

export type PoolMode = 'max' | 'sum' | 'average_inc_pad' | 'average_exc_pad';
const POOL_MODES: readonly PoolMode[] = ['max', 'sum', 'average_inc_pad', 'average_exc_pad'];

export interface PoolConfig {
  ws: [number, number];
  stride: [number, number];
  pad: [number, number];
  ignoreBorder: boolean;
  mode: PoolMode;
}

/** Theano's pool output length for both `ignore_border` settings. */
export function poolOutLength(len: number | null, ws: number, st: number, pad: number, ignoreBorder: boolean): number | null {
  if (len === null) return null;
  if (ignoreBorder) return Math.max(0, Math.floor((len + 2 * pad - ws) / st) + 1);
  if (st >= ws) return Math.floor((len - 1) / st) + 1;
  return Math.max(0, Math.floor((len - 1 - ws + st) / st)) + 1;
}

interface Geometry {
  out: [number, number];
  /** Padding of the NHWC input: [top, bottom], [left, right] (bottom/right include overhang). */
  pads: [[number, number], [number, number]];
}

function geometry(h: number, w: number, c: PoolConfig): Geometry {
  const out: [number, number] = [0, 1].map((a) => poolOutLength([h, w][a], c.ws[a], c.stride[a], c.pad[a], c.ignoreBorder)!) as [number, number];
  const pads = [0, 1].map((a) => {
    const len = [h, w][a];
    const needed = (out[a] - 1) * c.stride[a] + c.ws[a];
    return [c.pad[a], Math.max(c.pad[a], needed - len - c.pad[a])];
  }) as [[number, number], [number, number]];
  return { out, pads };
}

const nhwcPads = (geo: Geometry) => [[0, 0], geo.pads[0], geo.pads[1], [0, 0]] as [number, number][];
/** Height and width of an NCHW image. */
const imageSize = (x: Tensor): [number, number] => [x.shape[2] as number, x.shape[3] as number];
/** An NCHW image as NHWC, padded as the geometry says (with `fill`). */
const paddedNHWC = (x: Tensor, geo: Geometry, fill = 0) => tf.pad(toNHWC(x), nhwcPads(geo), fill);
/** The h x w image cut back out of its padded NHWC form. */
const unpad = (t: Tensor, geo: Geometry, h: number, w: number) => tf.slice(t, [0, geo.pads[0][0], geo.pads[1][0], 0], [-1, h, w, -1]);

/** 1 where a window cell counts toward the average's divisor, 0 elsewhere; shape [1, Hp, Wp, 1]. */
function divisorMask(h: number, w: number, geo: Geometry, c: PoolConfig): Tensor {
  if (c.mode === 'average_exc_pad') return tf.pad(tf.ones([1, h, w, 1]), nhwcPads(geo));
  // inc_pad: the padded image counts, the overhang beyond it does not.
  const inner = tf.ones([1, h + 2 * c.pad[0], w + 2 * c.pad[1], 1]);
  return tf.pad(inner, [[0, 0], [0, geo.pads[0][1] - c.pad[0]], [0, geo.pads[1][1] - c.pad[1]], [0, 0]]);
}

const sumPool = (x: Tensor, c: PoolConfig) => tf.mul(tf.avgPool(x as tf.Tensor4D, c.ws, c.stride, 'valid'), c.ws[0] * c.ws[1]);

function forward(x: Tensor, c: PoolConfig): Tensor {
  const [h, w] = imageSize(x);
  const geo = geometry(h, w, c);
  let out: Tensor;
  // Max pooling pads with the dtype's lowest value (-Infinity would become 0 in an int32 tensor).
  const lowest = x.dtype === 'float32' ? -Infinity : x.dtype === 'int32' ? -2147483648 : 0;
  if (c.mode === 'max') out = tf.maxPool(paddedNHWC(x, geo, lowest) as tf.Tensor4D, c.ws, c.stride, 'valid');
  else {
    out = sumPool(paddedNHWC(x, geo), c);
    if (c.mode !== 'sum') out = tf.div(out, sumPool(divisorMask(h, w, geo, c), c));
  }
  return toNCHW(out);
}

function backward(x: Tensor, y: Tensor, gy: Tensor, c: PoolConfig): Tensor {
  const [h, w] = imageSize(x);
  const geo = geometry(h, w, c);
  const nonOverlapping = c.stride[0] === c.ws[0] && c.stride[1] === c.ws[1];
  if (c.mode === 'max') return nonOverlapping ? maxGradNonOverlapping(x, y, gy, c, geo) : maxGradOverlapping(x, y, gy, c, geo);
  const xp = paddedNHWC(x, geo);
  const dy = toNHWC(gy);
  const scaled = c.mode === 'sum' ? dy : tf.div(dy, sumPool(divisorMask(h, w, geo, c), c));
  const dxp = tf.mul(tf.engine().runKernel('AvgPoolGrad', { dy: scaled, input: xp }, { filterSize: c.ws, strides: c.stride, pad: 'valid' }) as Tensor, c.ws[0] * c.ws[1]);
  return toNCHW(unpad(dxp, geo, h, w));
}

/**
 * Max-pool gradient for windows that tile the image (stride = window): the pooled maxima and
 * their gradients are upsampled by nearest-neighbour resizing (exact for integer factors) and
 * routed to every cell equal to its window's max (Theano's rule). About 10x faster than
 * MaxPoolGrad or 6-d broadcasting on wasm, and identical on every backend.
 */
function maxGradNonOverlapping(x: Tensor, y: Tensor, gy: Tensor, c: PoolConfig, geo: Geometry): Tensor {
  const [n, ch, h, w] = x.shape as number[];
  const [oh, ow] = geo.out;
  const size: [number, number] = [oh * c.ws[0], ow * c.ws[1]];
  if (size[0] === h && size[1] === w) {
    // The windows tile the image exactly (no padding, no overhang): upsample in NCHW seen as
    // [n*c, h, w, 1], so no layout transposes are needed (half the passes over the tensor).
    const up = (t: Tensor) => tf.reshape(tf.image.resizeNearestNeighbor(tf.reshape(t, [n * ch, oh, ow, 1]) as tf.Tensor4D, size), [n, ch, h, w]);
    return tf.mul(tf.cast(tf.equal(x, up(y)), 'float32'), up(gy));
  }
  const padded = paddedNHWC(x, geo, -Infinity);
  const region = tf.slice(padded, [0, 0, 0, 0], [-1, size[0], size[1], -1]);
  const up = (t: Tensor) => tf.image.resizeNearestNeighbor(toNHWC(t) as tf.Tensor4D, size);
  const routed = tf.mul(tf.cast(tf.equal(region, up(y)), 'float32'), up(gy));
  const [ph, pw] = [padded.shape[1] as number, padded.shape[2] as number];
  const dPadded = tf.pad(routed, [[0, 0], [0, ph - size[0]], [0, pw - size[1]], [0, 0]]);
  return toNCHW(unpad(dPadded, geo, h, w));
}

/**
 * Max-pool gradient for overlapping windows (stride < window). The MaxPoolGrad kernel routes each
 * window's gradient to a single argmax; Theano gives it to every cell equal to the window's max,
 * as the non-overlapping path does. So, for each offset (i, j) inside the window, the cells that
 * every window reads at that offset (a strided slice) receive dy where they equal the window's
 * max; the result is spread back to the strided positions (nearest-neighbour upsampling by the
 * stride, masked to each block's first cell) and summed over the offsets. 4-d ops only.
 */
function maxGradOverlapping(x: Tensor, y: Tensor, gy: Tensor, c: PoolConfig, geo: Geometry): Tensor {
  const [h, w] = imageSize(x);
  const xp = paddedNHWC(x, geo, -Infinity);
  const yh = toNHWC(y);
  const dy = toNHWC(gy);
  const [n, hp, wp, ch] = xp.shape as number[];
  const [oh, ow] = geo.out;
  const [sh, sw] = c.stride;
  const [rows, cols] = [(oh - 1) * sh + 1, (ow - 1) * sw + 1];
  const maskData = new Float32Array(oh * sh * ow * sw);
  for (let r = 0; r < oh * sh; r += sh) for (let q = 0; q < ow * sw; q += sw) maskData[r * ow * sw + q] = 1;
  const mask = tf.tensor4d(maskData, [1, oh * sh, ow * sw, 1]);
  const spread = (t: Tensor) => tf.slice(tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [oh * sh, ow * sw]), mask), [0, 0, 0, 0], [n, rows, cols, ch]);
  let dxp: Tensor = tf.zeros([n, hp, wp, ch], 'float32');
  for (let i = 0; i < c.ws[0]; i++) {
    for (let j = 0; j < c.ws[1]; j++) {
      const cells = tf.stridedSlice(xp, [0, i, j, 0], [n, i + rows, j + cols, ch], [1, sh, sw, 1]);
      const hit = tf.mul(dy, tf.cast(tf.equal(cells, yh), 'float32'));
      dxp = tf.add(dxp, tf.pad(spread(hit), [[0, 0], [i, hp - i - rows], [j, wp - j - cols], [0, 0]]));
    }
  }
  return toNCHW(unpad(dxp, geo, h, w));
}

/** 2-D pooling over the last two axes of an NCHW tensor, with Theano's exact semantics. */
export class Pool2D extends Op {
  readonly name = 'Pool2D';
  static override readonly props = ['cfg'] as const;
  constructor(readonly cfg: PoolConfig) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    const c = this.cfg;
    if (x.ndim !== 4) throw new ShapeError(`pool2d: expected a 4-d input (N, C, H, W), received ${x.describe()}.`);
    const [h, w] = [2, 3].map((a, i) => poolOutLength(x.shape[a], c.ws[i], c.stride[i], c.pad[i], c.ignoreBorder));
    if (h === 0 || w === 0) throw new ShapeError(`pool2d: a ${c.ws.join('x')} window does not fit ${x.describe()}; the output would be empty.`);
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], h, w] }];
  }
  override perform([x]: Tensor[]): Tensor[] {
    return [forward(x, this.cfg)];
  }
  override grad([x]: readonly ST[], [y]: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new Pool2DGrad(this.cfg).make1(x, y, g!)];
  }
}

/** Zeros shaped like a float x (as Theano, x and y are connected with a zero gradient); null for ints. */
const zerosLike = (x: ST): ST | null => (x.dtype === 'float32' ? broadcastLike(constant(0, { dtype: 'float32' }), x) : null);

/** Gradient of Pool2D: inputs (x, y, gy). */
export class Pool2DGrad extends Op {
  readonly name = 'Pool2DGrad';
  static override readonly props = ['cfg'] as const;
  constructor(readonly cfg: PoolConfig) {
    super();
  }
  override inferTypes([x]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: x.shape }];
  }
  override perform([x, y, gy]: Tensor[]): Tensor[] {
    return [backward(x, y, gy, this.cfg)];
  }
  /**
   * Linear in gy. Average and sum pooling are linear maps whose gradient is their transpose, so
   * the transpose of the gradient is the pooling again; max pooling's is Pool2DGradGrad (each
   * window sums gg over the cells that received its gradient). Both are piecewise constant in
   * x and y: their gradients are zeros, as in Theano.
   */
  override grad([x, y]: readonly ST[], _o: readonly ST[], [gg]: readonly (ST | null)[]): (ST | null)[] {
    const ggy = this.cfg.mode === 'max' ? new Pool2DGradGrad(this.cfg).make1(x, y, gg!) : new Pool2D(this.cfg).make1(gg!);
    return [zerosLike(x), zerosLike(y), ggy];
  }
}

/**
 * Theano's DownsampleFactorMaxGradGrad, inputs (x, y, gg): for each max-pool window, the sum of
 * gg over the cells equal to the window's max (the transpose of Pool2DGrad's routing); second
 * derivatives only. Generic: for each offset (i, j) inside the window, the cells every window
 * reads there (a strided slice of the padded x and gg) add their gg where they equal the window's
 * max (padding holds -Infinity in x and 0 in gg, so it adds nothing). On the in-process backends
 * the 'host-loop' lowering runs one loop over the tensors' memory instead.
 */
export class Pool2DGradGrad extends Op {
  readonly name = 'Pool2DGradGrad';
  static override readonly props = ['cfg'] as const;
  constructor(readonly cfg: PoolConfig) {
    super();
  }
  override inferTypes([, y]: readonly ST[]): TensorType[] {
    return [{ dtype: 'float32', shape: y.shape }];
  }
  override perform([x, y, gg]: Tensor[]): Tensor[] {
    const c = this.cfg;
    const geo = geometry(...imageSize(x), c);
    const xp = paddedNHWC(x, geo, -Infinity);
    const ggp = paddedNHWC(gg, geo);
    const yh = toNHWC(y);
    const [n, , , ch] = xp.shape as number[];
    const [oh, ow] = geo.out;
    const [sh, sw] = c.stride;
    let out: Tensor = tf.zeros([n, oh, ow, ch], 'float32');
    for (let i = 0; i < c.ws[0]; i++) {
      for (let j = 0; j < c.ws[1]; j++) {
        const at = (t: Tensor) => tf.stridedSlice(t, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, ch], [1, sh, sw, 1]);
        out = tf.add(out, tf.mul(at(ggp), tf.cast(tf.equal(at(xp), yh), 'float32')));
      }
    }
    return [toNCHW(out)];
  }
  override grad([x, y]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [zerosLike(x), zerosLike(y), new Pool2DGrad(this.cfg).make1(x, y, g!)];
  }
}

/**
 * The max-pool gradient as one JS loop over NCHW memory with Theano's tie rule (pool-host.ts), on
 * the in-process backends, faster than the tfjs routes (figures: docs/ARCHITECTURE.md).
 */
const hostMaxPoolGrad: Lowering<Pool2DGrad> = {
  name: 'host-loop',
  applies: (ctx, inputs, op) => ctx.hostMemory && op.cfg.mode === 'max' && inputs.every((t) => t.dtype === 'float32'),
  when: () => true,
  run([x, y, gy], _ctx, op) {
    const c = op.cfg;
    return [maxPoolGradHost(x, y, gy, { ws: c.ws, stride: c.stride, pad: c.pad, out: geometry(...imageSize(x), c).out })];
  },
};

/**
 * 2x2 max pooling with stride 2, every window inside the image (MNIST's), as one generated
 * WebAssembly SIMD loop over NCHW memory (pool-wasm.ts), on the in-process backends: no layout
 * transposes. wasm, 2 threads: 500x32x24x24, 40 → 2.6 ms.
 */
const wasm2x2Max: Lowering<Pool2D> = {
  name: 'wasm-2x2-max',
  applies: (_ctx, [x], op) => {
    const c = op.cfg;
    const [h, w] = imageSize(x);
    return c.mode === 'max' && x.dtype === 'float32' && x.size > 0 && [...c.ws, ...c.stride].every((v) => v === 2) && h % 2 === 0 && geometry(h, w, c).pads.flat().every((v) => v === 0);
  },
  when: (ctx) => ctx.hostMemory,
  run: ([x]) => {
    const out = maxPool2x2Wasm(x);
    return out && [out];
  },
};

/** Pool2DGradGrad as one JS loop over NCHW memory (pool-host.ts), on the in-process backends. */
const hostMaxPoolGradGrad: Lowering<Pool2DGradGrad> = {
  name: 'host-loop',
  applies: (ctx) => ctx.hostMemory,
  when: () => true,
  run([x, y, gg], _ctx, op) {
    const c = op.cfg;
    return [maxPoolGradGradLoop(x, y, gg, { ws: c.ws, stride: c.stride, pad: c.pad, out: geometry(...imageSize(x), c).out })];
  },
};

nameGeneric(Pool2D, 'tfjs-pool');
registerLowering(Pool2D, integerAsFloat32(['wasm']));
registerLowering(Pool2D, wasm2x2Max);
/** Whether `c` is 2x2 max pooling with stride 2 whose windows tile x (even height and width, no padding). */
const tiles2x2 = (c: PoolConfig, x: Tensor) => c.mode === 'max' && [...c.ws, ...c.stride].every((v) => v === 2) && c.pad.every((v) => v === 0) && imageSize(x).every((d) => d % 2 === 0);

/**
 * Its gradient with Theano's tie rule as a generated WebAssembly SIMD loop (pool-wasm.ts), ahead
 * of the JS loop: 500x32x24x24 on wasm, 80–100 → 5 ms (loaded machine), bit-equal.
 */
const wasm2x2MaxGrad: Lowering<Pool2DGrad> = {
  name: 'wasm-2x2-max-grad',
  applies: (_ctx, inputs, op) => inputs.every((t) => t.dtype === 'float32') && inputs[0].size > 0 && tiles2x2(op.cfg, inputs[0]),
  when: (ctx) => ctx.hostMemory,
  run: ([x, y, gy]) => {
    const out = maxPool2x2GradWasm(x, y, gy);
    return out && [out];
  },
};

nameGeneric(Pool2DGrad, 'tfjs-routes');
registerLowering(Pool2DGrad, wasm2x2MaxGrad);
registerLowering(Pool2DGrad, hostMaxPoolGrad);
nameGeneric(Pool2DGradGrad, 'strided-slices');
registerLowering(Pool2DGradGrad, hostMaxPoolGradGrad);

export interface Pool2DOptions {
  ws: number | readonly [number, number];
  stride?: number | readonly [number, number] | null;
  pad?: number | readonly [number, number];
  ignoreBorder?: boolean;
  mode?: PoolMode;
}

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** `pool_2d(input, ws, ignore_border, stride, pad, mode)` on NCHW input. */
export function pool2d(input: TensorLike, options: Pool2DOptions): ST {
  const ws = pair(options.ws);
  const cfg: PoolConfig = {
    ws,
    stride: options.stride == null ? ws : pair(options.stride),
    pad: pair(options.pad ?? 0),
    ignoreBorder: options.ignoreBorder ?? true,
    mode: options.mode ?? 'max',
  };
  if (!POOL_MODES.includes(cfg.mode)) throw new OptionsError(`pool2d: invalid mode ${JSON.stringify(cfg.mode)}; expected one of ${POOL_MODES.map((m) => `'${m}'`).join(', ')}.`);
  if ([...cfg.ws, ...cfg.stride].some((v) => !Number.isInteger(v) || v < 1)) throw new ShapeError(`pool2d: window and stride must be positive integers, received ws ${cfg.ws} stride ${cfg.stride}.`);
  if (cfg.pad.some((p, i) => p < 0 || p >= cfg.ws[i])) throw new ShapeError(`pool2d: padding must be smaller than the window (ws ${cfg.ws}), received pad ${cfg.pad}.`);
  if (!cfg.ignoreBorder && cfg.pad.some((p) => p > 0)) throw new ShapeError('pool2d: padding requires ignoreBorder = true (as in Theano).');
  const x = asTensor(input);
  return new Pool2D(cfg).make1(cfg.mode === 'max' ? x : cast(x, 'float32'));
}
