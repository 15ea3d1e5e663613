import { join } from 'path';

// The browser entry (src/browser.ts, which reaches core's browser entry) bundles for a browser
// with no Node built-in. On failure: export Node-only code from src/index.ts, not src/api.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleForBrowser } = require('../../../scripts/browser-bundle.js');

test('the browser entry reaches no Node built-in', async () => {
  const r = await bundleForBrowser(join(__dirname, '..', 'src', 'browser.ts'));
  expect(r.problems).toEqual([]);
  expect(r.disabled.filter((d: string) => d.includes('packages/'))).toEqual([]);
  expect(r.code).toContain('arr_'); // encodeNpz came along
}, 120000);
