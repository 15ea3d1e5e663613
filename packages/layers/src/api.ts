/**
 * Everything @lasagne-ts/layers exports in every environment; `index.ts` (Node) adds the file
 * helpers, `browser.ts` is this alone. Nothing reachable from here may import a Node built-in.
 */
export { Layer, MergeLayer, layerLabel, collectSharedVars, type GetOutputOptions, type TagFilter, type LayerOptions, type Incoming } from './base';
export { createParam, type ParamSpec } from './param';
export { InputLayer, type InputLayerOptions } from './input';
export { DenseLayer, type DenseLayerOptions } from './dense';
export { BaseConvLayer, convOutputLength, convInputLength, type BaseConvLayerOptions, type ConvPad } from './conv-base';
export { Conv2DLayer, type Conv2DLayerOptions } from './conv';
export { Conv1DLayer, type Conv1DLayerOptions } from './conv1d';
export { TransposedConv2DLayer, Deconv2DLayer, type TransposedConv2DLayerOptions, type Deconv2DLayerOptions } from './conv-transposed';
export { DilatedConv2DLayer, type DilatedConv2DLayerOptions } from './conv-dilated';
export { Pool2DLayer, MaxPool2DLayer, GlobalPoolLayer, poolOutputLength, type Pool2DLayerOptions, type MaxPool2DLayerOptions, type GlobalPoolLayerOptions, type PoolMode, type PoolFunction } from './pool';
export { Pool1DLayer, MaxPool1DLayer, type Pool1DLayerOptions, type MaxPool1DLayerOptions } from './pool1d';
export { Upscale2DLayer, type Upscale2DLayerOptions } from './upscale';
export { PadLayer, type PadLayerOptions, type PadWidth } from './pad';
export { SliceLayer, type SliceLayerOptions } from './slice';
export { EmbeddingLayer, type EmbeddingLayerOptions } from './embedding';
export { NINLayer, type NINLayerOptions } from './nin';
export { ParametricRectifierLayer, prelu, type ParametricRectifierLayerOptions } from './prelu';
export { RandomizedRectifierLayer, rrelu, type RandomizedRectifierLayerOptions } from './rrelu';
export { LocalResponseNormalization2DLayer, type LocalResponseNormalization2DLayerOptions } from './lrn';
export { FeaturePoolLayer, type FeaturePoolLayerOptions } from './feature-pool';
export { FeatureWTALayer, type FeatureWTALayerOptions } from './feature-wta';
export { InverseLayer, type InverseLayerOptions } from './inverse';
export { autocrop, autocropArrayShapes, type CropMode } from './autocrop';
export { DropoutLayer, dropout, dropoutChannels, spatialDropout, dropoutLocations, GaussianNoiseLayer, type DropoutLayerOptions, type GaussianNoiseLayerOptions } from './noise';
export { BatchNormLayer, batchNorm, type BatchNormLayerOptions } from './normalization';
export { NonlinearityLayer, BiasLayer, ScaleLayer, ExpressionLayer, type NonlinearityLayerOptions, type BiasLayerOptions, type ScaleLayerOptions, type ExpressionLayerOptions, type SharedAxes } from './special';
export { ReshapeLayer, reshape, FlattenLayer, flatten, DimshuffleLayer, dimshuffle, type ReshapeLayerOptions, type ReshapeSpecEntry, type FlattenLayerOptions, type DimshuffleLayerOptions, type DimshufflePattern } from './shape';
export { CustomRecurrentLayer, RecurrentLayer, LSTMLayer, GRULayer, Gate, type RecurrentOptions, type InitSpec, type CustomRecurrentLayerOptions, type RecurrentLayerOptions, type LSTMLayerOptions, type GRULayerOptions, type GateOptions, type GateParams } from './recurrent';
export { ConcatLayer, concat, ElemwiseMergeLayer, ElemwiseSumLayer, type ConcatLayerOptions, type ElemwiseMergeLayerOptions, type ElemwiseSumLayerOptions } from './merge';

export { getOutput, type OutputInputs } from './helpers/get-output';
export { getOutputShape } from './helpers/get-output-shape';
export { getAllLayers } from './helpers/get-all-layers';
export { getAllParams, countParams, getAllParamValues, setAllParamValues } from './helpers/params';
export { encodeParams, decodeParams, loadParamsFromBytes, type ParamFormat } from './helpers/param-bytes';
export { summary } from './helpers/summary';
export { compileOutput, type CompileOutputOptions } from './helpers/compile-output';

export { encodeNpy, decodeNpy } from './io/npy';
export { encodeNpz, decodeNpz } from './io/npz';
export { encodeSafetensors, decodeSafetensors, safetensorsMetadata } from './io/safetensors';
export { FormatError } from './io/format-error';
export { crc32 } from './io/crc32';

export { getRng, setRng, type HostRng } from './random';
export { setSeed, getSeed } from '@lasagne-ts/core';

/** `lasagne.init`: `L.init.GlorotUniform`, `L.init.Constant`, ... */
export * as init from './init';
/** `lasagne.nonlinearities`: `L.nonlinearities.rectify`, ... (also exported at the top level). */
export * as nonlinearities from './nonlinearities';
export {
  sigmoid, softmax, tanh, ScaledTanH, ScaledTanh, rectify, LeakyRectify, leakyRectify, veryLeakyRectify,
  elu, SELU, selu, softplus, linear, identity, type Nonlinearity,
} from './nonlinearities';
