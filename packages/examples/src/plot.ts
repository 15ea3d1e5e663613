import { writeFileAtomic } from '@lasagne-ts/core';

/** One point per epoch for the learning-curve plot (accuracies in [0, 1]). */
export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  /** Accuracy of the (dropout-noisy) training predictions; optional. */
  trainAccuracy?: number;
}

export interface PlotOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Legend labels of the four series (default 'training loss', 'validation loss', 'training accuracy', 'validation accuracy'). */
  labels?: { trainLoss?: string; valLoss?: string; trainAccuracy?: string; valAccuracy?: string };
}

const TRAIN_COLOR = '#1f77b4';
const VAL_COLOR = '#d62728';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceTicks(lo - pad, hi + pad, count);
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function fmtTick(v: number): string {
  return String(Number(v.toPrecision(6)));
}

interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: [number, number][];
}

function panel(x0: number, y0: number, w: number, h: number, title: string, yLabel: string, series: Series[], maxEpoch: number): string {
  const left = 58;
  const right = 12;
  const top = 28;
  const bottom = 64;
  const pw = w - left - right;
  const ph = h - top - bottom;
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const lo = ys.length ? Math.min(...ys) : 0;
  const hi = ys.length ? Math.max(...ys) : 1;
  const yt = niceTicks(lo, hi, 5);
  const ymin = yt[0];
  const ymax = yt[yt.length - 1];
  // Epochs 1..max; a single epoch sits in the middle of [0, 2].
  const xmin = maxEpoch > 1 ? 1 : 0;
  const xmax = maxEpoch > 1 ? maxEpoch : 2;
  const xt = niceTicks(xmin, xmax, 6).filter((t) => Number.isInteger(t) && t >= xmin && t <= xmax);
  const px = (e: number) => x0 + left + ((e - xmin) / (xmax - xmin)) * pw;
  const py = (v: number) => y0 + top + ph - ((v - ymin) / (ymax - ymin || 1)) * ph;
  const out: string[] = [];
  out.push(`<g class="panel">`);
  out.push(`<text x="${x0 + left + pw / 2}" y="${y0 + 18}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<rect x="${x0 + left}" y="${y0 + top}" width="${pw}" height="${ph}" fill="#fff" stroke="#333"/>`);
  for (const t of yt) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${x0 + left}" y1="${y}" x2="${x0 + left + pw}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${fmtTick(t)}</text>`);
  }
  for (const t of xt) {
    const x = px(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${y0 + top + ph}" x2="${x}" y2="${y0 + top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${y0 + top + ph + 17}" text-anchor="middle" font-size="11">${fmtTick(t)}</text>`);
  }
  out.push(`<text x="${x0 + left + pw / 2}" y="${y0 + top + ph + 33}" text-anchor="middle" font-size="12">epoch</text>`);
  const ly = y0 + top + ph / 2;
  out.push(`<text x="${x0 + 14}" y="${ly}" text-anchor="middle" font-size="12" transform="rotate(-90 ${x0 + 14} ${ly})">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const pts = s.points.map(([e, v]) => `${px(e).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts}"/>`);
    if (s.points.length <= 60) {
      for (const [e, v] of s.points) out.push(`<circle cx="${px(e).toFixed(1)}" cy="${py(v).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    }
    // Legend: one row under the axis label, outside the plot area.
    const lx = x0 + left + i * 160;
    const lyy = y0 + h - 10;
    out.push(`<line x1="${lx}" y1="${lyy}" x2="${lx + 22}" y2="${lyy}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 28}" y="${lyy}" dominant-baseline="middle" font-size="12">${esc(s.label)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/**
 * Learning curves as a standalone SVG document: loss (training, validation) on the left,
 * accuracy in % (validation, and training when recorded) on the right, one point per epoch.
 * Non-finite values are left out.
 */
export function renderCurvesSvg(history: readonly CurvePoint[], options: PlotOptions = {}): string {
  const width = options.width ?? 960;
  const height = options.height ?? 400;
  const titleH = 30;
  const finite = (pts: [number, number][]) => pts.filter(([, v]) => Number.isFinite(v));
  const maxEpoch = history.reduce((m, p) => Math.max(m, p.epoch), 0);
  const labels = options.labels ?? {};
  const loss: Series[] = [
    { label: labels.trainLoss ?? 'training loss', color: TRAIN_COLOR, points: finite(history.map((p) => [p.epoch, p.trainLoss])) },
    { label: labels.valLoss ?? 'validation loss', color: VAL_COLOR, points: finite(history.map((p) => [p.epoch, p.valLoss])) },
  ];
  const acc: Series[] = [];
  if (history.some((p) => p.trainAccuracy !== undefined)) {
    acc.push({ label: labels.trainAccuracy ?? 'training accuracy', color: TRAIN_COLOR, dashed: true, points: finite(history.map((p) => [p.epoch, (p.trainAccuracy ?? NaN) * 100])) });
  }
  acc.push({ label: labels.valAccuracy ?? 'validation accuracy', color: VAL_COLOR, points: finite(history.map((p) => [p.epoch, p.valAccuracy * 100])) });
  const title = options.title ?? 'MNIST training';
  const half = width / 2;
  const body = [
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="16">${esc(title)}${history.length === 0 ? ' (no epochs yet)' : ''}</text>`,
    panel(0, titleH, half, height - titleH, 'Loss', 'cross-entropy', loss, maxEpoch),
    panel(half, titleH, half, height - titleH, 'Accuracy', 'accuracy (%)', acc, maxEpoch),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Writes the SVG to `file` atomically (core's `writeFileAtomic`), creating its directory. A
 * failure is a `FileWriteError` naming `file`, and leaves the previous picture in place.
 */
export function writeCurvesSvg(file: string, history: readonly CurvePoint[], options: PlotOptions = {}): void {
  writeFileAtomic(file, renderCurvesSvg(history, options), { what: 'the plot', mkdir: true });
}
