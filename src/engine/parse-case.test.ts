import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { doi, makeCase } from './builders.js';
import { parseCase } from './parse-case.js';

/** A valid case with one field replaced (a dotted path; `undefined` deletes it). */
function withField(path: string, value: unknown): unknown {
  const c = JSON.parse(JSON.stringify(makeCase({ contact: { consents: [doi()] } })));
  const keys = path.split('.');
  let o = c;
  for (const k of keys.slice(0, -1)) o = o[k];
  if (value === undefined) delete o[keys[keys.length - 1]];
  else o[keys[keys.length - 1]] = value;
  return c;
}

describe('parseCase', () => {
  it('turns dates into numbers once and fills defaults', () => {
    const r = parseCase(makeCase({ contact: { email: 'Anna@Example.FR', consents: [doi()] } }));
    assert.ok(r.ok);
    assert.equal(r.case.at, Date.parse('2026-03-01T09:00:00Z'));
    assert.equal(r.case.contact.email, 'Anna@example.fr');
    assert.equal(r.case.contact.kind, 'consumer');
    assert.equal(r.case.contact.source.collectedBy, 'us');
    assert.equal(r.case.contact.consents[0].confirmedAt, Date.parse('2026-01-10T10:04:00Z'));
    assert.deepEqual(r.case.policies, ['platform', 'fr']);
  });
  it('takes the defaults of the caller for at and policies', () => {
    const c = makeCase({});
    delete c.at;
    const r = parseCase(c, { at: 1234, policies: ['eu'] });
    assert.ok(r.ok);
    assert.equal(r.case.at, 1234);
    assert.deepEqual(r.case.policies, ['eu']);
  });
  it('reads a country as /^[A-Za-z]{2}$/ upper-cased, whatever the two characters are', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 2 }),
      fc.constantFrom('uk', 'Uk', 'UK', 'fr', 'fR', 'ß', 'éa', 'ı', 'aİ', '@[', '`{'));
    fc.assert(fc.property(text, (country) => {
      const r = parseCase(withField('contact.country', country));
      if (!/^[A-Za-z]{2}$/.test(country)) return !r.ok && r.error.path === 'contact.country' && r.error.message.includes('ISO 3166-1');
      const upper = country.toUpperCase();
      return r.ok && r.case.contact.country === (upper === 'UK' ? 'GB' : upper);
    }), { numRuns: 5_000 });
  });
  it('reads UK as GB', () => {
    const r = parseCase(withField('contact.country', 'uk'));
    assert.ok(r.ok);
    assert.equal(r.case.contact.country, 'GB');
    assert.deepEqual(r.case.policies, ['platform', 'uk']);
  });

  const bad: [string, unknown, string][] = [
    ['contact.country', undefined, 'contact.country'],
    ['contact.country', 'France', 'contact.country'],
    ['contact.source', undefined, 'contact.source'],
    ['contact.source.type', 'bought', 'contact.source.type'],
    ['contact.email', 'not an address', 'contact.email'],
    ['contact.email', undefined, 'contact.email'],
    ['contact.kind', 'company', 'contact.kind'],
    ['contact.birthDate', '01/02/2010', 'contact.birthDate'],
    ['contact.phone', '0612345678', 'contact.phone'],
    ['contact.consents', 'yes', 'contact.consents'],
    ['contact.consents', [{ channel: 'email', method: 'double_opt_in' }], 'contact.consents[0].at'],
    ['contact.consents', [{ channel: 'pigeon', method: 'written', at: '2026-01-01' }], 'contact.consents[0].channel'],
    ['contact.consents', [{ channel: 'email', method: 'written', at: '2026-02-30' }], 'contact.consents[0].at'],
    ['contact.suppressions', [{ reason: 'unsubscribe', at: '2026-01-01', scope: 'everything' }], 'contact.suppressions[0].scope'],
    ['contact.bounces', [{ type: 'hard', at: '2026-01-01', status: 'bounced' }], 'contact.bounces[0].status'],
    ['contact.activity', [{ type: 'view', at: '2026-01-01' }], 'contact.activity[0].type'],
    ['contact.source.sponsors', { count: -1 }, 'contact.source.sponsors.count'],
    ['contact.source.legitimateInterest', { roleRelevant: 'yes' }, 'contact.source.legitimateInterest.roleRelevant'],
    ['message.channel', 'telegram', 'message.channel'],
    ['message.purpose', undefined, 'message.purpose'],
    ['message', undefined, 'message'],
    ['at', 'yesterday', 'at'],
    ['policies', ['platform', 'mars'], 'policies[1]'],
    ['policies', [], 'policies'],
    ['id', 17, 'id'],
  ];
  for (const [path, value, errorPath] of bad) {
    it(`names ${errorPath} when ${path} is ${JSON.stringify(value)}`, () => {
      const r = parseCase(withField(path, value));
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, 'invalid_input');
      assert.equal(r.error.path, errorPath);
      assert.ok(r.error.message.startsWith(errorPath));
      if (path !== 'id') assert.equal(r.id, 'case');
    });
  }
  it('needs a phone number for a text message', () => {
    const r = parseCase(makeCase({ message: { channel: 'sms' } }));
    assert.ok(!r.ok && r.error.path === 'contact.phone');
  });
  it('never throws on odd input', () => {
    for (const v of [null, 42, 'case', [], { contact: null, message: null }, { message: { channel: 'email', purpose: 'marketing' }, contact: { country: 'FR', source: { type: 'web_form' }, consents: [null] } }]) {
      const r = parseCase(v);
      assert.equal(r.ok, false);
    }
  });
});
