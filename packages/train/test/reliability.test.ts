/**
 * train()'s reliability guarantees as a library: typed divergence errors, checkpoints never
 * replaced by accident or with non-finite values, one rule for resuming with other settings,
 * the signal honoured up to the end of the test pass, and output locations checked first.
 */
import type { SymbolicTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointPath, DivergenceError, readCheckpoint, ResumeMismatchError, train, TrainOptionsError, type TrainCheckpointMeta } from '../src';
import { syntheticData, tempDir } from './helpers';

let tmp: { dir: string; cleanup: () => void };
const data = syntheticData([1, 28, 28]);
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());
const at = (p: string) => join(tmp.dir, p);

const mlp = (inputVar?: SymbolicTensor): L.Layer =>
  new L.DenseLayer(new L.DenseLayer(new L.InputLayer([null, 1, 28, 28], { inputVar }), { numUnits: 16, nonlinearity: L.rectify }), { numUnits: 10, nonlinearity: L.softmax });

describe('divergence', () => {
  it('a non-finite loss is a DivergenceError naming epoch, batch and learning rate; nothing non-finite is saved', async () => {
    const dir = at('div');
    const good = await train({ network: mlp, data, epochs: 1, batchSize: 50, seed: 1, checkpoint: dir });
    expect(good.interrupted).toBe(false);
    const before = readFileSync(checkpointPath(dir));
    let err: unknown;
    try {
      await train({ network: mlp, data, epochs: 2, batchSize: 50, seed: 1, learningRate: 1e30, checkpoint: { dir, overwrite: true }, saveParams: at('div.npz') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d.epoch).toBe(1);
    expect(d.batch).toBeGreaterThanOrEqual(2);
    expect(d.message).toBe(`training diverged: the training loss became NaN in epoch 1, batch ${d.batch} (learning rate 1e+30); stopped, and nothing was saved. Try a smaller learning rate.`);
    expect(readFileSync(checkpointPath(dir)).equals(before)).toBe(true);
    expect(existsSync(at('div.npz'))).toBe(false);
  });

  it('a parameter made non-finite (finite loss) is caught at the epoch end, before any checkpoint', async () => {
    const dir = at('div-param');
    let net: L.Layer | undefined;
    const err = await train({
      network: (v) => (net = mlp(v)),
      data, epochs: 2, batchSize: 50, seed: 1, checkpoint: dir,
      onEpoch: () => {
        // An update rule gone wrong: an unused-by-the-loss parameter becomes infinite.
        const b = L.getAllParams(net!).at(-1)!;
        const v = b.get();
        const bad = Float32Array.from(v.data);
        bad[3] = Infinity;
        b.set({ data: bad, shape: v.shape });
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(/^training diverged: param3:\S* holds NaN or infinite values at the end of epoch 1 \(learning rate 0\.01\); stopped, and nothing was saved\./);
    expect(existsSync(checkpointPath(dir))).toBe(false);
  });
});

describe('checkpoints', () => {
  it('an existing one is an error without resume or overwrite; resume and overwrite together too', async () => {
    const dir = at('exists');
    await train({ network: mlp, data, epochs: 1, batchSize: 50, seed: 1, checkpoint: dir });
    await expect(train({ network: mlp, data, epochs: 1, batchSize: 50, seed: 1, checkpoint: dir })).rejects.toThrow(
      `train: ${checkpointPath(dir)} holds the checkpoint of an earlier run; resume it (checkpoint.resume) or replace it (checkpoint.overwrite), or use another directory.`,
    );
    await expect(train({ network: mlp, data, epochs: 1, batchSize: 50, checkpoint: { dir, resume: true, overwrite: true } })).rejects.toThrow(TrainOptionsError);
    const over = await train({ network: mlp, data, epochs: 1, batchSize: 50, seed: 2, checkpoint: { dir, overwrite: true } });
    expect(readCheckpoint<TrainCheckpointMeta>(dir)!.meta.seed).toBe(2);
    expect(over.interrupted).toBe(false);
  });

  it('a checkpoint directory that cannot be made, a saveParams directory that does not exist: errors before training', async () => {
    let built = false;
    const builder = (v?: SymbolicTensor) => ((built = true), mlp(v));
    await expect(train({ network: builder, data, epochs: 1, batchSize: 50, checkpoint: '/proc/ck' })).rejects.toThrow(/^checkpoint directory \/proc\/ck: cannot create the directory \/proc\/ck: /);
    await expect(train({ network: builder, data, epochs: 1, batchSize: 50, saveParams: at('no/such/p.npz') })).rejects.toThrow(`train: saveParams ${at('no/such/p.npz')}: the directory ${at('no/such')} does not exist; create it first`);
    expect(built).toBe(false);
  });
});

describe('resuming with other settings: the checkpoint decides, a different value is an error', () => {
  it('left out: the checkpoint values; given and different: ResumeMismatchError naming both', async () => {
    const dir = at('settings');
    await train({ network: mlp, data, epochs: 1, batchSize: 50, seed: 5, learningRate: 0.05, momentum: 0.5, checkpoint: dir });
    let start: { seed: number; learningRate: number; momentum: number; batchSize: number } | undefined;
    const r = await train({ network: mlp, data, epochs: 2, checkpoint: { dir, resume: true }, onStart: (s) => (start = s) });
    expect(start).toMatchObject({ seed: 5, learningRate: 0.05, momentum: 0.5, batchSize: 50 });
    expect(r.seed).toBe(5);
    for (const [k, v] of [['learningRate', 0.1], ['momentum', 0.9], ['batchSize', 25], ['seed', 6]] as const) {
      const e = await train({ network: mlp, data, epochs: 3, checkpoint: { dir, resume: true }, [k]: v }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ResumeMismatchError);
      expect(e).toMatchObject({ setting: k, given: v });
      expect((e as Error).message).toContain(`the checkpoint was made with ${k} `);
    }
  });
});

describe('the signal up to the end of the test pass', () => {
  it('aborted after the last epoch (before the test pass ends): interrupted, no test result, no saved parameters', async () => {
    const ac = new AbortController();
    const dir = at('test-pass');
    mkdirSync(dir, { recursive: true });
    let valCalls = 0;
    const r = await train({
      network: mlp, data, epochs: 1, batchSize: 50, seed: 1, checkpoint: dir, signal: ac.signal, saveParams: join(dir, 'p.npz'),
      onEpoch: () => {
        // After the last epoch's record: the next thing is the test pass; abort during its first batch.
        valCalls++;
        setImmediate(() => ac.abort());
      },
    });
    expect(valCalls).toBe(1);
    expect(r.interrupted).toBe(true);
    expect(r.test).toBeUndefined();
    expect(r.epochsDone).toBe(1);
    expect(existsSync(join(dir, 'p.npz'))).toBe(false);
    expect(readCheckpoint<TrainCheckpointMeta>(dir)!.meta.epoch).toBe(1);
  });
});
