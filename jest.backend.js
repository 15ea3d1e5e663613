// Runs in each test file's module registry before its tests. LASAGNE_BACKEND=webgpu (CI's second
// pass, on a software adapter) must be selected asynchronously: synchronous selection, which a
// compiled function does on first use, refuses async-only backends. On cpu (the default) nothing
// is loaded here.
if (process.env.LASAGNE_BACKEND === 'webgpu') {
  beforeAll(async () => {
    const core = require('@lasagne-ts/core');
    if (core.getBackend() !== 'webgpu') await core.setBackend('webgpu');
  });
}
