import { blasUnavailableReason, getBlas } from '../backend/blas';
import { loaders } from '../backend/loaders';
import { setPlatform } from './index';

/**
 * Node: the libtensorflow, Dawn and threaded-WASM loaders (`backend/loaders.ts`), the native BLAS
 * through koffi (`backend/blas.ts`), settings from `process.env`, notices on stderr. Imported only
 * by the Node entry (`src/index.ts`).
 */
setPlatform({
  name: 'node',
  order: ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'],
  loaders,
  env: (name) => process.env[name],
  write: (line) => process.stderr.write(`${line}\n`),
  blas: getBlas,
  blasReason: blasUnavailableReason,
});
