/**
 * Core's README shows `debugprint` of mnist.py's CNN training function as `mnist-train cnn`
 * compiles it; this keeps that text true. After a change to ops, rewrites or the training loop,
 * regenerate it with `LASAGNE_UPDATE_DOCS=1 npx jest packages/examples/test/readme-debugprint.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debugprint, type CompiledFunction } from '@lasagne-ts/core';
import { train, type DataSplit } from '@lasagne-ts/train';
import { buildCnn } from '../src';

// The README shows the portable graph: without oneDNN's dnnlLayout rewrite and without the
// fuseDense rewrite (which need oneDNN or a native BLAS: they depend on the machine).
// (Restored afterwards: the next test files of this jest worker share process.env.)
const savedEnv = { LASAGNE_DNNL: process.env.LASAGNE_DNNL, LASAGNE_BLAS: process.env.LASAGNE_BLAS };
process.env.LASAGNE_DNNL = 'off';
process.env.LASAGNE_BLAS = 'off';
afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const README = join(__dirname, '..', '..', 'core', 'README.md');
const FULL = /(<details><summary>The whole function, updates included \()\d+( lines\)<\/summary>\n\n```\n)([\s\S]*?)(\n```\n\n<\/details>)/;
const OUTPUTS = /(\(`merge`\)\. Its two outputs:\n\n```\n)([\s\S]*?)(\n\.\.\.\n```)/;

class Compiled extends Error {}

test("core's README shows the CNN training function as compile leaves it", async () => {
  const split = (n: number): DataSplit => ({ images: new Float32Array(n * 784), labels: new Int32Array(n), count: n, shape: [1, 28, 28] });
  let text = '';
  const run = train({
    network: buildCnn,
    data: { train: split(10), val: split(10) },
    batchSize: 10,
    epochs: 1,
    seed: 1,
    onCompiled: ({ trainFn }: { trainFn: CompiledFunction<number[]> }) => {
      text = debugprint(trainFn);
      throw new Compiled(); // the graph is all this test needs
    },
  });
  await expect(run).rejects.toBeInstanceOf(Compiled);
  const readme = readFileSync(README, 'utf8');
  const lines = text.split('\n');
  const outputs = lines.slice(0, lines.findIndex((l, i) => i > 0 && / <- /.test(l) && !l.startsWith(' '))).join('\n');
  if (process.env.LASAGNE_UPDATE_DOCS === '1') {
    writeFileSync(README, readme.replace(FULL, (_m, a, b, _c, d) => `${a}${lines.length}${b}${text}${d}`).replace(OUTPUTS, (_m, a, _b, c) => `${a}${outputs}${c}`));
    return;
  }
  const full = FULL.exec(readme);
  const head = OUTPUTS.exec(readme);
  expect(full && head).toBeTruthy();
  expect(full![3]).toBe(text);
  expect(head![2]).toBe(outputs);
});
