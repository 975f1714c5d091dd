import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFormCache } from './form-cache.js';
import type { PublishedForm } from './form-definition.js';

const form = { id: 'f' } as PublishedForm;

test('loads once within the lifetime, again after it; concurrent misses share one load', async () => {
  const cache = createFormCache({ ttlMs: 1000 });
  let loads = 0;
  const load = async () => { loads += 1; return form; };
  const t0 = new Date(0);
  await Promise.all([cache.get('a', t0, load), cache.get('a', t0, load)]);
  assert.equal(loads, 1);
  await cache.get('a', new Date(999), load);
  assert.equal(loads, 1);
  await cache.get('a', new Date(1000), load);
  assert.equal(loads, 2);
});

test('does not remember unknown forms or failures, and stays bounded', async () => {
  const cache = createFormCache({ ttlMs: 1000, maxEntries: 2 });
  let loads = 0;
  assert.equal(await cache.get('x', new Date(0), async () => { loads += 1; return undefined; }), undefined);
  await cache.get('x', new Date(0), async () => { loads += 1; return form; });
  assert.equal(loads, 2);
  await assert.rejects(cache.get('y', new Date(0), async () => { throw new Error('db down'); }));
  assert.equal(await cache.get('y', new Date(0), async () => form), form);
  let c = 0;
  for (const k of ['p', 'q', 'r']) await cache.get(k, new Date(0), async () => { c += 1; return form; });
  await cache.get('p', new Date(0), async () => { c += 1; return form; });
  assert.equal(c, 4, 'the oldest entry was evicted');
});
