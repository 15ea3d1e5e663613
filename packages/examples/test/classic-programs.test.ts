/**
 * The classic programs on a small synthetic MNIST (200 training, 100 validation, 100 test
 * images) on the wasm backend: each trains a few steps and its loss goes down; `givens` index
 * slicing feeds the same rows as direct feeding.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { compile, getBackend, iscalar, ivector, matrix, setBackend, setSeed, type CompiledFunction, type HostTensor } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import {
  buildLenet5,
  buildSimpleConvnet,
  drawScene,
  LogisticRegression,
  minibatchGivens,
  network3,
  runFilters,
  runLenet,
  runLogreg,
  runNetwork3,
  runSimpleConvnet,
  sharedDataset,
  type ClassicIO,
  type MnistData,
} from '../src';
import { loadMnist } from '../src/data';
import { expectWellFormedSvg, tempDir, writeSyntheticData } from './helpers';

let tmp: { dir: string; cleanup: () => void };
let data: MnistData;
beforeAll(async () => {
  await setBackend('wasm');
  tmp = tempDir('classic-');
  data = await loadMnist({ dataDir: writeSyntheticData(join(tmp.dir, 'mnist')), validationSize: 100 });
});
afterAll(async () => {
  tmp.cleanup();
  await setBackend('cpu');
});

/** Collects what a program prints. */
function capture(): ClassicIO & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l) };
}

describe('givens: a minibatch index selects the same rows as feeding them', () => {
  it.each(['wasm', 'cpu'])('logistic regression outputs on %s', async (backend) => {
    await setBackend(backend);
    try {
      const bs = 30; // 200 / 30: 6 batches, the last rows unused
      const x = matrix('x');
      const y = ivector('y');
      const index = iscalar('index');
      const clf = new LogisticRegression(x, 784, 10);
      clf.W.set({ data: Float32Array.from({ length: 7840 }, (_, i) => Math.sin(i) * 0.05), shape: [784, 10] });
      clf.b.set(Float32Array.from({ length: 10 }, (_, i) => i / 10));
      const outs = [clf.negativeLogLikelihood(y), clf.errors(y), clf.p_y_given_x];
      const set = sharedDataset(data.train, 'train');
      const viaGivens = compile([index], outs, { givens: minibatchGivens(x, y, set, index, bs) }) as CompiledFunction<[number, number, HostTensor]>;
      const direct = compile([x, y], outs) as CompiledFunction<[number, number, HostTensor]>;
      for (let i = 0; i < Math.floor(data.train.count / bs); i++) {
        const rows = { data: data.train.images.subarray(i * bs * 784, (i + 1) * bs * 784), shape: [bs, 784] };
        const [c1, e1, p1] = viaGivens(i);
        const [c2, e2, p2] = direct(rows, data.train.labels.subarray(i * bs, (i + 1) * bs));
        expect(c1).toBe(c2);
        expect(e1).toBe(e2);
        expect(p1.shape).toEqual([bs, 10]);
        expect(Array.from(p1.data)).toEqual(Array.from(p2.data));
      }
    } finally {
      await setBackend('wasm');
    }
  });

  it('the LeNet graph (reshape, conv, pool) on wasm', () => {
    expect(getBackend()).toBe('wasm');
    const bs = 20;
    const x = matrix('x');
    const index = iscalar('index');
    const layers = buildLenet5(x, bs, [3, 4], 16);
    const out = layers[3].p_y_given_x;
    const set = sharedDataset(data.test, 'test');
    const viaGivens = compile([index], out, { givens: [minibatchGivens(x, ivector('unused'), set, index, bs)[0]] }) as CompiledFunction<HostTensor>;
    const direct = compile([x], out) as CompiledFunction<HostTensor>;
    for (const i of [0, 2, 4]) {
      const a = viaGivens(i);
      const b = direct({ data: data.test.images.subarray(i * bs * 784, (i + 1) * bs * 784), shape: [bs, 784] });
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
    }
  });
});

