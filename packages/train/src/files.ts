import type { Layer } from '@lasagne-ts/layers';
import type { CheckpointFile } from './checkpoint';

/**
 * The file operations `train()` uses for checkpoints and parameter files. The Node entry
 * (`index.ts`, via `node-files.ts`) registers them; in a browser there are none, and the options
 * that need them (`checkpoint`, `loadParams`, `saveParams`) are refused with a message.
 */
export interface TrainFiles {
  makeDir(dir: string): void;
  readCheckpoint<M>(dir: string): CheckpointFile<M> | undefined;
  writeCheckpoint(dir: string, ckpt: CheckpointFile): string;
  loadParams(network: Layer, path: string): void;
  saveParams(network: Layer, path: string): string;
}

let files: TrainFiles | undefined;

export function setTrainFiles(f: TrainFiles): void {
  files = f;
}

export function trainFiles(): TrainFiles | undefined {
  return files;
}
