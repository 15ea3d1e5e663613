/**
 * @lasagne-ts/train for browsers: `train()` and the rest without files (no checkpoints or
 * parameter files; save parameters as bytes with @lasagne-ts/layers' `encodeParams`).
 */
export * from './api';