describe('logreg (logistic_sgd.py)', () => {
  it('trains by SGD through givens, prints the tutorial lines, and its cost goes down', async () => {
    const io = capture();
    const save = join(tmp.dir, 'best_model.npz');
    const r = await runLogreg({ data, epochs: 3, batchSize: 50, save }, io);
    expect(io.lines.slice(0, 3)).toEqual(['... loading data', '... building the model', '... training the model']);
    // 4 batches per epoch: validation every min(4, 5000 // 2) = 4 minibatches, i.e. every epoch.
    expect(io.lines[3]).toMatch(/^epoch 1, minibatch 4\/4, validation error \d+\.\d{6} %$/);
    expect(io.lines[4]).toMatch(/^ {5}epoch 1, minibatch 4\/4, test error of best model \d+\.\d{6} %$/);
    expect(io.lines.at(-2)).toMatch(/^Optimization complete with best validation score of \d+\.\d{6} %,with test performance \d+\.\d{6} %$/);
    expect(io.lines.at(-1)).toMatch(/^The code run for 3 epochs, with \d+\.\d{6} epochs\/sec$/);
    expect(io.errs.at(-1)).toMatch(/^The code for file logistic_sgd\.py ran for \d+\.\ds$/);
    expect(r.epochs).toBe(3);
    expect(r.iterations).toBe(12);
    expect(r.epochCosts[2]).toBeLessThan(r.epochCosts[0]);
    expect(r.epochCosts[0]).toBeLessThan(Math.log(10)); // zeros init: the first cost is ln 10, then it learns
    expect(r.bestValidationLoss).toBeLessThan(0.5);
    const saved = L.decodeNpz(readFileSync(r.savedTo!));
    expect([...saved.keys()]).toEqual(['W', 'b']);
    expect(saved.get('W')!.shape).toEqual([784, 10]);
  });

  it('stops early when patience runs out', async () => {
    const r = await runLogreg({ data, epochs: 100, batchSize: 50, patience: 4 }, { out: () => {} });
    // validation every min(4, 2) = 2 minibatches; without improvements after the first ones patience stays small.
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs).toBeLessThan(100);
  });
});

describe('lenet (convolutional_mlp.py)', () => {
  it('trains LeNet-5 (small) through givens and its cost goes down', async () => {
    const io = capture();
    const r = await runLenet({ data, epochs: 3, batchSize: 50, nkerns: [4, 6], hiddenUnits: 20 }, io);
    expect(io.lines.slice(0, 4)).toEqual(['... loading data', '... building the model', '... training', 'training @ iter =  0']);
    expect(io.lines).toContain('Optimization complete.');
    expect(io.lines.at(-1)).toMatch(/^Best validation score of \d+\.\d{6} % obtained at iteration \d+, with test performance \d+\.\d{6} %$/);
    expect(io.errs.at(-1)).toMatch(/^The code for file convolutional_mlp\.py ran for \d+\.\d{2}m$/);
    expect(r.epochCosts).toHaveLength(3);
    expect(r.epochCosts[2]).toBeLessThan(r.epochCosts[0]);
    // Shapes and init as the tutorial: W of layer0 within ±sqrt(6 / (25 + 4 * 25 / 4)).
    const [l0, l1, l2, l3] = r.layers;
    expect(l0.W.shape).toEqual([4, 1, 5, 5]);
    expect(l1.W.shape).toEqual([6, 4, 5, 5]);
    expect(l2.W.shape).toEqual([6 * 16, 20]);
    expect(l3.W.shape).toEqual([20, 10]);
    expect(r.params).toHaveLength(8);
  });

  it('initialises as the tutorial: uniform ±sqrt(6/(fan_in+fan_out)) with fan_out divided by the pool size, zero biases', () => {
    const layers = buildLenet5(matrix('x'), 5);
    const [l0, l1, l2, l3] = layers;
    const maxAbs = (h: HostTensor) => h.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const b0 = Math.sqrt(6 / (25 + (20 * 25) / 4));
    expect(maxAbs(l0.W.get())).toBeLessThanOrEqual(b0);
    expect(maxAbs(l0.W.get())).toBeGreaterThan(0.9 * b0);
    const b1 = Math.sqrt(6 / (20 * 25 + Math.floor((50 * 25) / 4))); // fan_out = 50 * 25 // 4
    expect(maxAbs(l1.W.get())).toBeLessThanOrEqual(b1);
    expect(maxAbs(l1.W.get())).toBeGreaterThan(0.9 * b1);
    expect(maxAbs(l2.W.get())).toBeLessThanOrEqual(Math.sqrt(6 / (800 + 500)));
    expect([maxAbs(l0.b.get()), maxAbs(l2.b.get()), maxAbs(l3.W.get()), maxAbs(l3.b.get())]).toEqual([0, 0, 0, 0]);
  });
});

