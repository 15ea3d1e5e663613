import { BackendError, backendNotices, compile, describeBackend, getBackend, onBackendNotice, ready, setBackend, vector } from '@lasagne-ts/core';

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
    await expect(setBackend('tensorflow')).rejects.toThrow(/tfjs-node is not installed/);
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
    expect(f([1, 2, 3])).toBe(14);
  });

  test("auto selection falls through with one notice per skipped backend and ends on a working one", async () => {
    lines.length = 0;
    const saved = process.env.LASAGNE_BACKEND;
    delete process.env.LASAGNE_BACKEND;
    try {
      const name = await setBackend('auto');
      expect(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']).toContain(name);
      for (const l of lines) expect(l).toMatch(/^lasagne-ts: backend '[a-z-]+' not used: .+/);
      expect(lines.every((l) => !l.includes('\n'))).toBe(true);
      expect(backendNotices().length).toBeGreaterThanOrEqual(lines.length);
      expect(await ready()).toBe(name);
    } finally {
      process.env.LASAGNE_BACKEND = saved;
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
