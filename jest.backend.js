// Runs in each test file's module registry before its tests. LASAGNE_BACKEND=webgpu (CI's second
// pass, on a software adapter) must be selected asynchronously: synchronous selection, which a
// compiled function does on first use, refuses async-only backends. After the file, its GPU
// device is destroyed: jest runs the files in one process, and the devices of some sixty files
// kept alive crashed Dawn (a segmentation fault). On cpu (the default) nothing is loaded here.
if (process.env.LASAGNE_BACKEND === 'webgpu') {
  beforeAll(async () => {
    const core = require('@lasagne-ts/core');
    if (core.getBackend() !== 'webgpu') await core.setBackend('webgpu');
  });
  afterAll(() => {
    const backend = require('@lasagne-ts/core').tf.engine().registry.webgpu;
    if (backend && backend.device) backend.device.destroy();
  });
}
