import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argmax, compile, eq, ivector, mean, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { categoricalCrossentropy } from '@lasagne-ts/objectives';
import { buildCustomMlp } from '../src';
import { checkpointPath, formatFinalLines, iterateMinibatches, readCheckpoint } from '@lasagne-ts/train';
import { loadMnist } from '../src/data';
import { Capture, expectWellFormedSvg, quickArgs, runCli, tempDir, writeSyntheticData, type CliRun } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let data: string;
beforeAll(() => {
  tmp = tempDir();
  data = writeSyntheticData(join(tmp.dir, 'mnist'));
});
afterAll(() => tmp.cleanup());
const at = (name: string) => join(tmp.dir, name);

/** The Lasagne lines of a run, the per-epoch time replaced (it varies). */
function untimed(lines: string[]): string[] {
  return lines.map((l) => l.replace(/ took \d+\.\d{3}s$/, ' took Ts'));
}
/** The 3 number lines of epoch `n` in a run's stdout. */
function epochLines(r: CliRun, n: number): string[] {
  const i = r.out.findIndex((l) => l.startsWith(`Epoch ${n} of `));
  expect(i).toBeGreaterThanOrEqual(0);
  return r.out.slice(i + 1, i + 4);
}
function finalLines(r: CliRun): string[] {
  const i = r.out.indexOf('Final results:');
  expect(i).toBeGreaterThanOrEqual(0);
  return r.out.slice(i, i + 3);
}
function noStack(s: string): void {
  expect(s).not.toMatch(/^\s+at .+\(.*\)$/m);
}

