// Regression cases found by the "more evidence never turns send into block" property: the inactivity clock's
// anchor when the collection date lies after the moment asked about, and when nothing dates the contact.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCase } from './parse-case.js';
import { evaluate } from './evaluate.js';

function verdict(json: unknown) {
  const parsed = parseCase(json, {});
  if (!parsed.ok) throw new Error(parsed.error.message);
  return evaluate(parsed.case);
}

const base = {
  id: 'x', at: '2026-02-01T00:00:00Z', policies: ['fr'],
  contact: { email: 'anna@example.fr', country: 'FR', kind: 'consumer', source: { type: 'web_form', at: '2026-03-09T08:00:00Z' } },
  message: { channel: 'post', purpose: 'marketing' },
};

describe('the inactivity window anchor', () => {
  it('a collection date after the moment still anchors the window, so an old sign-up does not make it lapse', () => {
    const withOldSignup = { ...base, contact: { ...base.contact, activity: [{ type: 'signup', at: '2022-12-04T18:00:00Z' }] } };
    assert.equal(verdict(base).verdict, 'send');
    assert.equal(verdict(withOldSignup).verdict, 'send');
  });

  it('a contact nothing dates cannot be shown inside the window: blocked as inactive, like one dated long ago', () => {
    const undated = { ...base, contact: { ...base.contact, source: { type: 'web_form' } } };
    const datedLongAgo = { ...undated, contact: { ...undated.contact, activity: [{ type: 'signup', at: '2022-12-04T18:00:00Z' }] } };
    const undatedAnswer = verdict(undated);
    assert.equal(undatedAnswer.verdict, 'block');
    assert.ok(undatedAnswer.reasons.some((r) => r.code === 'inactive'));
    assert.equal(verdict(datedLongAgo).verdict, 'block');
    const recent = { ...undated, contact: { ...undated.contact, activity: [{ type: 'click', at: '2025-12-01T00:00:00Z' }] } };
    assert.equal(verdict(recent).verdict, 'send');
  });
});
