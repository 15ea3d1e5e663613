import { OptionsError, ShapeError, Slice, formatShape, sliceIndices, slice as sliceOf, type Shape, type ST } from '@lasagne-ts/core';
import { z } from 'zod';
import { Layer, layerLabel, type GetOutputOptions, type Incoming } from './base';
import { layerBase, parseLayerOptions, rawName } from './options';

export interface SliceLayerOptions {
  /** An index (drops the axis) or a `slice(start, stop, step)` (keeps it). */
  indices: number | Slice;
  /** The axis (default −1, the last). */
  axis?: number;
  name?: string;
}
const Schema = z.strictObject({
  ...layerBase,
  indices: z.union([z.number().int(), z.instanceof(Slice)]),
  axis: z.number().int().optional(),
});

/**
 * Lasagne's `SliceLayer`: indexes or slices the input along one axis; an int index drops the
 * axis, a slice keeps it (bounds as in Python, negative from the end).
 *
 * @example
 * new SliceLayer([null, 10, 20], { indices: 3, axis: 1 }).outputShape; // [null, 20]
 * // with core's slice(2, -2, 3) as indices, axis 2 keeps 6 of the 20 entries: [null, 10, 6]
 */
export class SliceLayer extends Layer {
  readonly slice: number | Slice;
  readonly axis: number;
  constructor(incoming: Incoming, options: SliceLayerOptions) {
    const o = parseLayerOptions(Schema, options, 'SliceLayer', rawName(options));
    super(incoming, { name: o.name });
    const rank = this.inputShape.length;
    const axis = o.axis ?? -1;
    if (axis < -rank || axis >= rank) throw new ShapeError(`${layerLabel(this)}: axis ${axis} is out of range for input shape ${formatShape(this.inputShape)}.`);
    const s = o.indices;
    if (s instanceof Slice && [s.start, s.stop].some((v) => v !== null && typeof v !== 'number')) {
      throw new OptionsError(`${layerLabel(this)}: slice bounds must be numbers (the output shape is computed from them).`);
    }
    this.slice = s;
    this.axis = axis;
    this.getOutputShapeFor(this.inputShape); // checks an int index against a known size
  }
  override getOutputShapeFor(inputShape: Shape): Shape {
    const out = [...inputShape];
    const axis = this.axis < 0 ? this.axis + inputShape.length : this.axis;
    const len = inputShape[axis];
    if (typeof this.slice === 'number') {
      if (len !== null && (this.slice >= len || this.slice < -len)) throw new ShapeError(`${layerLabel(this)}: index ${this.slice} is out of range for axis ${this.axis} of input shape ${formatShape(inputShape)}.`);
      out.splice(axis, 1);
    } else {
      const s = this.slice;
      out[axis] = len === null ? null : sliceIndices(s.start as number | null, s.stop as number | null, s.step ?? 1, len).count;
    }
    return out;
  }
  getOutputFor(input: ST, _opts?: GetOutputOptions): ST {
    void _opts;
    const axis = this.axis < 0 ? this.axis + input.ndim : this.axis;
    return input.at(...Array.from({ length: axis }, () => sliceOf()), this.slice);
  }
}
