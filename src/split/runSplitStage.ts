import { tmpdir } from 'node:os';
import { GigaquantError } from '../errors.js';
import { removeStaleTemps } from '../io/staleTemps.js';
import type { QuantizeResult } from '../pipeline/quantizeFile.js';
import type { QuantizeOptions } from '../pipeline/quantizeOptions.js';
import type { Share } from '../types.js';
import { applyStage } from './applyStage.js';
import { countStage, type StageOutcome } from './countStage.js';
import { fitStage } from './fitStage.js';
import { openSplitJob } from './splitJob.js';
import { stitchStage } from './stitchStage.js';

export type SplitStage = 'count' | 'fit' | 'apply' | 'stitch';

/**
 * Runs one stage of `compress <input> -o <output>` split over tasks that share `workDir`:
 * count (per share) -> fit -> apply (per share) -> stitch, any scheduler running them in that
 * order. Every stage can be rerun: what a killed task left is swept, what it finished is kept.
 */
export async function runSplitStage(
  stage: SplitStage,
  input: string,
  output: string,
  workDir: string,
  options: QuantizeOptions,
  share: Share | undefined,
): Promise<StageOutcome | QuantizeResult> {
  const job = await openSplitJob(input, output, options, workDir);
  await removeStaleTemps(workDir, job.opts.tmpDir ?? tmpdir(), { recursive: false });
  switch (stage) {
    case 'count':
      return countStage(job, needShare(share, stage));
    case 'fit':
      return fitStage(job);
    case 'apply':
      return applyStage(job, needShare(share, stage));
    case 'stitch':
      return stitchStage(job);
  }
}

function needShare(share: Share | undefined, stage: string): Share {
  if (!share) throw new GigaquantError('E_USAGE', `--stage ${stage} needs --shard i/n`);
  return share;
}
