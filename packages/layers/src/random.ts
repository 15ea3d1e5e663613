import { mulberry32, nextHostRng } from '@lasagne-ts/core';

/** A uniform generator on [0, 1). */
export type HostRng = () => number;

let custom: HostRng | null = null;

/**
 * Lasagne's `lasagne.random.get_rng()`: the host generator initializers draw from and that seeds
 * each DropoutLayer's / GaussianNoiseLayer's random stream. Unless `setRng` set one, every call
 * returns a fresh stream derived from core's global seed, so after `setSeed(n)` building a
 * network is reproducible (weights and noise streams).
 */
export function getRng(): HostRng {
  return custom ?? nextHostRng();
}

/**
 * Lasagne's `set_rng`: a generator (a function returning uniforms on [0, 1)), a seed for one, or
 * null to go back to core's global seed.
 */
export function setRng(rng: HostRng | number | null): void {
  custom = typeof rng === 'number' ? mulberry32(rng) : rng;
}

/** A seed for a layer's RandomStreams, drawn from `getRng()` (Lasagne: `get_rng().randint(1, 2147462579)`). */
export function drawStreamSeed(): number {
  return 1 + Math.floor(getRng()() * 2147462578);
}
