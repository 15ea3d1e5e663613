#!/usr/bin/env node
// `pnpm web`: builds the demo page (web/) into web-dist/ with esbuild and serves it on
// 127.0.0.1, printing the URL. `--build-only` stops after the build; `--port N` (default 8787;
// 0 picks a free one). The page is served cross-origin isolated (COOP/COEP), so the wasm backend
// can use threads.
const fs = require('fs');
const http = require('http');
const path = require('path');
const { bundleForBrowser } = require('../../../scripts/browser-bundle.js');

const pkg = path.join(__dirname, '..');
const webDir = path.join(pkg, 'web');
const outDir = path.join(pkg, 'web-dist');

/** The served MNIST copy: mnist.py's splits, first items of each (train 10000, val 2000, test 2000). */
const SUBSET = { train: 10000, val: 2000, test: 2000 };

async function buildWeb({ out = outDir, log = console.log } = {}) {
  fs.mkdirSync(out, { recursive: true });
  // The packages resolve through their package.json exports (the browser condition: dist/browser.js).
  const r = await bundleForBrowser(path.join(webDir, 'main.ts'), { sources: false, outfile: path.join(out, 'main.js'), write: true, minify: true, absWorkingDir: pkg });
  if (r.problems.length) throw new Error(`the page does not bundle for a browser:\n${r.problems.join('\n')}`);
  for (const f of ['index.html', 'style.css']) fs.copyFileSync(path.join(webDir, f), path.join(out, f));
  const coreDir = path.dirname(require.resolve('@lasagne-ts/core/package.json', { paths: [pkg] }));
  const wasmDist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json', { paths: [coreDir] })), 'dist');
  for (const f of fs.readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) fs.copyFileSync(path.join(wasmDist, f), path.join(out, f));
  const subsetFile = path.join(out, 'mnist-subset.bin');
  if (!fs.existsSync(subsetFile)) {
    const { loadMnist } = require('../dist/data');
    const { encodeMnistSubset } = require('../dist/web/subset');
    const { firstItems } = require('../dist/web/subset');
    const d = await loadMnist({});
    const bytes = encodeMnistSubset({ train: firstItems(d.train, SUBSET.train), val: firstItems(d.val, SUBSET.val), test: firstItems(d.test, SUBSET.test) },
      `${d.source.split(' /')[0]}: training images 1-${SUBSET.train}, validation 50001-${50000 + SUBSET.val}, test 1-${SUBSET.test}`);
    fs.writeFileSync(subsetFile, bytes);
  }
  const size = (f) => (fs.statSync(path.join(out, f)).size / 1e6).toFixed(1);
  log(`built ${path.relative(process.cwd(), out) || out}/: main.js ${size('main.js')} MB, mnist-subset.bin ${size('mnist-subset.bin')} MB`);
  return out;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json', '.bin': 'application/octet-stream' };

/** Serves `dir` on 127.0.0.1:`port`; resolves with the server and its URL. */
function serve(dir = outDir, port = 8787) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(dir, rel);
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(e.code === 'EADDRINUSE' ? new Error(`port ${port} is in use on 127.0.0.1; pass --port N (0 picks a free one).`) : e));
    server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

module.exports = { buildWeb, serve, outDir, SUBSET };

if (require.main === module) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 8787;
  (async () => {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected a port number, got '${args[portAt + 1]}'.`);
    await buildWeb();
    if (args.includes('--build-only')) return;
    const { url } = await serve(outDir, port);
    console.log(`lasagne-ts demo page: ${url}  (Ctrl-C stops the server)`);
  })().catch((e) => {
    console.error(`pnpm web: ${e.message}`);
    process.exitCode = 1;
  });
}
