import { ShapeError } from '../../errors';
import { formatShape } from '../../shape';
import type { Tensor } from '../../tf';
import { Constant } from '../../graph/constant';
import { asTensor, type TensorLike } from '../../graph/lift';
import type { ST, TensorType } from '../../graph/node';
import { hostInput, Op, type PerformContext } from '../../graph/op';
import { nameGeneric, registerLowering } from '../../lowering/registry';
import { cast } from '../cast';
import { convConfig, convOutLength, convPads, type ConvConfig, type Conv2DOptions } from './config';
import { Conv2D, Conv2DGradWeight, convInputGrad } from './conv2d';
import { wasmStride1ForwardConv } from './lowerings';

/** Lasagne's `conv_input_length`: the input length a convolution maps to `len`, (len − 1)·s − 2p + k. */
function inputLength(len: number, k: number, stride: number, pad: number): number {
  return (len - 1) * stride - 2 * pad + k;
}

/**
 * The transposed convolution (Theano's `conv2d_grad_wrt_inputs`, a "deconvolution"): the
 * gradient of `conv2d(y, W, cfg)` with respect to y, applied to x. x is (N, O, h, w), the
 * filters W are (O, C, kh, kw) as for the forward convolution, the output (N, C, H, W) with
 * H = (h − 1)·stride − 2·pad + kh unless `outputSize` says otherwise (with stride > 1 several
 * sizes map to the same h). With `outputSize` 'given' the sizes are the op's third and fourth
 * inputs (int32 scalars, possibly symbolic).
 */
export class ConvTranspose2D extends Op {
  readonly name = 'ConvTranspose2D';
  static override readonly props = ['cfg', 'outputSize'] as const;
  /** Given output sizes are read on the host. */
  override readonly hostInputs: readonly number[];
  constructor(readonly cfg: ConvConfig, readonly outputSize: readonly [number, number] | 'given' | null) {
    super();
    this.hostInputs = outputSize === 'given' ? [2, 3] : [];
  }
  private outSize(h: number | null, w: number | null, kh: number | null, kw: number | null, given?: (number | null)[]): [number | null, number | null] {
    if (this.outputSize === 'given') return [given?.[0] ?? null, given?.[1] ?? null];
    if (this.outputSize) return [this.outputSize[0], this.outputSize[1]];
    if (kh === null || kw === null) return [null, null];
    const p = convPads(this.cfg.borderMode, kh, kw);
    return [h === null ? null : inputLength(h, kh, this.cfg.subsample[0], p[0]), w === null ? null : inputLength(w, kw, this.cfg.subsample[1], p[1])];
  }
  override inferTypes([x, w, ...sizes]: readonly ST[]): TensorType[] {
    const where = `convTranspose2d of ${x.describe()} with filters ${w.describe()}`;
    if (x.ndim !== 4 || w.ndim !== 4) throw new ShapeError(`${where}: expected a 4-d input (N, O, h, w) and 4-d filters (O, C, kh, kw).`);
    if (x.shape[1] !== null && w.shape[0] !== null && x.shape[1] !== w.shape[0]) {
      throw new ShapeError(`${where}: the input has ${x.shape[1]} channels but the filters map ${w.shape[0]} channels back.`);
    }
    const known = sizes.map((v) => (v instanceof Constant ? (v.scalarValue() ?? null) : null));
    const [oh, ow] = this.outSize(x.shape[2], x.shape[3], w.shape[2], w.shape[3], known);
    if ((oh !== null && oh <= 0) || (ow !== null && ow <= 0)) throw new ShapeError(`${where}: the output would be empty (${oh}x${ow}).`);
    // The forward convolution of the output must give back the input's size.
    [[oh, x.shape[2], w.shape[2]], [ow, x.shape[3], w.shape[3]]].forEach(([o, i, k], a) => {
      const back = convOutLength(o, k, this.cfg.borderMode, this.cfg.subsample[a], a as 0 | 1);
      if (back !== null && i !== null && back !== i) {
        throw new ShapeError(`${where}: output size ${o} on axis ${a + 2} does not convolve back to the input's ${i} (it gives ${back}); sizes from ${(i - 1) * this.cfg.subsample[a] - 2 * convPads(this.cfg.borderMode, k as number, k as number)[0] + (k as number)} up to that + ${this.cfg.subsample[a] - 1} do.`);
      }
    });
    return [{ dtype: 'float32', shape: [x.shape[0], w.shape[1], oh, ow] }];
  }
  /** The output's shape (N, C, H, W) for these operands (given sizes from `ctx.host`), checked to convolve back to the input's size. */
  outputShape([x, w]: readonly Tensor[], ctx: PerformContext): number[] {
    const [n, , h, wd] = x.shape as number[];
    const given = this.hostInputs.map((i) => hostInput(ctx, i, this.name).data[0]);
    const [oh, ow] = this.outSize(h, wd, w.shape[2] as number, w.shape[3] as number, given) as [number, number];
    const back = [convOutLength(oh, w.shape[2] as number, this.cfg.borderMode, this.cfg.subsample[0], 0), convOutLength(ow, w.shape[3] as number, this.cfg.borderMode, this.cfg.subsample[1], 1)];
    if (back[0] !== h || back[1] !== wd) {
      throw new ShapeError(`convTranspose2d: output size ${formatShape([oh, ow])} does not convolve back to the input's ${formatShape([h, wd])} (it gives ${formatShape(back)}).`);
    }
    return [n, w.shape[1] as number, oh, ow];
  }
  override perform(inputs: Tensor[], ctx: PerformContext): Tensor[] {
    return [convInputGrad(inputs[0], inputs[1], this.outputShape(inputs, ctx), this.cfg)];
  }
  override grad([x, w, ...sizes]: readonly ST[], _o: readonly ST[], [g]: readonly (ST | null)[]): (ST | null)[] {
    return [new Conv2D(this.cfg).make1(g!, w), new Conv2DGradWeight(this.cfg).make1(g!, x, w), ...sizes.map(() => null)];
  }
}

