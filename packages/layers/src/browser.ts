/**
 * @lasagne-ts/layers for browsers: the same layers and helpers; parameters are saved and loaded
 * as bytes (`encodeParams`, `loadParamsFromBytes`, `encodeNpz`/`decodeNpz`), not files.
 */
export * from './api';
