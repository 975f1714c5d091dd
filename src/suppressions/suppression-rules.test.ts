import assert from 'node:assert/strict';
import { it } from 'node:test';
import { suppressionsLiftedBy } from './suppression-rules.js';

const at = (s: string) => new Date(s);
const suppressions = [
  { id: 'unsub', reason: 'unsubscribe' as const, at: at('2026-02-01T00:00:00Z'), channel: 'all' },
  { id: 'complaint', reason: 'complaint' as const, at: at('2026-02-01T00:00:00Z'), channel: 'all' },
  { id: 'bounce', reason: 'hard_bounce' as const, at: at('2026-02-01T00:00:00Z'), channel: 'email' },
  { id: 'sms-objection', reason: 'objection' as const, at: at('2026-02-01T00:00:00Z'), channel: 'sms' },
  { id: 'later', reason: 'unsubscribe' as const, at: at('2026-03-01T00:00:00Z'), channel: 'email' },
];

it('a confirmed double opt-in after an unsubscribe lifts it, on its channel only; complaints and bounces stay', () => {
  const lifted = suppressionsLiftedBy({ method: 'double_opt_in', at: at('2026-02-15T00:00:00Z'), confirmedAt: at('2026-02-15T00:05:00Z'), channel: 'email' }, suppressions);
  assert.deepEqual(lifted, ['unsub']);
});

it('an unconfirmed or weaker consent lifts nothing', () => {
  for (const method of ['single_opt_in', 'written', 'pre_ticked']) {
    assert.deepEqual(suppressionsLiftedBy({ method, at: at('2026-02-15T00:00:00Z'), confirmedAt: at('2026-02-15T00:05:00Z'), channel: 'email' }, suppressions), []);
  }
  assert.deepEqual(suppressionsLiftedBy({ method: 'double_opt_in', at: at('2026-02-15T00:00:00Z'), confirmedAt: null, channel: 'email' }, suppressions), []);
});
