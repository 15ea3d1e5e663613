import type { Blas } from '../backend/native/blas';
import type { Dnnl } from '../backend/native/dnnl';
import type { BackendName, LoadOptions, LoadResult } from '../backend/loaders';

/**
 * What differs between Node and a browser, filled in by the entry point that was imported:
 * `src/index.ts` (Node, the `node` export condition) registers `platform/node.ts`, and
 * `src/browser.ts` (every other condition) registers `platform/browser.ts`. The rest of core
 * reads the environment only through here, so nothing else imports a Node built-in or touches
 * `process`.
 */
export interface Platform {
  name: 'node' | 'browser';
  /** Backends tried by `setBackend('auto')`, fastest first. */
  order: readonly BackendName[];
  loaders: Partial<Record<BackendName, (o?: LoadOptions) => Promise<LoadResult>>>;
  /** An environment setting (Node: `process.env`; a browser has none). */
  env(name: string): string | undefined;
  /** Where notices go by default (Node: stderr; browser: the console). */
  write(line: string): void;
  /** The native BLAS of the in-process backends (Node only), loaded on first use. */
  blas(): Blas | undefined;
  /** Why there is no native BLAS (undefined when there is one). */
  blasReason(): string | undefined;
  /** oneDNN for the in-process backends' convolutions and pooling (Node only), loaded on first use. */
  dnnl(): Dnnl | undefined;
  /** Why there is no oneDNN (undefined when there is one). */
  dnnlReason(): string | undefined;
  /** Whether 'auto' skipping `name` deserves a line without LASAGNE_DEBUG (its package is installed and the machine could run it). */
  surprisingSkip(name: BackendName): boolean;
}

/** Backends `setBackend('auto')` tries, in order (filled in by the entry point; see Platform). */
export const BACKEND_ORDER: BackendName[] = ['cpu'];

let current: Platform = {
  name: 'browser',
  order: ['cpu'],
  loaders: {},
  env: () => undefined,
  write: (line) => console.warn(line),
  blas: () => undefined,
  blasReason: () => 'no native BLAS (no platform registered)',
  dnnl: () => undefined,
  dnnlReason: () => 'no oneDNN (no platform registered)',
  surprisingSkip: () => false,
};

export function setPlatform(p: Platform): void {
  current = p;
  BACKEND_ORDER.splice(0, BACKEND_ORDER.length, ...p.order);
}

export function platform(): Platform {
  return current;
}

/** An environment setting, e.g. `envVar('LASAGNE_BACKEND')` (always undefined in a browser). */
export function envVar(name: string): string | undefined {
  return current.env(name);
}
