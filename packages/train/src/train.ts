import {
  argmax,
  compile,
  eq,
  InputVariable,
  ivector,
  mean,
  deriveSeed,
  roots,
  SeededRng,
  setSeed,
  SharedVariable,
  tensor,
  type CompiledFunction,
  type SymbolicTensor,
  type Updates,
} from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { categoricalCrossentropy } from '@lasagne-ts/objectives';
import { nesterovMomentum } from '@lasagne-ts/updates';
import type { CheckpointArray, CheckpointFile } from './checkpoint';
import { CheckpointError } from './checkpoint-error';
import { trainFiles, type TrainFiles } from './files';
import { formatEpochLines, formatFinalLines, type EpochNumbers } from './format';
import { batchCount, iterateMinibatches, type BatchInputs } from './minibatches';

/** A function building a network on an input variable (a fresh one when none is given). */
export type NetworkBuilder = (inputVar?: SymbolicTensor) => L.Layer;

/** One split of a data set: `count` items of `shape` packed in `images`, with int labels. */
export interface DataSplit extends BatchInputs {
  labels: Int32Array;
}

/** What `train` trains on (`loadMnist()`'s result fits). `test` is optional. */
export interface TrainData {
  train: DataSplit;
  val: DataSplit;
  test?: DataSplit;
}

/** One epoch's results: mnist.py's printed numbers plus the training-batch accuracy. */
export interface EpochRecord extends EpochNumbers {
  /** Mean accuracy of the (dropout-noisy) predictions on the training batches, in [0, 1]. */
  trainAccuracy: number;
  trainBatches: number;
  valBatches: number;
}

export interface BatchInfo {
  /** 1-based epoch. */
  epoch: number;
  epochs: number;
  /** Batches of this epoch done so far (1-based count, including ones done before a resume). */
  batch: number;
  batches: number;
  /** Batches done by this process in this epoch (differs from `batch` right after a resume). */
  batchesThisRun: number;
  /** This batch's loss. */
  loss: number;
  /** Mean loss over the epoch's batches so far. */
  runningLoss: number;
}

export interface TestResult {
  loss: number;
  /** In [0, 1]. */
  accuracy: number;
  batches: number;
}

export interface CheckpointOptions {
  /** Directory holding the checkpoint file (created when missing). */
  dir: string;
  /**
   * Continue from the checkpoint in `dir` when there is one (default false). Without `resume` or
   * `overwrite`, an existing checkpoint is an error: it is never replaced by accident.
   */
  resume?: boolean;
  /** Start over, replacing the checkpoint in `dir` when there is one (default false). */
  overwrite?: boolean;
  /** Also write one at the end of every epoch (default true); it is always written on interruption. */
  everyEpoch?: boolean;
}

/** Where training starts: fresh, or resumed from a checkpoint at `epoch` (0-based) after `batch` batches. */
export interface StartInfo {
  resumed: boolean;
  epoch: number;
  batch: number;
  history: readonly EpochRecord[];
  seed: number;
  /** The settings in effect (a resumed run's come from its checkpoint). */
  batchSize: number;
  learningRate: number;
  momentum: number;
  file?: string;
}

