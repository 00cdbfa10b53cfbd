import type { ProgressEvent } from '../types.js';
import { formatSeconds } from './format.js';

const REDRAW_MS = 100;
const LABELS: Record<ProgressEvent['phase'], string> = {
  spool: 'decoding ',
  fit: 'pass 1/2 ',
  cluster: 'k-means  ',
  apply: 'pass 2/2 ',
};

/** A one-line progress bar on a terminal stream, redrawn at most ten times a second. */
export class ProgressBar {
  private lastDraw = 0;
  private phaseStarted = Date.now();
  private phase: ProgressEvent['phase'] | undefined;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(event: ProgressEvent): void {
    const now = Date.now();
    if (event.phase !== this.phase) {
      this.phase = event.phase;
      this.phaseStarted = now;
    } else if (now - this.lastDraw < REDRAW_MS && event.rowsDone < event.rows) {
      return;
    }
    this.lastDraw = now;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 50));
    let line = LABELS[event.phase];
    if (event.rows > 0) {
      const fraction = event.rowsDone / event.rows;
      const filled = Math.round(fraction * width);
      const elapsed = (now - this.phaseStarted) / 1000;
      const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : NaN;
      line += `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
      line += ` rows ${event.rowsDone}/${event.rows}`;
      if (Number.isFinite(eta) && event.rowsDone < event.rows) line += ` ETA ${formatSeconds(eta)}`;
    } else {
      line +=
        event.phase === 'spool'
          ? '(decoding to a temporary file)'
          : '(fitting the palette on the sample)';
    }
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
