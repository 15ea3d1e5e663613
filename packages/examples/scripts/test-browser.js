#!/usr/bin/env node
// `pnpm test:browser`: builds the demo page, serves it on 127.0.0.1, drives Debian's chromium
// headless through puppeteer-core (no browser download), trains a small model on wasm and webgl
// (and webgpu where an adapter exists) and checks, per backend: training finished on that
// backend, validation accuracy above a threshold and equal to Node's (same seed, same data) within
// a tolerance, the live curves drawn; on wasm also that the downloaded .npz loads in Node
// (L.loadParams) and through the page's upload path with the same test numbers. Screenshots go to
// test-output/browser/. The last line is `browser tests: N passed, N failed[, N skipped]`.
// CHROMIUM=/path overrides /usr/bin/chromium; without a browser it prints a skip line and exits 0.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { buildWeb, serve } = require('./web.js');

const root = path.join(__dirname, '..', '..', '..');
const outDir = path.join(root, 'test-output', 'browser');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';

/** A small run: Lasagne's recipe (Nesterov momentum 0.01/0.9), a narrow custom_mlp, 2 epochs. */
const RUN = { model: 'custom_mlp:1,128,0.2,0.5', epochs: 2, train: 1000, val: 500, batch: 50, seed: 7 };
const MIN_VAL_ACCURACY = 0.6; // chance is 0.1
const TOL = { accuracy: 0.02, loss: 0.02 }; // |browser - Node|; float32 kernels differ in summation order

let passed = 0;
let failed = 0;
let skipped = 0;
const check = (name, ok, detail) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
};
const skip = (name, why) => {
  skipped++;
  console.log(`skip ${name}: ${why}`);
};

/** The same training in Node (the packages' Node entries, wasm backend), on the served subset. */
async function nodeReference(subsetFile) {
  const core = require('@lasagne-ts/core');
  const { train } = require('@lasagne-ts/train');
  const { modelBuilder } = require('../dist/models');
  const { decodeMnistSubset, firstItems } = require('../dist/web/subset');
  await core.setBackend('wasm');
  const d = decodeMnistSubset(fs.readFileSync(subsetFile));
  const r = await train({ network: modelBuilder(RUN.model), data: { train: firstItems(d.train, RUN.train), val: firstItems(d.val, RUN.val), test: d.test }, epochs: RUN.epochs, batchSize: RUN.batch, seed: RUN.seed });
  return { history: r.history, test: r.test, describe: core.describeBackend(), data: d };
}

/** Evaluates a .npz file in Node as `mnist-train --load` reads it (L.loadParams), on the test images. */
function nodeEvaluate(file, data) {
  const core = require('@lasagne-ts/core');
  const L = require('@lasagne-ts/layers');
  const { categoricalCrossentropy } = require('@lasagne-ts/objectives');
  const { iterateMinibatches } = require('@lasagne-ts/train');
  const { modelBuilder } = require('../dist/models');
  const x = core.tensor4('inputs');
  const y = core.ivector('targets');
  const net = modelBuilder(RUN.model)(x);
  L.loadParams(net, file);
  const p = L.getOutput(net, { deterministic: true });
  const fn = core.compile([x, y], [core.mean(categoricalCrossentropy(p, y)), core.mean(core.eq(core.argmax(p, 1), y), 'float32')]);
  let loss = 0;
  let acc = 0;
  let n = 0;
  for (const b of iterateMinibatches(data.test, data.test.labels, 500, false)) {
    const [l, a] = fn({ data: b.inputs, shape: [b.size, 1, 28, 28] }, b.targets);
    loss += l;
    acc += a;
    n++;
  }
  return { loss: loss / n, accuracy: acc / n };
}

/** Whether compiled functions have `fn.async` (WebGPU in a browser can only read asynchronously). */
function hasAsyncExecution() {
  const core = require('@lasagne-ts/core');
  const x = core.scalar('x');
  return typeof core.compile([x], x).async === 'function';
}

const query = (backend) => `?${new URLSearchParams({ ...Object.fromEntries(Object.entries(RUN).map(([k, v]) => [k, String(v)])), backend, autostart: '1' })}`;
const near = (a, b, tol) => Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tol;

