import { join } from 'path';
import { createContext, runInContext } from 'vm';
import * as L from '@lasagne-ts/layers';
import type { SymbolicTensor } from '@lasagne-ts/core';
import { train, type TrainData, type TrainOptions } from '../src';
import { syntheticData } from './helpers';
import { resetBlasForTests } from '../../core/src/backend/native/blas';

// train() bundled for a browser (train, layers, objectives, updates and core through their
// browser entries) reaches no Node built-in, runs without process/setImmediate/Buffer, refuses
// the file options, and gives exactly the numbers Node gives for the same seed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleForBrowser } = require('../../../scripts/browser-bundle.js');

type Lib = { T: typeof import('../src/browser'); L: typeof import('@lasagne-ts/layers'); C: typeof import('@lasagne-ts/core') };
let bundle: { problems: string[]; disabled: string[]; code?: string };
beforeAll(async () => {
  bundle = await bundleForBrowser(join(__dirname, 'fixtures', 'browser-entry.ts'), { globalName: 'lib' });
}, 120000);

function workerScope(): { lib: Lib; lines: string[] } {
  const lines: string[] = [];
  const log = (...a: unknown[]) => lines.push(a.join(' '));
  const sandbox: Record<string, unknown> = {
    console: { log, warn: log, error: log, info: log, debug: log },
    setTimeout, clearTimeout, queueMicrotask, TextEncoder, TextDecoder, performance, URL,
    WorkerGlobalScope: function WorkerGlobalScope() {},
  };
  sandbox.self = sandbox;
  sandbox.globalThis = sandbox;
  const ctx = createContext(sandbox);
  runInContext(`${bundle.code}\n;globalThis.lib = lib;`, ctx);
  expect(runInContext('typeof process + typeof setImmediate + typeof Buffer', ctx)).toBe('undefinedundefinedundefined');
  return { lib: sandbox.lib as Lib, lines };
}

const options = (lib: typeof L, data: TrainData): TrainOptions => ({
  network: (inputVar?: SymbolicTensor) => {
    let net: L.Layer = new lib.InputLayer([null, 20], { inputVar });
    net = new lib.DenseLayer(lib.dropout(net, { p: 0.2 }), { numUnits: 16, nonlinearity: lib.rectify });
    return new lib.DenseLayer(net, { numUnits: 10, nonlinearity: lib.softmax });
  },
  data, epochs: 3, batchSize: 50, seed: 7, learningRate: 0.1,
});

test('the browser entries reach no Node built-in', () => {
  expect(bundle.problems).toEqual([]);
  expect(bundle.disabled.filter((d) => d.includes('packages/'))).toEqual([]);
});

test('train() in a worker-like scope without Node: same history as in Node, file options refused', async () => {
  const data = syntheticData([20]);
  const { lib } = workerScope();
  await lib.C.setBackend('cpu');
  const inBrowser = await lib.T.train(options(lib.L as unknown as typeof L, data));
  // Node without its native BLAS, as in a browser: OpenBLAS sums the products in another order,
  // and the last bits of a logit differ (a float64 log-softmax keeps them).
  const savedBlas = process.env.LASAGNE_BLAS;
  process.env.LASAGNE_BLAS = 'off';
  resetBlasForTests();
  let inNode: Awaited<ReturnType<typeof train>>;
  try {
    inNode = await train(options(L, data));
  } finally {
    if (savedBlas === undefined) delete process.env.LASAGNE_BLAS;
    else process.env.LASAGNE_BLAS = savedBlas;
    resetBlasForTests();
  }
  const pick = (h: typeof inNode.history) => h.map((r) => [r.trainLoss, r.valLoss, r.valAccuracy, r.trainAccuracy]);
  expect(pick(inBrowser.history)).toEqual(pick(inNode.history));
  expect(inBrowser.test).toEqual(inNode.test);
  expect(inBrowser.history[2].valAccuracy).toBeGreaterThan(0.5); // it learns (chance: 0.1)
  await expect(lib.T.train({ ...options(lib.L as unknown as typeof L, data), checkpoint: '/tmp/x', saveParams: 'w.npz' })).rejects.toThrow(
    'train: checkpoint, saveParams need files, which only Node has; in a browser save and load parameters as bytes (L.encodeParams, L.loadParamsFromBytes).',
  );
}, 120000);
