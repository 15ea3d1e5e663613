/**
 * Numerical gradient checking.
 *
 * Defaults are meant for a library that computes in float32 while the caller evaluates
 * the scalar loss as a JS number: eps 1e-3, rtol 1e-2, atol 1e-3. For large losses
 * (float32 rounding of f ~ 1e-7 * |f|, amplified by 1 / (2 eps)) raise atol or eps.
 */

/**
 * Central differences: g[i] = (f(x + h e_i) - f(x - h e_i)) / (step actually taken).
 * The perturbed points are rounded to float32 (so a float32 library sees exactly the
 * point we divide by); the divisor is the exact float64 distance between them.
 * `x` is not modified; `f` receives a scratch copy it must not keep.
 */
/** Where central differences probe: the float32-rounded points around x0 and the exact distance between them. */
function probePoints(x0: number, eps: number): [number, number] {
  const hi = Math.fround(x0 + eps);
  const lo = Math.fround(x0 - eps);
  return !(hi > lo) || !Number.isFinite(hi - lo) ? [x0 + eps, x0 - eps] : [hi, lo];
}

export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, eps = 1e-3): Float64Array {
  const xs = Float64Array.from(x);
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    const [hi, lo] = probePoints(x0, eps);
    xs[i] = hi;
    const fp = f(xs);
    xs[i] = lo;
    const fm = f(xs);
    xs[i] = x0;
    g[i] = (fp - fm) / (hi - lo);
  }
  return g;
}

/** `numericGrad` for an `f` that is awaited (a compiled function called with `call`, on any backend). */
export async function numericGradAsync(f: (x: Float64Array) => Promise<number> | number, x: Float64Array, eps = 1e-3): Promise<Float64Array> {
  const xs = Float64Array.from(x);
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    const [hi, lo] = probePoints(x0, eps);
    xs[i] = hi;
    const fp = await f(xs);
    xs[i] = lo;
    const fm = await f(xs);
    xs[i] = x0;
    g[i] = (fp - fm) / (hi - lo);
  }
  return g;
}

export interface GradTol {
  /** Relative tolerance, default 1e-2. */
  rtol?: number;
  /** Absolute tolerance, default 1e-3. */
  atol?: number;
}

export interface GradCheckResult {
  /** True when every entry satisfies |a - n| <= atol + rtol * max(|a|, |n|). */
  ok: boolean;
  /** Number of entries violating the tolerance. */
  failures: number;
  /** max |a - n|. */
  maxAbsErr: number;
  /** max |a - n| / max(|a|, |n|) (0 where both are 0). */
  maxRelErr: number;
  /** Entry with the largest |a - n| / (atol + rtol * max(|a|, |n|)); -1 if empty. */
  worstIndex: number;
  worstAnalytic: number;
  worstNumeric: number;
  rtol: number;
  atol: number;
}

export function checkGrad(analytic: ArrayLike<number>, numeric: ArrayLike<number>, tol: GradTol = {}): GradCheckResult {
  const rtol = tol.rtol ?? 1e-2;
  const atol = tol.atol ?? 1e-3;
  if (analytic.length !== numeric.length) {
    throw new Error(`checkGrad: analytic has ${analytic.length} entries, numeric has ${numeric.length}`);
  }
  let maxAbsErr = 0;
  let maxRelErr = 0;
  let worstIndex = -1;
  let worstRatio = -1;
  let failures = 0;
  for (let i = 0; i < analytic.length; i++) {
    const a = analytic[i];
    const n = numeric[i];
    const err = Math.abs(a - n);
    const scale = Math.max(Math.abs(a), Math.abs(n));
    const rel = scale === 0 ? 0 : err / scale;
    // NaN anywhere counts as an infinite violation (Math.max propagates NaN to the maxima).
    const ratio = Number.isNaN(err) ? Infinity : err === 0 ? 0 : err / (atol + rtol * scale);
    if (!(ratio <= 1)) failures++;
    maxAbsErr = Math.max(maxAbsErr, err);
    maxRelErr = Math.max(maxRelErr, rel);
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worstIndex = i;
    }
  }
  return {
    ok: failures === 0,
    failures,
    maxAbsErr,
    maxRelErr,
    worstIndex,
    worstAnalytic: worstIndex >= 0 ? analytic[worstIndex] : NaN,
    worstNumeric: worstIndex >= 0 ? numeric[worstIndex] : NaN,
    rtol,
    atol,
  };
}

export interface ExpectGradOpts extends GradTol {
  /** Shape of the gradient, to report the worst entry as a multi-index. */
  shape?: readonly number[];
  /** Name used in the failure message (e.g. 'dL/dW'). */
  label?: string;
}

function unravel(i: number, shape?: readonly number[]): string {
  if (!shape || shape.length === 0) return String(i);
  const idx: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    idx.unshift(i % shape[k]);
    i = Math.floor(i / shape[k]);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Throws (failing the surrounding jest test) when the gradients disagree.
 * `tol` as a number sets both rtol and atol.
 */
export function expectGradClose(
  analytic: ArrayLike<number>,
  numeric: ArrayLike<number>,
  tol: number | ExpectGradOpts = {},
): GradCheckResult {
  const opts: ExpectGradOpts = typeof tol === 'number' ? { rtol: tol, atol: tol } : tol;
  const r = checkGrad(analytic, numeric, opts);
  if (r.ok) return r;
  const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));
  const offenders: string[] = [];
  for (let i = 0; i < analytic.length && offenders.length < 5; i++) {
    const a = analytic[i];
    const n = numeric[i];
    const err = Math.abs(a - n);
    if (!(err <= r.atol + r.rtol * Math.max(Math.abs(a), Math.abs(n)))) {
      offenders.push(`  ${unravel(i, opts.shape)}: analytic ${fmt(a)} vs numeric ${fmt(n)}`);
    }
  }
  throw new Error(
    `${opts.label ?? 'gradient'} mismatch: ${r.failures}/${analytic.length} entries exceed ` +
      `|a-n| <= ${r.atol} + ${r.rtol}*max(|a|,|n|)\n` +
      `worst at ${unravel(r.worstIndex, opts.shape)}: analytic ${fmt(r.worstAnalytic)}, numeric ${fmt(r.worstNumeric)}\n` +
      `max abs err ${fmt(r.maxAbsErr)}, max rel err ${fmt(r.maxRelErr)}\n` +
      `first offenders:\n${offenders.join('\n')}`,
  );
}
