import { GraphError } from '../errors';
import { writeFileAtomic } from '../io/files';
import { toDot } from './dot';
import { renderSvg } from './render';
import type { Printable } from './source';

/**
 * A picture of the graph (Theano's `pydotprint`): `toDot(target)` laid out by Graphviz compiled to
 * WebAssembly, so no system Graphviz is needed. Resolves to the SVG text (in a browser, put it in
 * the page). Given a file name (Node), also writes the file, atomically (a temporary file in the
 * same directory, fsynced, then renamed: core's `writeFileAtomic`): `.svg` gets the picture, `.dot` or `.gv` the DOT text.
 *
 * @example
 * const x = vector('x');
 * const fn = compile([x], exp(x).sum());
 * const svg = await renderGraph(fn); // '<?xml ...<svg ...</svg>\n'
 * // await renderGraph(fn, 'fn.svg') also writes the file
 */
export async function renderGraph(target: Printable, file?: string): Promise<string> {
  const ext = file === undefined ? 'svg' : (/\.([^./\\]+)$/.exec(file)?.[1] ?? '').toLowerCase();
  if (!['svg', 'dot', 'gv'].includes(ext)) {
    throw new GraphError(`renderGraph: cannot write '${file}': expected a file name ending in .svg (picture) or .dot / .gv (Graphviz text).`);
  }
  const text = ext === 'svg' ? await renderSvg(target) : toDot(target);
  if (file !== undefined) writeFileAtomic(file, text, { what: 'the graph' });
  return text;
}
