import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

// The built package must work from both require() and import (run after `pnpm build`).
const root = join(__dirname, '..', '..', '..');
const consumer = join(root, 'packages', 'layers'); // a workspace package that depends on core
const built = existsSync(join(root, 'packages', 'core', 'dist', 'index.js'));

(built ? describe : describe.skip)('@lasagne-ts/core as a package', () => {
  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: consumer, env: { ...process.env, LASAGNE_BACKEND: 'cpu' } }).toString().trim();
  const program = (mod: string) => `const x = ${mod}.vector('x'); const f = ${mod}.compile([x], x.sum()); console.log(f([1, 2, 3.5]));`;

  test('require()', () => {
    expect(run(['-e', `const c = require('@lasagne-ts/core'); ${program('c')}`])).toBe('6.5');
  });

  test('import (ESM, named exports)', () => {
    const src = `import { vector, compile } from '@lasagne-ts/core'; const c = { vector, compile }; ${program('c')}`;
    expect(run(['--input-type=module', '-e', src])).toBe('6.5');
  });

  test('the WebAssembly Graphviz is loaded by renderGraph only, not when core is imported', () => {
    const loaded = "Object.keys(require.cache).some((k) => k.includes('@viz-js'))";
    const src = `const c = require('@lasagne-ts/core'); const before = ${loaded}; const x = c.vector('x');
      c.renderGraph(x.sum()).then((svg) => console.log(before, ${loaded}, svg.includes('<svg')));`;
    expect(run(['-e', src])).toBe('false true true');
  });
});

if (!built) test.skip('packaging tests need `pnpm build` first', () => undefined);
