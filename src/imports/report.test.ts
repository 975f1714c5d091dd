import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { addOutcomes, emptyCounts, rejectedCsv, reportTable, SAMPLES_PER_OUTCOME } from './report.js';

test('counts every outcome, each block code, and keeps a few samples per outcome without touching its inputs', () => {
  const start = emptyCounts();
  const outcomes = [
    ...Array.from({ length: 8 }, (_, i) => ({ outcome: 'eligible' as const, line: i + 2, email: `e${i}@x.example` })),
    { outcome: 'blocked' as const, line: 20, email: 'info@x.example', codes: ['role_address', 'single_opt_in'] },
    { outcome: 'invalid' as const, line: 21, email: null, reason: 'no email address' },
    { outcome: 'duplicate' as const, line: 22, email: 'e1@x.example', reason: 'duplicate of line 3 in this file' },
  ];
  const { counts, samples } = addOutcomes(start, {}, outcomes);
  assert.deepEqual(start, emptyCounts());
  assert.deepEqual(counts, { rows: 11, eligible: 8, blockedTotal: 1, blocked: { role_address: 1, single_opt_in: 1 }, invalid: 1, duplicate: 1, suppressed: 0 });
  assert.equal(samples.eligible.length, SAMPLES_PER_OUTCOME);
  assert.deepEqual(samples['blocked:role_address'][0].codes, ['role_address', 'single_opt_in']);
  const again = addOutcomes(counts, samples, outcomes.slice(9));
  assert.equal(again.counts.invalid, 2);
  assert.equal(again.samples.invalid.length, 2);
  assert.deepEqual(reportTable(counts).find(([k]) => k.includes('role_address')), ['  blocked: role_address', 1]);
});

test('the rejected-rows CSV quotes what needs quoting and reads back the same', () => {
  const csv = rejectedCsv([{ line: 7, outcome: 'invalid', reason: 'invalid email address: "a,b" has no domain', email: 'a,b', raw: 'a,b;"x"' }], { header: true });
  assert.deepEqual(parse(csv), [['line', 'outcome', 'reason', 'email', 'raw'], ['7', 'invalid', 'invalid email address: "a,b" has no domain', 'a,b', 'a,b;"x"']]);
});
