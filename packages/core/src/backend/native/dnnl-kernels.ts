import { ARG, type DnnlApi, type Handle, type Md, type Query, type Tag } from './dnnl-api';

/**
 * oneDNN kernels on float32 memory the caller owns (the tensors' own memory: views of the wasm
 * heap, or the cpu backend's arrays), for the convolution → bias → ReLU → max-pool chain of a
 * CNN and its gradient. Activations are in oneDNN's blocked layout `nChw8c` (AVX2) or `nChw16c`
 * (AVX-512): the channel axis split into blocks of 8 (16) that are innermost, so `[N, C, H, W]`
 * is stored as `[N, C/8, H, W, 8]`. In plain NCHW oneDNN falls back to generic kernels (conv 4x,
 * pooling 10x slower on MNIST's shapes), so the graph keeps the chain's intermediates blocked
 * and converts at its edges (compile/rewrites/dnnl-layout.ts).
 *
 * Primitives are made once per shape (creating one costs ~1 ms) and kept with their memory
 * objects; each call points the memory objects at the buffers it was given (the wasm heap can
 * move between calls) and runs. Scratchpads are one shared buffer that grows as needed.
 * Filters are always given OIHW (flipped first for a true convolution) and reordered to the
 * layout the primitive chose.
 */

export interface ConvGeometry {
  n: number;
  ci: number;
  h: number;
  w: number;
  co: number;
  kh: number;
  kw: number;
  stride: [number, number];
  /** Padding before the first row / column (after the last one it follows from the sizes). */
  pad: [number, number];
  /** Theano's true convolution: the filters are flipped. */
  flip: boolean;
  /** The input (or its gradient) is blocked; else plain NCHW (e.g. one input channel). */
  srcBlocked: boolean;
}

export interface PoolGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  ws: [number, number];
}

/** Output height and width of a convolution, and the padding after the last row / column. */
export function convOut(g: ConvGeometry): { oh: number; ow: number; padR: [number, number] } {
  const oh = Math.floor((g.h + 2 * g.pad[0] - g.kh) / g.stride[0]) + 1;
  const ow = Math.floor((g.w + 2 * g.pad[1] - g.kw) / g.stride[1]) + 1;
  return { oh, ow, padR: [(oh - 1) * g.stride[0] + g.kh - g.h - g.pad[0], (ow - 1) * g.stride[1] + g.kw - g.w - g.pad[1]] };
}

/** A primitive with a memory object per argument and its scratchpad. */
interface Step {
  prim: Handle;
  mems: Map<number, Handle>;
  scratch?: { mem: Handle; bytes: number };
}

const isStep = (v: unknown): v is Step => typeof v === 'object' && v !== null && 'prim' in v && 'mems' in v;

/**
 * Everything made for one library instance and block size. Primitives, their memory objects and
 * kept buffers are cached per shape, the least recently used dropped (its primitive and memory
 * objects destroyed) beyond `capacity` entries: a program seeing ever new shapes (a product per
 * batch size when serving) stays bounded (~30 KB per matmul primitive; one call uses < 10).
 */
export class DnnlKernels {
  private readonly cache = new Map<string, unknown>();
  private scratchBuf = new Float32Array(0);

  /** At least `MIN_CAPACITY`: one kernel call touches up to ~8 entries, none of which may be evicted before it runs. */
  readonly capacity: number;
  static readonly MIN_CAPACITY = 32;

  constructor(
    readonly api: DnnlApi,
    readonly block: 8 | 16,
    capacity = 512,
  ) {
    this.capacity = Math.max(DnnlKernels.MIN_CAPACITY, capacity);
  }

  /** How many primitives, buffers and descriptors are cached (for tests). */
  get cached(): number {
    return this.cache.size;
  }

  private blockedTag(): Tag {
    return this.block === 16 ? 'aBcd16b' : 'aBcd8b';
  }
  /** A 4-d activation descriptor: blocked, or plain NCHW. */
  act(dims: number[], blocked: boolean): Md {
    return this.api.md(dims, blocked ? this.blockedTag() : 'abcd');
  }

