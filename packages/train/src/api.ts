/**
 * Everything @lasagne-ts/train exports in every environment (browsers included); `index.ts` (Node)
 * adds checkpoint and parameter files. Nothing reachable from here may import a Node built-in.
 */
export {
  train,
  TrainOptionsError,
  ParamsFileError,
  ParamsSaveError,
  ResumeMismatchError,
  DivergenceError,
  type ResumeSetting,
  type NetworkBuilder,
  type TrainOptions,
  type TrainResult,
  type TrainData,
  type DataSplit,
  type EpochRecord,
  type BatchInfo,
  type TestResult,
  type StartInfo,
  type CheckpointOptions,
  type TrainCheckpointMeta,
} from './train';
export { CheckpointError } from './checkpoint-error';
export type { CheckpointArray, CheckpointFile } from './checkpoint';
export { iterateMinibatches, batchCount, shuffleInPlace, type BatchInputs, type Minibatch } from './minibatches';
export { pyFixed, formatEpochLines, formatFinalLines, formatDuration, type EpochNumbers } from './format';
