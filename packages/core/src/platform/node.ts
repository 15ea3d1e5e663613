import { blasUnavailableReason, getBlas } from '../backend/native/blas';
import { dnnlUnavailableReason, getDnnl } from '../backend/native/dnnl';
import { loaders } from '../backend/loaders';
import { gpuDevicePresent, surprisingSkip } from '../backend/skipped';
import { setPlatform } from './index';

/**
 * Node: the libtensorflow, Dawn and threaded-WASM loaders (`backend/loaders.ts`), the native BLAS
 * and oneDNN through koffi (`backend/native/`), settings from `process.env`, notices on stderr. Imported only
 * by the Node entry (`src/index.ts`).
 */
setPlatform({
  name: 'node',
  order: ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'],
  loaders: {
    ...loaders,
    // Without a GPU device WebGPU can only find software adapters (which auto never picks):
    // 'auto' skips it before loading Dawn, which prints warnings on them.
    webgpu: async (o) =>
      !o?.named && !gpuDevicePresent()
        ? { ok: false, tfName: '', detail: '', reason: 'no GPU device on this machine (/dev/dri/renderD*, /dev/nvidiactl or /dev/dxg).' }
        : loaders.webgpu!(o),
  },
  env: (name) => process.env[name],
  write: (line) => process.stderr.write(`${line}\n`),
  blas: getBlas,
  blasReason: blasUnavailableReason,
  dnnl: getDnnl,
  dnnlReason: dnnlUnavailableReason,
  surprisingSkip,
});
