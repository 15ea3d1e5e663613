import { GraphError, ShapeError, SharedVariable, formatShape, roots, type Shape, type SymbolicTensor } from '@lasagne-ts/core';
import { createParam, type ParamSpec } from './param';

import type { ST } from '@lasagne-ts/core';

/**
 * Options passed by `getOutput` to every layer's `getOutputFor` (Lasagne's `**kwargs`):
 * `deterministic` switches off dropout and noise and makes BatchNorm use its running averages.
 */
export interface GetOutputOptions {
  deterministic?: boolean;
  /** BatchNorm: use the stored averages instead of the batch statistics (default: `deterministic`). */
  batchNormUseAverages?: boolean;
  /** BatchNorm: update the stored averages (default: `!deterministic`). */
  batchNormUpdateAverages?: boolean;
  [option: string]: unknown;
}

/**
 * Tag filter of `getParams` / `getAllParams`: `{trainable: true}` keeps tagged params, `false`
 * excludes them. `unwrapShared` (default true, Lasagne's `unwrap_shared`) is not a tag: it makes
 * parameters given as expressions return the shared variables they depend on.
 */
export type TagFilter = { trainable?: boolean; regularizable?: boolean; unwrapShared?: boolean } & { [tag: string]: boolean | undefined };

/** Lasagne's `collect_shared_vars`: the shared variables the expressions depend on, in order, once each. */
export function collectSharedVars(expressions: readonly SymbolicTensor[]): SharedVariable[] {
  const out = new Set<SharedVariable>();
  for (const e of expressions) for (const r of e instanceof SharedVariable ? [e] : roots([e])) if (r instanceof SharedVariable) out.add(r);
  return [...out];
}

export interface LayerOptions {
  /** A name for the layer; its parameters are then named `"<name>.W"` etc. */
  name?: string;
}

/** What a layer is built on: another layer, or a shape (a free-floating layer, as in Lasagne). */
export type Incoming = Layer | Shape;

/** `DenseLayer 'fc1'`: how messages name a layer. */
export function layerLabel(layer: Layer): string {
  return `${layer.constructor.name}${layer.name !== undefined ? ` '${layer.name}'` : ''}`;
}

function isShape(x: unknown): x is Shape {
  return Array.isArray(x) && x.every((d) => d === null || typeof d === 'number');
}

/**
 * The base class of every layer (Lasagne's `lasagne.layers.Layer`). A layer knows its incoming
 * layer, its input and output shapes, its parameters (shared variables with tags) and how to
 * build its output expression from its input expression (`getOutputFor`).
 *
 * A custom layer overrides `getOutputFor(input, opts)` and, if it changes the shape,
 * `getOutputShapeFor(inputShape)`; parameters are registered with `addParam`.
 */
export abstract class Layer {
  name: string | undefined;
  /** Parameters (shared variables, or expressions of them) and their tags (`trainable`, `regularizable`, ...), in registration order. */
  readonly params = new Map<SymbolicTensor, Set<string>>();
  /** The incoming layers (one for most layers, several for merge layers, none for an InputLayer); null where built on a shape. */
  readonly inputLayers: readonly (Layer | null)[];
  /** The shapes of the incoming layers' outputs. */
  readonly inputShapes: readonly Shape[];
  /** Names of the `getOutput` options this layer reads (Lasagne's `get_output_kwargs`), besides `deterministic`. */
  readonly getOutputKwargs: readonly string[] = [];

  /**
   * `incoming`: the incoming layer or a shape (null for unknown sizes); merge layers pass a list;
   * `null` means no input (InputLayer).
   */
  constructor(incoming: Incoming | readonly Incoming[] | null, options: LayerOptions = {}) {
    this.name = options.name;
    const merge = this instanceof MergeLayer;
    let list: readonly Incoming[];
    if (incoming === null) list = [];
    else if (merge) {
      if (!Array.isArray(incoming) || isShape(incoming)) {
        throw new GraphError(`${layerLabel(this)}: expected a list of incoming layers (or shapes), received ${describeIncoming(incoming)}.`);
      }
      list = incoming as readonly Incoming[];
    } else {
      if (!(incoming instanceof Layer) && !isShape(incoming)) {
        throw new GraphError(`${layerLabel(this)}: expected an incoming layer or a shape, received ${describeIncoming(incoming)}.`);
      }
      list = [incoming as Incoming];
    }
    this.inputLayers = list.map((i) => (i instanceof Layer ? i : null));
    this.inputShapes = list.map((i) => {
      if (i instanceof Layer) return i.outputShape;
      if (!isShape(i)) throw new GraphError(`${layerLabel(this)}: expected an incoming layer or a shape, received ${describeIncoming(i)}.`);
      return Object.freeze([...i]);
    });
    this.inputShapes.forEach((s) => {
      if (s.some((d) => d !== null && (!Number.isInteger(d) || d <= 0))) {
        throw new ShapeError(`${layerLabel(this)}: cannot create a layer with a non-positive input shape dimension; input shape ${formatShape(s)}.`);
      }
    });
  }

