import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCircuitBreaker, decideAction, softBounceLimitReached } from './actions.js';

const r = (over: Partial<Parameters<typeof decideAction>[0]>) => ({ action: 'failed' as const, status: '5.1.1', reason: 'userunknown' as const, hard: true, ...over });

test('a dead address is suppressed at once, a full mailbox is counted', () => {
  assert.equal(decideAction(r({})), 'suppress_hard');
  assert.equal(decideAction(r({ status: '4.2.2', reason: 'mailboxfull', hard: false })), 'count_soft');
});

test('policy and reputation refusals are the sender\'s problem, even with a 5.x.x status', () => {
  assert.equal(decideAction(r({ status: '5.7.1', reason: 'userunknown', hard: true })), 'sender_problem');
  assert.equal(decideAction(r({ status: '5.0.0', reason: 'blocked', hard: false })), 'sender_problem');
  assert.equal(decideAction(r({ status: '4.7.0', reason: 'rejected', hard: false })), 'sender_problem');
  assert.equal(decideAction(r({ status: '5.7.26', reason: 'authfailure', hard: false })), 'sender_problem');
  assert.equal(decideAction(r({ status: '5.0.0', reason: 'spamdetected', hard: false })), 'sender_problem');
});

test('complaints and opt-outs act on consent; delays and auto-replies do nothing', () => {
  assert.equal(decideAction(r({ action: 'complained', status: '', reason: 'feedback', hard: false, feedbackType: 'abuse' })), 'complaint');
  assert.equal(decideAction(r({ action: 'complained', status: '', reason: 'feedback', hard: false, feedbackType: 'fraud' })), 'complaint');
  assert.equal(decideAction(r({ action: 'complained', status: '', reason: 'feedback', hard: false, feedbackType: 'opt-out' })), 'unsubscribe');
  assert.equal(decideAction(r({ action: 'complained', status: '', reason: 'feedback', hard: false, feedbackType: 'not-spam' })), 'none');
  assert.equal(decideAction(r({ action: 'delayed', status: '4.4.7', reason: 'expired', hard: false })), 'none');
  assert.equal(decideAction(r({ action: 'replied', status: '', reason: 'vacation', hard: false })), 'none');
});

test('soft bounces suppress at N within D days, time given', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
  assert.equal(softBounceLimitReached({ bounces: [daysAgo(1), daysAgo(10)], now }), false);
  assert.equal(softBounceLimitReached({ bounces: [daysAgo(1), daysAgo(10), daysAgo(29)], now }), true);
  assert.equal(softBounceLimitReached({ bounces: [daysAgo(1), daysAgo(10), daysAgo(31)], now }), false);
  assert.equal(softBounceLimitReached({ bounces: [daysAgo(1), daysAgo(2)], now, policy: { count: 2, days: 7 } }), true);
  assert.equal(softBounceLimitReached({ bounces: [daysAgo(-1), daysAgo(1), daysAgo(2)], now }), false, 'a bounce after now does not count');
});

test('the circuit breaker trips above 5% hard bounces or 0.3% complaints, over at least 1,000 sends', () => {
  assert.deepEqual(checkCircuitBreaker({ sends: 999, hardBounces: 500, complaints: 0 }), { trip: false });
  assert.deepEqual(checkCircuitBreaker({ sends: 1000, hardBounces: 50, complaints: 3 }), { trip: false });
  const hard = checkCircuitBreaker({ sends: 1000, hardBounces: 51, complaints: 0 });
  assert.equal(hard.trip && hard.reason, 'hard_bounce_rate');
  const complaints = checkCircuitBreaker({ sends: 2000, hardBounces: 0, complaints: 7 });
  assert.equal(complaints.trip && complaints.reason, 'complaint_rate');
});
