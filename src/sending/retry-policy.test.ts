import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decide, lastAttemptWindow } from './retry-policy.js';

it('the last attempt falls due after the waits decide would give each attempt left, jitter at both ends', () => {
  const policy = { baseMs: 60_000, maxMs: 10 * 60_000, maxAttempts: 6 };
  const nextDue = new Date('2026-03-01T10:00:00Z');
  // attempt 1 failed; 2 is due at nextDue; then waits after 2, 3, 4, 5: 2, 4, 8, 10 (capped) minutes = 24 minutes
  const w = lastAttemptWindow({ attempts: 1, nextDue, policy });
  assert.equal(w.attempt, 6);
  assert.equal(w.earliest.toISOString(), '2026-03-01T10:18:00.000Z');
  assert.equal(w.latest.toISOString(), '2026-03-01T10:30:00.000Z');
  // the same sum from decide itself, at both ends of the jitter
  const sum = (jitter: number) => [2, 3, 4, 5].reduce((s, attempt) => {
    const d = decide({ ok: false, responseCode: 451, response: '451 4.7.1 try later' }, { attempt, policy, jitter });
    assert.equal(d.kind, 'retry');
    return s + (d.kind === 'retry' ? d.delayMs : 0);
  }, 0);
  assert.equal(sum(0), 18 * 60_000);
  assert.equal(sum(1), 30 * 60_000);
  assert.equal(decide({ ok: false, responseCode: 451, response: 'x' }, { attempt: 6, policy, jitter: 0.5 }).kind, 'give_up');
});

it('when the next attempt is the last, or past it, it is given up after that one', () => {
  const nextDue = new Date('2026-03-01T10:00:00Z');
  for (const attempts of [7, 9]) {
    const w = lastAttemptWindow({ attempts, nextDue });
    assert.deepEqual([w.attempt, w.earliest.toISOString(), w.latest.toISOString()], [attempts + 1, nextDue.toISOString(), nextDue.toISOString()]);
  }
});
