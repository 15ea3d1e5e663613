import type { Koffi, KoffiFn, KoffiLib } from './ffi';

/**
 * oneDNN's C API through koffi, in the two shapes it has had: 2.x (Debian 12: 2.6.3) builds an
 * operation descriptor in caller memory (`dnnl_convolution_forward_desc_init`) and then a
 * primitive descriptor from it; 3.x (Debian 13, Ubuntu 24.04, Homebrew) removed the `*_desc_init`
 * functions and makes primitive descriptors directly (`dnnl_convolution_forward_primitive_desc_create`),
 * with memory descriptors as opaque handles. Everything above this file sees one interface.
 *
 * Enumeration values are looked up by name through the library's own `*2str` functions, so a
 * version that renumbered them (3.x renumbered the eltwise algorithms) still gets the right ones.
 */

/** A memory descriptor: caller-owned bytes (2.x) or a handle (3.x); either way a pointer to koffi. */
export type Md = unknown;
/** A primitive descriptor, primitive, memory object or attribute: an opaque pointer. */
export type Handle = unknown;

export type Tag = 'any' | 'a' | 'ab' | 'ba' | 'abcd' | 'abcde' | 'aBcd8b' | 'aBcd16b';
export type Query = 'src_md' | 'diff_src_md' | 'weights_md' | 'diff_weights_md' | 'dst_md' | 'diff_dst_md' | 'scratchpad_md';
export type PoolAlg = 'pooling_max' | 'pooling_avg_include_padding';
export type BinaryAlg = 'binary_mul' | 'binary_gt' | 'binary_eq' | 'binary_add';
export type PostOp = { kind: 'relu' } | { kind: 'binary'; alg: BinaryAlg; src1: Md };

/** The exec-argument numbers (`DNNL_ARG_*`, the same in 2.x and 3.x). */
export const ARG = {
  src: 1,
  src1: 2,
  dst: 17,
  weights: 33,
  bias: 41,
  diffSrc: 129,
  diffDst: 145,
  diffWeights: 161,
  diffBias: 169,
  scratchpad: 80,
  /** The src1 operand of binary post-op `i`. */
  postOpSrc1: (i: number) => 16384 * (i + 1) + 2,
} as const;

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

export interface DnnlApi {
  version: Version;
  md(dims: readonly number[], tag: Tag): Md;
  mdBytes(md: Md): number;
  /** A primitive attribute with a user-managed scratchpad and the given post-ops. */
  attr(postOps?: readonly PostOp[]): Handle;
  convForward(src: Md, weights: Md, bias: Md | null, dst: Md, strides: number[], padL: number[], padR: number[], attr: Handle): Handle;
  convBackwardData(diffSrc: Md, weights: Md, diffDst: Md, strides: number[], padL: number[], padR: number[], hint: Handle, attr: Handle): Handle;
  convBackwardWeights(src: Md, diffWeights: Md, diffBias: Md | null, diffDst: Md, strides: number[], padL: number[], padR: number[], hint: Handle, attr: Handle): Handle;
  poolForward(alg: PoolAlg, src: Md, dst: Md, kernel: number[], strides: number[], padL: number[], padR: number[], attr: Handle): Handle;
  binary(alg: BinaryAlg, src0: Md, src1: Md, dst: Md, attr: Handle): Handle;
  /** ReLU's backward: diffSrc = diffDst · (data > 0). */
  reluBackward(diffSrc: Md, diffDst: Md, data: Md, attr: Handle): Handle;
  reorder(src: Md, dst: Md, attr: Handle): Handle;
  /** dst = src · weights (+ bias, a [1, N] row), then the attribute's post-ops. */
  matmul(src: Md, weights: Md, bias: Md | null, dst: Md, attr: Handle): Handle;
  query(pd: Handle, what: Query, index?: number): Md;
  implName(pd: Handle): string;
  primitive(pd: Handle): Handle;
  memory(md: Md): Handle;
  /** Frees a primitive or a memory object (its data buffer stays the caller's). */
  destroy(kind: 'primitive' | 'memory', handle: Handle): void;
  setData(mem: Handle, data: Float32Array): void;
  execute(prim: Handle, args: readonly [number, Handle][]): void;
}

interface Enums {
  tag: Record<Tag, number>;
  query: Record<Query, number>;
  alg: Record<BinaryAlg | PoolAlg | 'eltwise_relu' | 'convolution_direct', number>;
  prop: { forward_training: number; forward_inference: number };
}

