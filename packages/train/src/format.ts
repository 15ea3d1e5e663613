/**
 * Lasagne mnist.py's printed lines, formatted exactly as Python's `str.format` does
 * (`{:.6f}` rounds half to even on exact ties, prints `nan` / `inf`).
 */

/** Python's `format(x, '.<digits>f')`. */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const mag = Math.abs(x);
  // toFixed switches to exponent notation from 1e21; doubles that large are integers (>= 2^53),
  // so their exact decimal digits are BigInt's.
  let s = mag >= 1e21 ? `${BigInt(mag).toString()}${digits > 0 ? `.${'0'.repeat(digits)}` : ''}` : mag.toFixed(digits);
  if (mag < 1e21) {
    // toFixed rounds exact ties away from zero; Python rounds them to even.
    const exact = mag.toFixed(100);
    const dot = exact.indexOf('.');
    const tail = exact.slice(dot + 1 + digits);
    if (/^50*$/.test(tail)) {
      const truncated = exact.slice(0, digits === 0 ? dot : dot + 1 + digits);
      const last = Number(truncated[truncated.length - 1]);
      if (last % 2 === 0) s = truncated;
    }
  }
  return neg ? `-${s}` : s;
}

/** One epoch's numbers, as mnist.py computes them (means over the batches). */
export interface EpochNumbers {
  /** 1-based epoch number. */
  epoch: number;
  epochs: number;
  seconds: number;
  trainLoss: number;
  valLoss: number;
  /** In [0, 1]. */
  valAccuracy: number;
}

/** The four lines mnist.py prints after each epoch. */
export function formatEpochLines(r: EpochNumbers): string[] {
  return [
    `Epoch ${r.epoch} of ${r.epochs} took ${pyFixed(r.seconds, 3)}s`,
    `  training loss:\t\t${pyFixed(r.trainLoss, 6)}`,
    `  validation loss:\t\t${pyFixed(r.valLoss, 6)}`,
    `  validation accuracy:\t\t${pyFixed(r.valAccuracy * 100, 2)} %`,
  ];
}

/** The three lines mnist.py prints after training (accuracy in [0, 1]). */
export function formatFinalLines(testLoss: number, testAccuracy: number): string[] {
  return ['Final results:', `  test loss:\t\t\t${pyFixed(testLoss, 6)}`, `  test accuracy:\t\t${pyFixed(testAccuracy * 100, 2)} %`];
}

/** Seconds as `1:02:03`, `2:03` or `3.4s` (for ETAs). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
