import { compile, conv2d, dimshuffle, grad, relu, shared, sum, tensor4, HostTensor } from '@lasagne-ts/core';
import { conv2d as refConv, nd, randn, rng } from './reference';
import { call } from './calls';

// relu(conv2d(x, W) + b.dimshuffle('x', 0, 'x', 'x')) becomes one Conv2DBiasRelu kernel.
describe('conv + bias + relu fusion rewrite', () => {
  const r = rng(7);
  const xv = randn(r, [2, 3, 7, 7]);
  const wv = randn(r, [4, 3, 3, 3]);
  const bv = randn(r, [4]);
  const build = () => {
    const x = tensor4('x');
    const W = shared({ data: Float32Array.from(wv.data), shape: wv.shape }, { name: 'W' });
    const b = shared(Float32Array.from(bv.data), { name: 'b' });
    const out = relu(conv2d(x, W, { borderMode: 'half', subsample: 2 }).add(dimshuffle(b, ['x', 0, 'x', 'x'])));
    return { x, W, b, out };
  };
  const feed = { data: Float32Array.from(xv.data), shape: xv.shape };

  test('the forward value is relu(conv + b), computed by the fused kernel', async () => {
    const { x, out } = build();
    const f = compile([x], out);
    expect(f.ops).toContain('Conv2DBiasRelu');
    expect(f.ops).not.toContain('Relu');
    // Independent float64 reference: conv, bias per channel, relu.
    const conv = refConv(xv, wv, { borderMode: 'half', subsample: [2, 2] });
    const [, c, h, w] = conv.shape;
    const expected = nd(Array.from(conv.data, (v, i) => Math.max(0, v + bv.data[Math.floor(i / (h * w)) % c])), conv.shape);
    const got = await call(f, feed) as HostTensor;
    expect(got.shape).toEqual(expected.shape);
    got.data.forEach((v, i) => expect(v).toBeCloseTo(expected.data[i], 4));
  });

  test('training graphs fuse too, with the same gradients as the unfused graph', async () => {
    const { x, W, b, out } = build();
    const cost = sum(out.mul(out));
    const gs = grad(cost, [W, b]);
    const fused = compile([x], gs);
    const plain = compile([x], gs, { rewrites: ['merge', 'stabilize', 'transposeCancel', 'constantFold'] });
    expect(fused.ops).toContain('Conv2DBiasRelu');
    expect(plain.ops).not.toContain('Conv2DBiasRelu');
    const [fw, fb] = await call(fused, feed) as HostTensor[];
    const [pw, pb] = await call(plain, feed) as HostTensor[];
    fw.data.forEach((v, i) => expect(v).toBeCloseTo(pw.data[i], 3));
    fb.data.forEach((v, i) => expect(v).toBeCloseTo(pb.data[i], 3));
  });

  test('no fusion when the convolution output is also used elsewhere', () => {
    const x = tensor4('x');
    const W = shared({ data: Float32Array.from(wv.data), shape: wv.shape });
    const b = shared(Float32Array.from(bv.data));
    const conv = conv2d(x, W);
    const f = compile([x], [relu(conv.add(dimshuffle(b, ['x', 0, 'x', 'x']))), conv]);
    expect(f.ops).not.toContain('Conv2DBiasRelu');
  });
});
