import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowCandidate, RowLeaver } from './check-row.js';
import { classifyBatch, erasedReason, type KnownContact } from './classify-batch.js';

const row = (line: number, email: string): RowCandidate => ({ outcome: 'candidate', line, email, country: 'FR', kind: 'consumer', phone: null, birthDate: null, custom: {}, role: false });
const known = (email: string, extra: Partial<KnownContact> = {}): KnownContact => ({ id: `id-${email}`, email, evidence: null, member: false, suppressed: false, hardBounced: false, ...extra });

test('erased, suppressed and hard-bounced addresses are never imported; known ones are attached; new ones created', () => {
  const plan = classifyBatch({
    candidates: [row(2, 'new@x.example'), row(3, 'gone@x.example'), row(4, 'Unsub@X.example'), row(5, 'bounced@x.example'), row(6, 'again@x.example'), row(7, 'known@x.example'), row(8, 'role@x.example'), row(9, 'same@x.example')],
    existing: new Map([
      ['unsub@x.example', known('Unsub@X.example', { suppressed: true })],
      ['bounced@x.example', known('bounced@x.example', { hardBounced: true })],
      ['again@x.example', known('again@x.example', { evidence: { importId: 9, line: 40 }, member: true })],
      ['same@x.example', known('same@x.example', { evidence: { importId: 3, line: 2 }, member: true })],
      ['known@x.example', known('known@x.example', { evidence: { importId: 9, line: 41 }, member: false })],
    ]),
    tombstoned: new Map([['gone@x.example', ['erasure']]]),
    verdictNew: (r) => (r.email.startsWith('role') ? { send: false, codes: ['role_address'] } : { send: true, codes: [] }),
    verdictExisting: () => ({ send: false, codes: ['single_opt_in'] }),
    importId: 3,
  });
  assert.deepEqual(plan.create.map((r) => r.email), ['new@x.example', 'role@x.example']);
  assert.deepEqual(plan.attach.map((a) => a.contactId), ['id-known@x.example']);
  assert.deepEqual(plan.outcomes.map((o) => [o.line, o.outcome]), [
    [2, 'eligible'], [3, 'suppressed'], [4, 'suppressed'], [5, 'suppressed'], [6, 'duplicate'], [7, 'blocked'], [8, 'blocked'], [9, 'duplicate'],
  ]);
  const reasons = plan.outcomes.filter((o) => o.outcome === 'duplicate').map((o) => (o as { reason: string }).reason);
  assert.deepEqual(reasons, ['already in this list with the same provenance (import 9, line 40)', 'duplicate of line 2 in this file']);
  const blocked = plan.outcomes.find((o) => o.line === 7);
  assert.deepEqual(blocked?.outcome === 'blocked' && blocked.codes, ['single_opt_in']);
});

test('the rows a file marks as gone are recorded, except an erased address, which its tombstone already keeps out', () => {
  const leaver = (line: number, email: string): RowLeaver => ({ outcome: 'suppressed', line, email, reason: 'the file marks…', left: 'unsubscribe', leftAt: null, country: 'FR', kind: 'consumer' });
  const plan = classifyBatch({
    candidates: [], leavers: [leaver(2, 'left@x.example'), leaver(3, 'erased@x.example'), leaver(4, 'known@x.example')],
    existing: new Map([['known@x.example', known('known@x.example')]]), tombstoned: new Map([['erased@x.example', ['unsubscribe', 'erasure']]]),
    verdictNew: () => ({ send: true, codes: [] }), verdictExisting: () => ({ send: true, codes: [] }), importId: 1,
  });
  assert.deepEqual(plan.leavers.map((l) => l.line), [2, 4]);
  assert.deepEqual([plan.create, plan.attach], [[], []]);
  assert.deepEqual(plan.outcomes.map((o) => [o.line, o.outcome]), [[2, 'suppressed'], [3, 'suppressed'], [4, 'suppressed']]);
});

test('a leaver who confirmed again here after the date the file gives is not recorded; without a date, or confirmed before it, they are', () => {
  const leaver = (line: number, email: string, leftAt: string | null, left: RowLeaver['left'] = 'unsubscribe'): RowLeaver =>
    ({ outcome: 'suppressed', line, email, reason: 'kept', left, leftAt, country: 'FR', kind: 'consumer' });
  const back = { at: new Date('2026-02-09T08:00:00Z'), confirmedAt: new Date('2026-02-10T09:00:00Z') };
  const plan = classifyBatch({
    candidates: [],
    leavers: [leaver(2, 'Back@x.example', '2025-03-01 10:00:00'), leaver(3, 'nodate@x.example', 'yes'), leaver(4, 'later@x.example', '2026-03-01'),
      leaver(5, 'bounced@x.example', '2025-03-01', 'hard_bounce'), leaver(6, 'stranger@x.example', '2025-03-01')],
    confirmations: new Map([['back@x.example', back], ['nodate@x.example', back], ['later@x.example', back], ['bounced@x.example', back]]),
    now: Date.parse('2026-04-01T00:00:00Z'),
    existing: new Map(), tombstoned: new Map(), verdictNew: () => ({ send: true, codes: [] }), verdictExisting: () => ({ send: true, codes: [] }), importId: 1,
  });
  assert.deepEqual(plan.leavers.map((l) => l.line), [3, 4, 5, 6]);
  const two = plan.outcomes.find((o) => o.line === 2)!;
  assert.equal(two.outcome, 'duplicate');
  assert.match((two as { reason: string }).reason, /^unsubscribed in the file on 2025-03-01, confirmed again here on 2026-02-10: not suppressed/);
  assert.deepEqual(plan.outcomes.filter((o) => o.line !== 2).map((o) => o.outcome), ['suppressed', 'suppressed', 'suppressed', 'suppressed']);
});

test('an erased address is named erased, with why it was suppressed before', () => {
  assert.equal(erasedReason(['erasure']), 'the address was erased here; its tombstone keeps it from being imported again');
  assert.equal(erasedReason(['unsubscribe', 'erasure', 'complaint']),
    'the address was erased here (it had unsubscribed and complained before); its tombstone keeps it from being imported again');
});