describe('mnist-train on synthetic data (in-process)', () => {
  let straight: CliRun;
  beforeAll(async () => {
    straight = await runCli([...quickArgs(data, 2), '--checkpoint', at('ck-straight'), '--save', at('straight.npz')]);
  });

  it("prints mnist.py's lines, in order and format", () => {
    expect(straight.code).toBe(0);
    const res = [
      /^Using backend: cpu \(.+\)$/,
      /^Loading data\.\.\.$/,
      /^Building model and compiling functions\.\.\.$/,
      /^Starting training\.\.\.$/,
      ...[1, 2].flatMap((e) => [
        new RegExp(`^Epoch ${e} of 2 took \\d+\\.\\d{3}s$`),
        /^ {2}training loss:\t\t\d+\.\d{6}$/,
        /^ {2}validation loss:\t\t\d+\.\d{6}$/,
        /^ {2}validation accuracy:\t\t\d+\.\d{2} %$/,
      ]),
      /^Final results:$/,
      /^ {2}test loss:\t\t\t\d+\.\d{6}$/,
      /^ {2}test accuracy:\t\t\d+\.\d{2} %$/,
    ];
    expect(straight.out).toHaveLength(res.length);
    straight.out.forEach((l, i) => expect(l).toMatch(res[i]));
    expect(straight.stdout.endsWith('\n')).toBe(true);
    expect(straight.stderr).not.toMatch(/[\r\x1b]/); // no progress bar when not a TTY
  });

  it('learns the synthetic problem', () => {
    const loss = straight.out.filter((l) => l.includes('training loss')).map((l) => Number(l.split('\t').pop()));
    expect(loss[1]).toBeLessThan(loss[0]);
  });

  it('gives the same numbers for the same seed', async () => {
    const again = await runCli(quickArgs(data, 2));
    expect(untimed(again.out)).toEqual(untimed(straight.out));
    const diff = await runCli(quickArgs(data, 2).map((a) => (a === '42' ? '43' : a)));
    expect(untimed(diff.out)).not.toEqual(untimed(straight.out));
  });

  it('resumes from an end-of-epoch checkpoint exactly (1 epoch + resume 1 = 2 straight)', async () => {
    const first = await runCli([...quickArgs(data, 1), '--checkpoint', at('ck-split')]);
    expect(first.code).toBe(0);
    expect(epochLines(first, 1)).toEqual(epochLines(straight, 1));
    const second = await runCli([...quickArgs(data, 2), '--checkpoint', at('ck-split'), '--resume']);
    expect(second.code).toBe(0);
    expect(second.err.join('\n')).toMatch(/resuming from .*ck-split at epoch 2/);
    expect(second.out.some((l) => l.startsWith('Epoch 1 of'))).toBe(false);
    expect(epochLines(second, 2)).toEqual(epochLines(straight, 2));
    expect(finalLines(second)).toEqual(finalLines(straight));
    const a = readCheckpoint<{ epoch: number; history: unknown[] }>(at('ck-straight'))!;
    const b = readCheckpoint<{ epoch: number; history: unknown[] }>(at('ck-split'))!;
    expect(a.meta.epoch).toBe(2);
    expect(b.meta.epoch).toBe(2);
    expect(b.meta.history).toHaveLength(2);
    expect(b.arrays.map((x) => x.group)).toEqual(a.arrays.map((x) => x.group));
    expect(new Set(a.arrays.map((x) => x.group))).toEqual(new Set(['param', 'optimizer', 'rng']));
    a.arrays.forEach((x, i) => expect(Buffer.from(b.arrays[i].data.buffer).equals(Buffer.from(x.data.buffer))).toBe(true));
  });

  it('Ctrl-C writes a checkpoint after the current batch, exits 130, and resuming loses nothing', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const write = stdout.write.bind(stdout);
    stdout.write = (s: string) => {
      const r = write(s);
      if (s.startsWith('Starting training')) process.emit('SIGINT'); // interrupts during the first batch
      return r;
    };
    const before = process.listenerCount('SIGINT');
    const { main } = await import('../src/cli/main');
    const code = await main([...quickArgs(data, 2), '--checkpoint', at('ck-int')], { stdout, stderr });
    expect(code).toBe(130);
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(stdout.lines.some((l) => l.startsWith('Epoch'))).toBe(false);
    expect(stderr.text).toMatch(/interrupted: stopping after this batch/);
    expect(stderr.text).toMatch(/checkpoint written to .*ck-int.*epoch 1, 1 of 4 batches done/);
    const ck = readCheckpoint<{ epoch: number; batch: number }>(at('ck-int'))!;
    expect([ck.meta.epoch, ck.meta.batch]).toEqual([0, 1]);

    const resumed = await runCli([...quickArgs(data, 2), '--checkpoint', at('ck-int'), '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.err.join('\n')).toMatch(/resuming from .* at epoch 1, batch 2/);
    expect(epochLines(resumed, 1)).toEqual(epochLines(straight, 1));
    expect(epochLines(resumed, 2)).toEqual(epochLines(straight, 2));
    expect(finalLines(resumed)).toEqual(finalLines(straight));
  });

  it('a second Ctrl-C exits at once', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const exits: number[] = [];
    const write = stdout.write.bind(stdout);
    stdout.write = (s: string) => {
      if (s.startsWith('Starting training')) {
        process.emit('SIGINT');
        process.emit('SIGINT');
      }
      return write(s);
    };
    const { main } = await import('../src/cli/main');
    await main(quickArgs(data, 1), { stdout, stderr, exit: (c) => exits.push(c) });
    expect(exits).toEqual([130]);
    expect(stderr.text).toMatch(/interrupted again: exiting now/);
  });

  it('Ctrl-C before training starts exits at once', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const exits: number[] = [];
    const write = stdout.write.bind(stdout);
    stdout.write = (s: string) => {
      if (s.startsWith('Loading data')) process.emit('SIGINT');
      return write(s);
    };
    const { main } = await import('../src/cli/main');
    await main([...quickArgs(data, 1), '--checkpoint', at('ck-early')], { stdout, stderr, exit: (c) => exits.push(c) });
    expect(exits).toEqual([130]);
    expect(stderr.lines).toContain('mnist-train: interrupted');
  });

  it('save -> load round trip: --save writes the trained parameters, --load and L.loadParams read them back', async () => {
    expect(existsSync(at('straight.npz'))).toBe(true);
    // A run that loads them and barely moves them sees the saved network's validation loss.
    const loaded = await runCli([...quickArgs(data, 1), '--load', at('straight.npz'), '--learning-rate', '1e-12']);
    expect(loaded.code).toBe(0);
    const valLine = (r: CliRun, e: number) => epochLines(r, e)[1];
    expect(valLine(loaded, 1)).toEqual(valLine(straight, 2));
    // Through the library: a fresh network loading them reproduces the printed test numbers.
    const d = await loadMnist({ dataDir: data, validationSize: 100 });
    const inputVar = tensor4('inputs');
    const targetVar = ivector('targets');
    const net = buildCustomMlp(inputVar, { depth: 1, width: 32, dropInput: 0.2, dropHidden: 0.5 });
    await L.loadParams(net, at('straight.npz'));
    const pred = L.getOutput(net, { deterministic: true });
    const fn = compile([inputVar, targetVar], [mean(categoricalCrossentropy(pred, targetVar)), mean(eq(argmax(pred, 1), targetVar), 'float32')]);
    let err = 0;
    let acc = 0;
    let n = 0;
    for (const b of iterateMinibatches(d.test, d.test.labels, 50, false)) {
      const [e, a] = fn({ data: b.inputs, shape: [b.size, 1, 28, 28] }, b.targets) as number[];
      err += e;
      acc += a;
      n++;
    }
    expect(formatFinalLines(err / n, acc / n)).toEqual(finalLines(straight));
  });

  it('--plot writes a valid SVG with the curves', async () => {
    const r = await runCli([...quickArgs(data, 2), '--plot', at('plots/curves.svg')]);
    expect(r.code).toBe(0);
    const svg = readFileSync(at('plots/curves.svg'), 'utf8');
    expectWellFormedSvg(svg);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg).toContain('custom_mlp:1,32,0.2,0.5');
  });

  it('--json emits one record per line on stdout and moves the usual lines to stderr', async () => {
    const r = await runCli([...quickArgs(data, 2), '--json']);
    expect(r.code).toBe(0);
    const recs = r.out.map((l) => JSON.parse(l));
    expect(recs.map((x) => x.event)).toEqual(['start', 'epoch', 'epoch', 'test']);
    expect(recs[0]).toMatchObject({ model: 'custom_mlp:1,32,0.2,0.5', epochs: 2, batchSize: 50, seed: 42, trainCount: 200, valCount: 100, testCount: 100, resumed: false });
    expect(recs[1]).toMatchObject({ epoch: 1, epochs: 2, trainBatches: 4, valBatches: 2 });
    for (const k of ['seconds', 'trainLoss', 'valLoss', 'valAccuracy', 'trainAccuracy']) expect(typeof recs[1][k]).toBe('number');
    expect(recs[3].testAccuracy).toBeGreaterThanOrEqual(0);
    expect(r.stderr).toContain('Starting training...');
    // The JSON numbers are the printed ones.
    expect(r.err).toContain(`  training loss:\t\t${recs[2].trainLoss.toFixed(6)}`);
    expect(untimed(r.err.filter((l) => /^(Epoch|  |Final)/.test(l)))).toEqual(untimed(straight.out.slice(4)));
  });
});