const F32 = 3; // dnnl_f32, the same in every version
const CPU_ENGINE = 1; // dnnl_cpu
const IN_ORDER = 1; // dnnl_stream_in_order
const SCRATCHPAD_USER = 1; // dnnl_scratchpad_mode_user
const IMPL_INFO_STR = 8; // dnnl_query_impl_info_str

/** Finds each wanted name among the values `lo..hi` of an enumeration through its `*2str` function. */
function lookup<K extends string>(toStr: KoffiFn, names: readonly K[], ranges: readonly [number, number][], prefix = ''): Record<K, number> {
  const want = new Map<string, K>(names.map((n) => [prefix + n, n]));
  const out = {} as Record<K, number>;
  for (const [lo, hi] of ranges) {
    for (let v = lo; v < hi && want.size > 0; v++) {
      const s = toStr(v) as string | null;
      const k = s === null ? undefined : want.get(s);
      if (k !== undefined) {
        out[k] = v;
        want.delete(s!);
      }
    }
  }
  if (want.size) throw new Error(`oneDNN does not know ${[...want.keys()].join(', ')}`);
  return out;
}

function enums(lib: KoffiLib): Enums {
  const tag = lookup(lib.func('const char *dnnl_fmt_tag2str(int)'), ['any', 'a', 'ab', 'ba', 'abcd', 'abcde', 'aBcd8b', 'aBcd16b'] as Tag[], [[0, 4096]]);
  // No query2str in 2.x; the memory-descriptor queries have kept these numbers in 2.x and 3.x.
  const query: Record<Query, number> = { src_md: 129, diff_src_md: 130, weights_md: 131, diff_weights_md: 132, dst_md: 133, diff_dst_md: 134, scratchpad_md: 136 };
  const algs = ['binary_mul', 'binary_gt', 'binary_eq', 'binary_add', 'eltwise_relu', 'pooling_max', 'pooling_avg_include_padding', 'convolution_direct'] as const;
  const alg = lookup(lib.func('const char *dnnl_alg_kind2str(int)'), algs, [[0, 0x400], [0x1fff0, 0x20010], [0x2fff0, 0x30010]]);
  const prop = lookup(lib.func('const char *dnnl_prop_kind2str(int)'), ['forward_training', 'forward_inference'] as const, [[0, 256]]);
  return { tag, query, alg, prop };
}

