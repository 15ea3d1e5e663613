import { BackendError, describeBackend, LasagneError, onBackendNotice, ready, setBackend } from '@lasagne-ts/core';
import { CheckpointError } from '@lasagne-ts/train';
import { DataError, loadMnist } from '../data';
import { formatModelSpec, modelBuilder } from '../models';
import { writeCurvesSvg, type CurvePoint } from '../plot';
import { ProgressBar, type ProgressStream } from '../progress';
import { ParamsFileError, train, TrainOptionsError, type EpochRecord } from '@lasagne-ts/train';
import { inspectTraining } from '../inspect';
import { oneLine, parseArgs, UsageError, type CliOptions } from './args';

/** Where the CLI reads and writes; `main` uses the process's by default. */
export interface CliIO {
  stdout: ProgressStream;
  stderr: ProgressStream;
  /** Interrupts training (default: the first SIGINT aborts it, a second exits at once). */
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

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** JSON with non-finite numbers as null. */
function jsonLine(record: Record<string, unknown>): string {
  return `${JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`;
}

/**
 * The `mnist-train` command: parses `argv` (the arguments after the script), trains as Lasagne's
 * mnist.py and returns the exit code (0 done, 1 runtime error, 2 bad command line, 130
 * interrupted). Errors are reported as one line on stderr, never a stack trace (set
 * LASAGNE_DEBUG=1 to get one).
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

  const controller = new AbortController();
  const signal = io.signal ?? controller.signal;
  let onSigint: (() => void) | undefined;
  let progress: ProgressBar | undefined;
  let training = false;
  if (!io.signal) {
    onSigint = () => {
      if (!training) {
        // Nothing to save yet (loading, downloading, compiling) or any more (final test pass).
        progress?.clear();
        err(`${name}: interrupted`);
        (io.exit ?? process.exit)(EXIT_INTERRUPTED);
      } else if (!controller.signal.aborted) {
        progress?.clear();
        err(opts.checkpoint
          ? `${name}: interrupted: stopping after this batch and writing a checkpoint (Ctrl-C again to quit at once)`
          : `${name}: interrupted: stopping after this batch (no --checkpoint: progress is not saved; Ctrl-C again to quit at once)`);
        controller.abort();
      } else {
        err(`${name}: interrupted again: exiting now`);
        (io.exit ?? process.exit)(EXIT_INTERRUPTED);
      }
    };
    process.on('SIGINT', onSigint);
  }

  try {
    const hooks = { setProgress: (p: ProgressBar) => (progress = p), setTraining: (t: boolean) => (training = t) };
    return await run(opts, io, signal, name, hooks);
  } catch (e) {
    progress?.clear();
    const msg = oneLine(e instanceof Error ? e.message : String(e));
    if (process.env.LASAGNE_DEBUG && e instanceof Error && e.stack) err(e.stack);
    const usage = e instanceof TrainOptionsError || (e instanceof DataError && e.code === 'bad-option');
    const systemError = e instanceof Error && typeof (e as { code?: unknown }).code === 'string'; // ENOENT, EACCES, ...
    const known = usage || systemError || e instanceof ParamsFileError || e instanceof DataError || e instanceof CheckpointError || e instanceof BackendError || e instanceof LasagneError;
    err(`${name}: error: ${known ? '' : `${e instanceof Error ? e.name : 'error'}: `}${msg}`);
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    if (onSigint) process.off('SIGINT', onSigint);
  }
}

interface RunHooks {
  setProgress: (p: ProgressBar) => void;
  /** Whether the epochs loop runs (where Ctrl-C means: checkpoint after this batch). */
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

  onBackendNotice(notice);
  if (opts.backend === 'auto') await ready();
  else await setBackend(opts.backend);
  human(`Using backend: ${describeBackend()}`);

  human('Loading data...');
  const data = await loadMnist({ dataDir: opts.dataDir, validationSize: opts.validationSize, log: notice });

  const progressMode = opts.progress === false ? 'none' : opts.progress === true ? (io.stderr.isTTY ? 'bar' : 'lines') : undefined;
  progress = new ProgressBar(io.stderr, { mode: progressMode });
  hooks.setProgress(progress);
  const bar = progress;

  const curves: CurvePoint[] = [];
  const plot = () => {
    if (opts.plot) writeCurvesSvg(opts.plot, curves, { title: `MNIST ${opts.modelName}` });
  };

  let afterEpoch = () => {};
  const result = await train({
    network: modelBuilder(opts.model),
    data,
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    learningRate: opts.learningRate,
    momentum: opts.momentum,
    seed: opts.seed,
    loadParams: opts.load,
    saveParams: opts.save,
    checkpoint: opts.checkpoint === undefined ? undefined : { dir: opts.checkpoint, resume: opts.resume },
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
        batchSize: opts.batchSize,
        learningRate: opts.learningRate,
        momentum: opts.momentum,
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
      if (r.epoch >= r.epochs) hooks.setTraining(false);
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
    return EXIT_INTERRUPTED;
  }
  if (result.savedParams) notice(`${name}: saved the parameters to ${result.savedParams}`);
  if (opts.plot) notice(`${name}: wrote the learning curves to ${opts.plot}`);
  return EXIT_OK;
}
