/**
 * The ops' public names: the builders users call (`add`, `sum`, `conv2d`), the op classes (for
 * `instanceof` in a custom rewrite or gradient) and their option types. A module whose exports are
 * all public is re-exported whole; the others list their public names, and what they leave out
 * is shared among the op modules only (they import it from its file): elemwise's `logRaw` (the
 * log without stabilisation: `log` is the public one) and `sameElemwise`, broadcast's
 * `sumToShape`, advanced's `wrapIndices`, linalg's `nativeOperands` and `dnnlGemmUsable` (its native lowerings' predicates), reshape's `reshapeLike`, pool's `poolOutLength`, stabilize's `tryStabilizeLog`,
 * conv's geometry and kernel helpers (`convConfig`, `convPads`, `convOutLength`,
 * `checkBorderMode`, `dilateFilters`, `convInputGrad`).
 */
export * from './cast';
export {
  Elemwise, isElemwise, ReluGrad, Switch,
  add, sub, mul, div, pow, maximum, minimum, intDiv, mod,
  eq, neq, lt, le, gt, ge, and, or, not,
  neg, abs, sign, square, exp, log1p, sqrt, sigmoid, tanh, relu, softplus,
  where, switch_, clip,
} from './elemwise';
export * from './reduce';
export { BroadcastLike, broadcastLike } from './broadcast';
export * from './dimshuffle';
export { Reshape, ReshapeDyn, ReshapeLike, Flatten, flatten, reshape } from './reshape';
export * from './join';
export * from './shapeof';
export * from './slicing';
export { Take, TakeGrad, AdvancedIndex, AdvancedIndexGrad, take, getItem, Arange, arange, OneHot, oneHot } from './advanced';
export { MatMul, matmul, dot, BatchedDot, batchedDot } from './linalg';
export * from './nnet';
export * from './softmax-crossentropy';
export { MatMulBias, matMulBias } from './dense';
// './conv/index', not './conv': a stale dist/ops/conv.js from before the folder would win.
export {
  Conv2D, Conv2DGradInput, Conv2DGradWeight, Conv2DBiasRelu, ConvTranspose2D, conv2d, convTranspose2d,
  type BorderMode, type ConvConfig, type Conv2DOptions, type ConvTranspose2DOptions,
} from './conv/index';
export { Pool2D, Pool2DGrad, Pool2DGradGrad, pool2d, type PoolMode, type PoolConfig, type Pool2DOptions } from './pool';
export * from './expm1';
export { log } from './stabilize';
export * from './grad-clip';
export * from './pad';
export * from './dilate';
