import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// compile's overloads are checked by the compiler: test/types/compile.ts must type-check, and each
// of its `@ts-expect-error` lines must be an error (an unused directive fails the check).
test('compile is typed by its outputs (tsc -p test/types)', () => {
  const root = join(__dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(__dirname, 'types')], { encoding: 'utf8' });
  expect(`${r.stdout}${r.stderr}`).toBe('');
  expect(r.status).toBe(0);
}, 120000);
