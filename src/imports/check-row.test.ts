import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRow, isDisposableDomain, type RowCheckContext } from './check-row.js';
import { mapHeaders } from './header-map.js';
import { toCountryCode } from './countries.js';

function context(headers: string[], defaultCountry: string | null = null): RowCheckContext {
  return { mapping: mapHeaders(headers), headerWidth: headers.length, defaultCountry, defaultKind: 'consumer', seen: new Map(), isDisposable: isDisposableDomain };
}

test('a good row becomes a candidate with a normalised (IDN) address, a country code and custom fields', () => {
  const ctx = context(['E-Mail', 'Vorname', 'Land', 'Telefon', 'Kundennummer']);
  const r = checkRow(ctx, 2, ['Jörg@Bücher.Example', 'Jörg', 'Deutschland', '0049 30 1234567', 'K-17']);
  assert.equal(r.outcome, 'candidate');
  if (r.outcome !== 'candidate') return;
  assert.equal(r.email, 'Jörg@xn--bcher-kva.example');
  assert.equal(r.country, 'DE');
  assert.equal(r.phone, '+49301234567');
  assert.deepEqual(r.custom, { Kundennummer: 'K-17', first_name: 'Jörg' });
  assert.equal(r.role, false);
});

test('invalid addresses, missing countries and encoding damage are rejected with a reason', () => {
  const ctx = context(['email', 'country']);
  const bad = checkRow(ctx, 3, ['not-an-address', 'FR']);
  assert.equal(bad.outcome, 'invalid');
  assert.match((bad as { reason: string }).reason, /invalid email address/);
  assert.match((checkRow(ctx, 4, ['a@x.example', '']) as { reason: string }).reason, /no country/);
  assert.match((checkRow(ctx, 5, ['b@x.example', 'Atlantis']) as { reason: string }).reason, /unknown country/);
  assert.match((checkRow(ctx, 6, ['c\uFFFD@x.example', 'FR']) as { reason: string }).reason, /encoding/);
  assert.match((checkRow(ctx, 7, ['d@x.example', 'FR', 'extra']) as { reason: string }).reason, /3 fields but the header has 2/);
  assert.equal(checkRow(ctx, 8, ['', 'FR']).outcome, 'invalid');
});

test('the second occurrence of an address (after normalisation) is a duplicate naming the first line', () => {
  const ctx = context(['email'], 'FR');
  assert.equal(checkRow(ctx, 2, ['ann@Example.COM']).outcome, 'candidate');
  const dup = checkRow(ctx, 9, [' ann@example.com ']);
  assert.equal(dup.outcome, 'duplicate');
  assert.match((dup as { reason: string }).reason, /line 2/);
});

test('disposable domains (and their subdomains) are rejected; role addresses are flagged for the engine', () => {
  assert.equal(isDisposableDomain('mailinator.com'), true);
  assert.equal(isDisposableDomain('eu.mailinator.com'), true);
  assert.equal(isDisposableDomain('example.org'), false);
  // answers are remembered per domain (bounded): the same after 40,000 other domains
  for (let i = 0; i < 40000; i++) assert.equal(isDisposableDomain(`d${i}.example`), false);
  assert.deepEqual(['mailinator.com', 'eu.mailinator.com', 'example.org'].map(isDisposableDomain), [true, true, false]);
  const ctx = context(['courriel', 'pays'], null);
  assert.match((checkRow(ctx, 2, ['x@mailinator.com', 'FR']) as { reason: string }).reason, /disposable/);
  const role = checkRow(ctx, 3, ['info@shop.example', 'France']);
  assert.equal(role.outcome === 'candidate' && role.role, true);
});

test('country names in English, French and German map to codes', () => {
  assert.equal(toCountryCode('Allemagne'), 'DE');
  assert.equal(toCountryCode('Frankreich'), 'FR');
  assert.equal(toCountryCode('united kingdom'), 'GB');
  assert.equal(toCountryCode('uk'), 'GB');
  assert.equal(toCountryCode('fr'), 'FR');
  assert.equal(toCountryCode('QQ'), null);
  assert.equal(toCountryCode('région inconnue'), null);
});

