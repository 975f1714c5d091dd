import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSubmission } from './parse-submission.js';
import type { PublishedForm } from './form-definition.js';

const L1 = '00000000-0000-4000-8000-000000000001';
const L2 = '00000000-0000-4000-8000-000000000002';
const w = { title: 'T', consent: { email: 'I agree to email', sms: 'I agree to SMS' } };
const form: PublishedForm = {
  id: 'f', workspaceId: 'w', publicId: 'p', listIds: [L1, L2], lists: [], channels: ['email', 'sms'],
  fields: [{ key: 'first_name', label: { en: 'First', fr: 'Prénom', de: 'Vorname' }, required: true }],
  defaultLanguage: 'en', defaultCountry: 'FR', privacyUrl: 'https://x/privacy', captcha: false, version: 3,
  wording: { en: w, fr: w, de: w },
};

test('a complete submission gives the request with only the ticked channels and offered lists', () => {
  const r = parseSubmission(form, { email: ' ann@example.com ', consent_email: 'yes', list: [L2, 'not-offered', L2], field_first_name: 'Ann', extra: 'x' });
  assert.deepEqual(r, { kind: 'ok', request: { email: 'ann@example.com', listIds: [L2], channels: ['email'], fields: { first_name: 'Ann' } } });
});

test('an unticked email box, a bad address, no list and a missing required field are all reported', () => {
  const r = parseSubmission(form, { email: 'not an address', consent_sms: 'yes' });
  assert.equal(r.kind, 'invalid');
  assert.deepEqual(r.kind === 'invalid' && r.errors.map((e) => e.key), ['form.error.email', 'form.error.consent', 'form.error.lists', 'form.error.field']);
});

test('a box value other than "yes" is not consent', () => {
  const r = parseSubmission(form, { email: 'a@b.co', consent_email: 'on', list: L1, field_first_name: 'A' });
  assert.equal(r.kind, 'invalid');
});

test('a form with one list needs no list choice', () => {
  const r = parseSubmission({ ...form, listIds: [L1], fields: [] }, { email: 'a@b.co', consent_email: 'yes' });
  assert.deepEqual(r.kind === 'ok' && r.request.listIds, [L1]);
});

test('a filled honeypot is a bot, whatever else is there', () => {
  assert.deepEqual(parseSubmission(form, { email: 'a@b.co', consent_email: 'yes', list: L1, website: 'http://spam' }), { kind: 'bot' });
});

test('values of any other shape count as absent, never as a crash', () => {
  const r = parseSubmission(form, { email: [null, 'x'] as never, consent_email: { yes: true } as never, list: [7, null] as never, field_first_name: 42 as never });
  assert.equal(r.kind, 'invalid');
  assert.deepEqual(r.kind === 'invalid' && r.errors.map((e) => e.key), ['form.error.email', 'form.error.consent', 'form.error.lists', 'form.error.field']);
  assert.deepEqual(parseSubmission(form, { website: ['', 'x'] as never, email: 'a@b.co' }).kind, 'invalid');
});
