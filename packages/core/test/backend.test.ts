import { BACKEND_ORDER, shared, BackendError, backendNotices, compile, describeBackend, getBackend, onBackendNotice, ready, setBackend, vector } from '@lasagne-ts/core';
import { call, value } from './calls';

describe('backend selection', () => {
  const lines: string[] = [];
  beforeAll(() => onBackendNotice((l) => lines.push(l)));

  test('a named backend that is not installed is a BackendError saying why', async () => {
    // @tensorflow/tfjs-node cannot install on machines without access to its download site.
    let installed = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    if (installed) return; // nothing to assert where it is installed
    await expect(setBackend('tensorflow')).rejects.toThrow(BackendError);
    await expect(setBackend('tensorflow')).rejects.toThrow(/tfjs-node is not installed \(optional: npm install @tensorflow\/tfjs-node\)/);
  });

  test('an unknown name lists the valid ones', async () => {
    await expect(setBackend('cuda9')).rejects.toThrow(/expected one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu/);
  });

  test('wasm loads and runs a compiled function', async () => {
    expect(await setBackend('wasm')).toBe('wasm');
    expect(getBackend()).toBe('wasm');
    expect(describeBackend()).toMatch(/^wasm \(WebAssembly \(XNNPACK\), \d+ threads?; matmul: .+\)$/);
    const x = vector('x');
    const f = compile([x], x.mul(x).sum());
    expect(await call(f, [1, 2, 3])).toBe(14);
  });

  test("wasm: an input's array is copied when the call starts (changing it afterwards changes nothing)", async () => {
    expect(await setBackend('wasm')).toBe('wasm');
    const x = vector('x');
    const W = shared(new Float32Array(2), { name: 'W' });
    const f = compile([x], null, { updates: [[W, x]] });
    const src = new Float32Array([3, 4]);
    await call(f, src);
    src[1] = 100;
    expect(Array.from((await value(W)).data)).toEqual([3, 4]);
  });

  test('auto selection falls through quietly: at most one line, the reasons only with LASAGNE_DEBUG=1', async () => {
    const saved = { backend: process.env.LASAGNE_BACKEND, debug: process.env.LASAGNE_DEBUG };
    delete process.env.LASAGNE_BACKEND;
    try {
      lines.length = 0;
      delete process.env.LASAGNE_DEBUG;
      const name = await setBackend('auto');
      expect(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']).toContain(name);
      expect(lines.length).toBeLessThanOrEqual(1);
      for (const l of lines) expect(l).toMatch(new RegExp(`^lasagne-ts: using ${name}; .+ installed but not usable here \\(LASAGNE_DEBUG=1 says why\\)$`));
      const skipped = BACKEND_ORDER.indexOf(name);
      expect(backendNotices()).toHaveLength(skipped); // one reason per backend tried before it
      for (const l of backendNotices()) expect(l).toMatch(/^lasagne-ts: backend '[a-z-]+' not used: .+/);
      expect(await ready()).toBe(name);

      lines.length = 0;
      process.env.LASAGNE_DEBUG = '1';
      expect(await setBackend('auto')).toBe(name);
      expect(lines).toEqual([...backendNotices(), `lasagne-ts: using ${describeBackend()}`]);
      expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    } finally {
      for (const [k, v] of [['LASAGNE_BACKEND', saved.backend], ['LASAGNE_DEBUG', saved.debug]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await setBackend('cpu');
    }
  });
});

describe('threaded wasm in a plain Node process', () => {
  const dist = require('path').join(__dirname, '..', 'dist', 'index.js');
  const built = require('fs').existsSync(dist);
  (built ? test : test.skip)('uses every core and still lets the process exit by itself', () => {
    const { execFileSync } = require('child_process') as typeof import('child_process');
    const src = `const c = require(${JSON.stringify(dist)});
      c.setBackend('wasm').then(() => { const x = c.vector('x'); console.log(c.describeBackend(), c.compile([x], x.sum())([1, 2])); });`;
    // A pool worker left referenced would keep this process alive until the timeout kills it.
    const out = execFileSync(process.execPath, ['-e', src], { timeout: 60000, env: { ...process.env, LASAGNE_WASM_THREADS: '2' } }).toString().trim();
    expect(out).toMatch(/^wasm \(WebAssembly \(XNNPACK\), 2 threads; matmul: .+\) 3$/);
  });
});
