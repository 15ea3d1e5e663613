/** The classic Theano/NumPy MNIST programs (see README.md, "Classic programs"). */
export {
  classicData,
  sharedDataset,
  minibatchGivens,
  patienceLoop,
  pyStr,
  pyPercent,
  batchesIn,
  ClassicOptionsError,
  type ClassicIO,
  type ClassicDataOptions,
  type ClassicCommonOptions,
  type SharedSplit,
  type PatienceLoopOptions,
  type PatienceLoopResult,
} from './common';
export { LogisticRegression, HiddenLayer, LeNetConvPoolLayer, type HiddenLayerOptions } from './tutorial-layers';
export { runLogreg, type LogregOptions, type LogregResult } from './logreg';
export { runLenet, buildLenet5, type LenetOptions, type LenetResult } from './lenet';
export { runNetwork3, type Network3Options, type Network3Result } from './network3';
export * as network3 from './network3';
export { runSimpleConvnet, buildSimpleConvnet, type SimpleConvnetOptions, type SimpleConvnetResult, type SimpleConvnetEpoch } from './simple-convnet';
export { runFilters, drawScene, type FiltersOptions, type FiltersResult } from './filters';
export { runRecurrent, buildRecurrentNet, genData, float32Str, type RecurrentOptions, type RecurrentResult } from './recurrent';
