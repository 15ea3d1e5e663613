#!/usr/bin/env node
/**
 * Says which WebGPU adapter lasagne-ts gets and checks that it is a real GPU (exit code 3 when it
 * is a software adapter such as lavapipe or SwiftShader, unless --allow-software), then runs one
 * small compiled function on it and checks the result. Used by scripts/device-check.sh.
 */
const core = require('@lasagne-ts/core');

async function main() {
  const allowSoftware = process.argv.includes('--allow-software');
  if (allowSoftware) process.env.LASAGNE_WEBGPU_ALLOW_SOFTWARE = '1';
  await core.setBackend('webgpu');
  const described = core.describeBackend();
  console.log(`adapter: ${described}`);
  const software = /a software adapter/.test(described);
  const x = core.vector('x');
  const f = core.compile([x], x.mul(x).sum());
  const got = await f.async([1, 2, 3]);
  console.log(`check: sum of squares of [1, 2, 3] on webgpu = ${got} (expected 14)`);
  if (got !== 14) process.exitCode = 1;
  else if (software && !allowSoftware) process.exitCode = 3;
}
main().catch((e) => {
  console.error(`webgpu: ${String(e.message).split('\n')[0]}`);
  process.exitCode = 2;
});
