export * from './cast';
export * from './elemwise';
export * from './reduce';
export * from './broadcast';
export * from './dimshuffle';
export * from './reshape';
export * from './join';
export * from './shapeof';
export * from './slicing';
export * from './advanced';
export * from './linalg';
export * from './nnet';
export * from './conv/index'; // not './conv': a stale dist/ops/conv.js from before the folder would win
export * from './pool';
export * from './expm1';
export { log, tryStabilizeLog } from './stabilize';
export * from './grad-clip';
export * from './pad';
export * from './dilate';