test('a row its file marks as unsubscribed, bounced or complained is suppressed with the column in the reason and the reason it is kept under; "no" values and other statuses are not', () => {
  const ctx = context(['email', 'Unsubscribed', 'Hard Bounce', 'Statut', 'Pays'], 'FR');
  const left = (cells: string[]) => {
    const r = checkRow(ctx, 2, cells);
    return r.outcome === 'suppressed' ? [r.reason, 'left' in r ? r.left : null] : r.outcome;
  };
  assert.deepEqual(left(['a@x.example', '2025-01-02', '', '', '']),
    ['the file marks this address as unsubscribed (Unsubscribed: 2025-01-02); it is kept as an unsubscribe (suppressed) and not imported', 'unsubscribe']);
  assert.deepEqual(left(['b@x.example', 'Nein', '1', '', '']), ['the file marks this address as bounced (Hard Bounce: 1); it is kept as a hard bounce (suppressed) and not imported', 'hard_bounce']);
  assert.deepEqual(left(['c@x.example', '', '', 'Désinscrit', '']), ['the file marks this address as Désinscrit (Statut); it is kept as an unsubscribe (suppressed) and not imported', 'unsubscribe']);
  assert.deepEqual(left(['e@x.example', '', '', 'Spam complaint', '']), ['the file marks this address as Spam complaint (Statut); it is kept as a complaint (suppressed) and not imported', 'complaint']);
  assert.deepEqual(left(['f@x.example', '', '', 'blocklisted', '']), ['the file marks this address as blocklisted (Statut); it is kept as an unsubscribe (suppressed) and not imported', 'unsubscribe']);
  assert.equal(left(['d@x.example', 'false', '0', 'Abonné', '']), 'candidate');
  // MySQL's "no date" (WooCommerce and other database exports) is no unsubscribe date
  assert.equal(left(['g@x.example', '0000-00-00 00:00:00', '', '', '']), 'candidate');
});

test('a leaver keeps the country its row names, else the declared one, else ZZ (unknown); a row without an address is only invalid', () => {
  const country = (ctx: RowCheckContext, cells: string[]) => { const r = checkRow(ctx, 2, cells); return 'left' in r ? r.country : r.outcome; };
  assert.equal(country(context(['email', 'status', 'country'], 'FR'), ['a@x.example', 'unsubscribed', 'Deutschland']), 'DE');
  assert.equal(country(context(['email', 'status', 'country'], 'FR'), ['b@x.example', 'unsubscribed', 'Atlantis']), 'FR');
  assert.equal(country(context(['email', 'status'], null), ['c@x.example', 'cleaned']), 'ZZ');
  assert.equal(country(context(['email', 'status'], null), ['', 'cleaned']), 'invalid');
});

test('a never-confirmed status is not imported and recorded as nothing', () => {
  const r = checkRow(context(['email', 'status'], 'FR'), 2, ['p@x.example', 'pending']);
  assert.equal(r.outcome, 'suppressed');
  assert.equal('left' in r, false);
  assert.match((r as { reason: string }).reason, /never confirmed/);
});

test('a line saying the person left counts even after an earlier line of the same address; later plain lines are duplicates', () => {
  const ctx = context(['email', 'status'], 'FR');
  assert.equal(checkRow(ctx, 2, ['ann@x.example', 'subscribed']).outcome, 'candidate');
  const left = checkRow(ctx, 3, ['Ann@x.example', 'unsubscribed']);
  assert.equal('left' in left && left.left, 'unsubscribe');
  const gone = checkRow(ctx, 4, ['bob@x.example', 'unsubscribed']);
  assert.equal('left' in gone && gone.left, 'unsubscribe');
  const again = checkRow(ctx, 5, ['bob@x.example', 'subscribed']);
  assert.deepEqual([again.outcome, (again as { reason: string }).reason], ['duplicate', 'duplicate of line 4 in this file']);
});

