/**
 * Reliability of mnist-train and lasagne-classic, through the real built binaries on tiny synthetic
 * data: output locations checked up front, full disks, signals, stale temporary files, existing
 * checkpoints, divergence, bad parameter files, memory limits, data-dir messages and resuming
 * with other settings. (Issue 16; each `it` names the item it covers.)
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as L from '@lasagne-ts/layers';
import { checkpointPath } from '@lasagne-ts/train';
import { makeSyntheticMnist } from '../src/data';
import { classicBin, ensureBuilt, failWrites, spawnCli } from './binary';
import { quickArgs, runCli, tempDir, writeSyntheticData } from './helpers';

const asRoot = process.getuid?.() === 0;
let tmp: { dir: string; cleanup: () => void };
let data: string;
const at = (...p: string[]) => join(tmp.dir, ...p);
const fresh = (name: string) => {
  mkdirSync(at(name), { recursive: true });
  return at(name);
};
/** A process id that is not running any more. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);

beforeAll(() => {
  ensureBuilt();
  tmp = tempDir('mnist-reliability-');
  data = writeSyntheticData(at('mnist'));
}, 180_000);
afterAll(() => tmp?.cleanup());

describe('1, 11, 13: output locations are checked before the first batch (exit 2 naming the option and the path)', () => {
  it('a directory as --save, --checkpoint and --plot under /proc (no hang), a missing --save directory is created', async () => {
    const asDir = fresh('d.npz');
    const cases: [string[], string][] = [
      [['--save', asDir], `mnist-train: error: --save ${asDir}: ${asDir} is a directory; give a file name`],
      [['--checkpoint', '/proc/ck'], 'mnist-train: error: --checkpoint /proc/ck: cannot create the directory /proc/ck: '],
      [['--plot', '/proc/c.svg'], 'mnist-train: error: --plot /proc/c.svg: cannot create files in /proc: '],
      [['--save', '/proc/nodir/p.npz'], 'mnist-train: error: --save /proc/nodir/p.npz: cannot create the directory /proc/nodir: '],
      [['--graph', '/proc/g.svg'], 'mnist-train: error: --graph /proc/g.svg: cannot create files in /proc: '],
    ];
    for (const [extra, message] of cases) {
      const r = await spawnCli([...quickArgs(data, 1), ...extra]);
      expect({ extra, code: r.code }).toEqual({ extra, code: 2 });
      expect(lastLine(r.stderr)).toContain(message);
      expect(r.stdout).not.toContain('Starting training');
      expect(r.ms).toBeLessThan(20_000);
    }
    const deep = at('nodir', 'sub', 'p.npz');
    const ok = await spawnCli([...quickArgs(data, 1), '--save', deep]);
    expect(ok.code).toBe(0);
    expect(L.readParamFile(deep)).toHaveLength(4);
  });

  (asRoot ? it.skip : it)('a read-only directory (skipped as root, who may write anyway)', async () => {
    const ro = fresh('ro');
    chmodSync(ro, 0o555);
    try {
      const r = await spawnCli([...quickArgs(data, 1), '--save', join(ro, 'p.npz')]);
      expect(r.code).toBe(2);
      expect(lastLine(r.stderr)).toBe(`mnist-train: error: --save ${join(ro, 'p.npz')}: cannot create files in ${ro}: permission denied (EACCES)`);
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it('lasagne-classic logreg --save and filters --out too', async () => {
    const asDir = fresh('best.npz');
    const r = await spawnCli(['logreg', '--data-dir', data, '--validation-size', '100', '--batch-size', '50', '--epochs', '1', '--save', asDir], { script: classicBin });
    expect(r.code).toBe(2);
    expect(lastLine(r.stderr)).toBe(`lasagne-classic: error: --save ${asDir}: ${asDir} is a directory; give a file name`);
    expect(r.stdout).not.toContain('training the model');
    const png = await spawnCli(['filters', '--out', '/proc/f.png'], { script: classicBin });
    expect(png.code).toBe(2);
    expect(lastLine(png.stderr)).toMatch(/^lasagne-classic: error: --out \/proc\/f\.png: cannot create files in \/proc: /);
  });
});

describe('1: a full disk at the final save', () => {
  it('exits 1 naming the real path and ENOSPC, and keeps the parameters elsewhere, saying where', async () => {
    const out = fresh('full');
    const spare = fresh('spare-tmp');
    const env = { FAIL_WRITES: `^${out}/`, TMPDIR: spare };
    const r = await spawnCli([...quickArgs(data, 1), '--save', join(out, 'p.npz')], { nodeArgs: ['-r', failWrites], env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Final results:');
    const kept = join(spare, `lasagne-ts-${/lasagne-ts-(\d+)-p\.npz/.exec(r.stderr)?.[1]}-p.npz`);
    expect(lastLine(r.stderr)).toBe(`mnist-train: error: cannot write the parameters ${join(out, 'p.npz')}: no space left on device (ENOSPC); the trained parameters were saved to ${kept} instead.`);
    expect(L.readParamFile(kept)).toHaveLength(4);
    expect(readdirSync(out)).toEqual([]); // no temporary file left behind

    // With a checkpoint directory, the parameters go there (and the checkpoint holds them too).
    const ck = fresh('full-ck');
    const r2 = await spawnCli([...quickArgs(data, 1), '--save', join(out, 'p.npz'), '--checkpoint', ck], { nodeArgs: ['-r', failWrites], env });
    expect(r2.code).toBe(1);
    expect(lastLine(r2.stderr)).toBe(`mnist-train: error: cannot write the parameters ${join(out, 'p.npz')}: no space left on device (ENOSPC); the trained parameters were saved to ${join(ck, 'p.npz')} instead (the checkpoint ${checkpointPath(ck)} holds them too).`);
    expect(L.readParamFile(join(ck, 'p.npz'))).toHaveLength(4);
  });
});

describe('2, 3: signals', () => {
  it('Ctrl-C during the final test pass: exit 130, no --save, the checkpoint holds the trained network', async () => {
    // A large test set, so that the test pass is still running when the signal arrives.
    const big = at('mnist-big-test');
    makeSyntheticMnist(big, { train: 300, test: 6000, seed: 7 });
    const ck = at('ck-final');
    let sent = false;
    const r = await spawnCli([...quickArgs(big, 1), '--checkpoint', ck, '--save', at('final.npz')], {
      onOutput: (out, _err, kill) => {
        if (!sent && out.includes('Epoch 1 of 1')) {
          sent = true;
          kill('SIGINT');
        }
      },
    });
    expect(r.code).toBe(130);
    expect(r.stdout).not.toContain('Final results');
    expect(r.stderr).toMatch(/interrupted (during|before) the final test pass: the checkpoint .*mnist-train\.ckpt holds epoch 1/);
    expect(existsSync(at('final.npz'))).toBe(false);
    // Resuming runs just the test pass.
    const resumed = await spawnCli([...quickArgs(big, 1), '--checkpoint', ck, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).not.toContain('Epoch 1 of 1');
    expect(resumed.stdout).toContain('Final results:');
  }, 120_000);

  it('SIGTERM: a checkpoint, exit 143; the run resumes from it', async () => {
    const ck = at('ck-term');
    let sent = false;
    const r = await spawnCli([...quickArgs(data, 1000), '--checkpoint', ck], {
      onOutput: (out, _err, kill) => {
        if (!sent && out.includes('Epoch 1 of 1000')) {
          sent = true;
          kill('SIGTERM');
        }
      },
    });
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('mnist-train: terminated (SIGTERM): stopping after this batch and writing a checkpoint');
    expect(r.stderr).toMatch(/checkpoint written to .*mnist-train\.ckpt/);
    expect(existsSync(checkpointPath(ck))).toBe(true);
    const resumed = await spawnCli([...quickArgs(data, 2), '--checkpoint', ck, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from .* at epoch 2/);
  });
});

describe('4: a --plot write failure warns and training goes on', () => {
  it('exit 0, one warning naming the plot and ENOSPC, no temporary or empty file', async () => {
    const plots = fresh('plots-full');
    const r = await spawnCli([...quickArgs(data, 2), '--plot', join(plots, 'c.svg')], { nodeArgs: ['-r', failWrites], env: { FAIL_WRITES: `^${plots}/` } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Final results:');
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toEqual([
      `mnist-train: warning: cannot write the plot ${join(plots, 'c.svg')}: no space left on device (ENOSPC); training goes on (the plot is rewritten after every epoch)`,
      `mnist-train: warning: the learning curves were not written: cannot write the plot ${join(plots, 'c.svg')}: no space left on device (ENOSPC)`,
    ]);
    expect(readdirSync(plots)).toEqual([]);
  });
});

describe('5: temporary files', () => {
  it('those of killed checkpoint writes are removed by the next write; live ones stay', async () => {
    const ck = fresh('ck-stale');
    const dead = deadPid();
    const stale = [`.mnist-train.ckpt.${dead}.tmp`, `.mnist-train.ckpt.${dead}.k3x9q1.tmp`];
    const live = `.mnist-train.ckpt.${process.pid}.aaaaaa.tmp`;
    for (const n of [...stale, live]) writeFileSync(join(ck, n), 'partial');
    const r = await spawnCli([...quickArgs(data, 1), '--checkpoint', ck]);
    expect(r.code).toBe(0);
    expect(readdirSync(ck).sort()).toEqual([live, 'mnist-train.ckpt'].sort());
  });

  it('the wasm worker file is one shared, versioned copy in a private directory, not a directory per process', async () => {
    const t = fresh('tmpdir-wasm');
    for (let i = 0; i < 2; i++) {
      const r = await spawnCli(quickArgs(data, 1).map((a) => (a === 'cpu' ? 'wasm' : a)), { env: { TMPDIR: t, LASAGNE_BACKEND: 'wasm', LASAGNE_WASM_THREADS: '2' } });
      expect(r.code).toBe(0);
    }
    const entries = readdirSync(t);
    expect(entries.filter((e) => e.startsWith('lasagne-wasm-'))).toEqual([]);
    // (a machine where the threaded build cannot start writes no worker file at all)
    if (entries.length) {
      expect(entries).toEqual([`lasagne-ts-${process.getuid?.() ?? 'user'}`]);
      expect(readdirSync(join(t, entries[0]))).toEqual([expect.stringMatching(/^wasm-worker-\d+\.\d+\.\d+-[0-9a-f]{16}\.js$/)]);
    }
  });
});

describe('6, 7: existing checkpoints and divergence', () => {
  it('an existing checkpoint needs --resume or --overwrite; a diverging run stops (exit 1) and leaves it as it was', async () => {
    const ck = at('ck-keep');
    expect((await spawnCli([...quickArgs(data, 1), '--checkpoint', ck])).code).toBe(0);
    const good = readFileSync(checkpointPath(ck));
    const again = await spawnCli([...quickArgs(data, 1), '--checkpoint', ck]);
    expect(again.code).toBe(2);
    expect(lastLine(again.stderr)).toBe(`mnist-train: error: --checkpoint ${ck}: ${checkpointPath(ck)} holds the checkpoint of an earlier run; add --resume to continue it, or --overwrite to start over and replace it`);
    expect(again.stdout).not.toContain('Starting training');

    const diverged = await spawnCli([...quickArgs(data, 3), '--checkpoint', ck, '--overwrite', '--learning-rate', '1e30', '--save', at('nan.npz')]);
    expect(diverged.code).toBe(1);
    expect(lastLine(diverged.stderr)).toMatch(/^mnist-train: error: training diverged: the training loss became NaN in epoch 1, batch \d+ \(learning rate 1e\+30\); stopped, and nothing was saved\. Try a smaller learning rate\.$/);
    expect(diverged.stdout).not.toMatch(/training loss:\s+nan/);
    expect(readFileSync(checkpointPath(ck)).equals(good)).toBe(true);
    expect(existsSync(at('nan.npz'))).toBe(false);

    const over = await spawnCli([...quickArgs(data, 1), '--checkpoint', ck, '--overwrite']);
    expect(over.code).toBe(0);
  });
});

describe('8: a parameter file with bad safetensors offsets', () => {
  it('exit 1 with the FormatError naming the file and the tensor', async () => {
    const json = Buffer.from(JSON.stringify({ arr_0: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const file = at('neg.safetensors');
    writeFileSync(file, Buffer.concat([len, json, Buffer.alloc(8)]));
    const r = await spawnCli([...quickArgs(data, 1), '--load', file]);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(`mnist-train: error: cannot load the parameters from ${file}: ${file}: tensor 'arr_0' has data_offsets [-8,0]; expected two integers 0 <= begin <= end <= 8 (the size of the data section).`);
  });
});

describe('9: widths that cannot fit', () => {
  it('are refused before anything is allocated (exit 2 naming WIDTH and the estimate)', async () => {
    const huge = await spawnCli(quickArgs(data, 1, 'custom_mlp:1,100000000,0.2,0.5'));
    expect(huge.code).toBe(2);
    expect(lastLine(huge.stderr)).toMatch(/^mnist-train: error: MODEL custom_mlp:1,100000000,0\.2,0\.5: custom_mlp with WIDTH 100000000 and DEPTH 1 has 79,500,000,010 parameters and needs about 1\.5 TB to train with batches of 50, more than the .* of memory available; use a smaller WIDTH \(or DEPTH\) or --batch-size\.$/);
    expect(huge.ms).toBeLessThan(20_000);
    const wasm = await spawnCli(quickArgs(data, 1, 'custom_mlp:1,3000000,0.2,0.5').map((a) => (a === 'cpu' ? 'wasm' : a)), { env: { LASAGNE_BACKEND: 'wasm' } });
    expect(wasm.code).toBe(2);
    expect(lastLine(wasm.stderr)).toMatch(/WIDTH 3000000 and DEPTH 1 has 2,385,000,010 parameters and needs about 46\.7 GB to train with batches of 50, more than the wasm backend's 4\.0 GB heap/);
  });
});

describe('10: --data-dir messages say what the path is', () => {
  it('a file given as the directory', async () => {
    const file = join(data, 'train-labels-idx1-ubyte');
    const r = await spawnCli(quickArgs(file, 1));
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(new RegExp(`^mnist-train: error: ${file}: expected a directory \\(from dataDir\\) holding the four MNIST IDX files, but found a file of \\d+ bytes, not a directory\\.`));
  });
});

describe('15: resuming with other settings', () => {
  it('a different --learning-rate or --seed is refused (exit 2); left out, the checkpoint values are used and reported', async () => {
    const ck = at('ck-settings');
    expect((await spawnCli([...quickArgs(data, 1), '--checkpoint', ck, '--learning-rate', '0.05'])).code).toBe(0);
    const lr = await spawnCli([...quickArgs(data, 2), '--checkpoint', ck, '--resume', '--learning-rate', '0.1']);
    expect(lr.code).toBe(2);
    expect(lastLine(lr.stderr)).toBe(`mnist-train: error: --learning-rate 0.1 differs from the 0.05 of the checkpoint ${checkpointPath(ck)}: a resumed run continues with the checkpoint's settings; leave --learning-rate out, or pass --overwrite instead of --resume to start over with 0.1`);
    const seed = await spawnCli([...quickArgs(data, 2).map((a) => (a === '42' ? '7' : a)), '--checkpoint', ck, '--resume']);
    expect(seed.code).toBe(2);
    expect(lastLine(seed.stderr)).toContain('--seed 7 differs from the 42 of the checkpoint');
    const ok = await spawnCli([...quickArgs(data, 2), '--checkpoint', ck, '--resume', '--json']);
    expect(ok.code).toBe(0);
    const start = JSON.parse(ok.stdout.split('\n')[0]);
    expect(start).toMatchObject({ event: 'start', resumed: true, learningRate: 0.05, momentum: 0.9, batchSize: 50, seed: 42, startEpoch: 2 });
  });
});

describe('2 (in-process): a signal right after the last epoch', () => {
  it('stops before the test pass: exit 130, the checkpoint holds the network, no --save', async () => {
    const ac = new AbortController();
    const stdout = { text: '', isTTY: false, columns: 80, write(s: string) { this.text += s; if (s.startsWith('Epoch 2 of 2')) ac.abort(); return true; } };
    const stderr = { text: '', isTTY: false, columns: 80, write(s: string) { this.text += s; return true; } };
    const { main } = await import('../src/cli/main');
    const code = await main([...quickArgs(data, 2), '--checkpoint', at('ck-last'), '--save', at('last.npz')], { stdout, stderr, signal: ac.signal });
    expect(code).toBe(130);
    expect(stdout.text).not.toContain('Final results');
    expect(stderr.text).toContain(`interrupted before the final test pass: the checkpoint ${checkpointPath(at('ck-last'))} holds epoch 2`);
    expect(existsSync(at('last.npz'))).toBe(false);
    // an abort with reason SIGTERM gives 143
    const ac2 = new AbortController();
    const code2 = await runCli([...quickArgs(data, 2)], { signal: ac2.signal, stdout: { ...stdout, text: '', write(s: string) { if (s.startsWith('Epoch 1 of 2')) ac2.abort('SIGTERM'); return true; } } as never });
    expect(code2.code).toBe(143);
  });
});
