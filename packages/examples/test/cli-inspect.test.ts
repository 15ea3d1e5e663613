/** --graph and --profile of mnist-train and lasagne-classic: the compiled training function's picture and profile table. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, exp, vector } from '@lasagne-ts/core';
import { classicMain, inspectTraining } from '../src';
import { parseArgs } from '../src/cli/args';
import { Capture, quickArgs, runCli, tempDir, writeSyntheticData } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let data: string;
beforeAll(() => {
  tmp = tempDir('inspect-');
  data = writeSyntheticData(join(tmp.dir, 'mnist'));
});
afterAll(() => tmp.cleanup());

/** The number of profile tables in a text, and the op names of the first table's "Ops" section. */
function profileTables(text: string): { count: number; ops: string[] } {
  const count = text.split('\n').filter((l) => l === 'Function profiling').length;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('<% time>') && l.endsWith('<Op name>')) + 1;
  const end = lines.findIndex((l, i) => i >= start && l === '');
  return { count, ops: lines.slice(start, end).map((l) => l.trim().split(/\s+/).pop()!) };
}

describe('mnist-train --graph --profile', () => {
  it('writes the training graph as SVG before training and prints the profile table once, after the first epoch', async () => {
    const svg = join(tmp.dir, 'train.svg');
    const r = await runCli([...quickArgs(data, 2), '--graph', svg, '--profile', '--no-progress']);
    expect(r.code).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toContain('<svg');
    for (const node of ['MatMul', 'Random', 'update W', 'output 0', 'output 1']) expect(text).toContain(node);
    expect(r.err).toContain(`mnist-train: wrote the graph of the compiled training function to ${svg}`);
    const t = profileTables(r.stderr);
    expect(t.count).toBe(1);
    expect(t.ops).toEqual(expect.arrayContaining(['MatMul', 'Random', 'Softmax']));
    expect(r.stderr).toContain('  Message: train_fn');
    // stdout keeps mnist.py's lines only
    expect(r.stdout).not.toContain('Function profiling');
    expect(r.stderr).toContain('  Time in 4 calls to the function'); // the first epoch's 4 batches of 50
  });

  it('--graph FILE.dot writes the DOT text; other extensions are usage errors', async () => {
    const dot = join(tmp.dir, 'mlp.dot');
    const r = await runCli([...quickArgs(data, 1), '--graph', dot, '--no-progress']);
    expect(r.code).toBe(0);
    expect(readFileSync(dot, 'utf8')).toMatch(/^digraph "train_fn" \{/);
    expect(() => parseArgs(['mlp', '--graph', 'x.png'])).toThrow(/--graph writes the training function's graph: give a file name ending in \.svg/);
    expect(() => parseArgs(['mlp', '--profile=yes'])).toThrow(/--profile takes no value/);
    // A --graph location that cannot be written is found before training (exit 2); a missing directory is created.
    const bad = await runCli([...quickArgs(data, 1), '--graph', '/proc/no-such-dir/g.svg', '--no-progress']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mnist-train: error: --graph \/proc\/no-such-dir\/g\.svg: cannot create the directory \/proc\/no-such-dir: /m);
    expect(bad.stdout).not.toContain('Starting training');
    const deep = await runCli([...quickArgs(data, 1), '--graph', join(tmp.dir, 'no-such-dir', 'g.dot'), '--no-progress']);
    expect(deep.code).toBe(0);
    expect(existsSync(join(tmp.dir, 'no-such-dir', 'g.dot'))).toBe(true);
  });
});

describe('lasagne-classic --graph --profile', () => {
  it('logreg draws train_model and prints its profile after the first epoch, on stderr', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const svg = join(tmp.dir, 'logreg.svg');
    const code = await classicMain(['logreg', '--epochs', '2', '--data-dir', data, '--validation-size', '100', '--batch-size', '50', '--backend', 'cpu', '--graph', svg, '--profile'], { stdout, stderr });
    expect(code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toContain('update W');
    const t = profileTables(stderr.text);
    expect(t.count).toBe(1);
    expect(stderr.text).toContain('  Message: train_model');
    expect(t.ops).toEqual(expect.arrayContaining(['MatMul', 'LogSoftmax']));
    expect(stdout.text).not.toContain('Function profiling');
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('inspectTraining', () => {
  it('prints the table once, then stops profiling (the data stays)', async () => {
    const x = vector('x');
    const fn = compile([x], exp(x).sum(), { profile: true, name: 'f' });
    const printed: string[] = [];
    const afterEpoch = await inspectTraining(fn, { profile: true }, () => undefined, (t) => printed.push(t));
    fn([1, 2]);
    afterEpoch();
    fn([1, 2]);
    afterEpoch();
    expect(printed.length).toBe(1);
    expect(printed[0]).toContain('Time in 1 call to the function');
    expect(fn.profiling).toBe(false);
    expect(fn.profile().calls).toBe(1);
  });
});
