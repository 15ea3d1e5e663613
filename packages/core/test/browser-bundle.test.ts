import { join } from 'path';
import { createContext, runInContext } from 'vm';
import { call } from './calls';

// The browser entry (src/browser.ts) must bundle for a browser with no Node built-in and run
// where there is no `process`, `require` or `Buffer`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleForBrowser } = require('../../../scripts/browser-bundle.js');

const entry = join(__dirname, '..', 'src', 'browser.ts');
let bundle: { problems: string[]; disabled: string[]; code?: string };

beforeAll(async () => {
  bundle = await bundleForBrowser(entry, { globalName: 'lasagne' });
}, 120000);

test('the browser entry reaches no Node built-in', () => {
  // On failure: the listed file imports a Node module. Export Node-only code from src/index.ts
  // (the Node entry) or reach it through platform/node.ts, never from src/api.ts.
  expect(bundle.problems).toEqual([]);
  // tfjs maps its own optional Node paths away (its package.json `browser` field); nothing of ours may be among them.
  expect(bundle.disabled.filter((d) => d.includes('packages/core/src'))).toEqual([]);
});

test('the bundle runs without process, require or Buffer, picks cpu and computes a gradient', async () => {
  const lines: string[] = [];
  const sandbox: Record<string, unknown> = {
    console: { log: (...a: unknown[]) => lines.push(a.join(' ')), warn: (...a: unknown[]) => lines.push(a.join(' ')), error: (...a: unknown[]) => lines.push(a.join(' ')), info: () => undefined, debug: () => undefined },
    setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask, TextEncoder, TextDecoder, performance, URL,
  };
  // A Web Worker's global scope (tfjs-core picks its browser platform on `WorkerGlobalScope`).
  sandbox.self = sandbox;
  sandbox.WorkerGlobalScope = function WorkerGlobalScope() {};
  sandbox.globalThis = sandbox;
  const ctx = createContext(sandbox);
  runInContext(`${bundle.code}\n;globalThis.lasagne = lasagne;`, ctx);
  expect(runInContext('typeof process + typeof require + typeof Buffer', ctx)).toBe('undefinedundefinedundefined');
  const lib = sandbox.lasagne as typeof import('../src/browser');
  expect([...lib.BACKEND_ORDER]).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  // No navigator, WebGL or fetchable .wasm in a bare context: 'auto' falls through to cpu.
  expect(await lib.ready()).toBe('cpu');
  expect(lib.describeBackend()).toBe('cpu (plain JavaScript; matmul: tfjs, no native BLAS; conv/pool: tfjs, no oneDNN)');
  expect(lib.backendNotices().some((l) => l.includes("'webgpu'") && l.includes('navigator.gpu'))).toBe(true);
  const x = lib.vector('x');
  const f = lib.compile([x], [lib.sum(lib.mul(x, x)), lib.grad(lib.sum(lib.mul(x, x)), x)]);
  const [s, g] = await call(f, [1, 2, 3]) as [number, { data: Float32Array }];
  expect(s).toBe(14); // 1 + 4 + 9
  expect(Array.from(g.data)).toEqual([2, 4, 6]); // d/dx sum(x^2) = 2x
  await expect(lib.setBackend('tensorflow')).rejects.toThrow("unknown backend 'tensorflow'; expected one of webgpu, webgl, wasm, cpu");
}, 60000);
