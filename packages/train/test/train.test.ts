import { setBackend, tensor4, type SymbolicTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { safetensorsMetadata } from '@lasagne-ts/layers';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointPath, readCheckpoint, train, TrainOptionsError, type BatchInfo, type EpochRecord, type StartInfo } from '../src';
import { encodeCheckpointV1, syntheticData, tempDir } from './helpers';

let tmp: { dir: string; cleanup: () => void };
const data = syntheticData([1, 28, 28]);
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

/** A small CNN with dropout (a builder: train() makes its input variable). */
function smallCnn(inputVar?: SymbolicTensor): L.Layer {
  let net: L.Layer = new L.InputLayer([null, 1, 28, 28], { inputVar });
  net = new L.Conv2DLayer(net, { numFilters: 4, filterSize: 5, nonlinearity: L.rectify });
  net = new L.MaxPool2DLayer(net, { poolSize: 4 });
  return new L.DenseLayer(L.dropout(net, { p: 0.5 }), { numUnits: 10, nonlinearity: L.softmax });
}

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

  it('resumes from a version 1 checkpoint (written before checkpoints were safetensors) as from the same version 2 one', async () => {
    const ac = new AbortController();
    const v2 = join(tmp.dir, 'v2');
    await train({ network: myNet(), data, epochs: 2, batchSize: 50, seed: 3, checkpoint: v2, signal: ac.signal, onBatch: (b) => void (b.epoch === 1 && b.batch === 2 && ac.abort()) });
    const v1 = join(tmp.dir, 'v1');
    mkdirSync(v1);
    writeFileSync(checkpointPath(v1), encodeCheckpointV1(readCheckpoint(v2)!));
    const numbers = (h: EpochRecord[]) => h.map((e) => [e.trainLoss, e.valLoss, e.valAccuracy]);
    const fromV2 = await train({ network: myNet(), data, epochs: 2, batchSize: 50, seed: 3, checkpoint: { dir: v2, resume: true } });
    const starts: StartInfo[] = [];
    const fromV1 = await train({ network: myNet(), data, epochs: 2, batchSize: 50, seed: 3, checkpoint: { dir: v1, resume: true }, onStart: (s) => void starts.push(s) });
    expect(starts.map((s) => [s.resumed, s.epoch, s.batch])).toEqual([[true, 0, 2]]); // 0 epochs done, 2 batches into the first
    expect(numbers(fromV1.history)).toEqual(numbers(fromV2.history));
    expect(fromV1.test).toEqual(fromV2.test);
    // The checkpoint written after the resume is version 2.
    expect(safetensorsMetadata(readFileSync(checkpointPath(v1)))?.version).toBe('2');
  });

  it('builds a CNN from a builder on a fresh 4-d input and trains it (on wasm: faster convolution gradients)', async () => {
    await setBackend('wasm');
    try {
      const r = await train({ network: smallCnn, data, epochs: 2, batchSize: 50, seed: 1 });
      expect(r.inputVar.ndim).toBe(4);
      expect(r.inputVar.name).toBe('inputs');
      expect(Number.isFinite(r.history[0].trainLoss)).toBe(true);
      expect(Number.isFinite(r.test!.loss)).toBe(true);
      expect(L.getAllParams(r.network)).toHaveLength(4);
      // the same seed gives the same run (weights, dropout masks, shuffles)
      const again = await train({ network: smallCnn, data, epochs: 2, batchSize: 50, seed: 1 });
      expect(again.history.map((h) => h.trainLoss)).toEqual(r.history.map((h) => h.trainLoss));
    } finally {
      await setBackend('cpu');
    }
  });

  it('trains on flat vectors with a builder (a matrix input variable)', async () => {
    const flat = syntheticData([20]);
    const mlp = (inputVar?: SymbolicTensor) => new L.DenseLayer(new L.InputLayer([null, 20], { inputVar }), { numUnits: 10, nonlinearity: L.softmax });
    const r = await train({ network: mlp, data: flat, epochs: 8, batchSize: 20, seed: 2, learningRate: 0.5 });
    expect(r.inputVar.ndim).toBe(2);
    expect(r.history.at(-1)!.valAccuracy).toBeGreaterThan(0.5); // chance: 0.1
  });

  it('rejects unusable options with a TrainOptionsError', async () => {
    await expect(train({ network: myNet(), data, batchSize: 0 })).rejects.toThrow(TrainOptionsError);
    await expect(train({ network: myNet(), data, epochs: 1.5 })).rejects.toThrow(/epochs must be a positive integer/);
    await expect(train({ network: myNet(), data, batchSize: 101 })).rejects.toThrow(/validation set has 100 items, fewer than one batch of 101/);
  });
});