export interface ConvTranspose2DOptions extends Omit<Conv2DOptions, 'filterDilation'> {
  /** The output's spatial size (rows, cols), numbers or symbolic int scalars; default the smallest, (h − 1)·stride − 2·pad + k. */
  outputSize?: readonly [number | ST, number | ST] | null;
}

/**
 * `T.nnet.abstract_conv.conv2d_grad_wrt_inputs(x, filters, ...)`: the transposed convolution of
 * x (N, O, h, w) with filters (O, C, kh, kw); `borderMode`, `subsample` and `filterFlip` are those
 * of the forward convolution it transposes.
 */
export function convTranspose2d(input: TensorLike, filters: TensorLike, options: ConvTranspose2DOptions = {}): ST {
  const cfg = convConfig(options, 'convTranspose2d');
  const size = options.outputSize ?? null;
  const x = cast(asTensor(input), 'float32');
  const w = cast(asTensor(filters), 'float32');
  if (size && size.some((v) => typeof v === 'number' && (!Number.isInteger(v) || v < 1))) throw new ShapeError(`convTranspose2d: outputSize must be positive integers, received ${JSON.stringify(size)}.`);
  if (size && size.some((v) => typeof v !== 'number')) {
    const scalars = size.map((v) => {
      const t = asTensor(v);
      if (t.ndim !== 0 || t.dtype === 'float32') throw new ShapeError(`convTranspose2d: a symbolic outputSize entry must be an int scalar, received ${t.describe()}.`);
      return cast(t, 'int32');
    });
    return new ConvTranspose2D(cfg, 'given').make1(x, w, ...scalars);
  }
  return new ConvTranspose2D(cfg, size ? [size[0] as number, size[1] as number] : null).make1(x, w);
}

nameGeneric(ConvTranspose2D, 'tfjs-backprop-input');
registerLowering(ConvTranspose2D, wasmStride1ForwardConv<ConvTranspose2D>((inputs, op, ctx) => ({ gy: inputs[0], w: inputs[1], xShape: op.outputShape(inputs, ctx) })));