async function runBackend(browser, url, backend, ref) {
  const page = await browser.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  await page.setViewport({ width: 1100, height: 1000 });
  const t0 = Date.now();
  try {
    await page.goto(url + query(backend), { waitUntil: 'load' });
    await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(window.lasagneDemo?.state), { timeout: 150000, polling: 250 });
  } catch (e) {
    consoleLines.push(`[test] ${e.message}`);
  }
  const s = await page.evaluate(() => {
    const d = window.lasagneDemo;
    return d && { state: d.state, backend: d.backend, describe: d.describe, history: d.history, test: d.test, error: d.error, status: document.getElementById('status').textContent };
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  await page.screenshot({ path: path.join(outDir, `${backend}.png`), fullPage: true });
  const ok = s && s.state === 'done' && s.backend === backend;
  check(`${backend}: trained ${RUN.model} for ${RUN.epochs} epochs in headless Chromium`, ok, ok ? `${secs} s on ${s.describe}` : `state ${s?.state}, backend ${s?.backend}: ${s?.error ?? s?.status}\n${consoleLines.slice(-15).join('\n')}`);
  if (!ok) return page.close();
  const last = s.history[s.history.length - 1];
  check(`${backend}: validation accuracy above ${MIN_VAL_ACCURACY}`, last.valAccuracy > MIN_VAL_ACCURACY, `${(100 * last.valAccuracy).toFixed(2)} % (epoch 1: ${(100 * s.history[0].valAccuracy).toFixed(2)} %)`);
  const same = s.history.every((r, i) => near(r.valAccuracy, ref.history[i].valAccuracy, TOL.accuracy) && near(r.valLoss, ref.history[i].valLoss, TOL.loss) && near(r.trainLoss, ref.history[i].trainLoss, TOL.loss));
  check(`${backend}: per-epoch losses and accuracy equal Node's (seed ${RUN.seed}) within ${TOL.loss}`, same,
    s.history.map((r, i) => `epoch ${i + 1}: val loss ${r.valLoss.toFixed(5)} vs ${ref.history[i].valLoss.toFixed(5)}, val acc ${r.valAccuracy.toFixed(4)} vs ${ref.history[i].valAccuracy.toFixed(4)}`).join('; '));
  const drawn = await page.evaluate(() => {
    const c = document.getElementById('loss');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let colored = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && Math.abs(px[i] - px[i + 2]) > 60) colored++; // the orange and blue curves
    return colored;
  });
  check(`${backend}: loss curves drawn`, drawn > 200, `${drawn} curve pixels`);
  if (backend === 'wasm') {
    const bytes = await page.evaluate(() => window.lasagneDemo.npz());
    const file = path.join(outDir, 'weights.npz');
    fs.writeFileSync(file, Uint8Array.from(bytes));
    const inNode = nodeEvaluate(file, ref.data);
    check('wasm: downloaded .npz loads in Node (L.loadParams, as mnist-train --load) with the page\'s test numbers', near(inNode.accuracy, s.test.accuracy, 1e-6) && near(inNode.loss, s.test.loss, 1e-4),
      `Node ${inNode.accuracy.toFixed(4)} / ${inNode.loss.toFixed(5)}, page ${s.test.accuracy.toFixed(4)} / ${s.test.loss.toFixed(5)}`);
    const up = await page.evaluate((b) => window.lasagneDemo.evaluate(b, 'weights.npz'), bytes);
    check('wasm: uploading the .npz evaluates to the same test numbers', near(up.accuracy, s.test.accuracy, 1e-6) && near(up.loss, s.test.loss, 1e-5), `${up.accuracy.toFixed(4)} / ${up.loss.toFixed(5)}`);
  }
  await page.close();
}

async function main() {
  if (!fs.existsSync(chromium)) {
    console.log(`browser tests skipped: no Chromium at ${chromium} (Debian: apt-get install chromium; or set CHROMIUM=/path)`);
    console.log('browser tests: 0 passed, 0 failed, 1 skipped');
    return;
  }
  fs.mkdirSync(outDir, { recursive: true });
  const web = await buildWeb({ log: (l) => console.log(l) });
  const { server, url } = await serve(web, 0);
  const ref = await nodeReference(path.join(web, 'mnist-subset.bin'));
  console.log(`Node reference (${ref.describe}): val acc ${ref.history.map((r) => r.valAccuracy.toFixed(4)).join(', ')}`);
  const puppeteer = require('puppeteer-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lasagne-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`],
  });
  try {
    console.log(`Chromium ${await browser.version()}, page ${url}`);
    await runBackend(browser, url, 'wasm', ref);
    await runBackend(browser, url, 'webgl', ref);
    const probe = await browser.newPage();
    await probe.goto(url, { waitUntil: 'load' });
    const adapter = await probe.evaluate(async () => {
      const a = navigator.gpu && (await navigator.gpu.requestAdapter());
      return a ? [a.info?.vendor, a.info?.architecture, a.info?.description].filter(Boolean).join(' ') || 'an adapter' : '';
    });
    await probe.close();
    if (!adapter) skip('webgpu', 'this Chromium has no WebGPU adapter here');
    else if (!hasAsyncExecution()) skip('webgpu', `adapter ${adapter} present, but compiled functions have no fn.async in this build (WebGPU's synchronous read returns zeros)`);
    else await runBackend(browser, url, 'webgpu', ref);
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`screenshots: ${path.relative(process.cwd(), outDir)}/`);
  console.log(`browser tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(`test:browser: ${e.stack ?? e}`);
  console.log(`browser tests: ${passed} passed, ${failed + 1} failed`);
  process.exitCode = 1;
});
