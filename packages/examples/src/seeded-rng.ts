import type { Rng } from './data';

/**
 * The data layer's `mulberry32` with its state exposed, so a checkpoint can save where the
 * shuffle stream stands and a resumed run can continue it exactly. `next` yields the same
 * sequence as `mulberry32(seed)`.
 */
export class SeededRng {
  private a: number;
  constructor(seed: number) {
    this.a = seed | 0;
  }
  /** The next float in [0, 1) (bound: pass `rng.next` wherever an `Rng` is expected). */
  readonly next: Rng = () => {
    this.a = (this.a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.a ^ (this.a >>> 15), 1 | this.a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** The whole state: one 32-bit integer. */
  get state(): number {
    return this.a;
  }
  set state(s: number) {
    this.a = s | 0;
  }
}

/** A 32-bit seed for a named purpose derived from a master seed (so streams do not coincide). */
export function deriveSeed(seed: number, purpose: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) {
    h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