export interface TrainOptions {
  /**
   * A builder (called after seeding on a fresh float32 input variable `inputs` with one dimension
   * more than a data item, e.g. a `tensor4` for images [1, 28, 28]) or an already built network.
   */
  network: L.Layer | NetworkBuilder;
  data: TrainData;
  /** Default 500. */
  epochs?: number;
  /**
   * Default 500. When resuming, `batchSize`, `learningRate`, `momentum` and `seed` left out take
   * the checkpoint's values; given with a different value they are a `ResumeMismatchError`.
   */
  batchSize?: number;
  /** Nesterov momentum learning rate (default 0.01). */
  learningRate?: number;
  /** Default 0.9. */
  momentum?: number;
  /**
   * Seeds everything: core's `setSeed(seed)` before building (weight init), the dropout random
   * streams and the shuffling. Default: a random seed (reported in the result).
   */
  seed?: number;
  /** Shuffle the training set every epoch (default true, as mnist.py). */
  shuffle?: boolean;
  /** Replaces Nesterov momentum: returns the updates for `loss` and `params` (state variables included). */
  updateRule?: (loss: SymbolicTensor, params: SharedVariable[]) => Updates;
  /** Lasagne-format `.npz` file to load the parameters from before training (`L.loadParams`). */
  loadParams?: string;
  /** Where to save the parameters (`L.saveParams`, Lasagne-compatible `.npz`) once training completes. */
  saveParams?: string;
  /** Checkpointing (a directory, or options). */
  checkpoint?: string | CheckpointOptions;
  /** Extra JSON facts stored in checkpoints; resuming fails when a stored one differs (e.g. `{ model: 'cnn' }`). */
  checkpointMeta?: Record<string, string | number | boolean | null>;
  /** Interrupts training at the end of the current batch (writing a checkpoint when configured). */
  signal?: AbortSignal;
  /** mnist.py's printed lines, one call per line (default: none). */
  log?: (line: string) => void;
  /** Other one-line notices: resuming, checkpoints written (default: none). */
  notice?: (line: string) => void;
  onStart?: (info: StartInfo) => void;
  /** Record a profile of the training function (`compile`'s `profile`; print it with `formatProfile(result.trainFn)`). */
  profile?: boolean;
  /** The training and validation functions were compiled (before anything is trained; e.g. to draw them with `renderGraph`). */
  onCompiled?: (fns: { trainFn: CompiledFunction<number[]>; valFn: CompiledFunction<number[]> }) => void | Promise<void>;
  /** An epoch's training batches begin (`batch` of them already done when resuming inside it). */
  onEpochStart?: (info: { epoch: number; epochs: number; batch: number; batches: number }) => void;
  onBatch?: (info: BatchInfo) => void;
  onEpoch?: (record: EpochRecord) => void | Promise<void>;
  onTest?: (result: TestResult) => void;
}

export interface TrainResult {
  network: L.Layer;
  inputVar: SymbolicTensor;
  targetVar: SymbolicTensor;
  /** Every epoch's record, those before a resume included. */
  history: EpochRecord[];
  /** The final test pass (absent when there is no test set or training was interrupted). */
  test?: TestResult;
  /** True when stopped by `signal` before finishing. */
  interrupted: boolean;
  /** Epochs fully done. */
  epochsDone: number;
  /** The last checkpoint written, if any. */
  checkpointFile?: string;
  /** Where `saveParams` wrote the parameters (`.npz` is appended when missing, as NumPy does). */
  savedParams?: string;
  seed: number;
  /** `(inputs, targets) => [loss, accuracy]` with parameter updates. */
  trainFn: CompiledFunction<number[]>;
  /** `(inputs, targets) => [loss, accuracy]`, deterministic, no updates. */
  valFn: CompiledFunction<number[]>;
}

/** The checkpoint's JSON part. */
export interface TrainCheckpointMeta {
  kind: 'mnist-train';
  seed: number;
  /** 0-based epoch to run next. */
  epoch: number;
  /** Batches of that epoch already done (0: none). */
  batch: number;
  /** Sums over those batches (mnist.py's `train_err`) and the epoch's seconds so far. */
  trainErr: number;
  trainAcc: number;
  seconds: number;
  /** Shuffle generator state at the start of epoch `epoch`. */
  shuffleState: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  trainCount: number;
  history: EpochRecord[];
  extra: Record<string, string | number | boolean | null>;
  savedAt: string;
}

/** Options that cannot work (bad values, batches larger than a data split); one-line message. */
export class TrainOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainOptionsError';
  }
}
/** A parameter file (`loadParams`) that cannot be read or does not fit the network. */
export class ParamsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamsFileError';
  }
}
/** `saveParams` could not be written after training; `savedTo` is where the parameters went instead (if anywhere). */
export class ParamsSaveError extends Error {
  constructor(message: string, readonly savedTo?: string) {
    super(message);
    this.name = 'ParamsSaveError';
  }
}
/** The settings a resumed run takes from its checkpoint. */
export type ResumeSetting = 'seed' | 'learningRate' | 'momentum' | 'batchSize';
/**
 * Resuming with a setting different from the checkpoint's: a resumed run continues exactly, so
 * it keeps the checkpoint's seed, learning rate, momentum and batch size (a `TrainOptionsError`).
 */
