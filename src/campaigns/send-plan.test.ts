import assert from 'node:assert/strict';
import { it } from 'node:test';
import { planSend, scheduleRetryDelayMs } from './send-plan.js';

const now = new Date('2026-03-01T12:00:00Z');

it('a future scheduledAt waits for its time; none, now or a past one starts now', () => {
  assert.deepEqual(planSend({ scheduledAt: '2026-03-01T12:00:01Z', now }), { kind: 'scheduled', runAt: new Date('2026-03-01T12:00:01Z') });
  assert.deepEqual(planSend({ scheduledAt: '2026-03-01T14:00:00+02:00', now }), { kind: 'now' }, 'the offset is honoured: this is 12:00 UTC');
  assert.deepEqual(planSend({ scheduledAt: '2026-03-01T13:00:00+01:00', now }), { kind: 'now' });
  assert.deepEqual(planSend({ scheduledAt: '2026-02-01T00:00:00Z', now }), { kind: 'now' });
  assert.deepEqual(planSend({ scheduledAt: undefined, now }), { kind: 'now' });
});

it('a failed start is retried later and later, within ten minutes', () => {
  assert.equal(scheduleRetryDelayMs(1), 30_000);
  assert.equal(scheduleRetryDelayMs(2), 60_000);
  assert.equal(scheduleRetryDelayMs(20), 600_000);
});
