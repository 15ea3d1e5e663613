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
 * The graph as an SVG picture (`toDot` laid out by Graphviz compiled to WebAssembly): what
 * `renderGraph` draws, without writing a file, so it works in browsers too
 * (`import { renderSvg } from '@lasagne-ts/core/svg'`; the main browser entry leaves it out so
 * that a page that draws nothing does not bundle Graphviz).
 *
 * @example
 * const x = vector('x');
 * const svg = await renderSvg(exp(x).sum()); // '<?xml ...<svg ...</svg>\n'
 */
export function renderSvg(target: Printable): Promise<string> {
  return dotToSvg(toDot(target));
}
