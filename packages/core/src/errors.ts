/** Base class of every error the library throws on purpose. */
export class LasagneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A shape that does not fit: names the op, what it expected and what it received. */
export class ShapeError extends LasagneError {}

/** A dtype that does not fit. */
export class DTypeError extends LasagneError {}

/** A graph that cannot be differentiated, compiled or run as asked. */
export class GraphError extends LasagneError {}

/** A backend that cannot be loaded or used. */
export class BackendError extends LasagneError {}

/**
 * A synchronous call (`fn(...)`, `shared.get()`) on a backend that can only read results
 * asynchronously (webgpu): use the asynchronous form (`await fn.async(...)`, `await shared.read()`).
 */
export class SyncCallError extends BackendError {}

/** Invalid public options (validated with zod at the boundary). */
export class OptionsError extends LasagneError {}

/**
 * `compile(..., {nanGuard: true})` found a NaN or infinite value (Theano's NanGuardMode): `op`
 * is the first op of the call that produced one (or `input` when an argument or shared value
 * already held one), with the run-time shapes of its inputs.
 */
export class NanGuardError extends LasagneError {
  constructor(
    message: string,
    readonly op: string,
    readonly step: number,
    readonly inputShapes: readonly (readonly number[])[],
    readonly kind: 'NaN' | 'Inf',
  ) {
    super(message);
  }
}
