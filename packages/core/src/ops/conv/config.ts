import { OptionsError } from '../../errors';
import { tf, type Tensor } from '../../tf';

export type BorderMode = 'valid' | 'full' | 'half' | 'same' | number | readonly [number, number];

/** What distinguishes two convolutions of the same operands (Theano's border mode, subsample, filter flip). */
export interface ConvConfig {
  borderMode: BorderMode;
  subsample: [number, number];
  filterFlip: boolean;
}

export interface Conv2DOptions {
  borderMode?: BorderMode;
  subsample?: number | readonly [number, number];
  filterFlip?: boolean;
  /** Spacing between filter taps (Theano's `filter_dilation`), default 1: an atrous convolution. */
  filterDilation?: number | readonly [number, number];
}

/** Padding per spatial axis for a filter size (Theano: full = k-1, half/same = k//2). */
export function convPads(mode: BorderMode, kh: number, kw: number): [number, number] {
  if (mode === 'valid') return [0, 0];
  if (mode === 'full') return [kh - 1, kw - 1];
  if (mode === 'half' || mode === 'same') return [Math.floor(kh / 2), Math.floor(kw / 2)];
  if (typeof mode === 'number') return [mode, mode];
  return [mode[0], mode[1]];
}

const isPad = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Throws an OptionsError unless `mode` is a border mode Theano knows. */
export function checkBorderMode(mode: unknown, where: string): asserts mode is BorderMode {
  const ok = mode === 'valid' || mode === 'full' || mode === 'half' || mode === 'same' || isPad(mode) || (Array.isArray(mode) && mode.length === 2 && mode.every(isPad));
  if (!ok) throw new OptionsError(`${where}: invalid border mode ${JSON.stringify(mode)}; expected 'valid', 'full', 'half', 'same', a non-negative integer or a pair of them.`);
}

/** Theano's output length of a convolution: (L + 2p - k) // s + 1. */
export function convOutLength(len: number | null, k: number | null, pad: BorderMode, stride: number, axis: 0 | 1): number | null {
  if (len === null || k === null) return null;
  const p = convPads(pad, k, k)[axis];
  return Math.floor((len + 2 * p - k) / stride) + 1;
}

export const asPair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** The shared option handling of conv2d and convTranspose2d. */
export function convConfig(options: Conv2DOptions, where: string): ConvConfig {
  const subsample = asPair(options.subsample ?? 1);
  if (subsample.some((v) => !Number.isInteger(v) || v < 1)) throw new OptionsError(`${where}: subsample must be positive integers, received ${JSON.stringify(options.subsample)}.`);
  const bm = options.borderMode ?? 'valid';
  checkBorderMode(bm, where);
  return { borderMode: Array.isArray(bm) ? [bm[0], bm[1]] : bm, subsample, filterFlip: options.filterFlip ?? true };
}

/** OIHW filters to the HWIO layout of tfjs, flipped for a true convolution. */
export function toHWIO(w: Tensor, flip: boolean): Tensor {
  const t = tf.transpose(w, [2, 3, 1, 0]);
  return flip ? tf.reverse(t, [0, 1]) : t;
}

/** Symmetric spatial padding as tfjs' explicit NHWC padding. */
export function explicit(p: [number, number]): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [p[0], p[0]], [p[1], p[1]], [0, 0]];
}

/** The padding of a convolution with config `c` and OIHW filters `w`. */
export const padsOf = (c: ConvConfig, w: Tensor): [number, number] => convPads(c.borderMode, w.shape[2] as number, w.shape[3] as number);
