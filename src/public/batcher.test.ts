import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatcher } from './batcher.js';

test('items submitted together run as one batch, and each gets its own result', async () => {
  const batches: number[][] = [];
  const b = createBatcher<number, number>({ run: async (xs) => { batches.push(xs); return xs.map((x) => x * 10); } });
  const out = await Promise.all([1, 2, 3].map((x) => b.submit(x)));
  assert.deepEqual(out, [10, 20, 30]);
  assert.deepEqual(batches, [[1, 2, 3]]);
});

test('batches respect the size and in-flight limits; later items wait and then go together', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const b = createBatcher<number, number>({ maxSize: 2, maxInFlight: 1, run: async (xs) => { batches.push(xs); await gate; return xs; } });
  const first = [1, 2, 3].map((x) => b.submit(x));
  await new Promise((r) => setImmediate(r));
  const second = [4, 5].map((x) => b.submit(x));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(batches, [[1, 2]], 'one batch in flight, the rest queued');
  release();
  assert.deepEqual(await Promise.all([...first, ...second]), [1, 2, 3, 4, 5]);
  assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
});

test('a failing batch rejects its own items only', async () => {
  const b = createBatcher<number, number>({ run: async (xs) => { if (xs.includes(13)) throw new Error('bad'); return xs; } });
  const bad = Promise.allSettled([b.submit(13), b.submit(1)]);
  const [r13, r1] = await bad;
  assert.equal(r13.status, 'rejected');
  assert.equal(r1.status, 'rejected');
  assert.equal(await b.submit(2), 2);
});
