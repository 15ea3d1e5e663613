/**
 * `@lasagne-ts/core/svg`: graph pictures for browsers and Node, `renderSvg` (SVG text) and
 * `dotToSvg`, through the optional WebAssembly Graphviz `@viz-js/viz` (install it to use this
 * entry). Kept out of the main entries so that bundling core does not bundle Graphviz.
 */
export { renderSvg, dotToSvg } from './printing/render';
export { toDot, DOT_COLORS } from './printing/dot';