export class ResumeMismatchError extends TrainOptionsError {
  constructor(message: string, readonly setting: ResumeSetting | string, readonly stored: unknown, readonly given: unknown) {
    super(message);
    this.name = 'ResumeMismatchError';
  }
}
/**
 * Training diverged: the loss or a parameter became NaN or infinite. Nothing non-finite was saved:
 * the last checkpoint (if any) is the one from before.
 */
export class DivergenceError extends Error {
  constructor(message: string, readonly epoch: number, readonly batch: number, readonly checkpointFile?: string) {
    super(message);
    this.name = 'DivergenceError';
  }
}
const TrainSchemaError = (msg: string) => new TrainOptionsError(`train: ${msg}`);

function check(options: TrainOptions): void {
  const posInt = (v: unknown, name: string) => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1)) throw TrainSchemaError(`${name} must be a positive integer, got ${String(v)}.`);
  };
  posInt(options.epochs, 'epochs');
  posInt(options.batchSize, 'batchSize');
  for (const k of ['learningRate', 'momentum'] as const) {
    const v = options[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw TrainSchemaError(`${k} must be a finite non-negative number, got ${String(v)}.`);
  }
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32)) {
    throw TrainSchemaError(`seed must be an integer in [0, 2^32), got ${String(options.seed)}.`);
  }
  if (!options.data || !options.data.train || !options.data.val) throw TrainSchemaError('data must have train and val splits.');
}

/** Lets timers, signal handlers and (in a browser) painting run between batches. */
const nextTick = () => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

function batchShape(split: DataSplit, n: number): number[] {
  return [n, ...split.shape];
}

/** The one input variable a built network reads. */
function findInputVar(output: SymbolicTensor): SymbolicTensor {
  const inputs = roots([output]).filter((r) => r instanceof InputVariable);
  if (inputs.length !== 1) {
    throw new TrainOptionsError(`train: the network must read exactly one input variable, found ${inputs.length}; pass a builder instead.`);
  }
  return inputs[0];
}

/** Every shared variable the training step reads or writes, grouped for checkpoints. */
function stateVariables(params: SharedVariable[], updates: [SharedVariable, unknown][], graph: SymbolicTensor[]): { group: string; v: SharedVariable }[] {
  const out: { group: string; v: SharedVariable }[] = [];
  const seen = new Set<SharedVariable>();
  const add = (group: string, v: SharedVariable) => {
    if (seen.has(v)) return;
    seen.add(v);
    out.push({ group, v });
  };
  params.forEach((p) => add('param', p));
  const reached = roots(graph).filter((r): r is SharedVariable => r instanceof SharedVariable);
  for (const [v] of updates) add('optimizer', v);
  for (const v of reached) if (v.defaultUpdate) add('rng', v);
  for (const v of reached) add('other', v);
  return out;
}

async function toArray(group: string, index: number, v: SharedVariable): Promise<CheckpointArray> {
  const h = await v.read();
  const dtype = v.dtype === 'int32' ? 'int32' : 'float32';
  if (v.dtype !== 'int32' && v.dtype !== 'float32') throw new CheckpointError(`cannot checkpoint ${v.name ?? 'a shared variable'} of dtype ${v.dtype}.`);
  const data = dtype === 'int32' ? Int32Array.from(h.data) : Float32Array.from(h.data);
  return { group, name: `${group}${index}:${v.name ?? ''}`, dtype, shape: [...h.shape], data };
}

function describeShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** The first non-finite value among the arrays, as `param3:W` (or undefined when all are finite). */
function firstNonFinite(arrays: readonly CheckpointArray[]): string | undefined {
  for (const a of arrays) {
    if (a.dtype !== 'float32') continue;
    for (let i = 0; i < a.data.length; i++) if (!Number.isFinite(a.data[i])) return a.name;
  }
  return undefined;
}

/** The checkpoint's settings, or the option, or the default; a given option that differs from the checkpoint's is an error. */
function resolveSetting(setting: ResumeSetting, given: number | undefined, stored: number | undefined, fallback: number): number {
  if (stored === undefined) return given ?? fallback;
  if (given !== undefined && given !== stored) {
    throw new ResumeMismatchError(`train: the checkpoint was made with ${setting} ${stored}, but ${setting} ${given} was given; leave ${setting} out to continue with ${stored}, or start over (checkpoint.overwrite) to use ${given}.`, setting, stored, given);
  }
  return stored;
}

