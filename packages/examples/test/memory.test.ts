import * as L from '@lasagne-ts/layers';
import { buildCnn, buildCustomMlp, buildMlp } from '../src';
import { estimateTrainingMemory, formatBytes, memoryProblem } from '../src/memory';
import { parseModelSpec } from '../src/models';

describe('the training memory estimate of mnist-train models', () => {
  it('counts the parameters the built networks have', () => {
    expect(estimateTrainingMemory(parseModelSpec('mlp'), 500).params).toBe(L.countParams(buildMlp(), { trainable: true }));
    expect(estimateTrainingMemory(parseModelSpec('cnn'), 500).params).toBe(L.countParams(buildCnn(), { trainable: true }));
    const spec = parseModelSpec('custom_mlp:3,17,0,0.5');
    expect(estimateTrainingMemory(spec, 10).params).toBe(L.countParams(buildCustomMlp(undefined, { depth: 3, width: 17, dropInput: 0, dropHidden: 0.5 }), { trainable: true }));
    // By hand: 784·W + W + (D − 1)(W² + W) + 10·W + 10 for WIDTH 3·10^6, DEPTH 1.
    expect(estimateTrainingMemory(parseModelSpec('custom_mlp:1,3000000,0.2,0.5'), 50).params).toBe(784 * 3e6 + 3e6 + 10 * 3e6 + 10);
  });

  it('bytes: 5 copies of the parameters, 4 of the activations and 2 of the input per example, float32', () => {
    const e = estimateTrainingMemory(parseModelSpec('custom_mlp:2,100,0,0'), 8);
    const params = 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10;
    expect(e.bytes).toBe(4 * (5 * params + 4 * (100 + 100 + 10) * 8 + 2 * 784 * 8));
    expect(e.largestTensor).toBe(784 * 100);
  });

  it('refuses what exceeds the limit, naming WIDTH and the estimate; accepts mnist.py models', () => {
    const limit = { bytes: 2 ** 30, what: 'the 1.0 GB of memory available' };
    expect(memoryProblem(parseModelSpec('mlp'), 500, 'cpu', limit)).toBeUndefined();
    expect(memoryProblem(parseModelSpec('cnn'), 500, 'cpu', limit)).toBeUndefined();
    expect(memoryProblem(parseModelSpec('custom_mlp:2,20000,0.2,0.5'), 500, 'cpu', limit)).toBe(
      'custom_mlp with WIDTH 20000 and DEPTH 2 has 415,920,010 parameters and needs about 8.0 GB to train with batches of 500, more than the 1.0 GB of memory available; use a smaller WIDTH (or DEPTH) or --batch-size.',
    );
    expect(memoryProblem(parseModelSpec('mlp'), 500, 'wasm')).toBeUndefined();
    expect(memoryProblem(parseModelSpec('custom_mlp:1,3000000,0.2,0.5'), 500, 'wasm')).toMatch(/more than the wasm backend's 4\.0 GB heap/);
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(100)).toBe('100 bytes');
  });
});
