import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMapping, mapHeaders } from './header-map.js';

test('maps English, French and German headers and keeps the rest as custom fields', () => {
  const m = mapHeaders(['Courriel', 'Prénom', 'Nom', 'Pays', 'Téléphone', 'Abonné depuis', '']);
  assert.equal(m.emailColumn, 0);
  assert.deepEqual(m.columns.map((c) => (c.kind === 'known' ? c.field : c.kind === 'custom' ? `custom:${c.name}` : 'ignored')),
    ['email', 'firstName', 'lastName', 'country', 'phone', 'custom:Abonné depuis', 'ignored']);
  const de = mapHeaders(['E-Mail-Adresse', 'Vorname', 'Nachname', 'Land', 'Telefon']);
  assert.deepEqual(de.columns.map((c) => c.kind === 'known' && c.field), ['email', 'firstName', 'lastName', 'country', 'phone']);
  const en = mapHeaders(['email_address', 'First Name', 'last-name', 'Country', 'mobile']);
  assert.deepEqual(en.columns.map((c) => c.kind === 'known' && c.field), ['email', 'firstName', 'lastName', 'country', 'phone']);
});

test('a second column with a known name, and repeated custom names, stay apart as custom fields', () => {
  const m = mapHeaders(['email', 'mail', 'note', 'note']);
  assert.deepEqual(m.customNames, ['mail', 'note', 'note (2)']);
  assert.deepEqual(applyMapping(m, ['a@x.example', 'b@x.example', ' one ', '']), { fields: { email: 'a@x.example' }, custom: { mail: 'b@x.example', note: 'one' } });
});

test('no email column is reported as -1', () => {
  assert.equal(mapHeaders(['name', 'phone']).emailColumn, -1);
});
