/** Plain canvas drawing for the demo page: line charts per epoch and a grid of conv filters. */

export interface Series {
  label: string;
  color: string;
  /** y value per epoch (epoch i + 1 at index i). */
  values: number[];
  dashed?: boolean;
}

/** Round tick steps (1, 2, 5 × 10^k) covering [lo, hi]. */
function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function drawChart(canvas: HTMLCanvasElement, title: string, series: Series[], opts: { epochs: number; yMin?: number; yMax?: number; percent?: boolean }): void {
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  const m = { l: 48, r: 12, t: 26, b: 30 };
  ctx.clearRect(0, 0, W, H);
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#1d232b';
  ctx.fillText(title, m.l, 16);
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  let lo = opts.yMin ?? (all.length ? Math.min(...all) : 0);
  let hi = opts.yMax ?? (all.length ? Math.max(...all) : 1);
  if (hi - lo < 1e-6) (lo -= 0.5), (hi += 0.5);
  const pad = opts.yMin === undefined ? (hi - lo) * 0.08 : 0;
  lo = opts.yMin ?? Math.max(0, lo - pad);
  hi = opts.yMax ?? hi + pad;
  const xMax = Math.max(2, opts.epochs);
  const X = (e: number) => m.l + ((e - 1) / (xMax - 1)) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - ((v - lo) / (hi - lo)) * (H - m.t - m.b);
  ctx.strokeStyle = '#d7dde4';
  ctx.fillStyle = '#5c6673';
  ctx.lineWidth = 1;
  const ys = ticks(lo, hi);
  const step = ys.length > 1 ? ys[1] - ys[0] : 1;
  const digits = Math.max(0, -Math.floor(Math.log10(step * (opts.percent ? 100 : 1)) + 1e-9));
  for (const v of ys) {
    ctx.beginPath();
    ctx.moveTo(m.l, Y(v));
    ctx.lineTo(W - m.r, Y(v));
    ctx.stroke();
    const text = opts.percent ? `${(v * 100).toFixed(digits)}%` : v.toFixed(digits);
    ctx.fillText(text, m.l - 6 - ctx.measureText(text).width, Y(v) + 4);
  }
  for (const e of ticks(1, xMax, 8).filter((e) => Number.isInteger(e) && e >= 1)) {
    const text = String(e);
    ctx.fillText(text, X(e) - ctx.measureText(text).width / 2, H - m.b + 16);
  }
  ctx.fillText('epoch', W - m.r - 34, H - 4);
  let lx = m.l + 120;
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [5, 4] : []);
    ctx.beginPath();
    s.values.forEach((v, i) => (i ? ctx.lineTo(X(i + 1), Y(v)) : ctx.moveTo(X(i + 1), Y(v))));
    ctx.stroke();
    s.values.forEach((v, i) => ctx.fillRect(X(i + 1) - 2, Y(v) - 2, 4, 4));
    ctx.beginPath();
    ctx.moveTo(lx, 12);
    ctx.lineTo(lx + 18, 12);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillText(s.label, lx + 22, 16);
    lx += 30 + ctx.measureText(s.label).width;
  }
  ctx.setLineDash([]);
}

/** Filters [n, 1, h, w] as a grid of grey images, each scaled to its own min..max. */
export function drawFilters(canvas: HTMLCanvasElement, data: ArrayLike<number>, shape: readonly number[]): void {
  const [n, , h, w] = shape;
  const ctx = canvas.getContext('2d')!;
  const cols = 8;
  const rows = Math.ceil(n / cols);
  const cell = Math.floor(Math.min(canvas.width / cols, canvas.height / rows));
  const px = Math.floor((cell - 4) / Math.max(h, w));
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let f = 0; f < n; f++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < h * w; i++) {
      lo = Math.min(lo, data[f * h * w + i]);
      hi = Math.max(hi, data[f * h * w + i]);
    }
    const x0 = (f % cols) * cell + 2;
    const y0 = Math.floor(f / cols) * cell + 2;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const g = Math.round((255 * (data[f * h * w + y * w + x] - lo)) / (hi - lo || 1));
        ctx.fillStyle = `rgb(${g},${g},${g})`;
        ctx.fillRect(x0 + x * px, y0 + y * px, px, px);
      }
    }
  }
}
