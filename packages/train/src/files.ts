import type { Layer } from '@lasagne-ts/layers';
import type { CheckpointFile } from './checkpoint';

/**
 * The file operations `train()` uses for checkpoints and parameter files. The Node entry
 * (`index.ts`, via `node-files.ts`) registers them; in a browser there are none, and the options
 * that need them (`checkpoint`, `loadParams`, `saveParams`) are refused with a message.
 */
export interface TrainFiles {
  /** Why `dir` cannot hold checkpoints (it is created when missing), or undefined. */
  directoryProblem(dir: string): string | undefined;
  /** Why `path` cannot be written (its directory must exist), or undefined. */
  fileWriteProblem(path: string): string | undefined;
  exists(path: string): boolean;
  checkpointPath(dir: string): string;
  readCheckpoint<M>(dir: string): CheckpointFile<M> | undefined;
  writeCheckpoint(dir: string, ckpt: CheckpointFile): string;
  loadParams(network: Layer, path: string): void;
  /**
   * Saves the parameters to `path`; when that fails, to the checkpoint directory or the temp
   * directory, then throws a `ParamsSaveError` saying where they went.
   */
  saveParamsKeeping(network: Layer, path: string, ckptDir: string | undefined, checkpointFile: string | undefined): string;
}

let files: TrainFiles | undefined;

export function setTrainFiles(f: TrainFiles): void {
  files = f;
}

export function trainFiles(): TrainFiles | undefined {
  return files;
}
