/**
 * Backend-neutral calls for the test suites. jest runs them on `cpu` by default and CI runs core,
 * layers, objectives and updates a second time on `webgpu` (LASAGNE_BACKEND=webgpu, a software
 * adapter), where a compiled function can only be called asynchronously (`fn(...)` is a
 * SyncCallError by design). So tests call `await call(fn, ...args)`: the synchronous call on
 * backends that read synchronously (so `fn(...)` stays tested on cpu), `fn.async` elsewhere.
 */
import { getBackend, setBackend, type CompiledFunction, type HostTensor, type SharedVariable, type TensorValue } from '@lasagne-ts/core';
import { readsSynchronously } from '../src/backend';

/** `fn(...args)` where the backend reads synchronously, else `await fn.async(...args)`. */
export async function call<R>(fn: CompiledFunction<R>, ...args: TensorValue[]): Promise<R> {
  return readsSynchronously() ? fn(...args) : fn.async(...args);
}

/** A shared variable's value on the host: `get()` where the backend reads synchronously, else `await read()`. */
export async function value(v: SharedVariable): Promise<HostTensor> {
  return readsSynchronously() ? v.get() : v.read();
}

/** `items.forEach(fn)` for an async `fn`: one item after the other, in order. */
export async function eachAsync<T>(items: readonly T[], fn: (item: T, index: number) => Promise<unknown> | unknown): Promise<void> {
  for (let i = 0; i < items.length; i++) await fn(items[i], i);
}

/** Whether the suite runs on webgpu (the second CI pass). */
export const onWebgpu = (): boolean => getBackend() === 'webgpu';

const skipOnWebgpu = process.env.LASAGNE_BACKEND === 'webgpu';

/** `base.skip` with the reason appended to each name (also for `.each` tables). */
function skipping<T extends jest.It | jest.Describe>(base: T, reason: string): T {
  const label = (name: string) => `${name} [not on webgpu: ${reason}]`;
  const skip = base.skip as unknown as (name: string, ...rest: unknown[]) => void;
  const each = (base.skip as unknown as { each: (...t: unknown[]) => (name: string, ...rest: unknown[]) => void }).each;
  const f = (name: string, ...rest: unknown[]) => skip(label(name), ...rest);
  return Object.assign(f, base, { each: (...table: unknown[]) => (name: string, ...rest: unknown[]) => each(...table)(label(name), ...rest) }) as unknown as T;
}

/**
 * `it` on every backend but webgpu, where the test is skipped with the reason given (printed in
 * the test's name): for what cannot mean anything there (wasm/BLAS/host-kernel specifics, the
 * synchronous executor).
 */
export function itNotOnWebgpu(reason: string): jest.It {
  return skipOnWebgpu ? skipping(it, reason) : it;
}

/** `describe` on every backend but webgpu, where the whole block is skipped with the reason given. */
export function describeNotOnWebgpu(reason: string): jest.Describe {
  return skipOnWebgpu ? skipping(describe, reason) : describe;
}

/**
 * Runs the enclosing `describe` block's tests on `backend`, and selects `cpu` (the suites'
 * default) again after them.
 */
export function onBackend(backend: string): void {
  beforeAll(async () => {
    await setBackend(backend);
  });
  afterAll(async () => {
    await setBackend('cpu');
  });
}
