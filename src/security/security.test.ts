import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRateLimiter } from './rate-limit.js';
import { checkCsrf, csrfToken } from './csrf.js';

test('the rate limiter allows `limit` hits per window per key, then refuses until the window ends', () => {
  const rl = createRateLimiter({ limit: 3, windowMs: 60_000 });
  const t0 = new Date('2026-01-01T00:00:00Z');
  for (let i = 0; i < 3; i++) assert.equal(rl.hit('ip:1', t0).allowed, true);
  const refused = rl.hit('ip:1', new Date(t0.getTime() + 10_000));
  assert.deepEqual(refused, { allowed: false, retryAfterSeconds: 50 });
  assert.equal(rl.hit('ip:2', t0).allowed, true, 'keys are independent');
  assert.equal(rl.hit('ip:1', new Date(t0.getTime() + 60_000)).allowed, true, 'a new window starts');
});

test('the rate limiter stays bounded under many distinct keys', () => {
  const rl = createRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 100 });
  const t = new Date();
  for (let i = 0; i < 1000; i++) rl.hit(`k${i}`, t);
  // The newest keys are still counted: a second hit on the last key is refused.
  assert.equal(rl.hit('k999', t).allowed, false);
});

test('CSRF: the value bound to the link passes; another link, a missing value or a foreign origin fail', () => {
  const secret = 'csrf-secret-0123456789abcdef';
  const good = csrfToken({ secret, tokenId: 'tok1' });
  const base = { secret, tokenId: 'tok1', baseUrl: 'https://lists.example.org' };
  assert.equal(checkCsrf({ ...base, given: good, origin: undefined }), true);
  assert.equal(checkCsrf({ ...base, given: good, origin: 'https://lists.example.org' }), true);
  assert.equal(checkCsrf({ ...base, given: good, origin: 'https://evil.example' }), false);
  assert.equal(checkCsrf({ ...base, given: good, origin: 'null' }), false);
  assert.equal(checkCsrf({ ...base, given: csrfToken({ secret, tokenId: 'tok2' }), origin: undefined }), false);
  assert.equal(checkCsrf({ ...base, given: undefined, origin: undefined }), false);
  assert.equal(checkCsrf({ ...base, given: ['x'], origin: undefined }), false);
});