describe('mnist-train runtime errors: one line, no stack trace', () => {
  it('a corrupt data file: exit 1', async () => {
    const bad = join(tmp.dir, 'bad-mnist');
    writeSyntheticData(bad);
    truncateSync(join(bad, 'train-images-idx3-ubyte'), 1000);
    const r = await runCli(quickArgs(bad, 1));
    expect(r.code).toBe(1);
    const errs = r.err.filter((l) => l.includes('error'));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^mnist-train: error: .*train-images-idx3-ubyte/);
    noStack(r.stderr);
  });
  it('a missing data directory: exit 1', async () => {
    const r = await runCli(quickArgs(join(tmp.dir, 'nowhere'), 1));
    expect(r.code).toBe(1);
    expect(r.err.filter((l) => l.startsWith('mnist-train: error:'))).toHaveLength(1);
    noStack(r.stderr);
  });
  it('a batch larger than the validation set: exit 2', async () => {
    const r = await runCli(quickArgs(data, 1, undefined, 150));
    expect(r.code).toBe(2);
    expect(r.err.at(-1)).toMatch(/^mnist-train: error: .*validation set has 100 items, fewer than one batch of 150/);
    noStack(r.stderr);
  });
  it('a parameter file that does not fit the model: exit 1', async () => {
    const r = await runCli([...quickArgs(data, 1, 'custom_mlp:2,8,0,0'), '--load', at('straight.npz')]);
    expect(r.code).toBe(1);
    expect(r.err.at(-1)).toMatch(/^mnist-train: error: cannot load the parameters from .*straight\.npz: .*mismatch/);
    noStack(r.stderr);
  });
  it('a damaged checkpoint with --resume: exit 1', async () => {
    const dir = at('ck-bad');
    await runCli([...quickArgs(data, 1), '--checkpoint', dir]);
    writeFileSync(checkpointPath(dir), Buffer.from('LTSCKPT\x01 garbage', 'latin1'));
    const r = await runCli([...quickArgs(data, 2), '--checkpoint', dir, '--resume']);
    expect(r.code).toBe(1);
    expect(r.err.at(-1)).toMatch(/^mnist-train: error: .*mnist-train\.ckpt: not a usable lasagne-ts checkpoint/);
    noStack(r.stderr);
  });
  it('a checkpoint of another model with --resume: exit 2, saying which MODEL the checkpoint has', async () => {
    const r = await runCli([...quickArgs(data, 2, 'custom_mlp:1,16,0.2,0.5'), '--checkpoint', at('ck-straight'), '--resume']);
    expect(r.code).toBe(2);
    expect(r.err.at(-1)).toBe(`mnist-train: error: MODEL custom_mlp:1,16,0.2,0.5 differs from the custom_mlp:1,32,0.2,0.5 of the checkpoint ${checkpointPath(at('ck-straight'))}: a resumed run continues with the checkpoint's settings; resume with MODEL custom_mlp:1,32,0.2,0.5, or pass --overwrite instead of --resume to start over with custom_mlp:1,16,0.2,0.5`);
  });
});
