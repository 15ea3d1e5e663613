/**
 * Ops declare the properties that distinguish two instances (`static props`, PyTensor's
 * `__props__`); `params()`, `key()` and the labels derive from them. The keys below are written
 * by hand: they are what the hand-written `params()` of each op gave, so the merge rewrite
 * merges exactly what it merged before.
 */
import * as L from '@lasagne-ts/core';
import { compile, debugprint, matrix, Op, tensor4, vector, ivector, type ST, type TensorType, type Tensor } from '@lasagne-ts/core';
import { call } from './calls';

const opOf = (y: ST): Op => y.owner!.op;
const count = (ops: readonly string[], name: string) => ops.filter((o) => o === name).length;

describe('op keys derived from the declared props', () => {
  const x = matrix('x');
  const v = vector('v');
  const img = tensor4('img');
  const idx = ivector('i');
  const W = tensor4('W');

  it.each<[string, () => ST, string]>([
    ['no props (elementwise)', () => L.add(x, x), 'Addnull'],
    ['Cast', () => L.cast(x, 'int32'), 'Cast"int32"'],
    ['DimShuffle', () => L.dimshuffle(v, ['x', 0]), 'DimShuffle["x",0]'],
    ['Sum', () => L.sum(x, 1), 'Sum[[1],false]'],
    ['Mean keepdims', () => L.mean(x, { axis: 0, keepdims: true }), 'Mean[[0],true]'],
    ['MatMul', () => L.matmul(x, x, false, true), 'MatMul[false,true]'],
    ['Softmax', () => L.softmax(x), 'Softmax1'],
    ['Concatenate', () => L.concatenate([x, x], 1), 'Concatenate1'],
    ['Stack', () => L.stack([v, v], 0), 'Stack0'],
    ['Take', () => L.take(x, idx, 1), 'Take1'],
    ['Flatten', () => L.flatten(img, 2), 'Flatten2'],
    ['Reshape', () => L.reshape(x, [-1]), 'Reshape[-1]'],
    ['OneHot', () => L.oneHot(idx, 10), 'OneHot10'],
    ['Pad', () => L.pad(x, [[1, 0], [0, 2]], 3), 'Pad[[[1,0],[0,2]],3]'],
    ['GradClip', () => L.gradClip(x, -1, 1), 'GradClip[-1,1]'],
    ['Dilate', () => L.dilate(x, [1, 2]), 'Dilate[1,2]'],
    ['Dim', () => L.dim(x, 1), 'Dim1'],
    ['Pool2D', () => L.pool2d(img, { ws: [2, 2] }), 'Pool2D{"ws":[2,2],"stride":[2,2],"pad":[0,0],"ignoreBorder":true,"mode":"max"}'],
  ])('%s', (_name, build, key) => {
    expect(opOf(build()).key()).toBe(key);
  });

  it('conv2d keys carry the whole configuration', () => {
    const a = opOf(L.conv2d(img, W, { borderMode: 'valid' })).key();
    const b = opOf(L.conv2d(img, W, { borderMode: 'full' })).key();
    expect(a.startsWith('Conv2D{')).toBe(true);
    expect(a).toContain('"borderMode":"valid"');
    expect(a).not.toBe(b);
  });

  it('merge merges nodes whose ops have equal props and keeps different ones apart', async () => {
    const same = [L.sum(x, 1), L.sum(x, 1), L.softmax(x), L.softmax(x), L.cast(x, 'int32'), L.cast(x, 'int32'), L.gradClip(x, -1, 1), L.gradClip(x, -1, 1)];
    const f = compile([x], same, { rewrites: ['merge'] });
    expect(['Sum', 'Softmax', 'Cast', 'GradClip'].map((n) => count(f.ops, n))).toEqual([1, 1, 1, 1]);

    const different = [L.sum(x, 0), L.sum(x, 1), L.sum(x, { axis: 1, keepdims: true }), L.mean(x, 1), L.cast(x, 'int32'), L.cast(x, 'bool'), L.gradClip(x, -1, 1), L.gradClip(x, -2, 1), L.pad(x, 1, 0), L.pad(x, 1, 5), L.concatenate([x, x], 0), L.concatenate([x, x], 1)];
    const g = compile([x], different, { rewrites: ['merge'] });
    expect(['Sum', 'Mean', 'Cast', 'GradClip', 'Pad', 'Concatenate'].map((n) => count(g.ops, n))).toEqual([3, 1, 2, 2, 2, 2]);
    const out = await call(g, [[1, 2], [3, 4]]) as L.OutputValue[];
    expect(out.slice(0, 4).map((o) => (typeof o === 'number' ? o : Array.from(o.data)))).toEqual([[4, 6], [3, 7], [3, 7], [1.5, 3.5]]);
  });

  it('the same op on different inputs is not merged', () => {
    const y = matrix('y');
    const f = compile([x, y], [L.sum(x, 1), L.sum(y, 1)], { rewrites: ['merge'] });
    expect(count(f.ops, 'Sum')).toBe(2);
  });

  it('labels name the props; a single spelling prints bare', () => {
    expect(debugprint(L.sum(x, 1), { printShapes: false }).split('\n')[0]).toBe('Sum{axis=(1,), keepdims=false} [id A]');
    expect(debugprint(L.gradClip(x, -1, 1), { printShapes: false }).split('\n')[0]).toBe('GradClip{lower=-1, upper=1} [id A]');
    expect(debugprint(L.dim(x, 0), { printShapes: false }).split('\n')[0]).toBe('Dim{axis=0} [id A]');
    expect(debugprint(L.cast(x, 'int32'), { printShapes: false }).split('\n')[0]).toBe('Cast{int32} [id A]');
    expect(debugprint(L.dimshuffle(v, ['x', 0]), { printShapes: false }).split('\n')[0]).toBe('DimShuffle{x,0} [id A]');
    expect(debugprint(L.add(x, x), { printShapes: false }).split('\n')[0]).toBe('Add [id A]');
  });

  it('a prop that is not a property of the op is an error naming it', () => {
    class Scale extends Op {
      readonly name = 'Scale';
      static override readonly props = ['factr'] as const;
      constructor(readonly factor: number) {
        super();
      }
      override inferTypes([a]: readonly ST[]): TensorType[] {
        return [a.type];
      }
      override perform([a]: Tensor[]): Tensor[] {
        return [L.tf.mul(a, this.factor)];
      }
    }
    const y = new Scale(2).make1(x);
    expect(() => opOf(y).key()).toThrow(/Scale: declares the property 'factr' in props, but has no such property/);
  });

  it('subclasses inherit their base class props', () => {
    expect(opOf(L.logSoftmax(x)).propNames).toEqual(['axis']);
    expect(opOf(L.conv2d(img, W)).propNames).toEqual(['cfg']);
  });
});
