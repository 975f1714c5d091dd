import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consentTextHash, formInputSchema, sanitizeWording, wordingChanged } from './form-definition.js';

const w = (t: string) => ({ title: t, consent: { email: `I agree (${t})` } });
const input = {
  name: 'Newsletter', listIds: ['00000000-0000-4000-8000-000000000001'], defaultCountry: 'DE',
  privacyUrl: 'https://example.org/privacy', wording: { en: w('en'), fr: w('fr'), de: w('de') },
};

test('a valid form gets defaults: email channel, English, no captcha', () => {
  const f = formInputSchema.parse(input);
  assert.deepEqual(f.channels, ['email']);
  assert.equal(f.defaultLanguage, 'en');
  assert.equal(f.captcha, false);
});

test('wording is required in all three languages for every channel offered', () => {
  const r = formInputSchema.safeParse({ ...input, channels: ['email', 'sms'] });
  assert.equal(r.success, false);
  assert.ok(!r.success && r.error.issues.some((i) => i.path.join('.') === 'wording.en.consent.sms'));
  const noFr = formInputSchema.safeParse({ ...input, wording: { en: w('en'), de: w('de') } });
  assert.equal(noFr.success, false);
});

test('a form without email consent, or with a javascript privacy link, is refused', () => {
  assert.equal(formInputSchema.safeParse({ ...input, channels: ['sms'] }).success, false);
  assert.equal(formInputSchema.safeParse({ ...input, privacyUrl: 'javascript:alert(1)' }).success, false);
});

test('sanitising keeps links and emphasis, drops scripts, handlers and other schemes', () => {
  const dirty = { title: 'News <script>alert(1)</script>', consent: { email: 'I agree to <a href="https://x/t" onclick="evil()">terms</a> <img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a> <strong>now</strong>' } };
  const clean = sanitizeWording({ en: dirty, fr: dirty, de: dirty });
  assert.equal(clean.en.title, 'News');
  assert.equal(clean.en.consent.email, 'I agree to <a href="https://x/t" rel="noopener noreferrer" target="_blank">terms</a> <a rel="noopener noreferrer" target="_blank">x</a> <strong>now</strong>');
});

test('the consent hash is SHA-256 of the exact text, and changes with one character', () => {
  assert.equal(consentTextHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.notEqual(consentTextHash('I agree.'), consentTextHash('I agree!'));
  assert.equal(wordingChanged(input.wording as never, structuredClone(input.wording) as never), false);
  assert.equal(wordingChanged(input.wording as never, { ...input.wording, fr: w('fr2') } as never), true);
});