describe('network3 (Nielsen)', () => {
  it('trains through givens with the index i, prints its lines, and its cost goes down', async () => {
    const io = capture();
    const r = await runNetwork3({ data, epochs: 4, miniBatchSize: 10, eta: 0.5, fcUnits: 20, filters: 4 }, io);
    expect(io.lines[0]).toBe('Training mini-batch number 0');
    expect(io.lines[1]).toMatch(/^Epoch 0: validation accuracy \d+\.\d\d%$/);
    expect(io.lines[2]).toBe('This is the best validation accuracy to date.');
    expect(io.lines[3]).toMatch(/^The corresponding test accuracy is \d+\.\d\d%$/);
    expect(io.lines.slice(-3, -2)).toEqual(['Finished training network.']);
    expect(io.lines.at(-2)).toMatch(/^Best validation accuracy of \d+\.\d\d% obtained at iteration \d+$/);
    expect(io.lines.at(-1)).toMatch(/^Corresponding test accuracy of \d+\.\d\d%$/);
    expect(r.epochCosts).toHaveLength(4);
    expect(r.epochCosts[3]).toBeLessThan(r.epochCosts[0]);
    expect(r.validationAccuracies).toHaveLength(4);
    expect((r.bestIteration + 1) % 20).toBe(0); // the last minibatch of an epoch
  });

  it("adds 0.5*lmbda*sum(w**2)/num_training_batches to the cost, and weight decay shrinks the weights", async () => {
    const firstCost = async (lmbda: number) => {
      setSeed(5);
      const net = new network3.Network([
        new network3.ConvPoolLayer([2, 1, 5, 5], [10, 1, 28, 28]),
        new network3.FullyConnectedLayer(2 * 144, 8),
        new network3.SoftmaxLayer(8, 10),
      ], 10);
      const sumsq = net.layers.reduce((s, l) => s + l.w.get().data.reduce((a, v) => a + v * v, 0), 0);
      const r = await net.SGD(sharedDataset(data.train), 0, 10, 0.1, sharedDataset(data.val), sharedDataset(data.test), lmbda);
      return { cost: r.trainMb(0), sumsq };
    };
    const plain = await firstCost(0);
    const reg = await firstCost(3);
    expect(reg.sumsq).toBe(plain.sumsq);
    expect(reg.cost - plain.cost).toBeCloseTo((0.5 * 3 * plain.sumsq) / 20, 3); // 200 images: 20 mini-batches
    const sq = (r: Awaited<ReturnType<typeof runNetwork3>>) => r.net.layers.reduce((s, l) => s + l.w.get().data.reduce((a, v) => a + v * v, 0), 0);
    const run = (lmbda: number) => runNetwork3({ data, epochs: 1, miniBatchSize: 10, fcUnits: 8, filters: 2, lmbda, seed: 5 }, { out: () => {} });
    expect(sq(await run(3))).toBeLessThan(sq(await run(0)));
  });

  it('the dropout and ReLU variants train', async () => {
    const r = await runNetwork3({ data, epochs: 3, miniBatchSize: 10, eta: 0.03, fcUnits: 20, filters: 4, dropout: 0.5, relu: true, lmbda: 0.1 }, { out: () => {} });
    expect(r.epochCosts[2]).toBeLessThan(r.epochCosts[0]);
    const fc = r.net.layers[1] as network3.FullyConnectedLayer;
    expect(fc.pDropout).toBe(0.5);
    expect(fc.activationFn).toBe(network3.ReLU);
    // the deterministic output scales the weights by 1 - p; the dropout output multiplies a binomial mask
    expect(fc.output).not.toBe(fc.outputDropout);
  });
});

