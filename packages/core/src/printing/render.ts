import { GraphError, LasagneError } from '../errors';
import { toDot } from './dot';
import type { Printable } from './source';

type Viz = { renderString(dot: string, options: { format: string; engine?: string }): string };
let viz: Promise<Viz> | undefined;

/**
 * The WebAssembly Graphviz (`@viz-js/viz`, an optional peer dependency of core), loaded on the
 * first render only: importing core never loads it, and it works in browsers as in Node.
 */
function loadViz(): Promise<Viz> {
  viz ??= import('@viz-js/viz')
    .then((m) => m.instance() as Promise<Viz>)
    .catch((e: unknown) => {
      viz = undefined;
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new LasagneError(`renderGraph: the WebAssembly Graphviz package @viz-js/viz could not be loaded (${why}); install it (npm install @viz-js/viz), or use toDot() and render the DOT text yourself.`);
    });
  return viz;
}

/** Renders DOT text to SVG with the WebAssembly Graphviz; throws a GraphError quoting Graphviz when the DOT does not parse. */
export async function dotToSvg(dot: string): Promise<string> {
  const v = await loadViz();
  try {
    return v.renderString(dot, { format: 'svg', engine: 'dot' });
  } catch (e) {
    throw new GraphError(`renderGraph: Graphviz could not render the graph: ${e instanceof Error ? e.message : String(e)}`);
  }
}

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
  const dot = toDot(target);
  const text = ext === 'svg' ? await dotToSvg(dot) : dot;
  if (file !== undefined) await writeAtomic(file, text);
  return text;
}

/** The project's one atomic writer (`io/files.ts`), imported here only, so the module stays loadable in a browser. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const { writeFileAtomic } = await import('../io/files');
  writeFileAtomic(file, text, { what: 'the graph' });
}
