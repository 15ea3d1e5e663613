import { BackendError, describeBackend, directoryProblem, fileWriteProblem, getBackend, LasagneError, onBackendNotice, ready, setBackend } from '@lasagne-ts/core';
import { existsSync } from 'node:fs';
import { CheckpointError, checkpointPath, DivergenceError, ParamsFileError, ParamsSaveError, ResumeMismatchError, train, TrainOptionsError, type EpochRecord } from '@lasagne-ts/train';
import { DataError, loadMnist } from '../data';
import { memoryProblem } from '../memory';
import { formatModelSpec, modelBuilder } from '../models';
import { writeCurvesSvg, type CurvePoint } from '../plot';
import { ProgressBar, type ProgressStream } from '../progress';
import { inspectTraining } from '../inspect';
import { oneLine, parseArgs, UsageError, type CliOptions } from './args';

/** Where the CLI reads and writes; `main` uses the process's by default. */
export interface CliIO {
  stdout: ProgressStream;
  stderr: ProgressStream;
  /**
   * Interrupts training (default: the first SIGINT or SIGTERM aborts it, a second exits at once).
   * An abort reason of 'SIGTERM' gives exit code 143, anything else 130.
   */
  signal?: AbortSignal;
  /** Used for the immediate exit on a second SIGINT (default process.exit). */
  exit?: (code: number) => void;
  /** Program name in messages (default 'mnist-train'). */
  scriptName?: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;
export const EXIT_TERMINATED = 143;

/** 128 + the signal's number, as shells report a process a signal ended. */
function signalExitCode(reason: unknown): number {
  return reason === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
}

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** JSON with non-finite numbers as null. */
function jsonLine(record: Record<string, unknown>): string {
  return `${JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`;
}

/** The path `--save` writes (`.npz` appended unless given, as NumPy and `L.saveParams` do). */
function saveTarget(save: string): string {
  return /\.(npz|safetensors)$/i.test(save) ? save : `${save}.npz`;
}

/**
 * Every output location, checked before the data is even loaded: missing directories are
 * created; what cannot be written is a UsageError (exit 2) naming the option and the path. An
 * existing checkpoint needs --resume or --overwrite.
 */
export function checkOutputLocations(opts: Pick<CliOptions, 'checkpoint' | 'resume' | 'overwrite' | 'save' | 'plot' | 'graph'>): void {
  if (opts.checkpoint !== undefined) {
    const problem = directoryProblem(opts.checkpoint, { create: true });
    if (problem) throw new UsageError(`--checkpoint ${opts.checkpoint}: ${problem}`);
    const file = checkpointPath(opts.checkpoint);
    if (!opts.resume && !opts.overwrite && existsSync(file)) {
      throw new UsageError(`--checkpoint ${opts.checkpoint}: ${file} holds the checkpoint of an earlier run; add --resume to continue it, or --overwrite to start over and replace it`);
    }
  }
  for (const [flag, path] of [['--save', opts.save && saveTarget(opts.save)], ['--plot', opts.plot], ['--graph', opts.graph]] as const) {
    if (!path) continue;
    const problem = fileWriteProblem(path, { mkdir: true });
    if (problem) throw new UsageError(`${flag} ${path}: ${problem}`);
  }
}

const SETTING_FLAGS: Record<string, string> = { seed: '--seed', learningRate: '--learning-rate', momentum: '--momentum', batchSize: '--batch-size', model: 'MODEL' };

/** A resume whose settings contradict the checkpoint, in the command line's words. */
function describeResumeMismatch(e: ResumeMismatchError, opts: CliOptions): string {
  const flag = SETTING_FLAGS[e.setting] ?? e.setting;
  const show = (v: unknown) => (typeof v === 'string' ? v : String(v));
  const file = opts.checkpoint === undefined ? 'the checkpoint' : checkpointPath(opts.checkpoint);
  return `${flag} ${show(e.given)} differs from the ${show(e.stored)} of the checkpoint ${file}: a resumed run continues with the checkpoint's settings; ` +
    `${flag === 'MODEL' ? `resume with MODEL ${show(e.stored)}` : `leave ${flag} out`}, or pass --overwrite instead of --resume to start over with ${show(e.given)}`;
}

/**
 * The `mnist-train` command: parses `argv` (the arguments after the script), trains as Lasagne's
 * mnist.py and returns the exit code (0 done, 1 runtime error, 2 bad command line or output
 * location, 130 interrupted by SIGINT, 143 by SIGTERM). Errors are reported as one line on
 * stderr, never a stack trace (set LASAGNE_DEBUG=1 to get one).
 */
export async function main(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const name = io.scriptName ?? 'mnist-train';
  const err = (line: string) => io.stderr.write(`${line}\n`);
  let opts: CliOptions;
  try {
    const parsed = parseArgs(argv, name);
    if (parsed.kind !== 'run') {
      io.stdout.write(`${parsed.text}\n`);
      return EXIT_OK;
    }
    opts = parsed.options;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${name}: error: ${e.message} (see ${name} --help)`);
      return EXIT_USAGE;
    }
    throw e;
  }

  // Signals: SIGINT (Ctrl-C) and SIGTERM (schedulers, container stops) alike. Before training
  // there is nothing to save: exit at once. From the first batch to the end of the final test
  // pass: stop after the current batch, checkpoint, exit 130/143. A second signal exits at once.
  const controller = new AbortController();
  const signal = io.signal ?? controller.signal;
  const handlers: [NodeJS.Signals, () => void][] = [];
  let progress: ProgressBar | undefined;
  let training = false;
  if (!io.signal) {
    const onSignal = (sig: NodeJS.Signals) => {
      const code = signalExitCode(sig);
      const what = sig === 'SIGTERM' ? 'terminated (SIGTERM)' : 'interrupted';
      progress?.clear();
      if (!training) {
        err(`${name}: ${what}`);
        (io.exit ?? process.exit)(code);
      } else if (!controller.signal.aborted) {
        const again = sig === 'SIGTERM' ? 'another SIGTERM' : 'Ctrl-C again';
        err(opts.checkpoint
          ? `${name}: ${what}: stopping after this batch and writing a checkpoint (${again} to quit at once)`
          : `${name}: ${what}: stopping after this batch (no --checkpoint: progress is not saved; ${again} to quit at once)`);
        controller.abort(sig);
      } else {
        err(`${name}: ${what} again: exiting now`);
        (io.exit ?? process.exit)(code);
      }
    };
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const h = () => onSignal(sig);
      handlers.push([sig, h]);
      process.on(sig, h);
    }
  }

  try {
    const hooks = { setProgress: (p: ProgressBar) => (progress = p), setTraining: (t: boolean) => (training = t) };
    return await run(opts, io, signal, name, hooks);
  } catch (e) {
    progress?.clear();
    const msg = oneLine(e instanceof ResumeMismatchError ? describeResumeMismatch(e, opts) : e instanceof Error ? e.message : String(e));
    if (process.env.LASAGNE_DEBUG && e instanceof Error && e.stack) err(e.stack);
    const usage = e instanceof UsageError || e instanceof TrainOptionsError || (e instanceof DataError && e.code === 'bad-option');
    const systemError = e instanceof Error && typeof (e as { code?: unknown }).code === 'string'; // ENOENT, EACCES, ...
    const known = usage || systemError || e instanceof ParamsFileError || e instanceof ParamsSaveError || e instanceof DivergenceError || e instanceof DataError || e instanceof CheckpointError || e instanceof BackendError || e instanceof LasagneError;
    err(`${name}: error: ${known ? '' : `${e instanceof Error ? e.name : 'error'}: `}${msg}`);
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}

interface RunHooks {
  setProgress: (p: ProgressBar) => void;
  /** Whether training runs (first batch to final test pass: a signal means checkpoint and stop). */
  setTraining: (t: boolean) => void;
}

async function run(opts: CliOptions, io: CliIO, signal: AbortSignal, name: string, hooks: RunHooks): Promise<number> {
  let progress: ProgressBar | undefined;
  // The progress bar is erased before any line is written (stdout and stderr share a terminal).
  const notice = (line: string) => {
    progress?.clear();
    io.stderr.write(`${line}\n`);
  };
  // The usual lines: stdout, or stderr when stdout carries JSON records.
  const human = (line: string) => {
    progress?.clear();
    (opts.json ? io.stderr : io.stdout).write(`${line}\n`);
  };
  const record = (r: Record<string, unknown>) => {
    if (opts.json) io.stdout.write(jsonLine(r));
  };

  checkOutputLocations(opts);
  onBackendNotice(notice);
  if (opts.backend === 'auto') await ready();
  else await setBackend(opts.backend);
  human(`Using backend: ${describeBackend()}`);
  const tooBig = memoryProblem(opts.model, opts.batchSize, getBackend() ?? opts.backend);
  if (tooBig) throw new UsageError(`MODEL ${opts.modelName}: ${tooBig}`);

  human('Loading data...');
  const data = await loadMnist({ dataDir: opts.dataDir, validationSize: opts.validationSize, log: notice });

  const progressMode = opts.progress === false ? 'none' : opts.progress === true ? (io.stderr.isTTY ? 'bar' : 'lines') : undefined;
  progress = new ProgressBar(io.stderr, { mode: progressMode });
  hooks.setProgress(progress);
  const bar = progress;

  // The plot is a side output: a failed write (full disk, removed directory) warns and training goes on.
  const curves: CurvePoint[] = [];
  let plotError: string | undefined;
  const plot = () => {
    if (!opts.plot) return;
    try {
      writeCurvesSvg(opts.plot, curves, { title: `MNIST ${opts.modelName}` });
      plotError = undefined;
    } catch (e) {
      const msg = oneLine((e as Error).message);
      if (msg !== plotError) notice(`${name}: warning: ${msg}; training goes on (the plot is rewritten after every epoch)`);
      plotError = msg;
    }
  };
  // A resumed run takes the settings not given on the command line from its checkpoint.
  const given = <T>(key: 'batchSize' | 'learningRate' | 'momentum', v: T): T | undefined => (opts.resume && opts.defaulted.includes(key) ? undefined : v);

  let afterEpoch = () => {};
  const result = await train({
    network: modelBuilder(opts.model),
    data,
    epochs: opts.epochs,
    batchSize: given('batchSize', opts.batchSize),
    learningRate: given('learningRate', opts.learningRate),
    momentum: given('momentum', opts.momentum),
    seed: opts.seed,
    loadParams: opts.load,
    saveParams: opts.save,
    checkpoint: opts.checkpoint === undefined ? undefined : { dir: opts.checkpoint, resume: opts.resume, overwrite: opts.overwrite },
    checkpointMeta: { model: formatModelSpec(opts.model) },
    signal,
    profile: opts.profile || undefined,
    onCompiled: async ({ trainFn }) => {
      afterEpoch = await inspectTraining(trainFn, opts, (line) => notice(`${name}: ${line}`), notice);
    },
    log: human,
    notice: (line) => notice(`${name}: ${line}`),
    onStart: (s) => {
      hooks.setTraining(true);
      curves.push(...s.history);
      record({
        event: 'start',
        backend: describeBackend(),
        model: opts.modelName,
        epochs: opts.epochs,
        batchSize: s.batchSize,
        learningRate: s.learningRate,
        momentum: s.momentum,
        seed: s.seed,
        trainCount: data.train.count,
        valCount: data.val.count,
        testCount: data.test.count,
        resumed: s.resumed,
        startEpoch: s.epoch + 1,
        startBatch: s.batch,
      });
      if (s.resumed) plot();
    },
    onEpochStart: (e) => bar.start(e.epoch, e.epochs, e.batches),
    onBatch: (b) => bar.update(b.batch, b.runningLoss, b.batchesThisRun),
    onEpoch: (r: EpochRecord) => {
      curves.push(r);
      plot();
      record({ event: 'epoch', ...r });
      afterEpoch();
    },
    onTest: (t) => record({ event: 'test', testLoss: t.loss, testAccuracy: t.accuracy, batches: t.batches }),
  });
  hooks.setTraining(false);
  bar.clear();
  if (result.interrupted) {
    record({ event: 'interrupted', epochsDone: result.epochsDone, checkpoint: result.checkpointFile ?? null });
    return signalExitCode(signal.reason);
  }
  if (result.savedParams) notice(`${name}: saved the parameters to ${result.savedParams}`);
  if (opts.plot) notice(plotError ? `${name}: warning: the learning curves were not written: ${plotError}` : `${name}: wrote the learning curves to ${opts.plot}`);
  return EXIT_OK;
}