describe('simple-convnet (Deep Learning from Scratch, train_convnet.py)', () => {
  it('trains with Adam through train(), prints train/test accuracy per epoch, plots and saves', async () => {
    const io = capture();
    const plot = join(tmp.dir, 'convnet.svg');
    const save = join(tmp.dir, 'params');
    const r = await runSimpleConvnet({ data, epochs: 3, trainSize: 200, testSize: 100, evalSize: 100, batchSize: 50, filterNum: 6, hiddenSize: 20, plot, save, seed: 2 }, io);
    expect(io.lines).toHaveLength(3 + 3);
    for (const l of io.lines.slice(0, 3)) expect(l).toMatch(/^train acc, test acc \| (0\.\d+|1\.0), (0\.\d+|1\.0)$/);
    expect(io.lines.slice(3)).toEqual(['=============== Final Test Accuracy ===============', `test acc:${r.testAcc === 1 ? '1.0' : String(r.testAcc)}`, 'Saved Network Parameters!']);
    expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(r.epochs[2].trainLoss).toBeLessThan(r.epochs[0].trainLoss);
    for (const e of r.epochs) {
      expect(Number.isInteger(e.trainAcc * 100)).toBe(true); // counted on 100 images
      expect(Number.isInteger(e.testAcc * 100)).toBe(true);
    }
    const svg = readFileSync(plot, 'utf8');
    expectWellFormedSvg(svg);
    expect(svg).toContain('train acc');
    expect(svg).toContain('test acc');
    expect(r.savedParams).toBe(`${save}.npz`);
    const fresh = buildSimpleConvnet(undefined, { filterNum: 6, hiddenSize: 20 });
    L.loadParams(fresh, r.savedParams!);
    expect(Array.from(L.getAllParamValues(fresh)[0].data)).toEqual(Array.from(L.getAllParamValues(r.network)[0].data));
    expect(L.getAllParamValues(fresh).map((p) => p.shape)).toEqual([[6, 1, 5, 5], [6], [6 * 144, 20], [20], [20, 10], [10]]);
  });

  it('a plot that cannot be written (full disk) is a warning; training goes on', async () => {
    const io = capture();
    const plot = join(tmp.dir, 'plot-full', 'convnet.svg');
    const fs = require('node:fs') as typeof import('node:fs');
    const doomed = new Set<number>();
    const open = fs.openSync;
    const openSpy = jest.spyOn(fs, 'openSync').mockImplementation(((p: string, ...rest: never[]) => {
      const fd = (open as (...a: unknown[]) => number)(p, ...rest);
      if (String(p).includes('plot-full')) doomed.add(fd);
      return fd;
    }) as never);
    const write = fs.writeSync;
    const writeSpy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, ...rest: never[]) => {
      if (doomed.has(fd)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return (write as (...a: unknown[]) => number)(fd, ...rest);
    }) as never);
    let r;
    try {
      r = await runSimpleConvnet({ data, epochs: 2, trainSize: 200, testSize: 100, evalSize: 100, batchSize: 50, filterNum: 4, hiddenSize: 16, plot }, io);
    } finally {
      openSpy.mockRestore();
      writeSpy.mockRestore();
    }
    expect(r.epochs).toHaveLength(2);
    expect(io.errs.filter((l) => l.startsWith('warning'))).toEqual([
      `warning: cannot write the plot ${plot}: no space left on device (ENOSPC); training goes on`,
      `warning: the accuracy plot was not written: cannot write the plot ${plot}: no space left on device (ENOSPC)`,
    ]);
    expect(existsSync(plot)).toBe(false);
  });

  it('the BatchNorm variant', async () => {
    const io = capture();
    const r = await runSimpleConvnet({ data, epochs: 2, trainSize: 200, testSize: 100, evalSize: 100, batchSize: 50, filterNum: 4, hiddenSize: 16, batchNorm: true }, io);
    expect(r.epochs[1].trainLoss).toBeLessThan(r.epochs[0].trainLoss);
    expect(L.getAllLayers(r.network).some((l) => l instanceof L.BatchNormLayer)).toBe(true);
    expect(io.lines).not.toContain('Saved Network Parameters!');
  });

  it('initialises weights N(0, 0.01^2) and biases 0, and does not flip its filters', () => {
    const net = buildSimpleConvnet();
    const [w1, b1, w2] = L.getAllParamValues(net);
    const std = Math.sqrt(w2.data.reduce((s, v) => s + v * v, 0) / w2.data.length);
    expect(std).toBeGreaterThan(0.009);
    expect(std).toBeLessThan(0.011);
    expect(w1.shape).toEqual([30, 1, 5, 5]);
    expect(Array.from(b1.data).every((v) => v === 0)).toBe(true);
    expect((L.getAllLayers(net)[1] as L.Conv2DLayer).flipFilters).toBe(false);
  });
});