  private memo<T>(key: string, make: () => T): T {
    let v = this.cache.get(key) as T | undefined;
    if (v !== undefined) {
      this.cache.delete(key); // most recently used last
      this.cache.set(key, v);
      return v;
    }
    this.cache.set(key, (v = make()));
    for (const [old, value] of this.cache) {
      if (this.cache.size <= this.capacity) break;
      this.cache.delete(old);
      this.release(value);
    }
    return v;
  }

  /** Destroys the primitives and memory objects of an evicted entry (a Step, or an object holding Steps). */
  private release(value: unknown): void {
    const steps = isStep(value) ? [value] : typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) ? Object.values(value).filter(isStep) : [];
    for (const s of steps) {
      this.api.destroy('primitive', s.prim);
      for (const m of s.mems.values()) this.api.destroy('memory', m);
      if (s.scratch) this.api.destroy('memory', s.scratch.mem);
    }
  }

  /** A step for `pd`, with memory objects for the arguments, described by queries or given descriptors. */
  private step(pd: Handle, args: readonly [number, Query | Md, number?][]): Step {
    const api = this.api;
    const mems = new Map<number, Handle>();
    for (const [arg, md, index] of args) mems.set(arg, api.memory(typeof md === 'string' ? api.query(pd, md as Query, index ?? 0) : md));
    const smd = api.query(pd, 'scratchpad_md');
    const bytes = smd ? api.mdBytes(smd) : 0;
    return { prim: api.primitive(pd), mems, scratch: bytes > 0 ? { mem: api.memory(smd), bytes } : undefined };
  }

  private run(s: Step, bufs: readonly [number, Float32Array][]): void {
    const api = this.api;
    const args: [number, Handle][] = [];
    for (const [arg, buf] of bufs) {
      const mem = s.mems.get(arg)!;
      api.setData(mem, buf);
      args.push([arg, mem]);
    }
    if (s.scratch) {
      if (this.scratchBuf.byteLength < s.scratch.bytes) this.scratchBuf = new Float32Array(Math.ceil(s.scratch.bytes / 4));
      api.setData(s.scratch.mem, this.scratchBuf);
      args.push([ARG.scratchpad, s.scratch.mem]);
    }
    api.execute(s.prim, args);
  }

  /**
   * A dense layer: out = x · w + b (b a row of `n`), then max(out, 0) when `relu`, as one oneDNN
   * matmul with the bias and the ReLU applied to each tile while it is in cache. x is [m, k],
   * w [k, n], out [m, n], all row-major.
   */
  dense(m: number, k: number, n: number, relu: boolean, x: Float32Array, w: Float32Array, b: Float32Array, out: Float32Array): void {
    this.product(m, k, n, false, false, x, w, out, { bias: b, relu });
  }

  /**
   * out = op(a) · op(b), op a transpose where asked: a is [m, k] ([k, m] stored when `transA`),
   * b is [k, n] ([n, k] when `transB`), out [m, n], all row-major (a transposed operand is
   * described to oneDNN as column-major, 'ba': no copy).
   */
  matmul(m: number, k: number, n: number, transA: boolean, transB: boolean, a: Float32Array, b: Float32Array, out: Float32Array): void {
    this.product(m, k, n, transA, transB, a, b, out, { relu: false });
  }

  /** The matmul primitive of one shape (cached), with an optional bias row and ReLU post-op. */
  private product(m: number, k: number, n: number, transA: boolean, transB: boolean, a: Float32Array, b: Float32Array, out: Float32Array, post: { bias?: Float32Array; relu: boolean }): void {
    const withBias = post.bias !== undefined;
    const s = this.memo(`matmul${m},${k},${n},${transA},${transB},${withBias},${post.relu}`, () => {
      const api = this.api;
      const [src, weights, dst] = [api.md([m, k], transA ? 'ba' : 'ab'), api.md([k, n], transB ? 'ba' : 'ab'), api.md([m, n], 'ab')];
      const bias = withBias ? api.md([1, n], 'ab') : null;
      const pd = api.matmul(src, weights, bias, dst, api.attr(post.relu ? [{ kind: 'relu' }] : []));
      return this.step(pd, [[ARG.src, src], [ARG.weights, weights], ...(bias ? [[ARG.bias, bias] as [number, Md]] : []), [ARG.dst, dst]]);
    });
    this.run(s, [[ARG.src, a], [ARG.weights, b], ...(post.bias ? [[ARG.bias, post.bias] as [number, Float32Array]] : []), [ARG.dst, out]]);
  }

  /** NCHW ↔ blocked, or OIHW → a primitive's filter layout. */
  private reorderStep(from: Md, to: Md): Step {
    return this.step(this.api.reorder(from, to, this.api.attr()), [
      [ARG.src, from],
      [ARG.dst, to],
    ]);
  }

  toBlocked(dims: number[], src: Float32Array, dst: Float32Array): void {
    const s = this.memo(`toBlocked${dims}`, () => this.reorderStep(this.act(dims, false), this.act(dims, true)));
    this.run(s, [
      [ARG.src, src],
      [ARG.dst, dst],
    ]);
  }

  fromBlocked(dims: number[], src: Float32Array, dst: Float32Array): void {
    const s = this.memo(`fromBlocked${dims}`, () => this.reorderStep(this.act(dims, true), this.act(dims, false)));
    this.run(s, [
      [ARG.src, src],
      [ARG.dst, dst],
    ]);
  }

  /** A scratch buffer kept per key (filters in the primitive's layout, upsampled values). */
  private buffer(key: string, floats: number): Float32Array {
    return this.memo(`buf:${key}:${floats}`, () => new Float32Array(floats));
  }

  /** OIHW filters (flipped when asked) in the layout `md` a primitive chose, in a kept buffer. */
  private filters(key: string, g: ConvGeometry, w: Float32Array, md: Md): Float32Array {
    const dims = [g.co, g.ci, g.kh, g.kw];
    const plain = this.api.md(dims, 'abcd');
    const s = this.memo(`wre:${key}`, () => this.reorderStep(plain, md));
    let src = w;
    if (g.flip) {
      src = this.buffer(`flip:${key}`, w.length);
      const taps = g.kh * g.kw;
      for (let f = 0; f < w.length; f += taps) for (let t = 0; t < taps; t++) src[f + t] = w[f + taps - 1 - t];
    }
    const dst = this.buffer(`w:${key}`, Math.ceil(this.api.mdBytes(md) / 4));
    this.run(s, [
      [ARG.src, src],
      [ARG.dst, dst],
    ]);
    return dst;
  }

  private convDescs(g: ConvGeometry) {
    const { oh, ow, padR } = convOut(g);
    return {
      src: this.act([g.n, g.ci, g.h, g.w], g.srcBlocked),
      weights: this.api.md([g.co, g.ci, g.kh, g.kw], 'any'),
      bias: this.api.md([g.co], 'a'),
      dst: this.act([g.n, g.co, oh, ow], true),
      padR,
    };
  }

  private convForwardPd(g: ConvGeometry, relu: boolean) {
    const d = this.convDescs(g);
    const pd = this.api.convForward(d.src, d.weights, d.bias, d.dst, g.stride, g.pad, d.padR, this.api.attr(relu ? [{ kind: 'relu' }] : []));
    return { pd, d };
  }

  private forwardKernel(g: ConvGeometry) {
    return this.memo(`cbr${JSON.stringify(g)}`, () => {
      const { pd } = this.convForwardPd(g, true);
      return {
        impl: this.api.implName(pd),
        wmd: this.api.query(pd, 'weights_md'),
        s: this.step(pd, [
          [ARG.src, 'src_md'],
          [ARG.weights, 'weights_md'],
          [ARG.bias, 'weights_md', 1],
          [ARG.dst, 'dst_md'],
        ]),
      };
    });
  }

  private inputGradKernel(g: ConvGeometry) {
    return this.memo(`cgi${JSON.stringify(g)}`, () => {
      const { pd: hint, d } = this.convForwardPd(g, false);
      const pd = this.api.convBackwardData(d.src, d.weights, d.dst, g.stride, g.pad, d.padR, hint, this.api.attr());
      return {
        impl: this.api.implName(pd),
        wmd: this.api.query(pd, 'weights_md'),
        s: this.step(pd, [
          [ARG.diffDst, 'diff_dst_md'],
          [ARG.weights, 'weights_md'],
          [ARG.diffSrc, 'diff_src_md'],
        ]),
      };
    });
  }

  private filterGradKernel(g: ConvGeometry) {
    return this.memo(`cgw${JSON.stringify(g)}`, () => {
      const { pd: hint, d } = this.convForwardPd(g, false);
      const pd = this.api.convBackwardWeights(d.src, d.weights, null, d.dst, g.stride, g.pad, d.padR, hint, this.api.attr());
      const wmd = this.api.query(pd, 'diff_weights_md');
      return {
        impl: this.api.implName(pd),
        wmd,
        back: this.reorderStep(wmd, this.api.md([g.co, g.ci, g.kh, g.kw], 'abcd')),
        s: this.step(pd, [
          [ARG.src, 'src_md'],
          [ARG.diffDst, 'diff_dst_md'],
          [ARG.diffWeights, 'diff_weights_md'],
        ]),
      };
    });
  }

  /**
   * Whether oneDNN has an optimised implementation of this convolution: where it has only its
   * reference loops ("ref:any", e.g. the input gradient into plain NCHW, or the filter gradient
   * of a one-channel plain input: 20–30 s at MNIST's batch 500) the lowerings decline and the
   * tfjs / BLAS paths run.
   */
  isFast(kind: 'forward' | 'inputGrad' | 'filterGrad', g: ConvGeometry): boolean {
    const k = kind === 'forward' ? this.forwardKernel(g) : kind === 'inputGrad' ? this.inputGradKernel(g) : this.filterGradKernel(g);
    return !k.impl.startsWith('ref');
  }

  /** relu(conv(x, W) + b): x blocked (or plain), W OIHW, b [co]; the output blocked. */
  convBiasRelu(g: ConvGeometry, x: Float32Array, w: Float32Array, b: Float32Array, y: Float32Array): void {
    const k = this.forwardKernel(g);
    const wb = this.filters(`cbr${JSON.stringify(g)}`, g, w, k.wmd);
    this.run(k.s, [
      [ARG.src, x],
      [ARG.weights, wb],
      [ARG.bias, b],
      [ARG.dst, y],
    ]);
  }

  /** The input gradient of a convolution: gy blocked, W OIHW; gx blocked. */
  convGradInput(g: ConvGeometry, gy: Float32Array, w: Float32Array, gx: Float32Array): void {
    const k = this.inputGradKernel(g);
    const wb = this.filters(`cgi${JSON.stringify(g)}`, g, w, k.wmd);
    this.run(k.s, [
      [ARG.diffDst, gy],
      [ARG.weights, wb],
      [ARG.diffSrc, gx],
    ]);
  }

  /** The filter gradient of a convolution: x blocked (or plain), gy blocked; gW OIHW (flipped back for a true convolution). */
  convGradWeight(g: ConvGeometry, x: Float32Array, gy: Float32Array, gw: Float32Array): void {
    const key = `cgw${JSON.stringify(g)}`;
    const k = this.filterGradKernel(g);
    const wb = this.buffer(`gw:${key}`, Math.ceil(this.api.mdBytes(k.wmd) / 4));
    this.run(k.s, [
      [ARG.src, x],
      [ARG.diffDst, gy],
      [ARG.diffWeights, wb],
    ]);
    if (!g.flip) {
      this.run(k.back, [
        [ARG.src, wb],
        [ARG.dst, gw],
      ]);
      return;
    }
    const plain = this.buffer(`gwp:${key}`, gw.length);
    this.run(k.back, [
      [ARG.src, wb],
      [ARG.dst, plain],
    ]);
    const taps = g.kh * g.kw;
    for (let f = 0; f < gw.length; f += taps) for (let t = 0; t < taps; t++) gw[f + t] = plain[f + taps - 1 - t];
  }

  /**
   * Sum over N, H, W of a blocked [n, c, h, w] tensor: the bias gradient, [c]. oneDNN's
   * reduction primitive has only a reference implementation for blocked inputs (800 ms on
   * MNIST's first layer): this is an average pooling over the whole image (one pass, jit), whose
   * [n, c] means (the same order blocked or not) are summed here.
   */
  biasGrad(dims: number[], gy: Float32Array, gb: Float32Array): void {
    const [n, c, h, w] = dims;
    const s = this.memo(`bg${dims}`, () => {
      const src = this.act(dims, true);
      const dst = this.act([n, c, 1, 1], true);
      return this.step(this.api.poolForward('pooling_avg_include_padding', src, dst, [h, w], [h, w], [0, 0], [0, 0], this.api.attr()), [
        [ARG.src, src],
        [ARG.dst, dst],
      ]);
    });
    const means = this.buffer(`bgm${dims}`, n * c);
    this.run(s, [
      [ARG.src, gy],
      [ARG.dst, means],
    ]);
    const acc = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) acc[j] += means[i * c + j];
    for (let j = 0; j < c; j++) gb[j] = acc[j] * h * w;
  }

  /** Max pooling of a blocked tensor whose windows tile it (stride = window, no padding). */
  maxPool(g: PoolGeometry, x: Float32Array, y: Float32Array): void {
    const s = this.memo(`mp${JSON.stringify(g)}`, () => {
      const src = this.act([g.n, g.c, g.h, g.w], true);
      const dst = this.act([g.n, g.c, g.h / g.ws[0], g.w / g.ws[1]], true);
      return this.step(this.api.poolForward('pooling_max', src, dst, g.ws, g.ws, [0, 0], [0, 0], this.api.attr()), [
        [ARG.src, src],
        [ARG.dst, dst],
      ]);
    });
    this.run(s, [
      [ARG.src, x],
      [ARG.dst, y],
    ]);
  }

  /**
   * Nearest-neighbour upsampling by the pooling window (each pooled value copied to the cells of
   * its window), blocked → blocked, as the input gradient of a depthwise convolution with a
   * window of ones and the window as stride. (oneDNN 2.6's jit resampling primitive crashes from
   * batch ~256 on MNIST's shapes, in C too.)
   */
  private upsampler(g: PoolGeometry): { s: Step; w: Float32Array } {
    return this.memo(`up${JSON.stringify(g)}`, () => {
      const api = this.api;
      const big = this.act([g.n, g.c, g.h, g.w], true);
      const small = this.act([g.n, g.c, g.h / g.ws[0], g.w / g.ws[1]], true);
      const wdims = [g.c, 1, 1, g.ws[0], g.ws[1]];
      const wany = api.md(wdims, 'any');
      const hint = api.convForward(big, wany, null, small, g.ws, [0, 0], [0, 0], api.attr());
      const pd = api.convBackwardData(big, wany, small, g.ws, [0, 0], [0, 0], hint, api.attr());
      const wmd = api.query(pd, 'weights_md');
      const w = new Float32Array(Math.ceil(api.mdBytes(wmd) / 4));
      this.run(this.reorderStep(api.md(wdims, 'abcde'), wmd), [
        [ARG.src, new Float32Array(g.c * g.ws[0] * g.ws[1]).fill(1)],
        [ARG.dst, w],
      ]);
      return {
        w,
        s: this.step(pd, [
          [ARG.diffDst, 'diff_dst_md'],
          [ARG.weights, 'weights_md'],
          [ARG.diffSrc, 'diff_src_md'],
        ]),
      };
    });
  }

  private upsample(g: PoolGeometry, small: Float32Array, big: Float32Array): void {
    const u = this.upsampler(g);
    this.run(u.s, [
      [ARG.diffDst, small],
      [ARG.weights, u.w],
      [ARG.diffSrc, big],
    ]);
  }

  /**
   * The gradient through max-pooling and the ReLU that produced its input, with Theano's tie
   * rule: every cell equal to its window's max gets the window's gradient (oneDNN's own pooling
   * backward gives it to one cell). x is the ReLU's output (the pooling's input), y the pooled
   * maxima, gy their gradient; all blocked. As oneDNN primitives:
   *   gy' = gy · (y > 0)               (ReLU's backward on the pooled values: a window whose
   *                                     max is 0 holds only cells the ReLU zeroed)
   *   gx  = (x == up(y)) · up(gy')     (a binary `eq` with a `mul` post-op)
   * which is (x == up(y)) · up(gy) · (x > 0), since x ≥ 0.
   */
  maxPoolReluGrad(g: PoolGeometry, x: Float32Array, y: Float32Array, gy: Float32Array, gx: Float32Array): void {
    const key = `mprg${JSON.stringify(g)}`;
    const full = [g.n, g.c, g.h, g.w];
    const pooled = [g.n, g.c, g.h / g.ws[0], g.w / g.ws[1]];
    const k = this.memo(key, () => {
      const api = this.api;
      const big = this.act(full, true);
      const small = this.act(pooled, true);
      const masked = this.step(api.reluBackward(small, small, small, api.attr()), [
        [ARG.src, small],
        [ARG.diffDst, small],
        [ARG.diffSrc, small],
      ]);
      const route = this.step(api.binary('binary_eq', big, big, big, api.attr([{ kind: 'binary', alg: 'binary_mul', src1: big }])), [
        [ARG.src, big],
        [ARG.src1, big],
        [ARG.dst, big],
        [ARG.postOpSrc1(0), big],
      ]);
      return { masked, route };
    });
    const size = full.reduce((a, b) => a * b, 1);
    const g1 = this.buffer(`g1:${key}`, gy.length);
    const upY = this.buffer(`upy:${key}`, size);
    const upG = this.buffer(`upg:${key}`, size);
    this.run(k.masked, [
      [ARG.src, y],
      [ARG.diffDst, gy],
      [ARG.diffSrc, g1],
    ]);
    this.upsample(g, y, upY);
    this.upsample(g, g1, upG);
    this.run(k.route, [
      [ARG.src, x],
      [ARG.src1, upY],
      [ARG.dst, gx],
      [ARG.postOpSrc1(0), upG],
    ]);
  }
}

