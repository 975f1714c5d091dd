import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMapping, describeMapping, mapHeaders } from './header-map.js';

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

test('recognises the headers of the tools lists come from, and reports where each column went', () => {
  const fields = (headers: string[]) => mapHeaders(headers).columns.map((c) => (c.kind === 'known' ? c.field : c.kind));
  assert.deepEqual(fields(['Email Address', 'First Name', 'Last Name', 'Phone Number', 'CC', 'TAGS']), ['email', 'firstName', 'lastName', 'phone', 'country', 'custom']);
  assert.deepEqual(fields(['EMAIL', 'PRENOM', 'NOM', 'SMS']), ['email', 'firstName', 'lastName', 'phone']);
  assert.deepEqual(fields(['Given Name', 'Family Name', 'E-mail 1 - Value', 'Phone 1 - Value', 'Organization 1 - Name', 'Address 1 - Country']),
    ['firstName', 'lastName', 'email', 'phone', 'company', 'country']);
  assert.deepEqual(fields(['E-mail Address', 'E-mail 2 Address', 'Home Country/Region', 'Business Country/Region']), ['email', 'custom', 'country', 'custom']);
  const m = mapHeaders(['Vorname', 'E-Mail', 'first_name', 'Notiz']);
  assert.deepEqual(describeMapping(['Vorname', 'E-Mail', 'first_name', 'Notiz'], m).map((c) => c.to),
    ['custom:first_name', 'email', 'custom:first_name (2)', 'custom:Notiz'], 'a second first-name column does not overwrite the first');
});

test('columns by which the source tool says a person left are recognised; a status is kept', () => {
  const m = mapHeaders(['Email Address', 'UNSUB_TIME', 'CLEAN_TIME', 'Status']);
  assert.deepEqual(describeMapping(['Email Address', 'UNSUB_TIME', 'CLEAN_TIME', 'Status'], m).map((c) => c.to),
    ['email', 'opt_out:unsubscribed', 'opt_out:bounced', 'opt_out:status']);
  assert.deepEqual(m.headers, { email: 'Email Address', unsubscribed: 'UNSUB_TIME', bounced: 'CLEAN_TIME', status: 'Status' });
});

test('maps the columns of Shopify, Klaviyo, HubSpot and WooCommerce exports', () => {
  const to = (headers: string[]) => describeMapping(headers, mapHeaders(headers)).map((c) => c.to);
  assert.deepEqual(to(['Customer ID', 'Email', 'Accepts Email Marketing', 'Default Address Country Code', 'Phone', 'Accepts SMS Marketing']),
    ['custom:Customer ID', 'email', 'opt_in', 'country', 'phone', 'custom:Accepts SMS Marketing']);
  assert.deepEqual(to(['Email', 'Country', 'Email Marketing Consent', 'SMS Marketing Consent']), ['email', 'country', 'opt_out:status', 'custom:SMS Marketing Consent']);
  assert.deepEqual(to(['Email', 'Unsubscribed from all email', 'Email hard bounce reason', 'Country/Region']), ['email', 'opt_out:unsubscribed', 'opt_out:bounced', 'country']);
  assert.deepEqual(to(['Billing First Name', 'Billing Last Name', 'Billing Company', 'Billing Email Address', 'Billing Phone', 'Billing Country', 'Shipping Country']),
    ['custom:first_name', 'custom:last_name', 'custom:company', 'email', 'phone', 'country', 'custom:Shipping Country']);
});
