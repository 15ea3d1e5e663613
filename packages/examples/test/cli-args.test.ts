import { parseArgs, UsageError } from '../src/cli/args';
import { runCli } from './helpers';

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to fail`);
}

describe('mnist-train arguments', () => {
  it("defaults to mnist.py's settings", () => {
    const p = parseArgs([]);
    expect(p.kind).toBe('run');
    if (p.kind !== 'run') return;
    expect(p.options).toMatchObject({
      model: { kind: 'mlp' },
      modelName: 'mlp',
      epochs: 500,
      batchSize: 500,
      learningRate: 0.01,
      momentum: 0.9,
      backend: 'auto',
      validationSize: 10000,
      resume: false,
      overwrite: false,
      defaulted: ['batchSize', 'learningRate', 'momentum'],
      json: false,
    });
    expect(p.options.seed).toBeUndefined();
    expect(p.options.progress).toBeUndefined();
  });
  it('parses models, epochs and every option', () => {
    const p = parseArgs([
      'custom_mlp:3,100,0.1,0', '7', '--batch-size', '50', '--learning-rate', '1e-3', '--momentum', '0.5', '--seed', '4294967295',
      '--backend', 'WASM', '--data-dir', 'd', '--validation-size', '100', '--save', 'm.npz', '--load', 'l.npz', '--checkpoint', 'ck',
      '--resume', '--plot', 'c.SVG', '--json', '--no-progress', '--graph', 'train.svg', '--profile',
    ]);
    if (p.kind !== 'run') throw new Error('expected run');
    expect(p.options).toEqual({
      model: { kind: 'custom_mlp', depth: 3, width: 100, dropInput: 0.1, dropHidden: 0 },
      modelName: 'custom_mlp:3,100,0.1,0',
      epochs: 7,
      batchSize: 50,
      learningRate: 0.001,
      momentum: 0.5,
      seed: 4294967295,
      backend: 'wasm',
      dataDir: 'd',
      validationSize: 100,
      save: 'm.npz',
      load: 'l.npz',
      checkpoint: 'ck',
      resume: true,
      overwrite: false,
      defaulted: [],
      plot: 'c.SVG',
      json: true,
      progress: false,
      graph: 'train.svg',
      profile: true,
    });
    expect(parseArgs(['cnn']).kind).toBe('run');
  });
  it.each([
    [['resnet'], /unrecognized model type 'resnet'/],
    [['custom_mlp'], /expected custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID/],
    [['custom_mlp:2,800,0.2'], /expected custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID/],
    [['custom_mlp:x,800,0.2,0.5'], /DEPTH must be a non-negative integer, got 'x'/],
    [['custom_mlp:2,0,0.2,0.5'], /WIDTH must be a positive integer/],
    [['custom_mlp:2,800,1,0.5'], /DROP_IN must be a dropout rate in \[0, 1\)/],
    [['mlp', 'abc'], /EPOCHS must be an integer >= 1, got 'abc'/],
    [['mlp', '0'], /EPOCHS must be an integer >= 1, got '0'/],
    [['mlp', '2.5'], /EPOCHS must be an integer/],
    [['mlp', '5', 'extra'], /too many arguments: 'extra'/],
    [['--batch-size', '0'], /--batch-size must be an integer >= 1, got '0'/],
    [['--batch-size'], /--batch-size needs a value/],
    [['--batch-size', '5', '--batch-size', '6'], /--batch-size was given more than once/],
    [['--learning-rate', 'fast'], /--learning-rate must be a positive number, got 'fast'/],
    [['--momentum', '1'], /--momentum must be a number in \[0, 1\)/],
    [['--seed', '-1'], /--seed/],
    [['--seed', '4294967296'], /--seed must be an integer in \[0, 4294967295\]/],
    [['--backend', 'cuda9'], /--backend must be one of auto, tensorflow-gpu/],
    [['--resume'], /--resume needs --checkpoint DIR/],
    [['--plot', 'curves.png'], /--plot writes an SVG image/],
    [['--bogus'], /Unknown argument: bogus/],
    [['--json=yes'], /--json takes no value/],
  ])('rejects %j', (argv, re) => {
    const msg = usageError(argv);
    expect(msg).toMatch(re);
    expect(msg).not.toContain('\n');
  });
});

describe('mnist-train main() usage errors', () => {
  it.each([[['resnet']], [['mlp', 'abc']], [['--batch-size', 'x']], [['--bogus', '1']], [['--resume']]])('%j: exit code 2, one line, no stack trace', async (argv) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^mnist-train: error: .+ \(see mnist-train --help\)$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('--help explains the models and options', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const s of ["'mlp' for a simple Multi-Layer Perceptron (MLP)", "'custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID'", "'cnn' for a simple Convolutional Neural Network (CNN)", 'EPOCHS: number of training epochs to perform (default: 500)', '--batch-size', '--learning-rate', '--momentum', '--seed', '--backend', '--data-dir', '--save', '--load', '--checkpoint', '--resume', '--plot', '--json', '--progress', '--graph', '--profile']) {
      expect(r.stdout).toContain(s);
    }
  });
  it('--version prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
