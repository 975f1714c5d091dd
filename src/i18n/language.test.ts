import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickLanguage } from './language.js';

test('?lang= wins over the header', () => {
  assert.equal(pickLanguage({ query: 'de', acceptLanguage: 'fr-FR,fr;q=0.9' }), 'de');
  assert.equal(pickLanguage({ query: 'FR' }), 'fr');
});

test('Accept-Language is read by quality, then order, ignoring languages we lack', () => {
  assert.equal(pickLanguage({ acceptLanguage: 'fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7' }), 'fr');
  assert.equal(pickLanguage({ acceptLanguage: 'es;q=1, de;q=0.5, en;q=0.4' }), 'de');
  assert.equal(pickLanguage({ acceptLanguage: 'en;q=0.2, de-AT;q=0.9' }), 'de');
  assert.equal(pickLanguage({ acceptLanguage: 'fr;q=0, de;q=0.1' }), 'de');
});

test('unknown or hostile input falls back to English', () => {
  assert.equal(pickLanguage({}), 'en');
  assert.equal(pickLanguage({ query: 'xx', acceptLanguage: 'ja' }), 'en');
  assert.equal(pickLanguage({ query: ['de'], acceptLanguage: ';;;,q=,' }), 'en');
  assert.equal(pickLanguage({ acceptLanguage: 'x'.repeat(100_000) }), 'en');
});
