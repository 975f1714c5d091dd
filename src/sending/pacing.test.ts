import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPacer } from './pacing.js';
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
