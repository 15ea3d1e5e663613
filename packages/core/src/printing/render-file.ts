import { GraphError } from '../errors';
import { toDot } from './dot';
import { renderSvg } from './render';
import type { Printable } from './source';

/**
 * A picture of the graph (Theano's `pydotprint`): `toDot(target)` laid out by Graphviz compiled to
 * WebAssembly, so no system Graphviz is needed. Resolves to the SVG text (in a browser, put it in
 * the page). Given a file name (Node), also writes the file, atomically (a temporary file in the
 * same directory, then renamed): `.svg` gets the picture, `.dot` or `.gv` the DOT text.
 *
 * @example
 * const x = vector('x');
 * const fn = compile([x], exp(x).sum());
 * const svg = await renderGraph(fn); // '<?xml ...><svg ...>' (or: await renderGraph(fn, 'fn.svg'))
 */
export async function renderGraph(target: Printable, file?: string): Promise<string> {
  const ext = file === undefined ? 'svg' : (/\.([^./\\]+)$/.exec(file)?.[1] ?? '').toLowerCase();
  if (!['svg', 'dot', 'gv'].includes(ext)) {
    throw new GraphError(`renderGraph: cannot write '${file}': expected a file name ending in .svg (picture) or .dot / .gv (Graphviz text).`);
  }
  const text = ext === 'svg' ? await renderSvg(target) : toDot(target);
  if (file !== undefined) await writeAtomic(file, text);
  return text;
}

/** Temporary file in the same directory, flushed, renamed over `file`; on error the temporary file is removed and `file` left as it was. */
async function writeAtomic(file: string, text: string): Promise<void> {
  // Node modules are imported on the first write only.
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  try {
    const h = await fs.open(tmp, 'wx');
    try {
      await h.writeFile(text);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
