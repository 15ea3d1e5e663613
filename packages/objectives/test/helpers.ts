import type { HostTensor } from '@lasagne-ts/core';

/** A compiled output as plain numbers. */
export function values(out: unknown): number[] {
  if (typeof out === 'number') return [out];
  return Array.from((out as HostTensor).data);
}

export function expectClose(actual: unknown, expected: number[], digits = 5): void {
  const a = values(actual);
  expect(a).toHaveLength(expected.length);
  a.forEach((v, i) => {
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(expected[i], digits);
  });
}
