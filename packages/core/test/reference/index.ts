/** Float64 reference implementations for checking lasagne-ts ops in tests. */
export * from './ndarray';
export * from './rng';
export * from './conv';
export * from './pool';
export * from './dot';
export * from './softmax';
export * from './elementwise';
export * from './gradcheck';
