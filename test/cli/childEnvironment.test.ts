import { describe, expect, it } from 'vitest';
import { MALLOC_TUNING, tunedEnvironment } from '../../src/cli/childEnvironment.js';

describe('tunedEnvironment', () => {
  it('adds the allocator tuning and huge pages to an environment without them', () => {
    const env = tunedEnvironment({ PATH: '/bin' });
    expect(env.PATH).toBe('/bin');
    for (const [name, value] of Object.entries(MALLOC_TUNING)) expect(env[name]).toBe(value);
    expect(env.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
  });

  it("keeps the caller's own values, and puts their tunables last so that theirs win", () => {
    const env = tunedEnvironment({
      MALLOC_ARENA_MAX: '8',
      GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0:glibc.malloc.tcache_count=0',
    });
    expect(env.MALLOC_ARENA_MAX).toBe('8');
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe(MALLOC_TUNING.MALLOC_MMAP_THRESHOLD_);
    expect(env.GLIBC_TUNABLES).toBe(
      'glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0:glibc.malloc.tcache_count=0',
    );
  });
});
