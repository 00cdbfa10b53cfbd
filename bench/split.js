// One image split over tasks: the four stages (count, fit, apply, stitch) run one after another on
// this machine with n shares, each timed as its own process, beside one machine's compress of the
// same image. Also checks the bytes are the same. Used by run.js (--split-mpx, --split-shares).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from './measure.js';
import { makeLargeImage } from '../examples/largeImage.js';

export async function runSplitBench({ root, mpx, shares, k, tile }) {
  const work = mkdtempSync(join(tmpdir(), 'gigaquant-bench-split-'));
  try {
    const width = Math.round(Math.sqrt(mpx * 1e6 * 1.5));
    const height = Math.round((mpx * 1e6) / width);
    const input = join(work, 'in.tif');
    process.stderr.write(`split: generating ${width}x${height} tiled TIFF ...\n`);
    await makeLargeImage(input, width, height);
    const cli = join(root, 'dist/bin/bin.js');
    const flags = ['-k', String(k), '--tile', String(tile)];
    const one = join(work, 'one.tif');
    const single = measure(process.execPath, [cli, 'compress', input, ...flags, '-o', one]);
    const out = join(work, 'split.tif');
    const stage = (name, shard) =>
      measure(process.execPath, [
        cli,
        'compress',
        input,
        ...flags,
        '-o',
        out,
        '--stage',
        name,
        '--work-dir',
        join(work, 'w'),
        ...(shard === undefined ? [] : ['--shard', `${shard}/${shares}`]),
      ]);
    const rows = [];
    for (const name of ['count', 'fit', 'apply', 'stitch']) {
      const sharded = name === 'count' || name === 'apply';
      const runs = sharded
        ? Array.from({ length: shares }, (_, i) => stage(name, i))
        : [stage(name)];
      rows.push({
        stage: name,
        tasks: runs.length,
        // On n machines the tasks of a stage run side by side: the stage takes its slowest task.
        seconds: Math.max(...runs.map((r) => r.seconds)),
        taskSeconds: runs.map((r) => r.seconds),
        peakMiB: Math.max(...runs.map((r) => r.peakMiB)),
      });
    }
    const same = readFileSync(one).equals(readFileSync(out));
    if (!same) throw new Error('split: the stitched file differs from one machine’s');
    const wall = rows.reduce((s, r) => s + r.seconds, 0);
    return {
      megapixels: mpx,
      width,
      height,
      shares,
      k,
      tile,
      oneMachine: single,
      stages: rows,
      modelledWallSeconds: wall,
      ratioToOneMachine: wall / single.seconds,
      sameBytes: same,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function printSplit(split) {
  console.log(
    `\nsplit: ${split.megapixels} Mpx (${split.width}x${split.height}) tiled TIFF, k=${split.k}, --tile ${split.tile}, ${split.shares} shares; same bytes as one machine: ${split.sameBytes}`,
  );
  console.log(
    '| stage | tasks | seconds (slowest task) | each task | x one machine | peak RSS MiB |',
  );
  console.log(
    '|-------|-------|------------------------|-----------|---------------|--------------|',
  );
  const base = split.oneMachine.seconds;
  console.log(
    `| one machine | 1 | ${base.toFixed(1)} | | 1.00 | ${split.oneMachine.peakMiB.toFixed(0)} |`,
  );
  for (const r of split.stages) {
    console.log(
      `| ${r.stage} | ${r.tasks} | ${r.seconds.toFixed(1)} | ${r.taskSeconds.map((s) => s.toFixed(1)).join(', ')} | ${(r.seconds / base).toFixed(2)} | ${r.peakMiB.toFixed(0)} |`,
    );
  }
  console.log(
    `| all stages, ${split.shares} machines | | ${split.modelledWallSeconds.toFixed(1)} | | ${split.ratioToOneMachine.toFixed(2)} | |`,
  );
}
