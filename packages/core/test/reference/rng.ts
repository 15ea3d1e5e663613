/**
 * Seeded random numbers for building test inputs.
 * Values from randn/randu are rounded to float32 (Math.fround) so that a float32
 * library and the float64 reference see exactly the same inputs.
 */
import { NDArray, sizeOf } from './ndarray';

/** A uniform generator on [0, 1). */
export type Rng = () => number;

/** mulberry32: small, fast, deterministic for a given 32-bit seed. */
export function rng(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller), times `std` (default 1), float32-representable. */
export function randn(r: Rng, shape: readonly number[], std = 1): NDArray {
  const n = sizeOf(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - r(); // (0, 1]: log is finite
    const u2 = r();
    const rad = Math.sqrt(-2 * Math.log(u1));
    data[i] = Math.fround(std * rad * Math.cos(2 * Math.PI * u2));
    if (i + 1 < n) data[i + 1] = Math.fround(std * rad * Math.sin(2 * Math.PI * u2));
  }
  return { data, shape: [...shape] };
}

/** Uniform samples on [lo, hi) (default [0, 1)), float32-representable. */
export function randu(r: Rng, shape: readonly number[], lo = 0, hi = 1): NDArray {
  const n = sizeOf(shape);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.fround(lo + (hi - lo) * r());
  return { data, shape: [...shape] };
}
