import assert from 'node:assert/strict';
import { it } from 'node:test';
import { listIdsOf, segmentFilterSchema } from './segment-filter.js';

const L1 = '0b0c4a51-5b1e-4c1a-9a53-3f4f1e0d9a11';
const L2 = '5e7f0d1c-2a3b-4c5d-8e9f-0a1b2c3d4e5f';

it('normalises what it keeps: country codes upper-case, domains lower-case, dates as UTC instants', () => {
  const f = segmentFilterSchema.parse({ match: 'any', conditions: [
    { field: 'country', op: 'in', values: ['fr', 'De'] },
    { field: 'email_domain', op: 'not_in', values: [' Example.COM '] },
    { field: 'created_at', op: 'before', value: '2026-02-01' },
    { field: 'last_engaged_at', op: 'after', value: '2026-02-01T09:30:00+02:00' },
  ] });
  assert.deepEqual(f.conditions.map((c) => ('values' in c ? c.values : 'value' in c ? c.value : undefined)), [['FR', 'DE'], ['example.com'], '2026-02-01T00:00:00.000Z', '2026-02-01T07:30:00.000Z']);
});

it('says which part of a condition is wrong', () => {
  const issue = (condition: unknown) => {
    const r = segmentFilterSchema.safeParse({ match: 'all', conditions: [condition] });
    assert.equal(r.success, false);
    return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0];
  };
  assert.equal(issue({ field: 'last_engaged_at', op: 'never', value: '2026-01-01' }), 'conditions.0.value: "never" takes no date');
  assert.equal(issue({ field: 'custom', key: 'k', op: 'contains', value: '' }), 'conditions.0.value: cannot be empty');
  assert.equal(issue({ field: 'email_domain', op: 'in', values: ['not a domain'] }), 'conditions.0.values.0: must be a domain like example.com');
  assert.equal(issue({ field: 'country', op: 'in', values: [] }), 'conditions.0.values: needs at least one value');
  assert.match(issue({ op: 'in' }), /^conditions\.0\.field: field must be one of/);
});

it('lists the lists a filter names, once each', () => {
  const f = segmentFilterSchema.parse({ match: 'any', conditions: [
    { field: 'list', op: 'in', listId: L1 }, { field: 'list', op: 'not_in', listId: L2 }, { field: 'list', op: 'in', listId: L1 }, { field: 'kind', op: 'in', values: ['consumer'] },
  ] });
  assert.deepEqual(listIdsOf(f), [L1, L2]);
});
