/**
 * @lasagne-ts/layers: Lasagne's `lasagne.layers`, `lasagne.init` and `lasagne.nonlinearities`
 * over @lasagne-ts/core. This is the Node entry (the `node` export condition): the common API
 * plus the parameter-file helpers. Browsers get `browser.ts` (parameters as bytes only).
 */
import './io/crc32-node';

export * from './api';
export { saveParams, loadParams, readParamFile } from './helpers/io';
export { writeFileAtomic } from '@lasagne-ts/core';
