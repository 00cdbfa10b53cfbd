import { inflateSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { DeflateQueue } from '../../src/io/tiff/DeflateQueue.js';

/** `bytes` bytes of noise (slow to deflate) or of one value (quick), told apart by `seed`. */
function chunk(bytes: number, seed: number, noisy: boolean): Buffer {
  const out = Buffer.alloc(bytes, seed);
  let s = seed + 1;
  if (noisy)
    for (let i = 0; i < bytes; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      out[i] = s >>> 24;
    }
  return out;
}

test('chunks come back in the order they were pushed, each its own bytes deflated', async () => {
  const queue = new DeflateQueue(6);
  // Slow chunks before quick ones: more than run at once, so that later ones finish first.
  const raws = Array.from({ length: 12 }, (_, i) =>
    chunk(i % 3 === 0 ? 1 << 20 : 4096, i, i % 3 === 0),
  );
  raws.forEach((raw, i) => queue.push(raw, 100 + i));
  expect(queue.length).toBe(12);
  for (let i = 0; i < raws.length; i++) {
    const { raw, chunk: n, data } = await queue.next();
    expect(n).toBe(100 + i);
    expect(raw).toBe(raws[i]);
    expect(inflateSync(data).equals(raws[i]!)).toBe(true);
  }
  expect(queue.length).toBe(0);
});

test('dropping waits for the deflates under way and forgets the rest', async () => {
  const queue = new DeflateQueue(1);
  for (let i = 0; i < 10; i++) queue.push(chunk(1 << 18, i, true), i);
  await queue.drop();
  expect(queue.length).toBe(0);
  queue.push(chunk(100, 1, false), 7);
  const { chunk: n, data } = await queue.next();
  expect(n).toBe(7);
  expect(inflateSync(data).length).toBe(100);
});

test('the oldest chunk is ready once its deflate is over, and not before', async () => {
  const queue = new DeflateQueue(6);
  expect(queue.nextReady).toBe(false);
  queue.push(chunk(1 << 20, 1, true), 0);
  expect(queue.nextReady).toBe(false);
  for (let waited = 0; !queue.nextReady && waited < 10_000; waited += 5)
    await new Promise((r) => setTimeout(r, 5));
  expect(queue.nextReady).toBe(true);
  const { chunk: n } = await queue.next();
  expect(n).toBe(0);
  expect(queue.nextReady).toBe(false);
});
