import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedMemo } from './bounded-memo.js';

test('computes a key once while it stays among the recently used, and again once it has aged out', () => {
  const calls: number[] = [];
  const square = boundedMemo(3, (n: number) => { calls.push(n); return n * n; });
  assert.deepEqual([1, 2, 1, 2].map(square), [1, 4, 1, 4]);
  assert.deepEqual(calls, [1, 2]);
  // 3 fills the newer generation; 4 turns it into the older one: 1 is still found there and moves forward.
  [3, 4].map(square);
  assert.equal(square(1), 1);
  assert.deepEqual(calls, [1, 2, 3, 4]);
  // Two more generations later, 2 (never used since) is gone and computed again.
  [5, 6, 7, 8, 9, 10, 11].map(square);
  assert.equal(square(2), 4);
  assert.deepEqual(calls.slice(-1), [2]);
});

test('keeps a false or zero answer (only undefined means "not held")', () => {
  let calls = 0;
  const isOdd = boundedMemo(2, (n: number) => { calls += 1; return n % 2 === 1; });
  assert.equal(isOdd(2), false);
  assert.equal(isOdd(2), false);
  assert.equal(calls, 1);
});
