import { directoryProblem, fileWriteProblem } from '@lasagne-ts/core';
import * as L from '@lasagne-ts/layers';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { checkpointPath, readCheckpoint, writeCheckpoint } from './checkpoint';
import { setTrainFiles } from './files';
import { ParamsSaveError } from './train';

/**
 * Writes the parameters to `target` (`L.saveParams`); when that fails, to a fallback file (the
 * checkpoint directory, else the system temp directory), so trained parameters are never lost to
 * a bad path or a full disk. The error says where they went.
 */
function saveParamsKeeping(network: L.Layer, target: string, ckptDir: string | undefined, checkpointFile: string | undefined): string {
  try {
    return L.saveParams(network, target);
  } catch (e) {
    const name = basename(target.toLowerCase().endsWith('.npz') || target.toLowerCase().endsWith('.safetensors') ? target : `${target}.npz`);
    const fallbacks = [ckptDir && join(ckptDir, name), join(tmpdir(), `lasagne-ts-${process.pid}-${name}`)].filter((f): f is string => !!f);
    let savedTo: string | undefined;
    for (const f of fallbacks) {
      try {
        savedTo = L.saveParams(network, f);
        break;
      } catch {
        // try the next place
      }
    }
    const where = savedTo ? `; the trained parameters were saved to ${savedTo} instead` : `; they could not be saved to ${fallbacks.join(' or ')} either`;
    throw new ParamsSaveError(`${(e as Error).message}${where}${checkpointFile ? ` (the checkpoint ${checkpointFile} holds them too)` : ''}.`, savedTo);
  }
}

// Node only (imported by index.ts): checkpoints and parameter files on disk.
setTrainFiles({
  directoryProblem: (dir) => directoryProblem(dir, { create: true }),
  fileWriteProblem: (path) => fileWriteProblem(path),
  exists: existsSync,
  checkpointPath,
  readCheckpoint,
  writeCheckpoint,
  loadParams: (network, path) => L.loadParams(network, path),
  saveParamsKeeping,
});