test('all-zero placeholder dates (Outlook\'s 0/0/00, 00/00/0000, 0000-00-00) are empty cells: no birth date, no custom field', () => {
  const ctx = context(['email', 'Birthday', 'Anniversary'], 'GB');
  for (const [i, zero] of ['0/0/00', '00/00/0000', '0000-00-00', '00.00.0000', '0000-00-00 00:00:00', '0-0-0000'].entries()) {
    const r = checkRow(ctx, 2, [`zero${i}@x.example`, zero, zero]);
    assert.equal(r.outcome, 'candidate', zero);
    if (r.outcome !== 'candidate') continue;
    assert.equal(r.birthDate, null, zero);
    assert.deepEqual(r.custom, {}, zero);
  }
  const real = checkRow(ctx, 3, ['real@x.example', '1990-05-17', '0/0/00']);
  assert.equal(real.outcome === 'candidate' && real.birthDate, '1990-05-17');
  const kept = checkRow(ctx, 4, ['kept@x.example', '10/0/00', '0']);
  assert.deepEqual(kept.outcome === 'candidate' && kept.custom, { birth_date: '10/0/00', Anniversary: '0' });
});

test('the marks of other tools\' exports: HubSpot\'s hard bounce reason, Klaviyo\'s consent, Shopify\'s and Brevo\'s opt-in flags', () => {
  const outcome = (headers: string[], cells: string[]) => {
    const r = checkRow(context(headers, 'GB'), 2, cells);
    return r.outcome === 'suppressed' ? ['left' in r ? r.left : 'not imported', r.reason] : [r.outcome];
  };
  assert.deepEqual(outcome(['Email', 'Email hard bounce reason'], ['a@x.example', '550 5.1.1 no such user']),
    ['hard_bounce', 'the file marks this address as bounced (Email hard bounce reason: 550 5.1.1 no such user); it is kept as a hard bounce (suppressed) and not imported']);
  assert.deepEqual(outcome(['Email', 'Email Marketing Consent'], ['b@x.example', 'UNSUBSCRIBED'])[0], 'unsubscribe');
  assert.deepEqual(outcome(['Email', 'Email Marketing Consent'], ['c@x.example', 'NEVER_SUBSCRIBED']),
    ['not imported', 'the file marks this address as NEVER_SUBSCRIBED (Email Marketing Consent): the person never confirmed, so it is not imported']);
  assert.deepEqual(outcome(['Email', 'Email Marketing Consent'], ['d@x.example', 'SUBSCRIBED']), ['candidate']);
  // Shopify: "no" is no permission, not an objection: not imported, nothing recorded.
  assert.deepEqual(outcome(['Email', 'Accepts Email Marketing'], ['e@x.example', 'no']),
    ['not imported', 'the file says this person did not accept email marketing (Accepts Email Marketing: no), so it is not imported']);
  assert.deepEqual(outcome(['Email', 'Accepts Marketing'], ['f@x.example', 'yes']), ['candidate']);
  assert.deepEqual(outcome(['EMAIL', 'OPT_IN'], ['g@x.example', 'No'])[0], 'not imported');
  assert.deepEqual(outcome(['EMAIL', 'OPT_IN'], ['h@x.example', 'Yes']), ['candidate']);
  assert.deepEqual(outcome(['EMAIL', 'OPT_IN'], ['i@x.example', '']), ['candidate'], 'an empty flag says nothing: the declaration decides');
  // an unsubscribe wins over an opt-in flag still set
  assert.deepEqual(outcome(['Email', 'Accepts Marketing', 'Unsubscribed'], ['j@x.example', 'yes', 'true'])[0], 'unsubscribe');
});

test('a birth date as an Excel serial day number (a "General" spreadsheet cell) is read as the date', () => {
  const ctx = context(['email', 'Birthday'], 'FR');
  const birth = (line: number, cells: string[]) => { const r = checkRow(ctx, line, cells); return r.outcome === 'candidate' ? [r.birthDate, r.custom] : r.outcome; };
  assert.deepEqual(birth(2, ['s1@x.example', '32874']), ['1990-01-01', {}]);
  assert.deepEqual(birth(3, ['s2@x.example', '45292.5']), ['2024-01-01', {}]);
  assert.deepEqual(birth(4, ['s3@x.example', '1990']), [null, { birth_date: '1990' }], 'a year is not a serial');
});

test('an address written with its link scheme (mailto:…?subject=…) is the address', () => {
  const r = checkRow(context(['email', 'country'], 'FR'), 2, ['mailto:Eve%2Bnews@x.example?subject=Hi', 'FR']);
  assert.deepEqual([r.outcome, 'email' in r && r.email], ['candidate', 'Eve+news@x.example']);
});
