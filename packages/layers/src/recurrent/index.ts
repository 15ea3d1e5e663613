export { RecurrentBase, type RecurrentOptions, type InitSpec } from './base';
export { CustomRecurrentLayer, RecurrentLayer, type CustomRecurrentLayerOptions, type RecurrentLayerOptions } from './custom';
export { Gate, type GateOptions } from './gate';
export { LSTMLayer, type LSTMLayerOptions, type GateParams } from './lstm';
export { GRULayer, type GRULayerOptions } from './gru';
