import { OptionsError, ShapeError, dim, intDiv, minimum, neg, slice, sub, add, type Shape, type ST, type Slice } from '@lasagne-ts/core';

/** How an axis is cropped to the smallest input's size: keep the first, the middle or the last entries; null leaves it. */
export type CropMode = 'lower' | 'center' | 'upper' | null;

function check(cropping: readonly CropMode[], ndims: readonly number[], where: string): CropMode[] {
  if (!ndims.every((n) => n === ndims[0])) throw new ShapeError(`${where}: not all inputs have the same number of dimensions (received ${ndims.join(', ')}).`);
  for (const c of cropping) if (c !== null && c !== 'lower' && c !== 'center' && c !== 'upper') throw new OptionsError(`${where}: unknown crop mode ${JSON.stringify(c)}; expected 'lower', 'center', 'upper' or null.`);
  return Array.from({ length: ndims[0] }, (_, i) => cropping[i] ?? null);
}

/**
 * Lasagne's `autocrop_array_shapes`: the input shapes after cropping each cropped axis to the
 * smallest size among the inputs (null when any is unknown).
 */
export function autocropArrayShapes(inputShapes: readonly Shape[], cropping: readonly CropMode[] | null, where = 'autocrop'): Shape[] {
  if (!cropping) return [...inputShapes];
  const modes = check(cropping, inputShapes.map((s) => s.length), where);
  return inputShapes.map((s) =>
    s.map((d, i) => {
      if (modes[i] === null) return d;
      const sizes = inputShapes.map((t) => t[i]);
      return sizes.some((v) => v === null) ? null : Math.min(...(sizes as number[]));
    }),
  );
}

/**
 * Lasagne's `autocrop(inputs, cropping)`: crops each input on the axes whose mode is not null to
 * the smallest size among the inputs, keeping the 'lower' (first), 'center' or 'upper' (last)
 * entries. Static sizes give static slices; unknown ones are cropped at run time.
 */
export function autocrop(inputs: readonly ST[], cropping: readonly CropMode[] | null, where = 'autocrop'): ST[] {
  if (!cropping) return [...inputs];
  const modes = check(cropping, inputs.map((x) => x.ndim), where);
  const slices: Slice[][] = inputs.map(() => []);
  modes.forEach((mode, axis) => {
    const sizes = inputs.map((x) => x.shape[axis]);
    const known = sizes.every((v) => v !== null);
    const min: number | ST = known ? Math.min(...(sizes as number[])) : inputs.map((x) => dim(x, axis)).reduce((a, b) => minimum(a, b));
    inputs.forEach((x, k) => {
      if (mode === null) return slices[k].push(slice());
      if (mode === 'lower') return slices[k].push(slice(0, min));
      if (mode === 'upper') return slices[k].push(typeof min === 'number' ? slice(-min, null) : slice(neg(min), null));
      const len = x.shape[axis];
      const offset: number | ST = typeof min === 'number' && len !== null ? Math.floor((len - min) / 2) : intDiv(sub(dim(x, axis), min), 2);
      slices[k].push(slice(offset, typeof offset === 'number' && typeof min === 'number' ? offset + min : add(offset, min)));
    });
  });
  return inputs.map((x, k) => (modes.every((m) => m === null) ? x : x.at(...slices[k])));
}
