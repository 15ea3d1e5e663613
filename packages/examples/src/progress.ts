import { formatDuration, pyFixed } from '@lasagne-ts/train';

/** Where progress goes: a writable with optional TTY facts (process.stderr fits). */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** 'bar': redraw one line in place (TTY); 'lines': a plain line now and then; 'none'. Default: 'bar' on a TTY, else 'lines'. */
  mode?: 'bar' | 'lines' | 'none';
  /** Minimum time between bar redraws (default 100 ms). */
  redrawMs?: number;
  /** Minimum time between plain lines (default 30 s: only slow epochs get them). */
  lineEveryMs?: number;
  now?: () => number;
}

/**
 * The within-epoch progress of training batches: on a TTY a bar redrawn in place
 * (`Epoch 3/500 [=====>    ] 45/96  ETA 12.3s  loss 0.523411`), erased when the epoch ends;
 * elsewhere (CI logs, pipes) an occasional plain line, with no control characters.
 */
export class ProgressBar {
  readonly mode: 'bar' | 'lines' | 'none';
  private readonly redrawMs: number;
  private readonly lineEveryMs: number;
  private readonly now: () => number;
  private epoch = 0;
  private epochs = 0;
  private total = 0;
  private startedAt = 0;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(private readonly out: ProgressStream, options: ProgressOptions = {}) {
    this.mode = options.mode ?? (out.isTTY ? 'bar' : 'lines');
    this.redrawMs = options.redrawMs ?? 100;
    this.lineEveryMs = options.lineEveryMs ?? 30_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** An epoch of `total` batches begins (`done` already done when resuming inside it). */
  start(epoch: number, epochs: number, total: number): void {
    this.epoch = epoch;
    this.epochs = epochs;
    this.total = total;
    this.startedAt = this.now();
    this.lastDraw = this.mode === 'lines' ? this.startedAt : -Infinity;
  }

  /** `done` batches of the epoch are finished (`since` of them in this process), running mean loss `loss`. */
  update(done: number, loss: number, since = done): void {
    if (this.mode === 'none') return;
    const t = this.now();
    const last = done >= this.total;
    if (this.mode === 'bar' ? t - this.lastDraw < this.redrawMs && !last : t - this.lastDraw < this.lineEveryMs || last) return;
    this.lastDraw = t;
    const elapsed = (t - this.startedAt) / 1000;
    const eta = since > 0 ? (elapsed / since) * (this.total - done) : NaN;
    const info = `${done}/${this.total}  ETA ${formatDuration(eta)}  loss ${pyFixed(loss, 6)}`;
    if (this.mode === 'lines') {
      this.out.write(`  epoch ${this.epoch} of ${this.epochs}: batch ${info}\n`);
      return;
    }
    const head = `Epoch ${this.epoch}/${this.epochs} `;
    const cols = this.out.columns || 80; // 0 when the terminal size is unknown
    const barWidth = Math.max(10, Math.min(40, cols - head.length - info.length - 5));
    const filled = this.total > 0 ? Math.round((done / this.total) * barWidth) : 0;
    const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (last ? '=' : '>') : '') + ' '.repeat(barWidth - filled);
    this.out.write(`\r\x1b[K${head}[${bar}] ${info}`.slice(0, cols + 4));
    this.drawn = true;
  }

  /** Erases the bar (before printing the epoch's lines). */
  clear(): void {
    if (this.mode === 'bar' && this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
