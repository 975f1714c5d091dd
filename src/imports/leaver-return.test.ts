import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cameBack, parseLeftAt } from './leaver-return.js';

const NOW = Date.parse('2026-04-01T12:00:00Z');
const H = 3_600_000;

test('an unsubscribe date is read at its latest possible instant: a time without zone in UTC-12, a day to its end there', () => {
  assert.deepEqual(parseLeftAt('2025-03-01 10:22:33', NOW), { day: '2025-03-01', latest: Date.parse('2025-03-01T10:22:33Z') + 12 * H });
  assert.deepEqual(parseLeftAt('2025-03-01T10:22:33Z', NOW), { day: '2025-03-01', latest: Date.parse('2025-03-01T10:22:33Z') });
  assert.deepEqual(parseLeftAt('2025-03-01T10:22:33+02:00', NOW)?.latest, Date.parse('2025-03-01T08:22:33Z'));
  assert.deepEqual(parseLeftAt('2025-03-01', NOW), { day: '2025-03-01', latest: Date.parse('2025-03-02T00:00:00Z') - 1 + 12 * H });
  assert.equal(parseLeftAt('01.03.2025', NOW)?.day, '2025-03-01');
  assert.equal(parseLeftAt('31/12/2025 18:00', NOW)?.day, '2025-12-31');
  // both readings are days: the later one counts
  assert.equal(parseLeftAt('03/01/2025', NOW)?.day, '2025-03-01');
  assert.equal(parseLeftAt('01/03/2025', NOW)?.day, '2025-03-01');
  // a spreadsheet serial day (General cell), with or without its time
  assert.equal(parseLeftAt('45717', NOW)?.day, '2025-03-01');
  assert.equal(parseLeftAt('45717.5', NOW)?.latest, Date.parse('2025-03-01T12:00:00Z') + 12 * H);
});

test('no date is read from a flag, a date in the future, a day that does not exist or a date before 1990', () => {
  for (const cell of ['yes', '1', 'true', '2027-01-01', '2025-02-30', '1970-01-01', '13/13/2025', '2025-03-01 25:00', 'March 2025', '']) {
    assert.equal(parseLeftAt(cell, NOW), null, cell);
  }
});

test('consent first: only an unsubscribe with a date, older than the person\'s own confirmed double opt-in here, is not kept', () => {
  const confirmation = { at: new Date('2026-02-09T08:00:00Z'), confirmedAt: new Date('2026-02-10T09:00:00Z') };
  const rule = (left: 'unsubscribe' | 'hard_bounce' | 'complaint', leftAt: string | null, c: typeof confirmation | null = confirmation) => cameBack({ left, leftAt, confirmation: c, now: NOW });
  assert.equal(rule('unsubscribe', '2025-03-01'),
    'unsubscribed in the file on 2025-03-01, confirmed again here on 2026-02-10: not suppressed (the person\'s own double opt-in here is newer than the file\'s unsubscribe; the row adds nothing)');
  assert.equal(rule('unsubscribe', null), null, 'no date: suppressed');
  assert.equal(rule('unsubscribe', 'yes'), null, 'a flag is no date');
  assert.equal(rule('unsubscribe', '2026-03-01'), null, 'consent older than the unsubscribe');
  assert.equal(rule('unsubscribe', '2025-03-01', null), null, 'no confirmation here');
  // the same day without a time: it may be later in the day than the signup, so it is kept
  assert.equal(rule('unsubscribe', '2026-02-09'), null);
  assert.equal(rule('unsubscribe', '2026-02-08 21:00:00'), null, 'unzoned: 21:00 in UTC-12 is after the signup');
  assert.notEqual(rule('unsubscribe', '2026-02-08 19:00:00'), null, 'unzoned: 19:00 in UTC-12 is still before it');
  assert.notEqual(rule('unsubscribe', '2026-02-08T19:00:00Z'), null, 'zoned: before the signup');
  // the signup must be after it, not only the confirmation (as for lifting a suppression here)
  assert.equal(rule('unsubscribe', '2026-02-09T20:00:00Z'), null);
  assert.equal(rule('hard_bounce', '2025-03-01'), null, 'a bounce is kept');
  assert.equal(rule('complaint', '2025-03-01'), null, 'a complaint is kept');
});
