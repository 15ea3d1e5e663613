import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { niceTicks, renderCurvesSvg, writeCurvesSvg, type CurvePoint } from '../src/plot';
import { expectWellFormedSvg, tempDir } from './helpers';

const history: CurvePoint[] = [1, 2, 3, 4].map((e) => ({ epoch: e, trainLoss: 2 / e, valLoss: 2.2 / e, valAccuracy: 0.5 + e / 10, trainAccuracy: 0.45 + e / 10 }));

describe('learning-curve SVG', () => {
  it('draws both panels with four series', () => {
    const svg = renderCurvesSvg(history, { title: 'test <run>' });
    expectWellFormedSvg(svg);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    for (const label of ['training loss', 'validation loss', 'training accuracy', 'validation accuracy']) expect(svg).toContain(label);
    expect(svg).toContain('test &lt;run&gt;');
  });
  it('copes with no epochs, one epoch and non-finite values', () => {
    expectWellFormedSvg(renderCurvesSvg([]));
    expectWellFormedSvg(renderCurvesSvg(history.slice(0, 1)));
    expectWellFormedSvg(renderCurvesSvg([{ epoch: 1, trainLoss: NaN, valLoss: Infinity, valAccuracy: 0.1 }, { epoch: 2, trainLoss: 1, valLoss: 1, valAccuracy: 0.2 }]));
  });
  it('writes a file', () => {
    const t = tempDir();
    try {
      const f = join(t.dir, 'sub', 'curves.svg');
      writeCurvesSvg(f, history);
      expectWellFormedSvg(readFileSync(f, 'utf8'));
    } finally {
      t.cleanup();
    }
  });
  it('picks round ticks covering the range', () => {
    expect(niceTicks(0.13, 2.31)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    const t = niceTicks(5, 5);
    expect(t[0]).toBeLessThan(5);
    expect(t[t.length - 1]).toBeGreaterThan(5);
  });
});