  /** The incoming layer (null for merge layers, input layers, and layers built on a shape). */
  get inputLayer(): Layer | null {
    return this instanceof MergeLayer ? null : (this.inputLayers[0] ?? null);
  }

  /** The shape of the input (for merge layers see `inputShapes`). */
  get inputShape(): Shape {
    if (this instanceof MergeLayer) throw new GraphError(`${layerLabel(this)} has several inputs; use inputShapes.`);
    return this.inputShapes[0] ?? [];
  }

  /** The output shape, with null for sizes unknown until run time. */
  get outputShape(): Shape {
    return this.getOutputShapeFor(this instanceof MergeLayer ? this.inputShapes : this.inputShape);
  }

  /** The output shape for a given input shape (default: unchanged). */
  getOutputShapeFor(inputShape: Shape | readonly Shape[]): Shape {
    return inputShape as Shape;
  }

  /** The output expression for a given input expression (a list for merge layers). */
  abstract getOutputFor(input: ST | readonly ST[], opts?: GetOutputOptions): ST;

  /**
   * The parameters, in registration order, filtered by tags: `{trainable: true}` keeps those
   * tagged trainable, `{regularizable: false}` drops those tagged regularizable. Parameters given
   * as expressions are replaced by the shared variables they depend on, unless
   * `{unwrapShared: false}` (Lasagne's `get_params(unwrap_shared=False)`).
   */
  getParams(tags: TagFilter & { unwrapShared: false }): SymbolicTensor[];
  getParams(tags?: TagFilter): SharedVariable[];
  getParams(tags: TagFilter = {}): SymbolicTensor[] {
    const { unwrapShared = true, ...rest } = tags;
    const only = Object.entries(rest).filter(([, v]) => v === true).map(([k]) => k);
    const exclude = Object.entries(rest).filter(([, v]) => v === false).map(([k]) => k);
    const chosen = [...this.params].filter(([, t]) => only.every((k) => t.has(k)) && !exclude.some((k) => t.has(k))).map(([p]) => p);
    return unwrapShared ? collectSharedVars(chosen) : chosen;
  }

  /**
   * Registers a parameter (Lasagne's `add_param`): `spec` is an initializer, a shared variable
   * (shared with other layers), an array/tensor of the right shape, or a function of the shape.
   * Tags default to trainable and regularizable; the name becomes `"<layer name>.<name>"`.
   */
  addParam(spec: ParamSpec, shape: readonly number[], name?: string, tags: Record<string, boolean> = {}): SharedVariable {
    const full = name !== undefined && this.name !== undefined ? `${this.name}.${name}` : name;
    const param = createParam(spec, shape, full, `${layerLabel(this)}, parameter ${name ?? ''}`.trim());
    const all = { trainable: true, regularizable: true, ...tags };
    const set = new Set(Object.entries(all).filter(([, v]) => v).map(([k]) => k));
    this.params.set(param, set);
    if (param instanceof SharedVariable) for (const t of set) param.tags.add(t);
    return param;
  }

  toString(): string {
    return layerLabel(this);
  }
}

/** A layer with several incoming layers (Lasagne's `MergeLayer`): `getOutputFor` receives a list. */
export abstract class MergeLayer extends Layer {
  constructor(incomings: readonly Incoming[], options: LayerOptions = {}) {
    super(incomings, options);
  }
  override getOutputShapeFor(inputShapes: readonly Shape[]): Shape {
    return inputShapes[0];
  }
  abstract override getOutputFor(inputs: readonly ST[], opts?: GetOutputOptions): ST;
}

function describeIncoming(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return `[${x.map((e) => (e instanceof Layer ? layerLabel(e) : JSON.stringify(e))).join(', ')}]`;
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return JSON.stringify(x);
}
