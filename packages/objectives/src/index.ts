/**
 * @lasagne-ts/objectives: Lasagne's `lasagne.objectives` (element- or item-wise losses,
 * `aggregate`, accuracies) and `lasagne.regularization`, as pure functions over symbolic
 * expressions.
 */
export { alignTargets } from './align-targets';
export { binaryCrossentropy } from './binary-crossentropy';
export { categoricalCrossentropy } from './categorical-crossentropy';
export { squaredError } from './squared-error';
export { binaryHingeLoss, type BinaryHingeLossOptions } from './binary-hinge-loss';
export { multiclassHingeLoss, type MulticlassHingeLossOptions } from './multiclass-hinge-loss';
export { huberLoss, type HuberLossOptions } from './huber-loss';
export { binaryAccuracy, type BinaryAccuracyOptions } from './binary-accuracy';
export { categoricalAccuracy, type CategoricalAccuracyOptions } from './categorical-accuracy';
export { aggregate, type AggregateMode, type AggregateOptions } from './aggregate';

export * from './regularization';
import * as regularization from './regularization';
/** `lasagne.regularization` as one namespace: `regularization.l2`, `regularization.regularizeNetworkParams`, ... */
export { regularization };
