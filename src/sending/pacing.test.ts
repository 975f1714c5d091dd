import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPacer, hasLimits, workersSharing } from './pacing.js';
import { decide, enhancedStatus } from './retry-policy.js';

test('the global rate spreads messages evenly once the burst is spent', () => {
  const p = createPacer({ perSecond: 10 });
  const waits = Array.from({ length: 12 }, () => p.reserve('a.example', 1_000));
  assert.deepEqual(waits.slice(0, 10), Array(10).fill(0));
  assert.equal(waits[10], 100);
  assert.equal(p.reserve('a.example', 1_100), 0, 'one token back after 100 ms');
});

test('a per-domain limit holds back only that domain, and overrides win', () => {
  const p = createPacer({ perDomainPerMinute: 2, domainOverrides: { 'slow.example': 1 } });
  assert.equal(p.reserve('Gmail.com', 0), 0);
  assert.equal(p.reserve('gmail.com', 0), 30_000, 'evenly spaced: 2 a minute is one every 30 s');
  assert.equal(p.reserve('gmail.com', 0), 30_000, 'a held-back message took no slot');
  assert.equal(p.reserve('other.example', 0), 0);
  assert.equal(p.reserve('slow.example', 0), 0);
  assert.equal(p.reserve('slow.example', 10_000), 50_000);
  assert.equal(p.reserve('gmail.com', 30_000), 0);
});

/** Messages two pacers let through together when each tries one every ms for `ms` ms. */
function sentTogether(pacers: ReturnType<typeof createPacer>[], domain: string, ms: number, from = 0): number {
  let sent = 0;
  for (let t = from; t < from + ms; t++) for (const p of pacers) if (p.reserve(domain, t) === 0) sent += 1;
  return sent;
}

test('two workers that each take half of the rate stay within it together; at full rate each, they double it', () => {
  const halves = [createPacer({ perSecond: 20 }), createPacer({ perSecond: 20 })];
  for (const p of halves) p.setWorkers(2, 0);
  // 10 s at 20/s plus one second's burst: 220 at most; the old per-process buckets let 440 through.
  const shared = sentTogether(halves, 'a.example', 10_000);
  assert.ok(shared <= 220 && shared >= 215, `${shared}`);
  assert.ok(sentTogether([createPacer({ perSecond: 20 }), createPacer({ perSecond: 20 })], 'a.example', 10_000) >= 430);
});

test('a per-domain limit and its overrides are shared the same way', () => {
  const limits = { perDomainPerMinute: 60, domainOverrides: { 'Orange.fr': 30 } };
  const pacers = [createPacer(limits), createPacer(limits)];
  for (const p of pacers) p.setWorkers(2, 0);
  // 30 a minute shared by two: 15 each (one at once, then one every 4 s), 30 in the minute; unshared, 60.
  assert.equal(sentTogether(pacers, 'orange.fr', 60_000), 30);
  assert.equal(sentTogether(pacers, 'gmail.com', 60_000), 60);
  assert.equal(sentTogether([createPacer(limits), createPacer(limits)], 'orange.fr', 60_000), 60);
});

test('a shrinking share drops the tokens beyond its burst; a growing one refills at the new rate from then on', () => {
  const p = createPacer({ perSecond: 10 });
  assert.equal(p.reserve('a.example', 0), 0, 'full burst of 10 at first');
  p.setWorkers(2, 0);
  const waits = Array.from({ length: 6 }, () => p.reserve('a.example', 0));
  assert.deepEqual(waits, [0, 0, 0, 0, 0, 200], 'burst cut to 5 (one spent before), then one every 200 ms');
  p.setWorkers(1, 100);
  assert.equal(p.reserve('a.example', 100), 50, 'half a token by 100 ms at 5/s, the other half at 10/s');
  assert.equal(p.reserve('a.example', 150), 0);
  assert.throws(() => p.setWorkers(0, 100), /whole number from 1/);
  assert.throws(() => p.setWorkers(1.5, 100), /whole number from 1/);
});

