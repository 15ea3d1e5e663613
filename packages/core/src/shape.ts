import { ShapeError } from './errors';

/** A static shape: a number where the size is known when the graph is built, null where not. */
export type Shape = readonly (number | null)[];

export function formatShape(s: Shape): string {
  return `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')}${s.length === 1 ? ',' : ''})`;
}

/**
 * NumPy broadcasting of static shapes, checked when the expression is built. As in Theano, a
 * dimension broadcasts only when it is statically 1; two unknown sizes must match at run time.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): (number | null)[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: (number | null)[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: number | null = 1;
    let sawUnknown = false;
    for (const s of shapes) {
      const d = s[i - (rank - s.length)];
      if (d === undefined || d === 1) continue;
      if (d === null) {
        sawUnknown = true;
        continue;
      }
      if (dim !== 1 && dim !== d) {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(formatShape).join(' and ')} cannot be broadcast together ` +
            `(axis ${i} of the result: ${dim} vs ${d}). Reshape or dimshuffle one operand so the sizes match or one is 1.`,
        );
      }
      dim = d;
    }
    out.push(sawUnknown && dim === 1 ? null : dim);
  }
  return out;
}

/** Number of elements, or null when some dimension is unknown. */
export function staticSize(s: Shape): number | null {
  let n = 1;
  for (const d of s) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/** Whether a run-time shape fits a static one: same rank, and every known size equal. */
export function fitsStatic(shape: readonly number[], declared: Shape): boolean {
  return shape.length === declared.length && declared.every((d, i) => d === null || d === shape[i]);
}

export function isFullyKnown(s: Shape): s is number[] {
  return s.every((d) => d !== null);
}

/** Normalises a possibly negative axis against a rank; throws a ShapeError naming `where`. */
export function normAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new ShapeError(`${where}: axis ${axis} is out of range for a tensor of rank ${rank}.`);
  }
  return a;
}

export function normAxes(axis: number | readonly number[] | null | undefined, rank: number, where: string): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normAxis(a, rank, where));
  if (new Set(out).size !== out.length) throw new ShapeError(`${where}: repeated axis in ${JSON.stringify(axis)}.`);
  return out.sort((a, b) => a - b);
}
