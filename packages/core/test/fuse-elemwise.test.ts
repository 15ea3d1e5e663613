/**
 * Elemwise fusion (Theano's Composite): the fuseElemwise rewrite and the generated WebAssembly
 * kernels, on both in-process backends, against float64 references, the unfused graph (bit for
 * bit: every op rounds to float32 as the unfused kernels do) and finite differences.
 */
import * as T from '@lasagne-ts/core';
import { compile, DEFAULT_REWRITES, grad, matrix, relu, shared, sum, vector, type RewriteName } from '@lasagne-ts/core';
import { Composite, type CompositeProgram } from '../src/ops/composite';
import { fuseElemwiseRewrite } from '../src/compile/rewrites/fuse-elemwise';
import { checkOpGrad, expectClose, f32, rn } from './helpers';
import { nd, type NDArray } from './reference';
import { describeNotOnWebgpu, onBackend } from './calls';

/** Composite kernels are generated WebAssembly over in-process memory: the file selects cpu and wasm itself. */
const describeInProcess = describeNotOnWebgpu('fused elementwise loops run on in-process memory (cpu, wasm); this file selects those backends itself');

const UNFUSED: RewriteName[] = DEFAULT_REWRITES.filter((r) => r !== 'fuseElemwise');
const composites = (fn: { graph: { steps: readonly { op: unknown }[] } }) => fn.graph.steps.filter((s) => s.op instanceof Composite).map((s) => s.op as Composite);
const map2 = (a: NDArray, b: NDArray, f: (x: number, y: number) => number): NDArray => nd(Array.from(a.data, (x, i) => f(x, b.data[i])), a.shape);
const bits = (v: unknown) => Array.from(new Uint32Array(Float32Array.from((v as T.HostTensor).data).buffer));

