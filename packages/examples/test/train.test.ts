import { setBackend, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { join } from 'node:path';
import { buildCnn, readCheckpoint, train, TrainOptionsError, type BatchInfo, type EpochRecord, type MnistData } from '../src';
import { loadMnist } from '../src/data';
import { tempDir, writeSyntheticData } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let data: MnistData;
beforeAll(async () => {
  tmp = tempDir();
  data = await loadMnist({ dataDir: writeSyntheticData(join(tmp.dir, 'mnist')), validationSize: 100 });
});
afterAll(() => tmp.cleanup());

/** A user's own network (no dropout), built on its own input variable. */
function myNet(): L.Layer {
  const input = new L.InputLayer([null, 1, 28, 28], { inputVar: tensor4('mine') });
  return new L.DenseLayer(new L.DenseLayer(input, { numUnits: 16 }), { numUnits: 10, nonlinearity: L.softmax });
}

describe('train()', () => {
  it('trains a built network with callbacks, reporting mnist.py lines', async () => {
    const lines: string[] = [];
    const batches: BatchInfo[] = [];
    const epochs: EpochRecord[] = [];
    const net = myNet();
    const r = await train({ network: net, data, epochs: 3, batchSize: 50, seed: 3, log: (l) => lines.push(l), onBatch: (b) => batches.push(b), onEpoch: (e) => void epochs.push(e) });
    expect(r.network).toBe(net);
    expect(r.interrupted).toBe(false);
    expect(r.epochsDone).toBe(3);
    expect(batches).toHaveLength(12);
    expect(batches.slice(0, 4).map((b) => [b.epoch, b.batch, b.batches])).toEqual([[1, 1, 4], [1, 2, 4], [1, 3, 4], [1, 4, 4]]);
    expect(epochs).toEqual(r.history);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(epochs[2].trainLoss).toBeLessThan(epochs[0].trainLoss);
    expect(epochs[2].valAccuracy).toBeGreaterThan(0.2); // chance: 0.1
    expect(r.test!.batches).toBe(2);
    expect(lines[0]).toBe('Building model and compiling functions...');
    expect(lines[1]).toBe('Starting training...');
    expect(lines).toHaveLength(2 + 3 * 4 + 3);
    expect(lines.at(-3)).toBe('Final results:');
  });

  it('stops at the end of the batch when the signal aborts, with a mid-epoch checkpoint', async () => {
    const ac = new AbortController();
    const dir = join(tmp.dir, 'ck');
    const r = await train({
      network: myNet(), data, epochs: 5, batchSize: 50, seed: 3, checkpoint: dir, signal: ac.signal,
      onBatch: (b) => {
        if (b.epoch === 2 && b.batch === 2) ac.abort();
      },
    });
    expect(r.interrupted).toBe(true);
    expect(r.epochsDone).toBe(1);
    expect(r.test).toBeUndefined();
    const ck = readCheckpoint<{ epoch: number; batch: number; history: unknown[] }>(dir)!;
    expect([ck.meta.epoch, ck.meta.batch, ck.meta.history.length]).toEqual([1, 2, 1]);
    expect(ck.arrays.filter((a) => a.group === 'optimizer')).toHaveLength(4); // one velocity per parameter
    expect(ck.arrays.filter((a) => a.group === 'rng')).toHaveLength(0); // no dropout in this network
  });

  it("trains mnist.py's CNN (on wasm: the plain-JS backend's convolution gradients are far too slow)", async () => {
    await setBackend('wasm');
    const r = await train({ network: buildCnn, data: { ...data, train: { ...data.train, count: 100, images: data.train.images.subarray(0, 100 * 784), labels: data.train.labels.subarray(0, 100) } }, epochs: 1, batchSize: 50, seed: 1 });
    expect(Number.isFinite(r.history[0].trainLoss)).toBe(true);
    expect(Number.isFinite(r.test!.loss)).toBe(true);
    expect(L.getAllParams(r.network)).toHaveLength(8);
    await setBackend('cpu');
  });

  it('rejects unusable options with a TrainOptionsError', async () => {
    await expect(train({ network: myNet(), data, batchSize: 0 })).rejects.toThrow(TrainOptionsError);
    await expect(train({ network: myNet(), data, epochs: 1.5 })).rejects.toThrow(/epochs must be a positive integer/);
    await expect(train({ network: myNet(), data, batchSize: 101 })).rejects.toThrow(/validation set has 100 items, fewer than one batch of 101/);
  });
});
