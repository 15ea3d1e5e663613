#!/usr/bin/env node
/**
 * pnpm bench [--backend NAME] [--models mlp,cnn] [--steps N] [--warmup N] [--peer off]
 *
 * Trains Lasagne's `mlp` and `cnn` (batch 500, MNIST shapes, random data) with lasagne-ts and,
 * in the same process and on the same tfjs backend, with tfjs-layers (tf.sequential +
 * trainOnBatch, Nesterov momentum), and prints the median ms per training step and per
 * validation batch for both, and their ratio. A script, not a test: absolute times are noise,
 * the ratio is the result. `--peer off` times lasagne-ts alone (the peer's CNN fallback to the
 * plain-JS backend takes minutes per step).
 */
const { built, packages, option: opt } = require('./script-env');
const { core, L, objectives, updates } = packages();
const { categoricalCrossentropy } = objectives;
const { nesterovMomentum } = updates;
const examples = built('examples');
const tf = core.tf;
const tfl = require('@tensorflow/tfjs-layers');

const BATCH = 500;
const steps = Number(opt('steps', 10));
const warmup = Number(opt('warmup', 2));
const models = opt('models', 'mlp,cnn').split(',');
const peerOff = opt('peer', 'on') === 'off';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
async function time(fn, n = steps, w = warmup) {
  for (let i = 0; i < w; i++) await fn();
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

function data() {
  const rnd = core.mulberry32(42);
  const x = Float32Array.from({ length: BATCH * 784 }, () => rnd());
  const y = Int32Array.from({ length: BATCH }, (_, i) => i % 10);
  return { x, y };
}

async function lasagne(model, { x, y }) {
  core.setSeed(1);
  const inputVar = core.tensor4('inputs');
  const targetVar = core.ivector('targets');
  const net = model === 'cnn' ? examples.buildCnn(inputVar) : examples.buildMlp(inputVar);
  const loss = core.mean(categoricalCrossentropy(L.getOutput(net), targetVar));
  const updates = nesterovMomentum(loss, L.getAllParams(net, { trainable: true }), { learningRate: 0.01, momentum: 0.9 });
  const test = L.getOutput(net, { deterministic: true });
  const testLoss = core.mean(categoricalCrossentropy(test, targetVar));
  const testAcc = core.mean(core.eq(core.argmax(test, 1), targetVar), 'float32');
  const trainFn = core.compile([inputVar, targetVar], loss, { updates });
  const valFn = core.compile([inputVar, targetVar], [testLoss, testAcc]);
  const xs = { data: x, shape: [BATCH, 1, 28, 28] };
  // fn.async: the asynchronous call works on every backend (webgpu reads only asynchronously).
  return { train: await time(() => trainFn.async(xs, y)), val: await time(() => valFn.async(xs, y)) };
}

async function peer(model, { x, y }, n = steps, w = warmup) {
  const m = tfl.sequential();
  const glorot = () => tfl.initializers.glorotUniform({ seed: 1 });
  if (model === 'cnn') {
    m.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: glorot() }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.conv2d({ filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: glorot() }));
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.flatten());
    m.add(tfl.layers.dropout({ rate: 0.5 }));
    m.add(tfl.layers.dense({ units: 256, activation: 'relu', kernelInitializer: glorot() }));
    m.add(tfl.layers.dropout({ rate: 0.5 }));
  } else {
    m.add(tfl.layers.flatten({ inputShape: [28, 28, 1] }));
    m.add(tfl.layers.dropout({ rate: 0.2 }));
    m.add(tfl.layers.dense({ units: 800, activation: 'relu', kernelInitializer: glorot() }));
    m.add(tfl.layers.dropout({ rate: 0.5 }));
    m.add(tfl.layers.dense({ units: 800, activation: 'relu', kernelInitializer: glorot() }));
    m.add(tfl.layers.dropout({ rate: 0.5 }));
  }
  m.add(tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot() }));
  m.compile({ optimizer: tf.train.momentum(0.01, 0.9, true), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor4d(x, [BATCH, 28, 28, 1]);
  const ys = tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), 10), 'float32');
  const train = await time(() => m.trainOnBatch(xs, ys), n, w);
  const val = await time(async () => {
    const r = m.evaluate(xs, ys, { batchSize: BATCH });
    await Promise.all(r.map((t) => t.data()));
    tf.dispose(r);
  }, n, w);
  tf.dispose([xs, ys]);
  return { train, val };
}

async function main() {
  const name = opt('backend', undefined);
  const backend = name ? await core.setBackend(name) : await core.ready();
  let threads = 1;
  if (backend === 'wasm') {
    try {
      threads = require('@tensorflow/tfjs-backend-wasm').getThreadsCount();
    } catch {
      threads = 1;
    }
  }
  console.log(`backend: ${core.describeBackend()}, threads: ${threads}, tfjs ${tf.version_core}, batch ${BATCH}, median of ${steps} steps after ${warmup} warm-up`);
  console.log('model  phase   lasagne-ts ms   tfjs-layers ms   tfjs-layers / lasagne-ts');
  for (const model of models) {
    const d = data();
    const ours = await lasagne(model, d);
    let theirs;
    let where = '';
    if (!peerOff) {
      try {
        theirs = await peer(model, d);
      } catch (e) {
        // The peer cannot train this model on this backend (e.g. wasm lacks Conv2DBackpropFilter):
        // measure it on its best working backend instead, with fewer steps (it is slow there).
        const reason = String(e.message).split('\n')[0];
        const fallback = 'cpu';
        console.log(`${model}: tfjs-layers cannot train on ${tf.getBackend()} (${reason}); measuring it on '${fallback}' (median of ${Math.min(steps, 3)} steps, 1 warm-up)`);
        const saved = tf.getBackend();
        await tf.setBackend(fallback);
        theirs = await peer(model, d, Math.min(steps, 3), 1);
        await tf.setBackend(saved);
        where = ` (tfjs-layers on ${fallback})`;
      }
    }
    for (const phase of ['train', 'val']) {
      const peerMs = theirs ? theirs[phase].toFixed(1) : '(not run)';
      const ratio = theirs ? `   ${(theirs[phase] / ours[phase]).toFixed(2).padStart(8)}x${where}` : '';
      console.log(`${model.padEnd(6)} ${phase.padEnd(7)} ${ours[phase].toFixed(1).padStart(13)}   ${peerMs.padStart(14)}${ratio}`);
    }
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