describeInProcess.each(['cpu', 'wasm'])('elemwise fusion on the %s backend', (backend) => {
  onBackend(backend);

  it("Lasagne's Nesterov momentum update: one Composite computing the new velocity and parameter, exactly the unfused values", () => {
    // apply_nesterov_momentum on sgd: s = W - lr*g; x = m*v + s - W; W' = m*x + s (7 ops, 2 outputs).
    const shape = [13, 7]; // 91 elements: SIMD over 88, then a scalar tail of 3
    const W = shared(f32(rn(1, shape)), { name: 'W' });
    const v = shared(f32(rn(2, shape, 0.1)), { name: 'v' });
    const g = matrix('g');
    const s = W.sub(g.mul(0.01));
    const x = v.mul(0.9).add(s).sub(W);
    const wNew = x.mul(0.9).add(s);
    const fused = compile([g], [x, wNew]);
    const plain = compile([g], [x, wNew], { rewrites: UNFUSED });
    const cs = composites(fused);
    expect(cs).toHaveLength(1);
    expect(cs[0].program.outputs).toHaveLength(2);
    expect(composites(plain)).toHaveLength(0);
    const gv = f32(rn(3, shape));
    const a = fused(gv) as T.HostTensor[];
    const b = plain(gv) as T.HostTensor[];
    expect(bits(a[0])).toEqual(bits(b[0]));
    expect(bits(a[1])).toEqual(bits(b[1]));
    // float64 reference from the same float32 inputs
    const W0 = Float32Array.from(rn(1, shape).data), v0 = Float32Array.from(rn(2, shape, 0.1).data), g0 = gv.data;
    const sRef = Array.from(W0, (w, i) => w - 0.01 * g0[i]);
    const xRef = sRef.map((si, i) => 0.9 * v0[i] + si - W0[i]);
    expectClose(a[0], nd(xRef, shape), 1e-5, 1e-6);
    expectClose(a[1], nd(xRef.map((xi, i) => 0.9 * xi + sRef[i]), shape), 1e-5, 1e-6);
    fused.dispose();
    plain.dispose();
  });

  it('a dense layer with dropout: bias row, relu, mask, rescale in one loop; row lengths that are not multiples of 4', () => {
    for (const [rows, cols] of [[5, 12], [3, 7], [1, 1], [4, 3]]) {
      const h = matrix('h'), m = matrix('m'), b = vector('b');
      const out = relu(h.add(b.dimshuffle('x', 0))).mul(m).div(0.5);
      const fn = compile([h, m, b], out);
      const cs = composites(fn);
      expect(cs).toHaveLength(1);
      expect(cs[0].program.inputs).toEqual(['full', 'row', 'full']);
      const hv = rn(4, [rows, cols]), bv = rn(5, [cols]);
      const mv = nd(Array.from({ length: rows * cols }, (_, i) => (i * 7) % 3 === 0 ? 0 : 1), [rows, cols]);
      const ref = nd(Array.from(hv.data, (x, i) => Math.max(Math.fround(x) + Math.fround(bv.data[i % cols]), 0) * mv.data[i] / 0.5), [rows, cols]);
      expectClose(fn(f32(hv), f32(mv), f32(bv)) as T.HostTensor, ref, 1e-6, 1e-6);
      fn.dispose();
    }
  });

  it('a column operand (one value per row, a keepdims sum) and a row operand in one loop; a single broadcasting node is fused too', () => {
    for (const [rows, cols] of [[5, 10], [3, 7], [2, 1]]) {
      const x = matrix('x'), b = vector('b');
      const c = sum(x, 1, true); // (None, 1): not elementwise, computed before the Composite
      const out = x.sub(x.add(b.dimshuffle('x', 0)).mul(c));
      const fn = compile([x, b], [out, x.add(b.dimshuffle('x', 0))]);
      const cs = composites(fn);
      expect(cs.map((k) => [...k.program.inputs].sort())).toEqual([['col', 'full', 'row']]);
      const xv = rn(16, [rows, cols]).data.map(Math.fround), bv = rn(17, [cols]).data.map(Math.fround);
      const cv = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, j) => xv[r * cols + j]).reduce((p, q) => p + q, 0));
      const [o, biased] = fn(f32(nd(xv, [rows, cols])), f32(nd(bv, [cols]))) as T.HostTensor[];
      expectClose(o, nd(Array.from(xv, (v, i) => v - (v + bv[i % cols]) * cv[Math.floor(i / cols)]), [rows, cols]), 1e-5, 1e-5);
      expectClose(biased, nd(Array.from(xv, (v, i) => v + bv[i % cols]), [rows, cols]), 1e-6, 1e-6);
      fn.dispose();
    }
    const y = matrix('y'), bias = vector('bias');
    const single = compile([y, bias], y.add(bias.dimshuffle('x', 0)));
    expect(composites(single).map((k) => k.text)).toEqual(['(i0 + i1), i1: row']);
    single.dispose();
  });

  it("relu's gradient keeps tfjs' step: 0 at y = 0, NaN for a NaN y; maximum/minimum propagate NaN", () => {
    const y = vector('y'), gg = vector('g');
    const yv = [NaN, -1, 0, 2, 3, -0, 5, 1e-30, 4];
    const gv = [1, 2, 3, Infinity, -5, 6, 7, 8, NaN];
    const out = [relu(y).mul(gg), T.maximum(y, gg).add(T.minimum(y, gg))];
    const fused = compile([y, gg], [...out, grad(sum(relu(y.mul(2)).mul(gg)), y)]);
    const plain = compile([y, gg], [...out, grad(sum(relu(y.mul(2)).mul(gg)), y)], { rewrites: UNFUSED });
    expect(composites(fused).length).toBeGreaterThan(0);
    const args = [{ data: Float32Array.from(yv), shape: [9] }, { data: Float32Array.from(gv), shape: [9] }];
    const a = fused(...args) as T.HostTensor[];
    const b = plain(...args) as T.HostTensor[];
    expect(Array.from(a[0].data)).toEqual(Array.from(b[0].data));
    expect(Array.from(a[2].data)).toEqual(Array.from(b[2].data));
    // NumPy's maximum/minimum (Theano's): NaN in, NaN out. (tfjs' own wasm kernels return the other operand.)
    expect(Array.from(a[1].data)).toEqual(yv.map((v, i) => Math.fround(Math.max(v, gv[i]) + Math.min(v, gv[i]))));
    // float64 reference of the gradient: 2 * g where 2y > 0, else 0 (NaN where y is NaN)
    expect(Array.from(a[2].data)).toEqual(yv.map((v, i) => (Number.isNaN(v) ? NaN : v * 2 > 0 ? Math.fround(2 * gv[i]) : 0)));
    fused.dispose();
    plain.dispose();
  });

  it('gradients through fused chains match finite differences of a float64 reference', async () => {
    const x = matrix('x'), w = matrix('w'), b = vector('b');
    const out = T.sqrt(T.square(relu(x.mul(w).add(b.dimshuffle('x', 0))).sub(0.25)).add(1)).div(T.abs(w).add(1)).neg();
    const ref = ([xv, wv, bv]: NDArray[]) =>
      nd(Array.from(xv.data, (xi, i) => -Math.sqrt((Math.max(xi * wv.data[i] + bv.data[i % 5], 0) - 0.25) ** 2 + 1) / (Math.abs(wv.data[i]) + 1)), xv.shape);
    const values = [rn(6, [3, 5]), rn(7, [3, 5]), rn(8, [5])].map((a) => nd(Float32Array.from(a.data), a.shape));
    await checkOpGrad({ inputs: [x, w, b], values, output: out, ref, label: 'fused chain' });
    const fwd = compile([x, w, b], out);
    expect(composites(fwd)).toHaveLength(1);
    fwd.dispose();
  });

  it("a dropout mask shaped like the layer's output still joins the layer's chain (its shape is read from the chain's input)", () => {
    const h = matrix('h'), b = vector('b');
    const a = relu(h.add(b.dimshuffle('x', 0)));
    const mask = new T.RandomStreams(3).binomial(T.shape(a), { p: 0.5, dtype: 'float32' });
    const fn = compile([h, b], [a.div(0.5).mul(mask), a]);
    expect(composites(fn)).toHaveLength(1);
    const hv = rn(14, [6, 5]), bv = rn(15, [5]);
    const [out, act] = fn(f32(hv), f32(bv)) as T.HostTensor[];
    const actRef = nd(Array.from(hv.data, (x, i) => Math.max(Math.fround(x) + Math.fround(bv.data[i % 5]), 0)), [6, 5]);
    expectClose(act, actRef, 1e-6, 1e-6);
    // each output is either dropped or the activation doubled
    Array.from(out.data).forEach((o, i) => expect(o === 0 || Math.abs(o - 2 * act.data[i]) <= 1e-6).toBe(true));
    expect(Array.from(out.data).filter((o) => o !== 0).length).toBeGreaterThan(3);
    fn.dispose();
  });

  it('a node whose output is used by an op that feeds back into the chain stays outside (no cycle)', () => {
    const x = matrix('x');
    const y = x.mul(2).add(1);
    const z = y.mul(sum(y)).sub(y); // sum(y) is not elementwise and reads y
    const fn = compile([x], z);
    const xv = rn(9, [2, 3]);
    const yv = Array.from(xv.data, (v) => Math.fround(v) * 2 + 1);
    const s = yv.reduce((p, q) => p + q, 0);
    expectClose(fn(f32(xv)) as T.HostTensor, nd(yv.map((v) => v * s - v), [2, 3]), 1e-5, 1e-5);
    expect(composites(fn)).toHaveLength(2);
    fn.dispose();
  });

  it('a scalar shared variable is read at run time; full operands must agree on their run-time shape', () => {
    const lr = shared(0.5, { name: 'lr' });
    const a = matrix('a'), c = matrix('c');
    const fn = compile([a, c], a.sub(c.mul(lr)).mul(2));
    expect([...composites(fn)[0].program.inputs].sort()).toEqual(['full', 'full', 'scalar']);
    expectClose(fn(f32(nd([1, 2], [1, 2])), f32(nd([4, 8], [1, 2]))) as T.HostTensor, nd([-2, -4], [1, 2]));
    lr.set(0.25);
    expectClose(fn(f32(nd([1, 2], [1, 2])), f32(nd([4, 8], [1, 2]))) as T.HostTensor, nd([0, 0], [1, 2]));
    expect(() => fn(f32(nd([1, 2], [1, 2])), f32(nd([4, 8], [2, 1])))).toThrow(/run-time shape/);
    fn.dispose();
  });

  it('an input cast from bool (whose values tfjs-cpu keeps in another typed array) is read as float32', () => {
    const a = matrix('a'), b = matrix('b'), g = matrix('g');
    const fn = compile([a, b, g], g.mul(T.cast(T.gt(a, b), 'float32')).mul(2).add(1));
    expect(composites(fn)).toHaveLength(1);
    const [av, bv, gv] = [rn(11, [2, 3]), rn(12, [2, 3]), rn(13, [2, 3])].map((x) => nd(Float32Array.from(x.data), x.shape));
    const ref = nd(Array.from(gv.data, (x, i) => x * (av.data[i] > bv.data[i] ? 1 : 0) * 2 + 1), [2, 3]);
    expectClose(fn(f32(av), f32(bv), f32(gv)) as T.HostTensor, ref, 1e-6, 1e-6);
    fn.dispose();
  });

  it('leaks no tensors', () => {
    const a = matrix('a');
    const fn = compile([a], a.mul(3).add(1).div(2));
    fn(f32(rn(1, [4, 4])));
    const before = T.tf.memory().numTensors;
    for (let i = 0; i < 3; i++) fn(f32(rn(1, [4, 4])));
    expect(T.tf.memory().numTensors).toBe(before);
    fn.dispose();
  });
});

