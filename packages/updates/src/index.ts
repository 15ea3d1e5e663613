/**
 * @lasagne-ts/updates: Lasagne's update rules. Each takes a scalar loss (or one gradient per
 * parameter), the parameters (shared variables) and its options, and returns an ordered
 * `Map<SharedVariable, Expression>` (its own state variables included) for `compile`.
 */
export type { UpdateMap, LossOrGrads } from './types';
export type { Hyper } from './hyper';
export { getOrComputeGrads } from './grads';
export { sgd, type SgdOptions } from './sgd';
export { applyMomentum, type MomentumOptions, type UpdatesLike } from './apply-momentum';
export { momentum, type SgdMomentumOptions } from './momentum';
export { applyNesterovMomentum } from './apply-nesterov-momentum';
export { nesterovMomentum } from './nesterov-momentum';
export { adagrad, type AdagradOptions } from './adagrad';
export { rmsprop, type RmspropOptions } from './rmsprop';
export { adadelta, type AdadeltaOptions } from './adadelta';
export { adam, type AdamOptions } from './adam';
export { adamax } from './adamax';
export { amsgrad } from './amsgrad';
export { normConstraint, defaultNormAxes, type NormConstraintOptions } from './norm-constraint';
export { totalNormConstraint, type TotalNormConstraintOptions } from './total-norm-constraint';
