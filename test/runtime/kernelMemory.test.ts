import { expect, test } from 'vitest';
import {
  alignUp,
  KernelHeap,
  type KernelExports,
  type KernelMemory,
} from '../../src/runtime/kernelMemory.js';

test.each([
  [0, 0],
  [1, 8],
  [8, 8],
  [2 ** 31 - 4, 2 ** 31],
  [2 ** 32 - 9, 2 ** 32 - 8],
])('alignUp(%i) is %i, past 2 GiB too', (n, aligned) => {
  expect(alignUp(n)).toBe(aligned);
});

test('the heap hands out offsets past 2 GiB as positive numbers, and refuses past 4 GiB', () => {
  const exports = { __heap_base: { value: 2 ** 31 - 12 } } as unknown as KernelExports;
  const memory = { buffer: new ArrayBuffer(0), grow: () => 0 } as KernelMemory;
  const heap = new KernelHeap(exports, memory);
  expect(heap.alloc(16)).toBe(2 ** 31 - 8);
  expect(heap.alloc(8)).toBe(2 ** 31 + 8);
  expect(() => heap.alloc(2 ** 31)).toThrow(/more than WebAssembly's 4 GiB/);
});
