import { tf, type Tensor } from '../tf';

/**
 * The layout changes around tfjs' image kernels: the API is NCHW (images) / OIHW (filters), tfjs
 * computes in NHWC / HWIO.
 */
export const toNHWC = (x: Tensor) => tf.transpose(x, [0, 2, 3, 1]);
export const toNCHW = (x: Tensor) => tf.transpose(x, [0, 3, 1, 2]);
