/** The lasagne-classic command: argument parsing and in-process runs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setBackend } from '@lasagne-ts/core';
import { classicMain, parseClassicArgs, CLASSIC_PROGRAMS } from '../src';
import { UsageError } from '../src/cli/args';
import { Capture, tempDir, writeSyntheticData } from './helpers';

function usageError(argv: string[]): string {
  try {
    parseClassicArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to fail`);
}

function options(argv: string[]): Record<string, unknown> {
  const p = parseClassicArgs(argv);
  if (p.kind !== 'run') throw new Error('expected run');
  return p.options;
}

describe('lasagne-classic arguments', () => {
  it('takes a program, then its options; defaults are left to the program', () => {
    for (const program of CLASSIC_PROGRAMS) {
      const p = parseClassicArgs([program]);
      expect(p).toEqual({ kind: 'run', program, options: { backend: 'auto' } });
    }
  });

  it("parses every program's options", () => {
    expect(options(['logreg', '--epochs', '7', '--data-dir', 'd', '--validation-size', '100', '--seed', '4294967295', '--backend', 'WASM', '--learning-rate', '0.5', '--batch-size', '50', '--patience', '300', '--save', 'b.npz'])).toEqual({
      epochs: 7, dataDir: 'd', validationSize: 100, seed: 4294967295, backend: 'wasm', learningRate: 0.5, batchSize: 50, patience: 300, save: 'b.npz',
    });
    expect(options(['lenet', '--nkerns', '6,16', '--hidden-units', '84', '--learning-rate', '1e-2'])).toEqual({ nkerns: [6, 16], hiddenUnits: 84, learningRate: 0.01, backend: 'auto' });
    expect(options(['network3', '--mini-batch-size', '20', '--eta', '0.03', '--lmbda', '0.1', '--dropout', '--relu', '--fc-units', '1000', '--filters', '40'])).toEqual({
      miniBatchSize: 20, eta: 0.03, lmbda: 0.1, dropout: 0.5, relu: true, fcUnits: 1000, filters: 40, backend: 'auto',
    });
    expect(options(['network3', '--dropout', '0.2', '--no-relu'])).toEqual({ dropout: 0.2, relu: false, backend: 'auto' });
    expect(options(['simple-convnet', '--batchnorm', '--plot', '--save', '--verbose', '--train-size', '1000', '--test-size', '500', '--eval-size', '100'])).toEqual({
      batchNorm: true, plot: 'train_convnet.svg', save: 'params.npz', verbose: true, trainSize: 1000, testSize: 500, evalSize: 100, backend: 'auto',
    });
    expect(options(['simple-convnet', '--plot', 'a/b.SVG', '--save', 'p.npz'])).toEqual({ plot: 'a/b.SVG', save: 'p.npz', backend: 'auto' });
    expect(options(['filters', '--out', 'x.png', '--seed', '1', '--width', '64', '--height', '48'])).toEqual({ out: 'x.png', seed: 1, width: 64, height: 48, backend: 'auto' });
  });

  it('help and version', () => {
    const top = parseClassicArgs(['--help']);
    expect(top.kind).toBe('help');
    if (top.kind === 'help') for (const p of CLASSIC_PROGRAMS) expect(top.text).toContain(`  ${p} `);
    const h = parseClassicArgs(['network3', '--help']);
    if (h.kind !== 'help') throw new Error('expected help');
    expect(h.text).toContain('Usage: lasagne-classic network3 [options]');
    expect(h.text).toContain('--lmbda');
    expect(h.text).toContain('lasagne-classic network3 --epochs 1');
    expect(parseClassicArgs(['--version']).kind).toBe('version');
  });

  it('rejects bad command lines with one-line messages', () => {
    expect(usageError([])).toMatch(/no PROGRAM given: choose one of logreg, lenet, network3, simple-convnet, filters/);
    expect(usageError(['mlp'])).toMatch(/unknown program 'mlp'/);
    expect(usageError(['--epochs', '3', 'logreg'])).toMatch(/the PROGRAM comes first/);
    expect(usageError(['logreg', '--batchnorm'])).toMatch(/Unknown argument: batchnorm/);
    expect(usageError(['logreg', 'extra'])).toMatch(/unexpected argument: 'extra'/);
    expect(usageError(['logreg', '--epochs', '0'])).toMatch(/--epochs must be an integer >= 1, got '0'/);
    expect(usageError(['logreg', '--epochs'])).toMatch(/--epochs needs a value/);
    expect(usageError(['logreg', '--learning-rate', '-1'])).toMatch(/--learning-rate must be a positive number/);
    expect(usageError(['lenet', '--nkerns', '20'])).toMatch(/--nkerns must be two positive integers/);
    expect(usageError(['network3', '--dropout', '1'])).toMatch(/--dropout must be a probability in \[0, 1\)/);
    expect(usageError(['network3', '--relu=yes'])).toMatch(/--relu takes no value/);
    expect(usageError(['network3', '--backend', 'cuda9'])).toMatch(/--backend must be one of auto, /);
    expect(usageError(['simple-convnet', '--plot', 'x.png'])).toMatch(/--plot writes a \.svg file/);
    expect(usageError(['filters', '--out', 'x.jpg'])).toMatch(/--out writes a \.png file/);
    expect(usageError(['filters', '--epochs', '3'])).toMatch(/Unknown argument: epochs/);
    expect(usageError(['filters', '--width', '4'])).toMatch(/--width must be an integer in \[9, 4096\]/);
    for (const argv of [['mlp'], ['logreg', '--seed', 'x'], ['logreg', '--seed', '1', '--seed', '2']]) expect(usageError(argv)).not.toContain('\n');
  });
});

describe('lasagne-classic (in-process)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let data: string;
  beforeAll(() => {
    tmp = tempDir('classic-cli-');
    data = writeSyntheticData(join(tmp.dir, 'mnist'));
  });
  afterAll(async () => {
    tmp.cleanup();
    await setBackend('cpu');
  });
  async function run(argv: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await classicMain(argv, { stdout, stderr });
    return { code, out: stdout.lines, err: stderr.lines };
  }

  it('runs logreg on the given data with the given backend', async () => {
    const r = await run(['logreg', '--data-dir', data, '--validation-size', '100', '--batch-size', '50', '--epochs', '2', '--backend', 'wasm']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe('... loading data');
    expect(r.out.at(-1)).toMatch(/^The code run for 2 epochs, with /);
    expect(r.err[0]).toMatch(/^lasagne-classic logreg: using backend wasm \(/);
    expect(r.err.some((l) => l.includes(`loading MNIST from dataDir ${data}`))).toBe(true);
  });

  it('writes the filters picture', async () => {
    const out = join(tmp.dir, 'f.png');
    const r = await run(['filters', '--out', out, '--width', '24', '--height', '20', '--backend', 'wasm']);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    expect(existsSync(out)).toBe(true);
  });

  it('exit code 2 with one line for a bad command line or options that cannot work, 1 for missing data', async () => {
    const bad = await run(['network3', '--eta', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.err).toEqual(["lasagne-classic: error: --eta must be a positive number, got 'fast' (see lasagne-classic network3 --help)"]);
    const big = await run(['logreg', '--data-dir', data, '--validation-size', '100', '--backend', 'wasm']);
    expect(big.code).toBe(2);
    expect(big.err.at(-1)).toBe('lasagne-classic: error: the training set has 200 images, fewer than one minibatch of 600; use a smaller --batch-size');
    const missing = await run(['lenet', '--data-dir', join(tmp.dir, 'nothing-here'), '--backend', 'wasm']);
    expect(missing.code).toBe(1);
    expect(missing.err.at(-1)).toMatch(/^lasagne-classic: error: /);
    expect(missing.err.join('\n')).not.toMatch(/^\s+at /m);
  });
});