describeInProcess('the fuseElemwise rewrite', () => {
  it('is named in REWRITES, runs by default, and leaves backends without host memory alone', () => {
    expect(DEFAULT_REWRITES[DEFAULT_REWRITES.length - 1]).toBe('fuseElemwise');
    const a = matrix('a');
    const out = a.mul(2).add(1);
    expect(fuseElemwiseRewrite([out], 'webgl')[0]).toBe(out);
    expect(fuseElemwiseRewrite([out], 'cpu')[0].owner?.op).toBeInstanceOf(Composite);
    // a single node is not worth a Composite (unless it broadcasts a row or column: above)
    const one = a.mul(2);
    expect(fuseElemwiseRewrite([one], 'cpu')[0]).toBe(one);
    // int32 chains are not fused
    const i = T.imatrix('i');
    const ints = i.mul(2).add(1);
    expect(fuseElemwiseRewrite([ints], 'cpu')[0]).toBe(ints);
  });

  it("the generic lowering (the unfused ops' tfjs kernels) gives the kernel's values", () => {
    const program: CompositeProgram = {
      inputs: ['full', 'row', 'scalar'],
      rowAxes: 1,
      instrs: [{ op: 'Mul', args: [{ input: 0 }, { input: 1 }] }, { op: 'Sub', args: [{ temp: 0 }, { input: 2 }] }, { op: 'Relu', args: [{ temp: 1 }] }],
      outputs: [2, 0],
    };
    const op = new Composite(program, [{ dtype: 'float32', shape: [2, 3] }, { dtype: 'float32', shape: [2, 3] }]);
    expect(op.text).toBe('relu(((i0 * i1) - i2)), (i0 * i1), i1: row, i2: scalar');
    const ins = [T.tf.tensor([1, -2, 3, 4, 5, -6], [2, 3]), T.tf.tensor([2, 3, 4], [1, 3]), T.tf.scalar(1)];
    const viaTfjs = op.perform(ins).map((t) => Array.from(t.dataSync()));
    const viaWasm = op.performWasm(ins)!.map((t) => Array.from(t.dataSync()));
    expect(viaWasm).toEqual(viaTfjs);
    expect(viaWasm).toEqual([[1, 0, 11, 7, 14, 0], [2, -6, 12, 8, 15, -24]]);
  });
});
