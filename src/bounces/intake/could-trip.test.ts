import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkCircuitBreaker } from '../actions.js';
import { rawIdentity } from './ingest-returned-mail.js';
import { BREAKER_LIMITS, couldTrip } from './trip-circuit-breaker.js';

test('couldTrip never skips a count that would trip the breaker', () => {
  fc.assert(fc.property(fc.nat(5000), fc.nat(400), fc.nat(40), (sends, hardBounces, complaints) => {
    const counts = { sends: Math.max(sends, hardBounces, complaints), hardBounces, complaints };
    if (checkCircuitBreaker(counts, BREAKER_LIMITS).trip) assert.equal(couldTrip(counts), true, JSON.stringify(counts));
  }), { numRuns: 5000 });
  assert.equal(couldTrip({ hardBounces: 50, complaints: 3 }), false);
  assert.equal(couldTrip({ hardBounces: 51, complaints: 0 }), true);
  assert.equal(couldTrip({ hardBounces: 0, complaints: 4 }), true);
});

test('rawIdentity: the same bytes with other line endings are the same mail; other bytes are not', () => {
  const lf = 'From: a@example.net\nSubject: x\n\nbody\n';
  assert.equal(rawIdentity(lf), rawIdentity(lf.replace(/\n/g, '\r\n')));
  assert.equal(rawIdentity(Buffer.from(lf)), rawIdentity(`${lf}\n\n`));
  assert.notEqual(rawIdentity(lf), rawIdentity(lf.replace('body', 'bodY')));
  assert.match(rawIdentity(lf), /^sha256:[0-9a-f]{64}$/);
});
