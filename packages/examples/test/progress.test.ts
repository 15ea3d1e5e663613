import { ProgressBar } from '../src/progress';
import { Capture } from './helpers';

describe('ProgressBar', () => {
  it('redraws one line in place on a TTY and erases it', () => {
    const out = new Capture();
    out.isTTY = true;
    let now = 0;
    const bar = new ProgressBar(out, { now: () => now, redrawMs: 0 });
    expect(bar.mode).toBe('bar');
    bar.start(2, 10, 4);
    now = 1000;
    bar.update(1, 0.5);
    now = 2000;
    bar.update(2, 0.25);
    expect(out.text).toContain('Epoch 2/10 [');
    expect(out.text).toContain('2/4  ETA 2.0s  loss 0.250000');
    expect(out.text).not.toContain('\n');
    bar.clear();
    expect(out.text.endsWith('\r\x1b[K')).toBe(true);
  });
  it('writes only occasional plain lines when not a TTY', () => {
    const out = new Capture();
    let now = 0;
    const bar = new ProgressBar(out, { now: () => now, lineEveryMs: 10_000 });
    expect(bar.mode).toBe('lines');
    bar.start(1, 3, 100);
    for (let i = 1; i <= 100; i++) {
      now = i * 500;
      bar.update(i, 1 / i);
    }
    bar.clear();
    expect(out.text).not.toMatch(/[\r\x1b]/);
    expect(out.lines).toHaveLength(4);
    expect(out.lines[0]).toMatch(/^ {2}epoch 1 of 3: batch 20\/100 {2}ETA \d+\.\ds {2}loss \d\.\d{6}$/);
  });
  it('is silent in none mode', () => {
    const out = new Capture();
    const bar = new ProgressBar(out, { mode: 'none' });
    bar.start(1, 1, 2);
    bar.update(1, 1);
    bar.clear();
    expect(out.text).toBe('');
  });
});
