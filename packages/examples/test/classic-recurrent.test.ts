/**
 * lasagne-classic recurrent (Lasagne's examples/recurrent.py): the adding task's data against
 * its definition, and a tiny run of the command (the full 10 epochs run by hand; see README.md).
 */
import { SeededRng } from '@lasagne-ts/core';
import { classicMain, parseClassicArgs } from '../src';
import { float32Str, genData, runRecurrent } from '../src/classic/recurrent';
import { Capture } from './helpers';

describe('recurrent.py: the adding task', () => {
  it('gen_data: lengths in [min, max), masks, two markers, centred inputs and targets', () => {
    const B = 50, Tmax = 12;
    const d = genData(new SeededRng(3).next, 8, Tmax, B);
    // Undo the centring of the marker feature: its mean is (2 per sequence) / Tmax.
    const markerMean = 2 / Tmax;
    let ySum = 0;
    for (let n = 0; n < B; n++) {
      const mask = Array.from(d.mask.subarray(n * Tmax, (n + 1) * Tmax));
      const len = mask.reduce((a, b) => a + b, 0);
      expect(len).toBeGreaterThanOrEqual(8);
      expect(len).toBeLessThan(Tmax);
      expect(mask).toEqual(mask.map((_, t) => (t < len ? 1 : 0)));
      const markers = mask.map((_, t) => Math.round(d.X[(n * Tmax + t) * 2 + 1] + markerMean)).flatMap((m, t) => (m ? [t] : []));
      expect(markers.length).toBe(2);
      expect(markers[0]).toBeLessThan(Math.ceil(len / 10));
      expect(markers[1]).toBeGreaterThanOrEqual(Math.floor(len / 2));
      expect(markers[1]).toBeLessThan(len);
      ySum += d.y[n];
    }
    expect(Math.abs(ySum)).toBeLessThan(1e-4);
  });

  it('prints NumPy float32 values as NumPy does', () => {
    expect(float32Str(0.1)).toBe('0.1');
    expect(float32Str(0.17155789)).toBe('0.17155789');
    expect(float32Str(1)).toBe('1.0');
  });

  it('lasagne-classic recurrent, tiny: the original lines, the cost falls', async () => {
    const stdout = new Capture(), stderr = new Capture();
    const code = await classicMain(['recurrent', '--epochs', '3', '--epoch-size', '5', '--batch-size', '8', '--min-length', '5', '--max-length', '7', '--hidden', '6', '--learning-rate', '0.1', '--backend', 'cpu'], { stdout, stderr });
    expect(stderr.text).not.toMatch(/error/);
    expect(code).toBe(0);
    expect(stdout.lines.slice(0, 4)).toEqual(['Building network ...', 'Computing updates ...', 'Compiling functions ...', 'Training ...']);
    expect(stdout.lines.slice(4).map((l) => l.replace(/= .*/, '= C'))).toEqual([0, 1, 2].map((e) => `Epoch ${e} validation cost = C`));
  });

  it('--profile prints the training function\'s profile after the first epoch, with each scan\'s step', async () => {
    const stdout = new Capture(), stderr = new Capture();
    const code = await classicMain(['recurrent', '--epochs', '2', '--epoch-size', '2', '--batch-size', '4', '--min-length', '4', '--max-length', '6', '--hidden', '3', '--profile', '--backend', 'cpu'], { stdout, stderr });
    expect(code).toBe(0);
    const text = stderr.text;
    expect(text.match(/Function profiling/g)?.length).toBe(1);
    expect(text).toContain('Message: train');
    // Two layers: two forward scans and two gradient scans, each stepped 6 times (the padded length) per call, 2 calls.
    expect(text.match(/Inner graph of #\d+ Scan\{RecurrentLayer\}/g)?.length).toBe(2);
    expect(text.match(/Inner graph of #\d+ Scan\{grad_of_RecurrentLayer\}/g)?.length).toBe(2);
    expect(text.match(/Steps run: 12 \(/g)?.length).toBe(4);
  });

  it('the LSTM variant trains and the validation cost decreases', async () => {
    const r = await runRecurrent({ lstm: true, epochs: 3, epochSize: 6, batchSize: 8, minLength: 5, maxLength: 7, hidden: 5, learningRate: 0.1, seed: 2 }, { out: () => {} });
    expect(r.costs.length).toBe(3);
    expect(r.costs[2]).toBeLessThan(r.costs[0]);
  });

  it('options: parsed and checked', () => {
    expect(parseClassicArgs(['recurrent', '--lstm', '--hidden', '50', '--grad-clip', '10'])).toEqual({ kind: 'run', program: 'recurrent', options: { lstm: true, hidden: 50, gradClip: 10, backend: 'auto' } });
    return expect(runRecurrent({ minLength: 10, maxLength: 10 }, { out: () => {} })).rejects.toThrow(/--max-length must exceed --min-length/);
  });
});
