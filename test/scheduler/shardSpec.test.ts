import { describe, expect, test } from 'vitest';
import { parseShardSpec } from '../../src/scheduler/shardSpec.js';

describe('--shard', () => {
  test('i/n as given', () => {
    expect(parseShardSpec('2/5', {})).toEqual({ index: 2, count: 5 });
    expect(parseShardSpec(undefined, {})).toBeUndefined();
    expect(() => parseShardSpec('5/5', {})).toThrow(/share 5 of 5/);
    expect(() => parseShardSpec('1-4', {})).toThrow(/expected i\/n/);
  });

  test('auto in a Slurm array that starts at 0', () => {
    const env = {
      SLURM_ARRAY_TASK_ID: '3',
      SLURM_ARRAY_TASK_MIN: '0',
      SLURM_ARRAY_TASK_COUNT: '8',
    };
    expect(parseShardSpec('auto', env)).toEqual({ index: 3, count: 8 });
  });

  test('auto in --array=1-8: the task id is not the index', () => {
    const env = {
      SLURM_ARRAY_TASK_ID: '1',
      SLURM_ARRAY_TASK_MIN: '1',
      SLURM_ARRAY_TASK_COUNT: '8',
    };
    expect(parseShardSpec('auto', env)).toEqual({ index: 0, count: 8 });
    expect(parseShardSpec('auto', { ...env, SLURM_ARRAY_TASK_ID: '8' })).toEqual({
      index: 7,
      count: 8,
    });
  });

  test('auto in --array=1-15:2 (a step)', () => {
    const env = {
      SLURM_ARRAY_TASK_ID: '7',
      SLURM_ARRAY_TASK_MIN: '1',
      SLURM_ARRAY_TASK_STEP: '2',
      SLURM_ARRAY_TASK_COUNT: '8',
    };
    expect(parseShardSpec('auto', env)).toEqual({ index: 3, count: 8 });
    expect(() => parseShardSpec('auto', { ...env, SLURM_ARRAY_TASK_ID: '4' })).toThrow(
      /not on the array's range/,
    );
  });

  test('auto/N must agree with the Slurm array', () => {
    const env = {
      SLURM_ARRAY_TASK_ID: '0',
      SLURM_ARRAY_TASK_MIN: '0',
      SLURM_ARRAY_TASK_COUNT: '4',
    };
    expect(parseShardSpec('auto/4', env)).toEqual({ index: 0, count: 4 });
    expect(() => parseShardSpec('auto/3', env)).toThrow(/has 4 tasks/);
  });

  test('auto in a Kubernetes Indexed Job needs the count', () => {
    expect(parseShardSpec('auto/6', { JOB_COMPLETION_INDEX: '5' })).toEqual({ index: 5, count: 6 });
    expect(() => parseShardSpec('auto', { JOB_COMPLETION_INDEX: '5' })).toThrow(/auto\/N/);
    expect(() => parseShardSpec('auto/5', { JOB_COMPLETION_INDEX: '5' })).toThrow(/share 5 of 5/);
  });

  test('auto outside a scheduler says so, as a usage error', () => {
    let caught: unknown;
    try {
      parseShardSpec('auto', {});
    } catch (err) {
      caught = err;
    }
    expect((caught as { exitCode: number }).exitCode).toBe(2);
    expect((caught as Error).message).toMatch(
      /neither SLURM_ARRAY_TASK_ID.*nor JOB_COMPLETION_INDEX/,
    );
  });

  test('damaged variables are named', () => {
    expect(() =>
      parseShardSpec('auto', { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' }),
    ).toThrow(/SLURM_ARRAY_TASK_ID=x/);
    expect(() => parseShardSpec('auto', { SLURM_ARRAY_TASK_ID: '1' })).toThrow(
      /SLURM_ARRAY_TASK_COUNT/,
    );
  });
});
