import type { Rect } from '../io/readBands.js';
import type { ErrorCells } from './ErrorGrid.js';

/** A place the loupe shows: a crop of the image and the grid's squared error under it. */
export interface WorstRegion extends Rect {
  sse: number;
}

/**
 * The `count` crops of `side` x `side` pixels (the image's size when smaller) that cover the most
 * squared error, none overlapping another, worst first. Each candidate is a window of whole cells
 * about the crop's size, scored by a summed-area table; a window of cells larger than the crop
 * (a gigapixel image's cells are) is one cell, cropped at its middle. Ties go to the window
 * higher up, then further left, so the choice is the same on every run. Regions without error
 * are not shown: a lossless image gets none.
 */
export function worstRegions(cells: ErrorCells, count: number, side: number): WorstRegion[] {
  const { columns, rows, cellWidth, cellHeight, imageWidth, imageHeight } = cells;
  const cropWidth = Math.min(side, imageWidth);
  const cropHeight = Math.min(side, imageHeight);
  const spanX = clamp(Math.round(cropWidth / cellWidth), 1, columns);
  const spanY = clamp(Math.round(cropHeight / cellHeight), 1, rows);
  const table = summedArea(cells);
  const at = (cx: number, cy: number) => table[cy * (columns + 1) + cx] as number;
  const windows: { cx: number; cy: number; sse: number }[] = [];
  for (let cy = 0; cy + spanY <= rows; cy++)
    for (let cx = 0; cx + spanX <= columns; cx++) {
      const sse = at(cx + spanX, cy + spanY) - at(cx, cy + spanY) - at(cx + spanX, cy) + at(cx, cy);
      if (sse > 0) windows.push({ cx, cy, sse });
    }
  windows.sort((a, b) => b.sse - a.sse || a.cy - b.cy || a.cx - b.cx);
  const chosen: WorstRegion[] = [];
  for (const w of windows) {
    if (chosen.length >= count) break;
    const middleX = Math.min(imageWidth, (w.cx + spanX / 2) * cellWidth);
    const middleY = Math.min(imageHeight, (w.cy + spanY / 2) * cellHeight);
    const region = {
      left: clamp(Math.round(middleX - cropWidth / 2), 0, imageWidth - cropWidth),
      top: clamp(Math.round(middleY - cropHeight / 2), 0, imageHeight - cropHeight),
      width: cropWidth,
      height: cropHeight,
      sse: w.sse,
    };
    if (!chosen.some((c) => overlaps(c, region))) chosen.push(region);
  }
  return chosen;
}

function summedArea({ columns, rows, sse }: ErrorCells): Float64Array {
  const table = new Float64Array((columns + 1) * (rows + 1));
  for (let cy = 0; cy < rows; cy++) {
    let rowSum = 0;
    for (let cx = 0; cx < columns; cx++) {
      rowSum += sse[cy * columns + cx] as number;
      table[(cy + 1) * (columns + 1) + cx + 1] =
        (table[cy * (columns + 1) + cx + 1] as number) + rowSum;
    }
  }
  return table;
}

function overlaps(a: Rect, b: Rect): boolean {
  return (
    a.left < b.left + b.width &&
    b.left < a.left + a.width &&
    a.top < b.top + b.height &&
    b.top < a.top + a.height
  );
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
