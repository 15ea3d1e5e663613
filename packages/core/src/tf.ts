/**
 * The one place the core imports TensorFlow.js from. Everything else imports `tf` from here, so
 * the whole library (and the optional native backends, which register themselves on the same
 * tfjs-core instance) shares one engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

// tfjs' plain-JS backend prints a banner recommending tfjs-node on its first use in Node; the
// backend choice is ours (see backend/), so the banner would mislead. Every instance the engine
// creates from the factory is marked as already used.
type Factory = { factory: () => { firstUse?: boolean }; priority: number };
const registry = (tf.engine() as unknown as { registryFactory: Record<string, Factory> }).registryFactory;
const cpu = registry.cpu;
if (cpu && !(cpu.factory as { quiet?: boolean }).quiet) {
  const make = cpu.factory;
  cpu.factory = Object.assign(() => Object.assign(make(), { firstUse: false }), { quiet: true });
}

export { tf };
export type Tensor = tf.Tensor;
