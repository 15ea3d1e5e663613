/**
 * The one place the core imports TensorFlow.js from. Everything else imports `tf` from here, so
 * the whole library (and the optional native backends, which register themselves on the same
 * tfjs-core instance) shares one engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

// tfjs prints a banner recommending tfjs-node when its plain-JS backend starts in Node; backend
// choice is ours (see backend/), so the banner would mislead. IS_TEST only gates such messages.
tf.env().set('IS_TEST', true);

export { tf };
export type Tensor = tf.Tensor;
