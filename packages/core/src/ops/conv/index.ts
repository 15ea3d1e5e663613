/** Everything about 2-D convolution: options, the ops and their gradients, their lowerings, host kernels, the fusion rule. */
export { checkBorderMode, convConfig, convOutLength, convPads, type BorderMode, type ConvConfig, type Conv2DOptions } from './config';
export { Conv2D, Conv2DGradInput, Conv2DGradWeight, conv2d, convInputGrad, dilateFilters } from './conv2d';
export { ConvTranspose2D, convTranspose2d, type ConvTranspose2DOptions } from './transpose';
export { Conv2DBiasRelu } from './fuse';
