import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointPath } from '@lasagne-ts/train';
import { bin, classicBin, ensureBuilt, spawnCli as spawnWith } from './binary';
import { quickArgs, tempDir, writeSyntheticData } from './helpers';

const spawnCli = (args: string[], onStdout?: (out: string, kill: (sig: NodeJS.Signals) => void) => void, script = bin) =>
  spawnWith(args, { script, onOutput: onStdout && ((out, _err, kill) => onStdout(out, kill)) });

describe('the built mnist-train binary (spawned)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let data: string;
  beforeAll(() => {
    ensureBuilt();
    tmp = tempDir();
    data = writeSyntheticData(join(tmp.dir, 'mnist'));
  }, 180_000);
  afterAll(() => tmp?.cleanup());

  it('runs, exits 0 and prints the lines; has a shebang; Ctrl-C writes a checkpoint and exits 130', async () => {
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const ok = await spawnCli(quickArgs(data, 1));
    expect(ok.stderr).not.toMatch(/^\s+at /m);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Using backend: cpu .*\nLoading data\.\.\.\nBuilding model and compiling functions\.\.\.\nStarting training\.\.\.\nEpoch 1 of 1 took \d+\.\d{3}s\n {2}training loss:\t\t\d+\.\d{6}\n {2}validation loss:\t\t\d+\.\d{6}\n {2}validation accuracy:\t\t\d+\.\d{2} %\nFinal results:\n {2}test loss:\t\t\t\d+\.\d{6}\n {2}test accuracy:\t\t\d+\.\d{2} %\n$/);

    const bad = await spawnCli(['resnet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("mnist-train: error: unrecognized model type 'resnet'; expected mlp, cnn or custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID. (see mnist-train --help)\n");

    const ck = join(tmp.dir, 'ck');
    let sent = false;
    const int = await spawnCli([...quickArgs(data, 1000), '--checkpoint', ck], (out, kill) => {
      if (!sent && out.includes('Epoch 1 of 1000')) {
        sent = true;
        kill('SIGINT');
      }
    });
    expect(int.code).toBe(130);
    expect(int.stderr).toMatch(/checkpoint written to /);
    expect(int.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(checkpointPath(ck))).toBe(true);
  });

  it('lasagne-classic: runs a program, exits 2 with one line on a bad command line', async () => {
    expect(readFileSync(classicBin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const ok = await spawnCli(['logreg', '--data-dir', data, '--validation-size', '100', '--batch-size', '50', '--epochs', '1'], undefined, classicBin);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^\.\.\. loading data\n\.\.\. building the model\n\.\.\. training the model\nepoch 1, minibatch 4\/4, validation error \d+\.\d{6} %\n {5}epoch 1, minibatch 4\/4, test error of best model \d+\.\d{6} %\nOptimization complete with best validation score of \d+\.\d{6} %,with test performance \d+\.\d{6} %\nThe code run for 1 epochs, with \d+\.\d{6} epochs\/sec\n$/);
    expect(ok.stderr).toMatch(/^lasagne-classic logreg: using backend cpu /);
    const bad = await spawnCli(['resnet'], undefined, classicBin);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("lasagne-classic: error: unknown program 'resnet': choose one of logreg, lenet, network3, simple-convnet, filters, recurrent (see lasagne-classic --help)\n");
  });
});
