/** The classic programs' shared pieces: the tutorials' patience loop, Python formats, the PNG writer. */
import { inflateSync } from 'node:zlib';
import { batchesIn, crc32, encodePng, patienceLoop, pyPercent, pyStr } from '../src';

describe('patienceLoop (the DeepLearningTutorials early stopping)', () => {
  /** Scripted models: validation and test errors in the order they are asked for. */
  async function scripted(validation: number[], test: number[]) {
    const lines: string[] = [];
    const trained: number[] = [];
    const iters: number[] = [];
    let v = 0;
    let t = 0;
    const r = await patienceLoop({
      nEpochs: 100,
      nTrainBatches: 4,
      nValidBatches: 1,
      nTestBatches: 1,
      trainModel: (i) => {
        trained.push(i);
        return 1 / (trained.length + 1);
      },
      validateModel: () => validation[Math.min(v++, validation.length - 1)],
      testModel: () => test[Math.min(t++, test.length - 1)],
      patience: 10,
      out: (l) => lines.push(l),
      beforeIter: (iter) => iters.push(iter),
    });
    return { r, lines, trained, iters };
  }

  it('validates every min(n_train_batches, patience // 2) steps, grows patience on significant improvements, stops when patience <= iter', async () => {
    // iter 3: 0.5 (patience max(10, 6) = 10); iter 7: 0.4 < 0.5 * 0.995 (patience 14);
    // iter 11: 0.399 is better but not by 0.5% (patience stays 14); stop at iter 14.
    const { r, lines, trained, iters } = await scripted([0.5, 0.4, 0.399], [0.3, 0.25, 0.2]);
    expect(r.iterations).toBe(15);
    expect(iters).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(trained).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2]);
    expect(r.epochs).toBe(4);
    expect(r.stoppedEarly).toBe(true);
    expect(r.bestValidationLoss).toBe(0.399);
    expect(r.bestIter).toBe(11);
    expect(r.testScore).toBe(0.2);
    expect(r.validations.map((x) => [x.epoch, x.iter])).toEqual([[1, 3], [2, 7], [3, 11]]);
    expect(lines).toEqual([
      'epoch 1, minibatch 4/4, validation error 50.000000 %',
      '     epoch 1, minibatch 4/4, test error of best model 30.000000 %',
      'epoch 2, minibatch 4/4, validation error 40.000000 %',
      '     epoch 2, minibatch 4/4, test error of best model 25.000000 %',
      'epoch 3, minibatch 4/4, validation error 39.900000 %',
      '     epoch 3, minibatch 4/4, test error of best model 20.000000 %',
    ]);
    expect(r.epochCosts).toHaveLength(4);
    expect(r.epochCosts[3]).toBeLessThan(r.epochCosts[0]);
  });

  it('does not test a model that is not better, and runs n_epochs when patience lasts', async () => {
    const { r, lines } = await scripted([0.5, 0.5, 0.6], [0.3]);
    expect(lines.filter((l) => l.includes('test error'))).toHaveLength(1);
    expect(r.bestIter).toBe(3);
    // patience 10: stops at iter 10 (epoch 3).
    expect([r.iterations, r.epochs]).toEqual([11, 3]);
    let calls = 0;
    const r2 = await patienceLoop({
      nEpochs: 3, nTrainBatches: 2, nValidBatches: 2, nTestBatches: 3, patience: 5000, out: () => {},
      trainModel: () => 1, validateModel: (i) => [0.2, 0.4][i] / ++calls, testModel: (i) => i / 10,
    });
    expect([r2.epochs, r2.iterations, r2.stoppedEarly, r2.validations.length]).toEqual([3, 6, false, 3]);
    expect(r2.testScore).toBeCloseTo(0.1);
  });
});

describe('Python number formats', () => {
  it("str(float) and '{:.2%}'", () => {
    expect(pyStr(0.978)).toBe('0.978');
    expect(pyStr(1)).toBe('1.0');
    expect(pyStr(0)).toBe('0.0');
    expect(pyStr(2.302584648132324)).toBe('2.302584648132324');
    expect(pyStr(1e-7)).toBe('1e-07');
    expect(pyStr(NaN)).toBe('nan');
    expect(pyPercent(0.9876)).toBe('98.76%');
    expect(pyPercent(0.98765)).toBe('98.77%');
    expect(pyPercent(1)).toBe('100.00%');
    expect(batchesIn(50000, 600)).toBe(83);
  });
});

describe('PNG writer', () => {
  it('crc32 is the PNG/zip CRC', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  /** The chunks of a PNG, each CRC checked. */
  function chunks(png: Buffer): { type: string; data: Buffer }[] {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const out: { type: string; data: Buffer }[] = [];
    for (let o = 8; o < png.length;) {
      const len = png.readUInt32BE(o);
      const type = png.toString('ascii', o + 4, o + 8);
      const data = png.subarray(o + 8, o + 8 + len);
      expect(png.readUInt32BE(o + 8 + len)).toBe(crc32(png.subarray(o + 4, o + 8 + len)));
      out.push({ type, data });
      o += 12 + len;
    }
    return out;
  }

  it('writes RGB and gray images that decode back to their pixels', () => {
    for (const channels of [3, 1] as const) {
      const width = 5;
      const height = 3;
      const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 256);
      const png = encodePng({ width, height, channels, data });
      const cs = chunks(png);
      expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
      const ihdr = cs[0].data;
      expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9], ihdr[10], ihdr[11], ihdr[12]]).toEqual([width, height, 8, channels === 3 ? 2 : 0, 0, 0, 0]);
      const raw = inflateSync(cs[1].data);
      const stride = width * channels;
      expect(raw.length).toBe((stride + 1) * height);
      for (let y = 0; y < height; y++) {
        expect(raw[y * (stride + 1)]).toBe(0);
        expect([...raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))]).toEqual([...data.subarray(y * stride, (y + 1) * stride)]);
      }
    }
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).toThrow(/12 expected/);
  });
});