/**
 * A known answer before use: relu(conv(x, W) + b) on one blocked 4x4 image with `block`
 * channels and a 2x2 filter, through the same reorders and primitive the graph uses, against a
 * loop. Throws when the library computes something else (an ABI or binding mismatch).
 */
export function dnnlSelfTest(api: DnnlApi, block: 8 | 16): void {
  const k = new DnnlKernels(api, block);
  const c = block;
  const g: ConvGeometry = { n: 1, ci: c, h: 4, w: 4, co: c, kh: 2, kw: 2, stride: [1, 1], pad: [0, 0], flip: true, srcBlocked: true };
  const x = Float32Array.from({ length: c * 16 }, (_, i) => ((i * 7) % 11) - 5);
  const w = Float32Array.from({ length: c * c * 4 }, (_, i) => ((i * 5) % 7) - 3);
  const b = Float32Array.from({ length: c }, (_, i) => i - c / 2);
  const xb = new Float32Array(x.length);
  const yb = new Float32Array(c * 9);
  const y = new Float32Array(c * 9);
  k.toBlocked([1, c, 4, 4], x, xb);
  k.convBiasRelu(g, xb, w, b, yb);
  k.fromBlocked([1, c, 3, 3], yb, y);
  for (let o = 0; o < c; o++) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let acc = b[o];
        for (let ch = 0; ch < c; ch++) for (let a = 0; a < 2; a++) for (let q = 0; q < 2; q++) acc += x[ch * 16 + (i + a) * 4 + j + q] * w[((o * c + ch) * 2 + (1 - a)) * 2 + (1 - q)];
        const want = Math.max(acc, 0);
        const got = y[o * 9 + i * 3 + j];
        if (Math.abs(got - want) > 1e-3 * (1 + Math.abs(want))) throw new Error(`oneDNN's self-test convolution returned ${got} where ${want} was expected`);
      }
    }
  }
}
