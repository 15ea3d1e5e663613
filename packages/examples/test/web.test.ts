/**
 * The demo page's pieces that run in Node too: the served MNIST subset format, recognising
 * mnist.py's networks from a .npz's shapes, the page's download read by `mnist-train --load`,
 * and the page bundling for a browser with no Node built-in. (The page itself runs in headless
 * Chromium: `pnpm test:browser`.)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, ivector, mean, setSeed, tensor4 } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { categoricalCrossentropy } from '@lasagne-ts/objectives';
import { iterateMinibatches, pyFixed } from '@lasagne-ts/train';
import { buildCnn, buildCustomMlp, buildMlp } from '../src';
import { loadMnist } from '../src/data';
import { modelFromParamShapes } from '../src/web/params-model';
import { decodeMnistSubset, encodeMnistSubset, firstItems } from '../src/web/subset';
import { quickArgs, runCli, tempDir, writeSyntheticData } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleForBrowser } = require('../../../scripts/browser-bundle.js');

let tmp: { dir: string; cleanup: () => void };
let dataDir: string;
beforeAll(() => {
  tmp = tempDir();
  dataDir = writeSyntheticData(join(tmp.dir, 'mnist'));
});
afterAll(() => tmp.cleanup());

test('the MNIST subset file decodes to exactly loadMnist\'s values (byte / 256), splits cut with firstItems', async () => {
  const d = await loadMnist({ dataDir, validationSize: 100 });
  const bytes = encodeMnistSubset({ train: firstItems(d.train, 150), val: d.val, test: firstItems(d.test, 40) }, 'synthetic');
  expect(bytes.length).toBe(12 + new TextEncoder().encode(JSON.stringify({ splits: { train: { count: 150 }, val: { count: 100 }, test: { count: 40 } }, source: 'synthetic' })).length + (150 + 100 + 40) * 785);
  const back = decodeMnistSubset(bytes);
  expect(back.source).toBe('synthetic');
  expect(back.train.count).toBe(150);
  expect(Array.from(back.train.images)).toEqual(Array.from(d.train.images.subarray(0, 150 * 784)));
  expect(Array.from(back.val.labels)).toEqual(Array.from(d.val.labels));
  expect(Array.from(back.test.images)).toEqual(Array.from(d.test.images.subarray(0, 40 * 784)));
  expect(back.test.shape).toEqual([1, 28, 28]);
  expect(() => decodeMnistSubset(bytes.subarray(0, bytes.length - 100))).toThrow('MNIST subset: truncated (the test split needs 31400 bytes at');
  expect(() => decodeMnistSubset(new Uint8Array(20))).toThrow('not an MNIST subset file');
  expect(() => encodeMnistSubset({ train: { ...d.val, images: d.val.images.map((v) => v + 1e-3) }, val: d.val, test: d.test }, 'x')).toThrow('train pixel 0 is 0.21975000202655792, not a byte / 256');
});

test("mnist.py's networks are recognised from their parameter shapes", () => {
  const shapes = (net: L.Layer) => L.getAllParamValues(net).map((v) => v.shape);
  expect(modelFromParamShapes(shapes(buildMlp()))).toBe('mlp');
  expect(modelFromParamShapes(shapes(buildCnn()))).toBe('cnn');
  expect(modelFromParamShapes(shapes(buildCustomMlp(undefined, { depth: 3, width: 20, dropInput: 0, dropHidden: 0 })))).toBe('custom_mlp:3,20,0.2,0.5');
  expect(modelFromParamShapes(shapes(buildCustomMlp(undefined, { depth: 0 })))).toBe('custom_mlp:0,0,0.2,0.5');
  expect(modelFromParamShapes([[784, 10]])).toBeUndefined();
  expect(modelFromParamShapes([[784, 20], [20], [21, 10], [10]])).toBeUndefined();
});

test("the page's download (L.encodeParams bytes) is what mnist-train --load reads", async () => {
  setSeed(3);
  const inputVar = tensor4('inputs');
  const targetVar = ivector('targets');
  const net = buildCustomMlp(inputVar, { depth: 1, width: 32, dropInput: 0.2, dropHidden: 0.5 });
  const file = join(tmp.dir, 'custom_mlp_1_32_0.2_0.5.npz');
  writeFileSync(file, L.encodeParams(net));
  // The validation loss of these weights, computed here, is what a run loading them (and barely moving them) prints.
  const d = await loadMnist({ dataDir, validationSize: 100 });
  const pred = L.getOutput(net, { deterministic: true });
  const fn = compile([inputVar, targetVar], mean(categoricalCrossentropy(pred, targetVar)));
  let err = 0;
  let n = 0;
  for (const b of iterateMinibatches(d.val, d.val.labels, 50, false)) {
    err += fn({ data: b.inputs, shape: [b.size, 1, 28, 28] }, b.targets) as number;
    n++;
  }
  const r = await runCli([...quickArgs(dataDir, 1), '--load', file, '--learning-rate', '1e-12']);
  expect(r.code).toBe(0);
  expect(r.out).toContain(`  validation loss:\t\t${pyFixed(err / n, 6)}`);
});

test('the page bundles for a browser with no Node built-in', async () => {
  const r = await bundleForBrowser(join(__dirname, '..', 'web', 'main.ts'));
  expect(r.problems).toEqual([]);
  expect(r.disabled.filter((d: string) => d.includes('packages/'))).toEqual([]);
}, 120000);
