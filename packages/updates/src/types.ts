import type { SharedVariable, SymbolicTensor } from '@lasagne-ts/core';

/**
 * What every update rule returns (Lasagne's OrderedDict): each shared variable mapped to the
 * expression of its new value, in Lasagne's insertion order. Pass it to
 * `compile(inputs, outputs, { updates })` as is.
 */
export type UpdateMap = Map<SharedVariable, SymbolicTensor>;

/** A scalar loss expression, or one gradient expression per parameter (Lasagne's `loss_or_grads`). */
export type LossOrGrads = SymbolicTensor | readonly SymbolicTensor[];
