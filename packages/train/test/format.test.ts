import { formatDuration, formatEpochLines, formatFinalLines, pyFixed } from '../src/format';

describe('pyFixed (Python str.format .Nf)', () => {
  it.each([
    [0.5, 0, '0'],
    [1.5, 0, '2'],
    [2.5, 0, '2'],
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [12.125, 2, '12.12'],
    [0.1, 6, '0.100000'],
    [2.302585092994046, 6, '2.302585'],
    [98.76543, 2, '98.77'],
    [1 / 3, 3, '0.333'],
    [-0.0, 6, '-0.000000'],
    [-1e-9, 6, '-0.000000'],
    [NaN, 6, 'nan'],
    [Infinity, 2, 'inf'],
    [-Infinity, 2, '-inf'],
    [100, 2, '100.00'],
    // From 1e21 up, JS's toFixed writes exponents; Python writes every digit (values from CPython 3.11).
    [3.8104376383859033e21, 6, '3810437638385903337472.000000'],
    [1e21, 6, '1000000000000000000000.000000'],
    [1e23, 2, '99999999999999991611392.00'],
    [-(2 ** 70), 0, '-1180591620717411303424'],
  ])('format(%p, .%pf) = %p', (x, d, want) => {
    expect(pyFixed(x, d)).toBe(want);
  });
});

describe('Lasagne lines', () => {
  it('formats an epoch as mnist.py prints it', () => {
    expect(formatEpochLines({ epoch: 3, epochs: 500, seconds: 12.3456, trainLoss: 0.25, valLoss: 0.1234567, valAccuracy: 0.9725 })).toEqual([
      'Epoch 3 of 500 took 12.346s',
      '  training loss:\t\t0.250000',
      '  validation loss:\t\t0.123457',
      '  validation accuracy:\t\t97.25 %',
    ]);
  });
  it('formats the largest double with all of its 309 digits', () => {
    const s = pyFixed(1.7976931348623157e308, 1);
    expect(s).toHaveLength(311);
    expect(s.startsWith('179769313486231570814527423731704356798070567525844996598917')).toBe(true);
    expect(s.endsWith('.0')).toBe(true);
  });
  it('formats the final results', () => {
    expect(formatFinalLines(0.05, 0.9912)).toEqual(['Final results:', '  test loss:\t\t\t0.050000', '  test accuracy:\t\t99.12 %']);
  });
  it('formats durations', () => {
    expect(formatDuration(3.44)).toBe('3.4s');
    expect(formatDuration(125)).toBe('2:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
  });
});