/**
 * Lasagne mnist.py's training: builds (when given a builder) and compiles the network with
 * categorical cross-entropy and Nesterov momentum, then for each epoch trains on shuffled
 * minibatches, evaluates the validation set (deterministic pass) and reports mnist.py's lines;
 * finally evaluates the test set. Adds checkpoint/resume, interruption and callbacks.
 *
 * Reliability: output locations (`checkpoint`, `saveParams`) are checked before anything is built;
 * an existing checkpoint is never replaced unless `resume` or `overwrite` is set; a non-finite
 * loss or parameter stops training with a `DivergenceError` and is never written to a checkpoint;
 * `signal` is honoured between batches, in the validation and test passes too; a failed final
 * save keeps the parameters elsewhere (`ParamsSaveError` says where).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  check(options);
  const shuffle = options.shuffle ?? true;
  const { data } = options;
  const log = options.log ?? (() => {});
  const notice = options.notice ?? (() => {});
  const ckptOpts: CheckpointOptions | undefined = typeof options.checkpoint === 'string' ? { dir: options.checkpoint } : options.checkpoint;
  const extra = options.checkpointMeta ?? {};

  const fileOptions = (['checkpoint', 'loadParams', 'saveParams'] as const).filter((k) => options[k] !== undefined);
  const files = trainFiles();
  if (fileOptions.length && !files) {
    throw TrainSchemaError(`${fileOptions.join(', ')} need${fileOptions.length > 1 ? '' : 's'} files, which only Node has; in a browser save and load parameters as bytes (L.encodeParams, L.loadParamsFromBytes).`);
  }
  const fs = files as TrainFiles;
  // Output locations first, so that no training is lost to a bad path at the end.
  if (ckptOpts) {
    const problem = fs.directoryProblem(ckptOpts.dir);
    if (problem) throw new CheckpointError(`checkpoint directory ${ckptOpts.dir}: ${problem}`, ckptOpts.dir);
    if (ckptOpts.resume && ckptOpts.overwrite) throw TrainSchemaError('checkpoint.resume and checkpoint.overwrite exclude each other.');
    const file = fs.checkpointPath(ckptOpts.dir);
    if (!ckptOpts.resume && !ckptOpts.overwrite && fs.exists(file)) {
      throw TrainSchemaError(`${file} holds the checkpoint of an earlier run; resume it (checkpoint.resume) or replace it (checkpoint.overwrite), or use another directory.`);
    }
  }
  if (options.saveParams) {
    const target = /\.(npz|safetensors)$/i.test(options.saveParams) ? options.saveParams : `${options.saveParams}.npz`;
    const problem = fs.fileWriteProblem(target);
    if (problem) throw TrainSchemaError(`saveParams ${target}: ${problem}`);
  }

  const resumeFrom = ckptOpts?.resume ? fs.readCheckpoint<TrainCheckpointMeta>(ckptOpts.dir) : undefined;
  const stored = resumeFrom?.meta?.kind === 'mnist-train' ? resumeFrom.meta : undefined;
  const epochs = options.epochs ?? 500;
  const batchSize = resolveSetting('batchSize', options.batchSize, stored?.batchSize, 500);
  const learningRate = resolveSetting('learningRate', options.learningRate, options.updateRule ? undefined : stored?.learningRate, 0.01);
  const momentum = resolveSetting('momentum', options.momentum, options.updateRule ? undefined : stored?.momentum, 0.9);
  const seed = resolveSetting('seed', options.seed, stored?.seed, Math.floor(Math.random() * 2 ** 32));

  for (const [name, split] of [['training', data.train], ['validation', data.val], ['test', data.test]] as const) {
    if (split && split.count < batchSize) {
      throw TrainSchemaError(`the ${name} set has ${split.count} items, fewer than one batch of ${batchSize}; use a smaller batch size.`);
    }
  }

  log('Building model and compiling functions...');
  // Weight init and each dropout layer's random stream seed draw from layers' getRng(), which
  // derives from core's global seed (unless a custom generator was installed with L.setRng).
  setSeed(seed);
  let inputVar: SymbolicTensor;
  let network: L.Layer;
  if (typeof options.network === 'function') {
    inputVar = tensor('float32', [null, ...data.train.shape.map(() => null)], 'inputs');
    network = (options.network as NetworkBuilder)(inputVar);
  } else {
    network = options.network;
    inputVar = findInputVar(L.getOutput(network, { deterministic: true }));
  }
  if (options.loadParams) {
    try {
      fs.loadParams(network, options.loadParams);
    } catch (e) {
      throw new ParamsFileError(`cannot load the parameters from ${options.loadParams}: ${(e as Error).message}`);
    }
  }

  const targetVar = ivector('targets');
  const prediction = L.getOutput(network);
  const loss = mean(categoricalCrossentropy(prediction, targetVar));
  const trainAcc = mean(eq(argmax(prediction, 1), targetVar), 'float32');
  const params = L.getAllParams(network, { trainable: true }) as SharedVariable[];
  const updates = options.updateRule ? options.updateRule(loss, params) : nesterovMomentum(loss, params, { learningRate, momentum });
  const testPrediction = L.getOutput(network, { deterministic: true });
  const testLoss = mean(categoricalCrossentropy(testPrediction, targetVar));
  const testAcc = mean(eq(argmax(testPrediction, 1), targetVar), 'float32');
  const profile = options.profile; // undefined: LASAGNE_PROFILE decides
  const trainFn = compile([inputVar, targetVar], [loss, trainAcc], { updates, name: 'train_fn', profile }) as CompiledFunction<number[]>;
  const valFn = compile([inputVar, targetVar], [testLoss, testAcc], { name: 'val_fn' }) as CompiledFunction<number[]>;
  await options.onCompiled?.({ trainFn, valFn });

  const updateList: [SharedVariable, unknown][] = updates instanceof Map ? [...updates] : [...(updates as Iterable<[SharedVariable, unknown]>)];
  const allParams = L.getAllParams(network) as SharedVariable[];
  const state = stateVariables(allParams, updateList, [loss, trainAcc, ...updateList.map(([, e]) => e as SymbolicTensor)]);
  const shuffleRng = new SeededRng(deriveSeed(seed, 'shuffle'));

  const history: EpochRecord[] = [];
  let startEpoch = 0;
  let startBatch = 0;
  let startErr = 0;
  let startAcc = 0;
  let startSeconds = 0;
  let checkpointFile: string | undefined;

  if (ckptOpts?.resume && !resumeFrom) notice(`no checkpoint in ${ckptOpts.dir}; starting from scratch`);
  if (resumeFrom) {
    const m = resumeFrom.meta;
    const file = fs.checkpointPath(ckptOpts!.dir);
    const mismatch = (what: string) => new CheckpointError(`${file}: the checkpoint does not fit this run: ${what}; resume with the same settings, or start over (overwrite) to replace it.`, file);
    if (m?.kind !== 'mnist-train') throw mismatch('it was not written by mnist-train');
    for (const [k, v] of Object.entries(extra)) {
      if (k in (m.extra ?? {}) && m.extra[k] !== v) throw new ResumeMismatchError(`${file}: the checkpoint was made with ${k} ${JSON.stringify(m.extra[k])}, this run has ${JSON.stringify(v)}; resume with the same ${k}, or start over (checkpoint.overwrite) to replace it.`, k, m.extra[k], v);
    }
    if (m.batch > 0 && m.trainCount !== data.train.count) {
      throw mismatch(`it stopped inside an epoch with ${m.trainCount} training items, now ${data.train.count}`);
    }
    if (resumeFrom.arrays.length !== state.length) throw mismatch(`it holds ${resumeFrom.arrays.length} arrays, this network's training state has ${state.length}`);
    const shapes = await Promise.all(state.map(({ v }) => v.read().then((h) => h.shape)));
    state.forEach(({ group }, i) => {
      const a = resumeFrom.arrays[i];
      const shape = shapes[i];
      if (a.group !== group || a.shape.length !== shape.length || a.shape.some((d, k) => d !== shape[k])) {
        throw mismatch(`array ${i} is ${a.group} ${describeShape(a.shape)}, expected ${group} ${describeShape(shape)}`);
      }
    });
    state.forEach(({ v }, i) => {
      const a = resumeFrom.arrays[i];
      v.set({ data: a.data, shape: a.shape });
    });
    shuffleRng.state = m.shuffleState;
    history.push(...m.history);
    startEpoch = m.epoch;
    startBatch = m.batch;
    startErr = m.trainErr;
    startAcc = m.trainAcc;
    startSeconds = m.seconds;
    notice(`resuming from ${ckptOpts!.dir} at epoch ${startEpoch + 1}${startBatch ? `, batch ${startBatch + 1}` : ''}`);
  }
  options.onStart?.({ resumed: !!resumeFrom, epoch: startEpoch, batch: startBatch, history: [...history], seed, batchSize, learningRate, momentum, file: ckptOpts?.dir });

  /** `epoch` 1-based; `batch` 0 for the end of the epoch. */
  const diverged = (what: string, epoch: number, batch: number) => {
    const kept = checkpointFile ? `the last checkpoint, ${checkpointFile}, is from before` : 'nothing was saved';
    const lr = options.updateRule ? '' : ` (learning rate ${learningRate})`;
    const where = batch ? `in epoch ${epoch}, batch ${batch}` : `at the end of epoch ${epoch}`;
    return new DivergenceError(`training diverged: ${what} ${where}${lr}; stopped, and ${kept}. Try a smaller learning rate.`, epoch, batch, checkpointFile);
  };
  // Read asynchronously: on webgpu the parameters can only be read that way.
  const stateArrays = () => Promise.all(state.map(({ group, v }, i) => toArray(group, i, v)));
  const checkFinite = (arrays: CheckpointArray[], epoch: number, batch: number) => {
    const bad = firstNonFinite(arrays);
    if (bad) throw diverged(`${bad} holds NaN or infinite values`, epoch, batch);
  };

  const save = async (epoch: number, batch: number, err: number, acc: number, seconds: number, shuffleState: number): Promise<string | undefined> => {
    if (!ckptOpts) return undefined;
    const meta: TrainCheckpointMeta = {
      kind: 'mnist-train',
      seed,
      epoch,
      batch,
      trainErr: err,
      trainAcc: acc,
      seconds,
      shuffleState,
      batchSize,
      learningRate,
      momentum,
      trainCount: data.train.count,
      history,
      extra,
      savedAt: new Date().toISOString(),
    };
    const ckpt: CheckpointFile<TrainCheckpointMeta> = { meta, arrays: await stateArrays() };
    checkFinite(ckpt.arrays, batch ? epoch + 1 : epoch, batch);
    checkpointFile = fs.writeCheckpoint(ckptOpts.dir, ckpt);
    return checkpointFile;
  };

  /** Sums over `split`'s batches; undefined when `signal` aborted it. */
  const evaluate = async (split: DataSplit): Promise<{ err: number; acc: number; batches: number } | undefined> => {
    let err = 0;
    let acc = 0;
    let batches = 0;
    for (const b of iterateMinibatches(split, split.labels, batchSize, false)) {
      const [e, a] = await valFn.async({ data: b.inputs, shape: batchShape(split, b.size) }, b.targets);
      err += e;
      acc += a;
      batches++;
      await nextTick();
      if (options.signal?.aborted) return undefined;
    }
    return { err, acc, batches };
  };

  const result = (interrupted: boolean, epochsDone: number, test?: TestResult): TrainResult => ({
    network, inputVar, targetVar, history, test, interrupted, epochsDone, checkpointFile, seed, trainFn, valFn,
  });
  const interruptedAfter = (epochsDone: number, where: string) => {
    notice(checkpointFile ? `interrupted ${where}: the checkpoint ${checkpointFile} holds epoch ${epochsDone}` : `interrupted ${where} (no checkpoint directory given: progress not saved)`);
    return result(true, epochsDone);
  };

  log('Starting training...');
  const nBatches = batchCount(data.train.count, batchSize);
  for (let epoch = startEpoch; epoch < epochs; epoch++) {
    const resumedHere = epoch === startEpoch && startBatch > 0;
    const skip = resumedHere ? startBatch : 0;
    let trainErr = resumedHere ? startErr : 0;
    let trainAccSum = resumedHere ? startAcc : 0;
    let trainBatches = skip;
    const t0 = performance.now() - (resumedHere ? startSeconds * 1000 : 0);
    const epochShuffleState = shuffleRng.state;
    let b = 0;
    options.onEpochStart?.({ epoch: epoch + 1, epochs, batch: skip, batches: nBatches });
    for (const batch of iterateMinibatches(data.train, data.train.labels, batchSize, shuffle, shuffleRng.next)) {
      if (b++ < skip) continue;
      const [e, a] = await trainFn.async({ data: batch.inputs, shape: batchShape(data.train, batch.size) }, batch.targets);
      if (!Number.isFinite(e)) throw diverged(`the training loss became ${e}`, epoch + 1, trainBatches + 1);
      trainErr += e;
      trainAccSum += a;
      trainBatches++;
      options.onBatch?.({ epoch: epoch + 1, epochs, batch: trainBatches, batches: nBatches, batchesThisRun: trainBatches - skip, loss: e, runningLoss: trainErr / trainBatches });
      await nextTick();
      if (options.signal?.aborted) {
        const file = await save(epoch, trainBatches, trainErr, trainAccSum, (performance.now() - t0) / 1000, epochShuffleState);
        notice(file ? `interrupted: checkpoint written to ${file} (epoch ${epoch + 1}, ${trainBatches} of ${nBatches} batches done)` : 'interrupted (no checkpoint directory given: progress not saved)');
        return result(true, epoch);
      }
    }
    const val = await evaluate(data.val);
    if (!val) {
      // Interrupted in the validation pass: the epoch's training is done but not reported; resume redoes the validation.
      const file = await save(epoch, trainBatches, trainErr, trainAccSum, (performance.now() - t0) / 1000, epochShuffleState);
      notice(file ? `interrupted: checkpoint written to ${file} (epoch ${epoch + 1}, all ${nBatches} batches done)` : 'interrupted (no checkpoint directory given: progress not saved)');
      return result(true, epoch);
    }
    const record: EpochRecord = {
      epoch: epoch + 1,
      epochs,
      seconds: (performance.now() - t0) / 1000,
      trainLoss: trainErr / trainBatches,
      valLoss: val.err / val.batches,
      valAccuracy: val.acc / val.batches,
      trainAccuracy: trainAccSum / trainBatches,
      trainBatches,
      valBatches: val.batches,
    };
    history.push(record);
    formatEpochLines(record).forEach((l) => log(l));
    await options.onEpoch?.(record);
    const savedNow = ckptOpts && (ckptOpts.everyEpoch ?? true) ? await save(epoch + 1, 0, 0, 0, 0, shuffleRng.state) : undefined;
    if (!savedNow) checkFinite(await stateArrays(), epoch + 1, 0);
    await nextTick();
    if (options.signal?.aborted && epoch + 1 < epochs) {
      const file = savedNow ?? await save(epoch + 1, 0, 0, 0, 0, shuffleRng.state);
      notice(file ? `interrupted: checkpoint written to ${file} (after epoch ${epoch + 1})` : 'interrupted (no checkpoint directory given: progress not saved)');
      return result(true, epoch + 1);
    }
  }
  const epochsDone = Math.max(epochs, startEpoch);
  if (options.signal?.aborted) return interruptedAfter(epochsDone, 'before the final test pass');

  let test: TestResult | undefined;
  if (data.test) {
    const t = await evaluate(data.test);
    if (!t) return interruptedAfter(epochsDone, 'during the final test pass');
    test = { loss: t.err / t.batches, accuracy: t.acc / t.batches, batches: t.batches };
    formatFinalLines(test.loss, test.accuracy).forEach((l) => log(l));
    options.onTest?.(test);
  }
  const done = result(false, epochsDone, test);
  if (options.saveParams) {
    checkFinite(await stateArrays(), epochsDone, 0);
    // saveParams reads synchronously: fetch the values first (on webgpu the only way to read).
    await Promise.all(L.getAllParams(network).map((p) => p.cacheOnHost()));
    done.savedParams = fs.saveParamsKeeping(network, options.saveParams, ckptOpts?.dir, checkpointFile);
  }
  return done;
}
