import { existsSync, readdirSync } from 'fs';
import type { BackendName } from './loaders';

/** The npm package each optional backend needs (installed by the user, see the README). */
const PACKAGE: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  webgpu: 'webgpu',
  tensorflow: '@tensorflow/tfjs-node',
};

function installed(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the machine shows a GPU to user space: a DRM render node (Mesa's Vulkan drivers), an
 * NVIDIA device, or WSL2's /dev/dxg. Linux only; elsewhere assumed (no cheap check).
 */
export function gpuDevicePresent(): boolean {
  if (process.platform !== 'linux') return true;
  if (existsSync('/dev/nvidiactl') || existsSync('/dev/dxg')) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

/**
 * Whether skipping `name` in auto selection is worth telling the user without LASAGNE_DEBUG:
 * they installed its package and the machine has what it needs (a GPU for the GPU backends), yet
 * it did not load. A package that is not installed, or a GPU backend on a machine without a GPU,
 * is the ordinary fall-through and stays silent.
 */
export function surprisingSkip(name: BackendName): boolean {
  const pkg = PACKAGE[name];
  if (!pkg || !installed(pkg)) return false;
  return name === 'tensorflow' || gpuDevicePresent();
}