/** Binds the library; `version` decides which API shape. */
export function bindDnnl(koffi: Koffi, lib: KoffiLib, version: Version): DnnlApi {
  const e = enums(lib);
  const v3 = version.major >= 3;
  const statusStr = lib.func('const char *dnnl_status2str(int)');
  const fns = new Map<string, KoffiFn>();
  const fn = (decl: string): KoffiFn => {
    let f = fns.get(decl);
    if (!f) fns.set(decl, (f = lib.func(decl)));
    return f;
  };
  /** Calls a status-returning function; a failure is an Error naming it and oneDNN's status. */
  const call = (decl: string, ...args: unknown[]): void => {
    const status = fn(decl)(...args) as number;
    if (status !== 0) {
      const name = /(\w+)\(/.exec(decl)?.[1] ?? decl;
      throw new Error(`oneDNN ${name} failed: ${String(statusStr(status))}`);
    }
  };
  /** Calls a constructor-like function whose first argument is an out-pointer, returning what it wrote. */
  const make = (decl: string, ...args: unknown[]): Handle => {
    const out: unknown[] = [null];
    call(decl, out, ...args);
    return out[0];
  };
  const dims = (d: readonly number[]) => BigInt64Array.from(d.map((x) => BigInt(x)));
  const engine = make('int dnnl_engine_create(_Out_ void **, int, size_t)', CPU_ENGINE, 0);
  const stream = make('int dnnl_stream_create(_Out_ void **, void *, unsigned int)', engine, IN_ORDER);
  const execDecl = `int dnnl_primitive_execute(void *, void *, int, void *)`;
  const argBuffer = (args: readonly [number, Handle][]) => {
    // dnnl_exec_arg_t is {int arg; dnnl_memory_t memory;}: 16 bytes on 64-bit platforms.
    const buf = new BigInt64Array(2 * args.length);
    args.forEach(([a, m], i) => {
      buf[2 * i] = BigInt(a);
      buf[2 * i + 1] = koffi.address(m);
    });
    return buf;
  };
  /** A 2.x operation descriptor buffer (the largest, convolution, is ~6 KB in 2.6). */
  const opDesc = () => new Uint8Array(16384);
  const pd2 = (desc: Uint8Array, attr: Handle, hint: Handle | null) => make('int dnnl_primitive_desc_create(_Out_ void **, void *, void *, void *, void *)', desc, attr, engine, hint);
  const zeros = [0, 0];

  const api: DnnlApi = {
    version,
    md(d, tag) {
      if (v3) return make('int dnnl_memory_desc_create_with_tag(_Out_ void **, int, int64_t *, int, int)', d.length, dims(d), F32, e.tag[tag]);
      const md = new Uint8Array(4096); // sizeof(dnnl_memory_desc_t) is 696 in 2.6
      call('int dnnl_memory_desc_init_by_tag(void *, int, int64_t *, int, int)', md, d.length, dims(d), F32, e.tag[tag]);
      return md;
    },
    mdBytes: (md) => Number(fn('size_t dnnl_memory_desc_get_size(void *)')(md)),
    attr(postOps = []) {
      const attr = make('int dnnl_primitive_attr_create(_Out_ void **)');
      call('int dnnl_primitive_attr_set_scratchpad_mode(void *, int)', attr, SCRATCHPAD_USER);
      if (postOps.length) {
        const po = make('int dnnl_post_ops_create(_Out_ void **)');
        for (const p of postOps) {
          if (p.kind === 'relu') {
            if (v3) call('int dnnl_post_ops_append_eltwise(void *, int, float, float)', po, e.alg.eltwise_relu, 0, 0);
            else call('int dnnl_post_ops_append_eltwise(void *, float, int, float, float)', po, 1, e.alg.eltwise_relu, 0, 0);
          } else call('int dnnl_post_ops_append_binary(void *, int, void *)', po, e.alg[p.alg], p.src1);
        }
        call('int dnnl_primitive_attr_set_post_ops(void *, void *)', attr, po);
      }
      return attr;
    },
    convForward(src, w, b, dst, strides, padL, padR, attr) {
      const prop = e.prop.forward_training;
      if (v3) {
        return make('int dnnl_convolution_forward_primitive_desc_create(_Out_ void **, void *, int, int, void *, void *, void *, void *, int64_t *, int64_t *, int64_t *, int64_t *, void *)',
          engine, prop, e.alg.convolution_direct, src, w, b, dst, dims(strides), dims(zeros), dims(padL), dims(padR), attr);
      }
      const desc = opDesc();
      call('int dnnl_convolution_forward_desc_init(void *, int, int, void *, void *, void *, void *, int64_t *, int64_t *, int64_t *)', desc, prop, e.alg.convolution_direct, src, w, b, dst, dims(strides), dims(padL), dims(padR));
      return pd2(desc, attr, null);
    },
    convBackwardData(diffSrc, w, diffDst, strides, padL, padR, hint, attr) {
      if (v3) {
        return make('int dnnl_convolution_backward_data_primitive_desc_create(_Out_ void **, void *, int, void *, void *, void *, int64_t *, int64_t *, int64_t *, int64_t *, void *, void *)',
          engine, e.alg.convolution_direct, diffSrc, w, diffDst, dims(strides), dims(zeros), dims(padL), dims(padR), hint, attr);
      }
      const desc = opDesc();
      call('int dnnl_convolution_backward_data_desc_init(void *, int, void *, void *, void *, int64_t *, int64_t *, int64_t *)', desc, e.alg.convolution_direct, diffSrc, w, diffDst, dims(strides), dims(padL), dims(padR));
      return pd2(desc, attr, hint);
    },
    convBackwardWeights(src, diffW, diffB, diffDst, strides, padL, padR, hint, attr) {
      if (v3) {
        return make('int dnnl_convolution_backward_weights_primitive_desc_create(_Out_ void **, void *, int, void *, void *, void *, void *, int64_t *, int64_t *, int64_t *, int64_t *, void *, void *)',
          engine, e.alg.convolution_direct, src, diffW, diffB, diffDst, dims(strides), dims(zeros), dims(padL), dims(padR), hint, attr);
      }
      const desc = opDesc();
      call('int dnnl_convolution_backward_weights_desc_init(void *, int, void *, void *, void *, void *, int64_t *, int64_t *, int64_t *)', desc, e.alg.convolution_direct, src, diffW, diffB, diffDst, dims(strides), dims(padL), dims(padR));
      return pd2(desc, attr, hint);
    },
    poolForward(alg, src, dst, kernel, strides, padL, padR, attr) {
      const prop = e.prop.forward_inference;
      if (v3) {
        return make('int dnnl_pooling_forward_primitive_desc_create(_Out_ void **, void *, int, int, void *, void *, int64_t *, int64_t *, int64_t *, int64_t *, int64_t *, void *)',
          engine, prop, e.alg[alg], src, dst, dims(strides), dims(kernel), dims(zeros), dims(padL), dims(padR), attr);
      }
      const desc = opDesc();
      call('int dnnl_pooling_v2_forward_desc_init(void *, int, int, void *, void *, int64_t *, int64_t *, int64_t *, int64_t *, int64_t *)', desc, prop, e.alg[alg], src, dst, dims(strides), dims(kernel), dims(zeros), dims(padL), dims(padR));
      return pd2(desc, attr, null);
    },
    binary(alg, src0, src1, dst, attr) {
      if (v3) return make('int dnnl_binary_primitive_desc_create(_Out_ void **, void *, int, void *, void *, void *, void *)', engine, e.alg[alg], src0, src1, dst, attr);
      const desc = opDesc();
      call('int dnnl_binary_desc_init(void *, int, void *, void *, void *)', desc, e.alg[alg], src0, src1, dst);
      return pd2(desc, attr, null);
    },
    reluBackward(diffSrc, diffDst, data, attr) {
      const prop = e.prop.forward_training;
      const relu = e.alg.eltwise_relu;
      if (v3) {
        const hint = make('int dnnl_eltwise_forward_primitive_desc_create(_Out_ void **, void *, int, int, void *, void *, float, float, void *)', engine, prop, relu, data, data, 0, 0, null);
        return make('int dnnl_eltwise_backward_primitive_desc_create(_Out_ void **, void *, int, void *, void *, void *, float, float, void *, void *)', engine, relu, diffSrc, diffDst, data, 0, 0, hint, attr);
      }
      const fwd = opDesc();
      call('int dnnl_eltwise_forward_desc_init(void *, int, int, void *, float, float)', fwd, prop, relu, data, 0, 0);
      const hint = pd2(fwd, null, null);
      const desc = opDesc();
      // 2.x has one descriptor for the data gradient and its input (they share a layout here).
      void diffSrc;
      call('int dnnl_eltwise_backward_desc_init(void *, int, void *, void *, float, float)', desc, relu, diffDst, data, 0, 0);
      return pd2(desc, attr, hint);
    },
    matmul(src, weights, bias, dst, attr) {
      if (v3) return make('int dnnl_matmul_primitive_desc_create(_Out_ void **, void *, void *, void *, void *, void *, void *)', engine, src, weights, bias, dst, attr);
      const desc = opDesc();
      call('int dnnl_matmul_desc_init(void *, void *, void *, void *, void *)', desc, src, weights, bias, dst);
      return pd2(desc, attr, null);
    },
    reorder: (src, dst, attr) => make('int dnnl_reorder_primitive_desc_create(_Out_ void **, void *, void *, void *, void *, void *)', src, engine, dst, engine, attr),
    query: (pd, what, index = 0) => fn('void *dnnl_primitive_desc_query_md(void *, int, int)')(pd, e.query[what], index),
    implName(pd) {
      const out: unknown[] = [null];
      // dnnl_query_impl_info_str writes a const char * through its last argument.
      fn('int dnnl_primitive_desc_query(void *, int, int, _Out_ const char **)')(pd, IMPL_INFO_STR, 0, out);
      return String(out[0] ?? '');
    },
    primitive: (pd) => make('int dnnl_primitive_create(_Out_ void **, void *)', pd),
    memory: (md) => make('int dnnl_memory_create(_Out_ void **, void *, void *, void *)', md, engine, null),
    destroy: (kind, handle) => call(`int dnnl_${kind}_destroy(void *)`, handle),
    setData(mem, data) {
      void data.buffer; // moves a small on-heap typed array off the V8 heap, so its address stays put
      call('int dnnl_memory_set_data_handle(void *, void *)', mem, data);
    },
    execute(prim, args) {
      call(execDecl, prim, stream, args.length, argBuffer(args));
      call('int dnnl_stream_wait(void *)', stream);
    },
  };
  return api;
}
