/**
 * @lasagne-ts/train: a generic training loop (`train`, Lasagne mnist.py's loop with validation,
 * checkpoints, resume, interruption and callbacks), minibatch iteration, the checkpoint file and
 * mnist.py's printed lines. It reads no data set itself: MNIST loading lives in
 * `@lasagne-ts/examples`. See README.md.
 *
 * This is the Node entry (the `node` export condition); browsers get `browser.ts`, without files.
 */
import './node-files';

export * from './api';
export {
  CHECKPOINT_FILE,
  checkpointPath,
  encodeCheckpoint,
  decodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint';
