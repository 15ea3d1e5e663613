import { mkdirSync } from 'node:fs';
import * as L from '@lasagne-ts/layers';
import { readCheckpoint, writeCheckpoint } from './checkpoint';
import { setTrainFiles } from './files';

// Node only (imported by index.ts): checkpoints and parameter files on disk.
setTrainFiles({
  makeDir: (dir) => mkdirSync(dir, { recursive: true }),
  readCheckpoint,
  writeCheckpoint,
  loadParams: (network, path) => L.loadParams(network, path),
  saveParams: (network, path) => L.saveParams(network, path),
});
