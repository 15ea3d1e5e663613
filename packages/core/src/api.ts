/**
 * Everything core exports in every environment. The entry points add the platform: `index.ts`
 * (Node) and `browser.ts`. Nothing reachable from here may import a Node built-in or read
 * `process` (test/browser-bundle.test.ts bundles `browser.ts` for a browser to check).
 */
import './methods';

export { tf } from './tf';
export type { Tensor } from './tf';
export * from './errors';
export type { DType } from './dtype';
export { upcast } from './dtype';
export type { Shape } from './shape';
export { formatShape, broadcastShapes } from './shape';
export { HostTensor } from './host';
export type { TensorValue, NestedArray, TypedArray } from './host';
export { SymbolicTensor, Apply, InputVariable } from './graph/node';
/** Theano's name for a symbolic tensor. */
export type { SymbolicTensor as Variable } from './graph/node';
export type { ST } from './graph/node';
export type { TensorType } from './graph/node';
export { hostInput, Op, type PerformContext } from './graph/op';
export { Constant, constant } from './graph/constant';
export { SharedVariable, shared, type SharedOptions } from './graph/shared';
export * from './graph/inputs';
export { asTensor, type TensorLike } from './graph/lift';
export { topoSort, roots, dependencyOrder } from './graph/traverse';
export * from './ops';
export { grad, type GradOptions } from './grad';
export { compile, type CompileOptions, type CompiledFunction, type OutputValue, type OutputOf, type OutputsOf } from './compile/function';
export type { CompiledGraph } from './compile/compiled-graph';
export type { ProfileData, NodeProfile } from './compile/profile';
export { debugprint, type DebugprintOptions } from './printing/debugprint';
export type { Printable } from './printing/source';
export { toDot, DOT_COLORS } from './printing/dot';
export { formatProfile, type FormatProfileOptions, type Profiled } from './printing/profile-table';
export { rewrite, mergeRewrite, constantFoldRewrite, stabilizeRewrite, transposeCancelRewrite, fuseConvRewrite, fuseElemwiseRewrite, REWRITES, DEFAULT_REWRITES, type RewriteName, type GraphRewrite } from './compile/rewrites';
export type { Updates } from './compile/updates';
export { RandomStreams, setSeed, getSeed, nextHostRng, mulberry32, SeededRng, deriveSeed, type Rng } from './random';
export { blasStatus, dnnlStatus, setBackend, getBackend, ready, describeBackend, backendNotices, onBackendNotice, BACKEND_ORDER, type BackendName } from './backend';
export { parseOptions } from './options';

import * as ops from './ops';
import { grad } from './grad';
import { compile } from './compile/function';
import { shared } from './graph/shared';
import { constant } from './graph/constant';
import * as inputs from './graph/inputs';
import { RandomStreams } from './random';
/** Theano habits: `T.dot`, `T.nnet.softmax`, `T.grad`, `T.function` ... */
export const T = {
  ...ops,
  ...inputs,
  grad,
  compile,
  function: compile,
  shared,
  constant,
  switch: ops.where,
  nnet: { softmax: ops.softmax, logSoftmax: ops.logSoftmax, sigmoid: ops.sigmoid, relu: ops.relu, softplus: ops.softplus, conv2d: ops.conv2d },
  RandomStreams,
};
export { scan, type ScanOptions, type SequenceInfo, type OutputInfo, type StepResult } from './scan/scan';
export { unroll, type UnrollOptions } from './scan/unroll';
export { ScanOp, type ScanSpec, type ScanRecurrent } from './scan/op';
