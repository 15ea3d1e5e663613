/**
 * Errors a GPU device reported that no error scope caught (e.g. a shader that failed to compile,
 * an invalid bind group). tfjs-backend-webgpu neither checks shader compilation nor listens for
 * device errors: a failed kernel, and every kernel submitted with it, reads back as zeros. The
 * WebGPU loader records them here; `fn.async` raises the first one (platform-neutral module).
 */
const deviceErrors: string[] = [];

export function recordDeviceError(message: string): void {
  deviceErrors.push(message);
}

/** The first error the device reported since the last call (and forgets them all). */
export function takeDeviceError(): string | undefined {
  const first = deviceErrors[0];
  deviceErrors.length = 0;
  return first;
}