test('a worker joining others starts without a burst for a second: together they stay within one burst', () => {
  const alone = createPacer({ perSecond: 10, perDomainPerMinute: 600 });
  const spent = Array.from({ length: 10 }, (_, i) => alone.reserve(`d${i}.example`, 0)).filter((w) => w === 0).length;
  assert.equal(spent, 10, 'alone, it used the whole burst at once');
  alone.setWorkers(2, 100);
  const joiner = createPacer({ perSecond: 10, perDomainPerMinute: 600 });
  joiner.setWorkers(2, 100);
  joiner.holdBurst(100);
  // From 100 ms to 1,100 ms: 5/s each, nothing saved up: 10, what a single bucket of 10/s refills in a second.
  // With a fresh burst of 5 for the newcomer it would be 5 more.
  const together = sentTogether([alone, joiner], 'x.example', 1_000, 100);
  assert.ok(together >= 8 && together <= 10, `${together}`);
  const late = createPacer({ perDomainPerMinute: 60 });
  late.holdBurst(0);
  assert.equal(late.reserve('a.example', 500), 1_000, 'a bucket first used within the second starts empty (one a second)');
  assert.equal(late.reserve('b.example', 1_000), 0, 'after it, full');
});

test('the workers sharing the limits: 0 until every other live worker has counted this one', () => {
  const me = { workerId: 'me', joinedAt: 1_000, heartbeatAt: 1_000 };
  assert.equal(workersSharing([me], 'me'), 1, 'alone');
  assert.equal(workersSharing([], 'me'), 0, 'its own row is gone: join again first');
  assert.equal(workersSharing([me, { workerId: 'old', joinedAt: 0, heartbeatAt: 900 }], 'me'), 0, 'old counted before me joined');
  assert.equal(workersSharing([me, { workerId: 'old', joinedAt: 0, heartbeatAt: 1_000 }], 'me'), 0, 'a count as of the very moment of the join may miss it');
  assert.equal(workersSharing([me, { workerId: 'old', joinedAt: 0, heartbeatAt: 1_001 }, { workerId: 'new', joinedAt: 1_500, heartbeatAt: 1_500 }], 'me'), 3);
  assert.equal(hasLimits({}), false);
  assert.equal(hasLimits({ domainOverrides: {} }), false);
  assert.equal(hasLimits({ perDomainPerMinute: 30 }), true);
});

test('no limits means no waiting', () => {
  const p = createPacer({});
  for (let i = 0; i < 1000; i++) assert.equal(p.reserve('x.example', 0), 0);
});

test('4xx and connection errors are retried with doubling backoff, then given up', () => {
  const policy = { baseMs: 1000, maxMs: 5000, maxAttempts: 4 };
  const soft = { ok: false as const, responseCode: 451, response: '451 4.7.1 Try again later' };
  assert.deepEqual(decide(soft, { attempt: 1, policy, jitter: 0.5 }), { kind: 'retry', delayMs: 1000, reply: soft.response });
  assert.equal((decide(soft, { attempt: 2, policy, jitter: 0.5 }) as { delayMs: number }).delayMs, 2000);
  assert.equal((decide(soft, { attempt: 3, policy, jitter: 1 }) as { delayMs: number }).delayMs, 5000, 'capped, then +25% jitter');
  assert.equal((decide({ ok: false, error: 'ECONNRESET' }, { attempt: 1, policy, jitter: 0 }) as { delayMs: number }).delayMs, 750);
  assert.deepEqual(decide(soft, { attempt: 4, policy, jitter: 0 }), { kind: 'give_up', reply: soft.response });
});

test('5xx is a bounce; only 5.1.x and 5.2.1 are hard', () => {
  assert.deepEqual(decide({ ok: false, responseCode: 550, response: '550 5.1.1 <a@b> User unknown' }, { attempt: 1, jitter: 0 }),
    { kind: 'bounce', reply: '550 5.1.1 <a@b> User unknown', status: '5.1.1', hard: true });
  const policyBlock = decide({ ok: false, responseCode: 550, response: '550 5.7.26 Unauthenticated email' }, { attempt: 1, jitter: 0 });
  assert.equal(policyBlock.kind === 'bounce' && policyBlock.hard, false);
  assert.equal(enhancedStatus('552 5.2.2 Mailbox full'), '5.2.2');
  assert.equal(enhancedStatus('550 no code here'), null);
  assert.deepEqual(decide({ ok: true, response: '250 OK' }, { attempt: 1, jitter: 0 }), { kind: 'sent' });
});
