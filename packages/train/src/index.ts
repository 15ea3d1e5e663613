/**
 * @lasagne-ts/train: a generic training loop (`train`, Lasagne mnist.py's loop with validation,
 * checkpoints, resume, interruption and callbacks), minibatch iteration, the checkpoint file and
 * mnist.py's printed lines. It reads no data set itself: MNIST loading lives in
 * `@lasagne-ts/examples`. See README.md.
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
export {
  CHECKPOINT_FILE,
  CheckpointError,
  checkpointPath,
  encodeCheckpoint,
  decodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointArray,
  type CheckpointFile,
} from './checkpoint';
export { iterateMinibatches, batchCount, shuffleInPlace, type BatchInputs, type Minibatch } from './minibatches';
export { pyFixed, formatEpochLines, formatFinalLines, formatDuration, type EpochNumbers } from './format';
