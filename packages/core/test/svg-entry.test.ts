import { join } from 'path';
import { exp, vector } from '@lasagne-ts/core';
import { dotToSvg, renderSvg, toDot } from '../src/svg';

// `@lasagne-ts/core/svg` draws graphs in browsers: it must bundle with no Node built-in of ours
// (only @viz-js/viz, which a page installs to use it), and give the same SVG as Node's renderGraph.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleForBrowser } = require('../../../scripts/browser-bundle.js');

test('the svg entry bundles for a browser with no Node built-in', async () => {
  const bundle = await bundleForBrowser(join(__dirname, '..', 'src', 'svg.ts'), { globalName: 'lasagneSvg' });
  expect(bundle.problems).toEqual([]);
  expect(bundle.disabled.filter((d: string) => d.includes('packages/core/src'))).toEqual([]);
}, 120000);

test('renderSvg draws the DOT of the graph', async () => {
  const x = vector('x');
  const y = exp(x).sum();
  const svg = await renderSvg(y);
  expect(svg).toContain('<svg');
  expect(svg).toBe(await dotToSvg(toDot(y)));
});
