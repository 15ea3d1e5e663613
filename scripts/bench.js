#!/usr/bin/env node
/**
 * pnpm bench [--backend NAME] [--models mlp,cnn] [--steps N] [--warmup N] [--rounds R]
 *            [--peer tfjs-layers|torch|off] [--threads N]
 *
 * Trains Lasagne's `mlp` and `cnn` (batch 500, MNIST shapes, random data) with lasagne-ts and
 * with a peer, and prints the median ms per training step and per validation batch for both, and
 * the ratio lasagne-ts / peer (below 1: lasagne-ts is faster). A script, not a test: absolute
 * times are noise, the ratio is the result.
 * - `--peer tfjs-layers` (default): tf.sequential + trainOnBatch with Nesterov momentum, in the
 *   same process and on the same tfjs backend.
 * - `--peer torch`: the same networks in PyTorch (`bench_torch.py --serve`, started once by the
 *   first Python of LASAGNE_PYTHON, `python3`, /usr/bin/python3 that imports torch, with
 *   `torch.set_num_threads` = the threads lasagne-ts uses (`--threads` to choose) and
 *   OMP_WAIT_POLICY=PASSIVE), in lockstep: each lasagne-ts step is followed by one PyTorch step.
 * - `--peer off` times lasagne-ts alone.
 * `--rounds R` (default 1) alternates lasagne-ts and the peer R times per model and reports the
 * median of the rounds: on a machine shared with other work both then see the same spells of load.
 */
const os = require('os');

// The environment as the user gave it, before core loads: loading oneDNN sets OpenMP variables
// for lasagne-ts (OMP_WAIT_POLICY, GOMP_SPINCOUNT, OMP_NUM_THREADS) that are not the peer's.
const userEnv = { ...process.env };
const { built, packages } = require('./script-env');
const { parseBenchArgs, BenchUsageError } = require('./bench-options');
const torchPeer = require('./bench-torch');

let opts;
try {
  opts = parseBenchArgs(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof BenchUsageError)) throw e;
  console.error(`pnpm bench: ${e.message}`);
  process.exit(2);
}
const { core, L, objectives, updates } = packages();
const { categoricalCrossentropy } = objectives;
const { nesterovMomentum } = updates;
const examples = built('examples');
const tf = core.tf;
const tfl = require('@tensorflow/tfjs-layers');

const BATCH = 500;
const { steps, warmup, models, rounds, peer: peerName } = opts;

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

/** mnist.py's network `model` in lasagne-ts: one training step and one validation batch (fn.async: works on every backend). */
function lasagneModel(model, { x, y }) {
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
  return {
    train: () => trainFn.async(xs, y),
    val: () => valFn.async(xs, y),
    shapes: L.getAllParams(net).map((v) => v.shape),
    dispose: () => {
      trainFn.dispose();
      valFn.dispose();
    },
  };
}

async function lasagne(model, d) {
  const m = lasagneModel(model, d);
  const out = { train: await time(m.train), val: await time(m.val), shapes: m.shapes };
  m.dispose();
  return out;
}

/**
 * lasagne-ts and PyTorch in lockstep: each of our steps is followed by one of theirs (a request
 * to `bench_torch.py --serve`, timed there), so both see the same moments of the machine's load.
 */
async function lockstepWithTorch(model, d, server) {
  const ours = lasagneModel(model, d);
  const info = await server.request(`${model} info`);
  if (JSON.stringify(info.param_shapes) !== JSON.stringify(ours.shapes)) {
    throw new Error(`${model}: the PyTorch network's parameter shapes ${JSON.stringify(info.param_shapes)} differ from lasagne-ts' ${JSON.stringify(ours.shapes)}`);
  }
  const result = { ours: {}, theirs: { where: '' } };
  for (const phase of ['train', 'val']) {
    const a = [];
    const b = [];
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = process.hrtime.bigint();
      await ours[phase]();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const theirs = (await server.request(`${model} ${phase}`)).ms;
      if (i >= warmup) {
        a.push(ms);
        b.push(theirs);
      }
    }
    result.ours[phase] = median(a);
    result.theirs[phase] = median(b);
  }
  ours.dispose();
  return result;
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

