import { compile, ivector, matrix, mean, OptionsError, ready, ShapeError, tensor, tensor3, vector } from '@lasagne-ts/core';
import { binaryAccuracy, categoricalAccuracy } from '../src';
import { expectClose } from './helpers';
import { call } from '../../core/test/calls';

beforeAll(() => ready());

describe('binaryAccuracy', () => {
  const p = vector('p');
  const t = vector('t');
  test('(p >= threshold) == t, as float32', async () => {
    const acc = binaryAccuracy(p, t);
    expect(acc.dtype).toBe('float32');
    expectClose(await call(compile([p, t], acc), [0.2, 0.5, 0.7, 0.4], [0, 1, 0, 1]), [1, 1, 0, 0]);
    expectClose(await call(compile([p, t], binaryAccuracy(p, t, { threshold: 0.3 })), [0.2, 0.5, 0.7, 0.4], [0, 1, 0, 1]), [1, 1, 0, 1]);
  });
  test('int targets, and a column against a vector', async () => {
    const y = ivector('y');
    const col = tensor('float32', [null, 1], 'col');
    const out = await call(compile([col, y], binaryAccuracy(col, y)), [[0.9], [0.1]], Int32Array.from([1, 1]));
    expect(out.shape).toEqual([2, 1]);
    expectClose(out, [1, 0]);
  });
});

describe('categoricalAccuracy', () => {
  const P = [[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.4, 0.4, 0.2]];
  const Y = Int32Array.from([1, 2, 0, 1]);
  const onehot = Array.from(Y, (c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
  const p = matrix('p');
  const y = ivector('y');
  const t = matrix('t');

  test('top 1: argmax(p) == t, float32 per sample (ties: the first index wins, as argmax)', async () => {
    const acc = categoricalAccuracy(p, y);
    expect(acc.dtype).toBe('float32');
    expectClose(await call(compile([p, y], acc), P, Y), [1, 0, 0, 0]);
    expectClose(await call(compile([p, t], categoricalAccuracy(p, t)), P, onehot), [1, 0, 0, 0]);
  });

  test('top k: the target among the k largest', async () => {
    expectClose(await call(compile([p, y], categoricalAccuracy(p, y, { topK: 2 })), P, Y), [1, 1, 0, 1]);
    expectClose(await call(compile([p, t], categoricalAccuracy(p, t, { topK: 2 })), P, onehot), [1, 1, 0, 1]);
    expectClose(await call(compile([p, y], categoricalAccuracy(p, y, { topK: 3 })), P, Y), [1, 1, 1, 1]);
  });

  test('top k on 3-d predictions (classes on the last axis)', async () => {
    const p3 = tensor3('p3');
    const y2 = tensor('int32', [null, null], 'y2');
    const out = await call(compile([p3, y2], categoricalAccuracy(p3, y2, { topK: 2 })), [P.slice(0, 2), P.slice(2)], [Array.from(Y.slice(0, 2)), Array.from(Y.slice(2))]);
    expect(out.shape).toEqual([2, 2]);
    expectClose(out, [1, 1, 0, 1]);
  });

  test('mean gives the accuracy (mnist.py: T.mean(T.eq(T.argmax(p, axis=1), y)))', async () => {
    expect(await call(compile([p, y], mean(categoricalAccuracy(p, y))), P, Y)).toBeCloseTo(0.25, 6);
  });

  test('errors', () => {
    expect(() => categoricalAccuracy(matrix('p'), tensor3('t'))).toThrow(ShapeError);
    expect(() => categoricalAccuracy(matrix('p'), ivector('y'), { topK: 0 })).toThrow(OptionsError);
    expect(() => categoricalAccuracy(matrix('p'), ivector('y'), { topK: 1.5 })).toThrow(OptionsError);
  });
});
