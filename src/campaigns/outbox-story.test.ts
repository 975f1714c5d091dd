import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tellOutbox, type OutboxRow, type SendFacts } from './outbox-story.js';

const now = new Date('2026-03-01T10:00:00Z');
const row = (o: Partial<OutboxRow> = {}): OutboxRow => ({
  state: 'queued', reasons: [], recheckVerdict: null, recheckReasons: null, attempts: 0, lastReply: null, lastReplyAt: null,
  blockedAt: null, sentAt: null, nextAttemptAt: new Date('2026-03-01T09:00:00Z'), leaseUntil: null, ...o,
});
const send = (o: Partial<SendFacts> = {}): SendFacts => ({ status: 'sending', createdAt: new Date('2026-03-01T09:00:00Z'), finishedAt: null, pausedAt: null, ...o });

it('held back by the rate limit after failed attempts says both, and when it would be given up', () => {
  const s = tellOutbox({ row: row({ attempts: 2, lastReply: 'held back by the sending rate limit', lastReplyAt: new Date('2026-03-01T09:59:00Z'), nextAttemptAt: new Date('2026-03-01T10:01:00Z') }), send: send(), now });
  assert.equal(s.stage, 'held_back');
  assert.match(s.sentence, /^Not sent yet: it was held back by the sending rate limit on 2026-03-01T09:59:00\.000Z \(that does not count as an attempt; 2 attempts failed before\); the next attempt is due on 2026-03-01T10:01:00\.000Z; if every attempt fails with a temporary error, it is given up after attempt 8, due between /);
  assert.equal(s.givesUp?.afterAttempt, 8);
});

it('when the next attempt is the last, it says so; a message due already says "due now"', () => {
  const s = tellOutbox({ row: row({ attempts: 7, lastReply: '421 4.3.2 busy', lastReplyAt: new Date('2026-03-01T08:00:00Z') }), send: send(), now });
  assert.equal(s.sentence, 'Not sent yet: attempt 7 on 2026-03-01T08:00:00.000Z got a temporary refusal from the mail server: 421 4.3.2 busy (7 attempts so far); it is due now (since 2026-03-01T09:00:00.000Z); if that one fails with a temporary error too, it is given up');
});

it('a refusal because of the sender, and a soft bounce counted, are told with what they did', () => {
  const base = { state: 'bounced', attempts: 1, lastReply: '550 5.7.1 rejected by policy', lastReplyAt: new Date('2026-03-01T09:30:00Z') };
  assert.equal(tellOutbox({ row: row(base), send: send(), refusal: { type: 'sender_problem', status: '5.7.1', at: '2026-03-01T09:30:00.000Z', effect: 'recorded' }, now }).sentence,
    'Not sent: the mail server refused it during sending on 2026-03-01T09:30:00.000Z, at attempt 1 (a refusal because of the sender; the address was not suppressed): 550 5.7.1 rejected by policy');
  assert.match(tellOutbox({ row: row({ ...base, lastReply: '552 4.2.2 full' }), send: send(), refusal: { type: 'soft', status: '4.2.2', at: '2026-03-01T09:30:00.000Z', effect: 'soft_counted' }, now }).sentence,
    /\(soft bounce, 4\.2\.2: counted towards the soft-bounce limit\): 552 4\.2\.2 full$/);
});

it('rows written before the times were stored leave them out rather than invent them', () => {
  const s = tellOutbox({ row: row({ state: 'blocked', recheckVerdict: 'block', recheckReasons: [{ effect: 'block', code: 'suppressed', text: 'Unsubscribed.' }], attempts: 1 }), send: send(), now });
  assert.equal(s.sentence, 'Not sent: allowed when the send started, then blocked at the recheck just before sending. Why: Unsubscribed');
  assert.equal(tellOutbox({ row: row({ state: 'retry_exhausted', attempts: 8, lastReply: 'connect: ETIMEDOUT' }), send: send(), now }).sentence,
    'Not sent: given up after 8 attempts that each failed with a temporary error; the last could not reach the outgoing mail server (connect: ETIMEDOUT)');
});
