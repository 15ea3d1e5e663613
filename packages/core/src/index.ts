/**
 * @lasagne-ts/core for Node (the `node` export condition): the Node platform (libtensorflow,
 * Dawn, threaded WASM and native-BLAS loaders, `process.env` settings) and the common API.
 * Browsers get `browser.ts`. Node-only exports (files, processes) belong here, not in `api.ts`.
 */
import './platform/node';

export * from './api';
// Files (Node only): the one atomic writer and the up-front checks of output locations.
export { writeFileAtomic, FileWriteError, makeDirectory, removeStaleTemps, fileWriteProblem, directoryProblem, directoryWriteProblem, describeSystemError, processAlive, type AtomicWriteOptions } from './io/files';
// Writes files and loads the optional @viz-js/viz (browsers: `@lasagne-ts/core/svg`'s renderSvg).
export { renderGraph } from './printing/render-file';
export { renderSvg } from './printing/render';