describe('filters (the LeNet tutorial picture)', () => {
  it('writes one PNG with the image and its two sigmoid-filtered maps', async () => {
    const io = capture();
    const out = join(tmp.dir, 'pics', 'filters.png');
    const r = await runFilters({ out, width: 40, height: 30, seed: 3 }, io);
    expect(existsSync(out)).toBe(true);
    expect(r.filtered.shape).toEqual([1, 2, 22, 32]);
    expect(Array.from(r.filtered.data).every((v) => v > 0 && v < 1)).toBe(true);
    // The bank: uniform in ±1/sqrt(243), biases in ±0.5.
    expect(r.W.shape).toEqual([2, 3, 9, 9]);
    expect(Array.from(r.W.data).every((v) => Math.abs(v) <= 1 / Math.sqrt(243))).toBe(true);
    expect(Array.from(r.b.data).every((v) => Math.abs(v) <= 0.5)).toBe(true);
    // One output value recomputed: sigmoid(sum W[k, c, 8-i, 8-j] * img[c, y+i, x+j] + b[k]) (a flipped-filter convolution).
    const img = drawScene(40, 30);
    const at = (c: number, yy: number, xx: number) => img.data[(yy * 40 + xx) * 3 + c] / 256;
    for (const [k, yy, xx] of [[0, 0, 0], [1, 10, 17], [1, 21, 31]]) {
      let s = r.b.data[k];
      for (let c = 0; c < 3; c++) for (let i = 0; i < 9; i++) for (let j = 0; j < 9; j++) s += r.W.data[((k * 3 + c) * 9 + (8 - i)) * 9 + (8 - j)] * at(c, yy + i, xx + j);
      expect(r.filtered.data[(k * 22 + yy) * 32 + xx]).toBeCloseTo(1 / (1 + Math.exp(-s)), 5);
    }
    // The PNG: 10 + 40 + 10 + 32 + 10 + 32 + 10 wide, 10 + 30 + 10 high, RGB.
    const png = readFileSync(out);
    expect(png.readUInt32BE(16)).toBe(144);
    expect(png.readUInt32BE(20)).toBe(50);
    expect(png[25]).toBe(2);
    const idatLen = png.readUInt32BE(33);
    expect(png.toString('ascii', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe((144 * 3 + 1) * 50);
    // The image's top-left pixel sits at (10, 10).
    const px = (x: number, y: number) => [...raw.subarray(y * (144 * 3 + 1) + 1 + x * 3, y * (144 * 3 + 1) + 1 + x * 3 + 3)];
    expect(px(10, 10)).toEqual([...img.data.subarray(0, 3)]);
    expect(px(0, 0)).toEqual([255, 255, 255]);
    const g = px(60, 14);
    expect(g[0]).toBe(g[1]); // the maps are gray
    expect(io.errs[0]).toContain('filters.png');
  });
});
