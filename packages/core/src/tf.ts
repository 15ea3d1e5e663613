/**
 * The one place the core imports TensorFlow.js from. Everything else imports `tf` from here, so
 * the whole library (and the optional native backends, which register themselves on the same
 * tfjs-core instance) shares one engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

// tfjs' plain-JS backend prints a banner recommending tfjs-node on its first use in Node; the
// backend choice is ours (see backend/), so the banner would mislead. Mark it as used.
const cpuBackend = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
if (cpuBackend) cpuBackend.firstUse = false;

export { tf };
export type Tensor = tf.Tensor;
