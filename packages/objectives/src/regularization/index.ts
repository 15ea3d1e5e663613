/** Lasagne's `lasagne.regularization`: penalties and helpers to apply them to layers' params. */
export { l1, l2, type Penalty } from './penalties';
export { applyPenalty } from './apply-penalty';
export { regularizeLayerParams, regularizeLayerParamsWeighted, regularizeNetworkParams, type RegularizeOptions } from './regularize';
export { allLayers, allParams, isLayerLike, type LayerLike, type ParamTags } from './layer-like';
