/** The import rules of scripts/check-imports.js (package directions, no cycles in core/src), run with the suite so CI checks them. */
import { spawnSync } from 'child_process';
import * as path from 'path';

it('scripts/check-imports.js passes: packages import in the allowed direction and core/src has no import cycle', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', '..', 'scripts', 'check-imports.js')], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