/** The threads lasagne-ts computes with: XNNPACK's pool on wasm, else every core (native BLAS). */
function ourThreads(backend) {
  if (backend === 'wasm') {
    try {
      return require('@tensorflow/tfjs-backend-wasm').getThreadsCount();
    } catch {
      return 1;
    }
  }
  return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
}

/** tfjs-layers on this backend, or on cpu (fewer steps) when it cannot train the model here. */
async function tfjsLayersPeer(model, d) {
  try {
    return { ...(await peer(model, d)), where: '' };
  } catch (e) {
    // The peer cannot train this model on this backend (e.g. wasm lacks Conv2DBackpropFilter):
    // measure it on its best working backend instead, with fewer steps (it is slow there).
    const reason = String(e.message).split('\n')[0];
    const fallback = 'cpu';
    console.log(`${model}: tfjs-layers cannot train on ${tf.getBackend()} (${reason}); measuring it on '${fallback}' (median of ${Math.min(steps, 3)} steps, 1 warm-up)`);
    const saved = tf.getBackend();
    await tf.setBackend(fallback);
    const r = await peer(model, d, Math.min(steps, 3), 1);
    await tf.setBackend(saved);
    return { ...r, where: ` (tfjs-layers on ${fallback})` };
  }
}

async function main() {
  const backend = opts.backend ? await core.setBackend(opts.backend) : await core.ready();
  const threads = opts.threads ?? ourThreads(backend);
  let python;
  let server;
  if (peerName === 'torch') {
    const found = torchPeer.findTorchPython(userEnv);
    if (!found.python) {
      console.error(torchPeer.noTorchMessage(found));
      process.exit(2);
    }
    python = found.python;
    server = await torchPeer.startTorchServer({ python, threads, batch: BATCH, env: userEnv });
    if (found.tried.length) console.log(`peer: skipped ${found.tried.join('; ')}`);
    const omp = torchPeer.torchEnv(threads, userEnv);
    console.log(`peer: PyTorch ${found.torch} (${python}), torch.set_num_threads(${threads}), OMP_WAIT_POLICY=${omp.OMP_WAIT_POLICY}, OMP_NUM_THREADS=${omp.OMP_NUM_THREADS}`);
  }
  const label = peerName === 'off' ? 'peer' : peerName;
  console.log(`backend: ${core.describeBackend()}, threads: ${threads}, tfjs ${tf.version_core}, batch ${BATCH}, median of ${steps} steps after ${warmup} warm-up${rounds > 1 ? `, median of ${rounds} alternating rounds` : ''}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`model  phase   lasagne-ts ms   ${`${label} ms`.padStart(14)}   lasagne-ts / ${label}`);
  for (const model of models) {
    const d = data();
    // Rounds alternate lasagne-ts and the peer, so both see the same spells of load; each phase's
    // time is the median over the rounds of the per-round medians.
    const oursRounds = [];
    const theirRounds = [];
    for (let r = 0; r < rounds; r++) {
      if (server) {
        const { ours, theirs } = await lockstepWithTorch(model, d, server);
        oursRounds.push(ours);
        theirRounds.push(theirs);
        continue;
      }
      oursRounds.push(await lasagne(model, d));
      if (peerName === 'tfjs-layers') theirRounds.push(await tfjsLayersPeer(model, d));
    }
    const combine = (rs) => ({ ...rs[0], train: median(rs.map((x) => x.train)), val: median(rs.map((x) => x.val)) });
    const ours = combine(oursRounds);
    const theirs = theirRounds.length ? combine(theirRounds) : undefined;
    for (const phase of ['train', 'val']) {
      const peerMs = theirs ? theirs[phase].toFixed(1) : '(not run)';
      const ratio = theirs ? `   ${(ours[phase] / theirs[phase]).toFixed(2).padStart(8)}x${theirs.where}` : '';
      console.log(`${model.padEnd(6)} ${phase.padEnd(7)} ${ours[phase].toFixed(1).padStart(13)}   ${peerMs.padStart(14)}${ratio}`);
    }
  }
  server?.close();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
