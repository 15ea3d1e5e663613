#!/usr/bin/env node
/**
 * pnpm soak [--backend NAME] [--calls N] [--compiles N]
 *
 * A leak check, not a test (not in CI: it takes minutes): runs N compiled calls (default 10,000)
 * of a small MLP training step with dropout and Nesterov momentum, then N compiles (default 1,000)
 * of that step each followed by one call and `dispose()`, and prints tfjs' live tensor count, its
 * bytes, and the process RSS at intervals. A leak shows as a tensor count that grows with the
 * number of calls or compiles; RSS may grow a little at first (allocator warm-up, JIT) and then
 * must stay flat. Exit code 1 when the tensor count after a phase exceeds the count before it.
 */
const { packages, option: opt } = require('./script-env');
const { core, L, objectives, updates } = packages();
const { categoricalCrossentropy } = objectives;
const { nesterovMomentum } = updates;
const tf = core.tf;

const calls = Number(opt('calls', 10000));
const compiles = Number(opt('compiles', 1000));
const backend = opt('backend', process.env.LASAGNE_BACKEND || 'auto');

const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;
function report(phase, i) {
  const m = tf.memory();
  const line = `${phase.padEnd(8)} ${String(i).padStart(6)}  tensors ${String(m.numTensors).padStart(5)}  tensor bytes ${mb(m.numBytes).padStart(9)}  rss ${mb(process.memoryUsage().rss).padStart(9)}`;
  console.log(line);
  return m.numTensors;
}

function build() {
  const x = core.matrix('x');
  const y = core.ivector('y');
  let net = new L.InputLayer([null, 64], { inputVar: x });
  net = new L.DenseLayer(L.dropout(net, { p: 0.2 }), { numUnits: 128, nonlinearity: L.rectify });
  net = new L.DenseLayer(L.dropout(net, { p: 0.5 }), { numUnits: 10, nonlinearity: L.softmax });
  const loss = core.mean(categoricalCrossentropy(L.getOutput(net), y));
  const params = L.getAllParams(net, { trainable: true });
  return { x, y, loss, updates: nesterovMomentum(loss, params, { learningRate: 0.01, momentum: 0.9 }) };
}

async function main() {
  if (backend === 'auto') await core.ready();
  else await core.setBackend(backend);
  console.log(`soak: ${calls} compiled calls, then ${compiles} compiles; backend ${core.describeBackend()}`);
  core.setSeed(1);
  const batch = 32;
  const xs = { data: Float32Array.from({ length: batch * 64 }, (_, i) => ((i * 7919) % 101) / 101), shape: [batch, 64] };
  const ys = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const every = (n) => Math.max(1, Math.floor(n / 10));
  let failed = false;

  const net = build();
  const step = core.compile([net.x, net.y], net.loss, { updates: net.updates });
  step(xs, ys); // warm-up: constants uploaded, kernels compiled
  const before = report('calls', 0);
  let loss = 0;
  for (let i = 1; i <= calls; i++) {
    loss = step(xs, ys);
    if (i % every(calls) === 0) report('calls', i);
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  const after = tf.memory().numTensors;
  console.log(`  last loss ${loss.toFixed(6)}; tensors ${before} -> ${after}${after > before ? '  LEAK' : ''}`);
  failed ||= after > before;
  step.dispose?.();

  const base = report('compiles', 0);
  for (let i = 1; i <= compiles; i++) {
    const fn = core.compile([net.x, net.y], net.loss, { updates: net.updates });
    fn(xs, ys);
    fn.dispose?.();
    if (i % every(compiles) === 0) report('compiles', i);
    if (i % 10 === 0) await new Promise((r) => setImmediate(r));
  }
  const end = tf.memory().numTensors;
  console.log(`  tensors ${base} -> ${end}${end > base ? '  LEAK' : ''}`);
  failed ||= end > base;
  console.log(failed ? 'soak: FAILED (tensor count grew)' : 'soak: OK (tensor counts flat)');
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(`soak: error: ${e.stack || e.message}`);
  process.exitCode = 1;
});
