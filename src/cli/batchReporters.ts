import type { BatchEvent, BatchResult } from '../batch/batchTypes.js';
import type { ManifestRecord } from '../batch/manifest.js';
import { formatBytes, formatSeconds } from './format.js';

export type Reporter = (event: BatchEvent) => void;

const REDRAW_MS = 150;

function fileLine(r: ManifestRecord): string {
  if (r.status === 'failed') {
    return `failed   ${r.input}: ${r.error?.message ?? 'unknown error'}${r.retried === false ? ' (unchanged since it failed; not retried)' : ''}`;
  }
  if (r.status === 'skipped') return `skipped  ${r.input} (done before with the same options)`;
  if (r.status === 'rejected')
    return `rejected ${r.input}: ${r.rejected?.reason ?? ''}${r.rejected?.original ? '; input copied to ' + r.output : ''}${r.retried === false ? ' (unchanged; not redone)' : ''}`;
  const f = r.figures;
  const psnr = f?.psnr === null ? 'lossless' : `PSNR ${f?.psnr?.toFixed(2)} dB`;
  return `done     ${r.input} -> ${r.output}  ${psnr}  ${f?.bitsPerPixel.toFixed(3)} bits/px  ${formatSeconds(f?.seconds ?? 0)}`;
}

export function summaryLines(r: BatchResult): string[] {
  const scope =
    r.inShard === r.matched
      ? `${r.matched} files`
      : `${r.inShard} of ${r.matched} files in this shard`;
  const lines = [
    `batch: ${r.done} done, ${r.skipped} skipped, ${r.rejected > 0 ? `${r.rejected} rejected, ` : ''}${r.failed} failed of ${scope}${r.interrupted ? ' (interrupted)' : ''} in ${formatSeconds(r.totals.seconds)}`,
    `  ${(r.totals.pixels / 1e6).toFixed(1)} Mpx quantized, in ${formatBytes(r.totals.inputBytes)} -> out ${formatBytes(r.totals.outputBytes)}`,
  ];
  const failed = r.records.filter((x) => x.status === 'failed');
  if (failed.length > 0) {
    lines.push('  failed:');
    for (const f of failed) lines.push(`    ${f.input}: ${f.error?.message ?? ''}`);
  }
  if (r.palette) lines.push(`  shared palette: ${r.palette.json}`);
  lines.push(`  manifest: ${r.manifest}`);
  if (r.report) lines.push(`  report: ${r.report}`);
  return lines;
}

/** Cron and logs: one plain line per file as it finishes, and the summary. Failures go to stderr. */
export function plainReporter(
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  quiet: boolean,
): Reporter {
  return (e) => {
    if (e.type === 'plan' && !quiet) {
      out.write(
        `batch: ${e.inShard} files, ${(e.pixels / 1e6).toFixed(1)} Mpx, ${e.concurrency} at a time -> ${e.outDir}\n`,
      );
    } else if (e.type === 'palette' && !quiet && e.phase !== 'fitting') {
      out.write(`palette: ${e.phase}\n`);
    } else if (e.type === 'file-end') {
      if (e.record.status === 'failed') err.write(fileLine(e.record) + '\n');
      else if (!quiet) out.write(fileLine(e.record) + '\n');
    } else if (e.type === 'end' && !quiet) {
      out.write(summaryLines(e.result).join('\n') + '\n');
    }
  };
}

/** Machines: every event but per-band progress as one JSON line. */
export function jsonReporter(out: NodeJS.WritableStream): Reporter {
  return (e) => {
    if (e.type === 'file-progress' || (e.type === 'palette' && e.phase === 'fitting')) return;
    out.write(JSON.stringify(e) + '\n');
  };
}

/**
 * Terminals: one bar for the batch (files, pixels, ETA) and the files in flight, with finished
 * files printed above it.
 */
export function terminalReporter(stream: NodeJS.WriteStream): Reporter {
  let total = 0;
  let pixelsTotal = 0;
  let pixelsDone = 0;
  let files = 0;
  let started = Date.now();
  let last = 0;
  const inFlight = new Map<string, { fraction: number; label: string }>();
  const sizes = new Map<string, number>();
  let paletteLine = '';

  const draw = (force = false): void => {
    const now = Date.now();
    if (!force && now - last < REDRAW_MS) return;
    last = now;
    let partial = 0;
    for (const [input, f] of inFlight) partial += f.fraction * (sizes.get(input) ?? 0);
    const done = pixelsDone + partial;
    const fraction = pixelsTotal > 0 ? done / pixelsTotal : files / Math.max(1, total);
    const width = 24;
    const filled = Math.round(Math.min(1, fraction) * width);
    const elapsed = (now - started) / 1000;
    const eta = fraction > 0.001 ? (elapsed / fraction) * (1 - fraction) : NaN;
    const current = [...inFlight].map(([input, f]) => `${input} ${f.label}`).join(', ');
    let line =
      paletteLine || `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${files}/${total} files`;
    if (!paletteLine) {
      line += `  ${(done / 1e6).toFixed(0)}/${(pixelsTotal / 1e6).toFixed(0)} Mpx`;
      if (Number.isFinite(eta)) line += `  ETA ${formatSeconds(eta)}`;
      if (current) line += `  | ${current}`;
    }
    const columns = stream.columns ?? 120;
    stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
  };
  const above = (text: string): void => {
    stream.write(`\r\x1b[2K${text}\n`);
    draw(true);
  };

  return (e) => {
    switch (e.type) {
      case 'plan':
        total = e.inShard;
        pixelsTotal = e.pixels;
        started = Date.now();
        draw(true);
        break;
      case 'palette':
        paletteLine =
          e.phase === 'fitting' && e.rows
            ? `shared palette: pass 1 over all inputs ${Math.round(((e.rowsDone ?? 0) / e.rows) * 100)}%`
            : '';
        if (e.phase !== 'fitting') above(`palette: ${e.phase}`);
        else draw();
        break;
      case 'file-start':
        inFlight.set(e.input, { fraction: 0, label: 'starting' });
        sizes.set(e.input, e.pixels);
        draw();
        break;
      case 'file-progress': {
        const { phase, rowsDone, rows } = e.event;
        const r = rows > 0 ? rowsDone / rows : 0;
        const fraction = phase === 'apply' ? 0.5 + r / 2 : phase === 'fit' ? r / 2 : 0.5;
        inFlight.set(e.input, {
          fraction,
          label:
            phase === 'apply'
              ? `pass 2 ${Math.round(r * 100)}%`
              : phase === 'fit'
                ? `pass 1 ${Math.round(r * 100)}%`
                : phase,
        });
        draw();
        break;
      }
      case 'file-end':
        inFlight.delete(e.record.input);
        files++;
        pixelsDone += e.pixels;
        sizes.delete(e.record.input);
        if (e.record.status !== 'skipped') above(fileLine(e.record));
        else draw();
        break;
      case 'end':
        stream.write('\r\x1b[2K');
        process.stdout.write(summaryLines(e.result).join('\n') + '\n');
        break;
    }
  };
}
