import type { Share } from '../types.js';

/**
 * This shard's inputs when the inputs are shared out by pixel count: the largest first, each to
 * the shard with the fewest pixels so far (ties to the lower shard), which keeps every shard
 * within one largest file of the mean. Every task computes the same assignment from the same
 * sorted list and headers, so no two tasks take one file and none is left out. Inputs whose
 * header cannot be read count as no pixels: their failure is recorded by whichever shard gets them.
 */
export function inputsOfShard<T extends { index: number; pixels: number }>(
  inputs: readonly T[],
  shard: Share,
): T[] {
  const load = new Array<number>(shard.count).fill(0);
  const owner = new Map<number, number>();
  const bySize = [...inputs].sort((a, b) => b.pixels - a.pixels || a.index - b.index);
  for (const input of bySize) {
    let least = 0;
    for (let s = 1; s < shard.count; s++)
      if ((load[s] as number) < (load[least] as number)) least = s;
    load[least] = (load[least] as number) + Math.max(input.pixels, 1);
    owner.set(input.index, least);
  }
  return inputs.filter((i) => owner.get(i.index) === shard.index);
}
