/**
 * @lasagne-ts/core for browsers and other non-Node bundles: backends `webgpu`, `webgl`, `wasm`,
 * `cpu` (tried in that order by `ready()`), the same API as in Node, no Node built-ins.
 */
import './platform/browser';

export * from './api';
export { setWasmPaths } from './platform/browser';
