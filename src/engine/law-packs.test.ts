// The jurisdiction packs, each alone (RULES.md Part 2), and the contract's default choice of packs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consent, doi, makeCase, notice, type CaseParts } from './builders.js';
import { answer, checkRow, type Row } from './check-answer.js';
import type { PolicyPack } from './types.js';

function only(pack: PolicyPack, parts: CaseParts) {
  return makeCase({ policies: [pack], ...parts });
}
const fr = (parts: CaseParts) => only('fr', parts);
const de = (parts: CaseParts) => only('de', { ...parts, contact: { country: 'DE', ...parts.contact } });
const uk = (parts: CaseParts) => only('uk', { ...parts, contact: { country: 'GB', ...parts.contact } });
const us = (parts: CaseParts) => only('us', { ...parts, contact: { country: 'US', ...parts.contact } });
const ca = (parts: CaseParts) => only('ca', { ...parts, contact: { country: 'CA', ...parts.contact } });
const eu = (parts: CaseParts) => only('eu', { ...parts, contact: { country: 'ES', ...parts.contact } });

const LI = { reason: 'sells timing systems to race organisers', roleRelevant: true, informedAtCollection: true };
const phone = { phone: '+33612345678', email: undefined };
const bought = { purchases: [{ at: '2026-01-10T10:00:00Z', categories: ['running-shoes'] }] };

const FR: Row[] = [
  { name: 'FR-01: consumer email without consent', verdict: 'block', codes: ['no_consent'], rules: ['FR-01'], case: fr({}) },
  { name: 'FR-01: provable single opt-in is consent in French law', verdict: 'send', basis: 'consent', case: fr({ contact: { consents: [consent('single_opt_in')] } }) },
  { name: 'FR-01: consent without evidence cannot be proven', verdict: 'block', codes: ['missing_evidence'], case: fr({ contact: { consents: [consent('single_opt_in', { evidence: [] })] } }) },
  { name: 'FR-02: soft opt-in for similar products', verdict: 'send', basis: 'soft_opt_in', rules: ['FR-02'], case: fr({ contact: { ...bought, consents: [notice(['running-shoes'])] } }) },
  { name: 'FR-02: an account without an order is not a sale', verdict: 'block', codes: ['soft_opt_in_scope'], case: fr({ contact: { consents: [notice(['running-shoes'])] } }) },
  { name: 'FR-04: professional, role-relevant, informed at collection', verdict: 'send', basis: 'legitimate_interest', codes: ['disclosure_required'],
    case: fr({ contact: { kind: 'corporate', source: { type: 'business_card', legitimateInterest: LI } } }) },
  { name: 'FR-04: professional, offer unrelated to the job', verdict: 'block', codes: ['not_role_relevant'],
    case: fr({ contact: { kind: 'corporate', source: { type: 'business_card', legitimateInterest: { ...LI, roleRelevant: false } } } }) },
  { name: 'FR-04: professional never told at collection', verdict: 'block', codes: ['no_consent'], rules: ['FR-04'],
    case: fr({ contact: { kind: 'sole_trader', source: { type: 'business_card', legitimateInterest: { ...LI, informedAtCollection: false } } } }) },
  { name: 'FR-04: generic company address is outside the consent rule', verdict: 'send', basis: 'legitimate_interest',
    case: fr({ contact: { kind: 'corporate', email: 'contact@club.example' } }) },
  { name: 'FR-06: consumer call before 11 Aug 2026, not on Bloctel', verdict: 'send', basis: 'legitimate_interest', validUntil: '2026-08-11T00:00:00.000Z',
    case: fr({ at: '2026-07-01T10:00:00Z', contact: phone, message: { channel: 'phone' } }) },
  { name: 'FR-06: consumer call before the switch, on Bloctel', verdict: 'block', codes: ['registry_listed'],
    case: fr({ at: '2026-07-01T10:00:00Z', contact: { ...phone, registries: ['bloctel'] }, message: { channel: 'phone' } }) },
  { name: 'FR-06: consumer call on 11 Aug 2026 without consent', verdict: 'block', codes: ['no_consent'], rules: ['FR-06'],
    case: fr({ at: '2026-08-11T00:00:00Z', contact: phone, message: { channel: 'phone' } }) },
  { name: 'FR-06: consumer call after the switch with scripted, kept consent', verdict: 'send', basis: 'consent',
    case: fr({ at: '2026-09-01T10:00:00Z', contact: { ...phone, consents: [consent('verbal_scripted', { channel: 'phone' })] }, message: { channel: 'phone' } }) },
  { name: 'FR-05: a marketing text must name the advertiser and offer STOP', verdict: 'send', codes: ['disclosure_required'], rules: ['FR-05'],
    case: fr({ contact: { ...phone, consents: [consent('single_opt_in', { channel: 'sms' })] }, message: { channel: 'sms' } }) },
  { name: 'FR-07: postal prospecting is opt-out', verdict: 'send', basis: 'legitimate_interest', case: fr({ message: { channel: 'post' } }) },
  { name: 'FR-09: address collected by another company', verdict: 'block', codes: ['third_party'], case: fr({ contact: { source: { collectedBy: 'third_party' }, consents: [doi()] } }) },
  { name: 'FR-10: three years without engagement', verdict: 'block', codes: ['inactive'], rules: ['FR-10'],
    case: fr({ contact: { source: { at: '2022-01-01T00:00:00Z' }, consents: [consent('single_opt_in', { at: '2022-01-01T00:00:00Z' })] } }) },
  { name: 'FR-10: a click in 2025 keeps the contact', verdict: 'send', validUntil: '2028-05-02T00:00:00.000Z',
    case: fr({ contact: { source: { at: '2022-01-01T00:00:00Z' }, consents: [consent('single_opt_in', { at: '2022-01-01T00:00:00Z' })], activity: [{ type: 'click', at: '2025-05-02T00:00:00Z' }] } }) },
  { name: 'FR-10: an open in 2025 does not', verdict: 'block', codes: ['inactive'],
    case: fr({ contact: { source: { at: '2022-01-01T00:00:00Z' }, consents: [consent('single_opt_in', { at: '2022-01-01T00:00:00Z' })], activity: [{ type: 'open', at: '2025-05-02T00:00:00Z' }] } }) },
  { name: 'MIN-02: under 15 in France', verdict: 'block', codes: ['minor'], case: fr({ contact: { birthDate: '2011-06-01', consents: [doi()] } }) },
  { name: 'MIN-02: 15 in France may consent', verdict: 'send', case: fr({ contact: { birthDate: '2010-06-01', consents: [doi()] } }) },
  { name: 'service message without any consent', verdict: 'send', basis: 'service', case: fr({ message: { purpose: 'service' } }) },
];

const DE: Row[] = [
  { name: 'DE-07: single opt-in proves nothing', verdict: 'block', codes: ['single_opt_in'], rules: ['DE-07'], case: de({ contact: { consents: [consent('single_opt_in')] } }) },
  { name: 'DE-07: confirmed double opt-in', verdict: 'send', basis: 'consent', case: de({ contact: { consents: [doi()] } }) },
  { name: 'DE-07: verbal consent for email', verdict: 'block', codes: ['verbal_consent'], case: de({ contact: { consents: [consent('verbal')] } }) },
  { name: 'DE-01: no B2B exception', verdict: 'block', codes: ['no_consent'], rules: ['DE-01'],
    case: de({ contact: { kind: 'corporate', source: { type: 'business_card', legitimateInterest: LI } } }) },
  { name: 'DE-03: soft opt-in with notice', verdict: 'send', basis: 'soft_opt_in', case: de({ contact: { ...bought, consents: [notice(['running-shoes'])] } }) },
  { name: 'DE-03: soft opt-in, other products', verdict: 'block', codes: ['soft_opt_in_scope'], case: de({ contact: { ...bought, consents: [notice(['running-shoes'])] }, message: { categories: ['watches'] } }) },
  { name: 'DE-02: consumer call without consent', verdict: 'block', codes: ['no_consent'], case: de({ contact: { phone: '+4915112345678' }, message: { channel: 'phone' } }) },
  { name: 'DE-08: too many sponsors', verdict: 'block', codes: ['sponsor_limit'], case: de({ contact: { source: { type: 'co_registration', sponsors: { count: 57, named: true } }, consents: [doi()] } }) },
  { name: 'MIN-02: under 16 in Germany', verdict: 'block', codes: ['minor'], case: de({ contact: { birthDate: '2010-06-01', consents: [doi()] } }) },
];

const UK: Row[] = [
  { name: 'UK-01: individual without consent', verdict: 'block', codes: ['no_consent'], rules: ['UK-01'], case: uk({}) },
  { name: 'UK-01: sole trader is an individual subscriber', verdict: 'block', codes: ['no_consent'], case: uk({ contact: { kind: 'sole_trader', source: { legitimateInterest: LI } } }) },
  { name: 'UK-02: soft opt-in after negotiations for a sale', verdict: 'send', basis: 'soft_opt_in',
    case: uk({ contact: { inquiries: [{ at: '2026-01-10T10:00:00Z' }], consents: [notice(['running-shoes'])] } }) },
  { name: 'UK-04: corporate subscriber with a documented legitimate interest', verdict: 'send', basis: 'legitimate_interest', rules: ['UK-04'],
    case: uk({ contact: { kind: 'corporate', source: { type: 'business_card', legitimateInterest: LI } } }) },
  { name: 'UK-04: corporate subscriber without any record', verdict: 'block', codes: ['no_consent'], rules: ['UK-04'], case: uk({ contact: { kind: 'corporate' } }) },
  { name: 'UK-06: consent bought from a third party', verdict: 'block', codes: ['third_party'], case: uk({ contact: { source: { collectedBy: 'third_party' }, consents: [doi()] } }) },
  { name: 'UK-07: number on the TPS', verdict: 'block', codes: ['registry_listed'], case: uk({ contact: { phone: '+447700900123', registries: ['tps'] }, message: { channel: 'phone' } }) },
  { name: 'UK-07: number not on the TPS', verdict: 'send', basis: 'legitimate_interest', case: uk({ contact: { phone: '+447700900123' }, message: { channel: 'phone' } }) },
  { name: 'MIN-02: 13 may consent in the UK', verdict: 'send', case: uk({ contact: { birthDate: '2012-06-01', consents: [doi()] } }) },
  { name: 'MIN-02: 12 may not', verdict: 'block', codes: ['minor'], case: uk({ contact: { birthDate: '2013-06-01', consents: [doi()] } }) },
];

const US: Row[] = [
  { name: 'US-01: commercial email needs no prior consent', verdict: 'send', basis: 'no_consent_required', codes: ['disclosure_required'], case: us({}) },
  { name: 'US-01: no B2B exception, none needed', verdict: 'send', basis: 'no_consent_required', case: us({ contact: { kind: 'corporate' } }) },
  { name: 'US-06: opt-outs are binding', verdict: 'block', codes: ['suppressed'], rules: ['US-06'], case: us({ contact: { suppressions: [{ reason: 'unsubscribe', at: '2026-02-01T00:00:00Z' }] } }) },
  { name: 'US-10: transactional message', verdict: 'send', basis: 'service', case: us({ message: { purpose: 'service' } }) },
  { name: 'US-11: harvested addresses', verdict: 'block', codes: ['scraped'], case: us({ contact: { source: { type: 'web_scrape' } } }) },
  { name: 'MIN-04: under 13', verdict: 'block', codes: ['minor'], case: us({ contact: { birthDate: '2014-06-01' } }) },
  { name: 'texts need consent (TCPA)', verdict: 'block', codes: ['no_consent'], case: us({ contact: { phone: '+12025550143' }, message: { channel: 'sms' } }) },
  { name: 'platform + us: a bought list is still refused', verdict: 'block', codes: ['purchased_list'],
    case: makeCase({ policies: ['platform', 'us'], contact: { country: 'US', source: { type: 'list_broker' } } }) },
];

const CA: Row[] = [
  { name: 'CA-01: no consent of any kind', verdict: 'block', codes: ['no_consent'], rules: ['CA-01'], case: ca({}) },
  { name: 'CA-03: express consent does not lapse', verdict: 'send', basis: 'consent', validUntil: null, case: ca({ contact: { consents: [doi()] } }) },
  { name: 'CA-04: purchase a year ago: implied until two years after it', verdict: 'send', basis: 'implied_consent', validUntil: '2027-03-15T12:00:00.000Z',
    case: ca({ contact: { purchases: [{ at: '2025-03-15T12:00:00Z' }] } }) },
  { name: 'CA-04: purchase three years ago', verdict: 'block', codes: ['consent_expired'], case: ca({ contact: { purchases: [{ at: '2023-02-01T12:00:00Z' }] } }) },
  { name: 'CA-04: inquiry four months ago: six months after it', verdict: 'send', basis: 'implied_consent', validUntil: '2026-05-01T09:00:00.000Z',
    case: ca({ contact: { inquiries: [{ at: '2025-11-01T09:00:00Z' }] } }) },
  { name: 'CA-04: inquiry eight months ago', verdict: 'block', codes: ['consent_expired'], case: ca({ contact: { inquiries: [{ at: '2025-07-01T09:00:00Z' }] } }) },
  { name: 'CA-04: the later clock wins', verdict: 'send', validUntil: '2027-01-20T00:00:00.000Z',
    case: ca({ contact: { purchases: [{ at: '2025-01-20T00:00:00Z' }], inquiries: [{ at: '2026-02-01T00:00:00Z' }] } }) },
  { name: 'CA-05: business card, message about the role', verdict: 'send', basis: 'implied_consent', rules: ['CA-05'],
    case: ca({ contact: { kind: 'corporate', source: { type: 'business_card', legitimateInterest: LI } } }) },
  { name: 'CA-03: pre-checked box', verdict: 'block', codes: ['invalid_consent'], case: ca({ contact: { consents: [consent('pre_ticked')] } }) },
];

const EU: Row[] = [
  { name: 'EU-EPD-01: consumer without consent', verdict: 'block', codes: ['no_consent'], case: eu({}) },
  { name: 'EU-GDPR-01: pre-ticked box', verdict: 'block', codes: ['invalid_consent'], rules: ['EU-GDPR-01'], case: eu({ contact: { consents: [consent('pre_ticked')] } }) },
  { name: 'EU-GDPR-04: a clause in the terms', verdict: 'block', codes: ['invalid_consent'], case: eu({ contact: { consents: [consent('terms_only')] } }) },
  { name: 'EU-GDPR-03: single opt-in is consent but weak evidence', verdict: 'send', basis: 'consent', codes: ['weak_evidence'], case: eu({ contact: { consents: [consent('single_opt_in')] } }) },
  { name: 'EU-EPD-02: soft opt-in', verdict: 'send', basis: 'soft_opt_in', case: eu({ contact: { ...bought, consents: [notice(['running-shoes'])] } }) },
  { name: 'EU-EPD-05: company contact on a documented legitimate interest', verdict: 'send', basis: 'legitimate_interest',
    case: eu({ contact: { kind: 'corporate', source: { type: 'business_card', legitimateInterest: LI } } }) },
  { name: 'B2B-03: company contact with no record of provenance', verdict: 'block', codes: ['no_consent'], rules: ['B2B-03'],
    case: eu({ contact: { kind: 'corporate', source: { type: 'business_card', legitimateInterest: { ...LI, reason: '' } } } }) },
  { name: 'MIN-01: under 16', verdict: 'block', codes: ['minor'], case: eu({ contact: { birthDate: '2011-01-01', consents: [doi()] } }) },
  { name: 'MIN-03: no legitimate interest towards a 17-year-old', verdict: 'block', codes: ['minor'],
    case: eu({ contact: { birthDate: '2009-01-01', kind: 'corporate', source: { type: 'business_card', legitimateInterest: LI } } }) },
];

for (const [title, rows] of [['fr', FR], ['de', DE], ['uk', UK], ['us', US], ['ca', CA], ['eu', EU]] as const) {
  describe(`${title} pack`, () => {
    for (const row of rows) it(row.name, () => checkRow(row));
  });
}

describe('default packs', () => {
  const cases: [string, PolicyPack][] = [['FR', 'fr'], ['DE', 'de'], ['GB', 'uk'], ['UK', 'uk'], ['US', 'us'], ['CA', 'ca'], ['IT', 'eu'], ['JP', 'eu']];
  for (const [country, law] of cases) {
    it(`${country} → platform + ${law}`, () => {
      const a = answer(makeCase({ contact: { country, consents: [doi()] } }));
      assert.deepEqual([...new Set(a.reasons.map((r) => r.policy))], ['platform', law]);
    });
  }
  it('platform is the stricter of the two', () => {
    const a = answer(makeCase({ contact: { country: 'US', kind: 'corporate' } }));
    assert.equal(a.verdict, 'block');
    assert.ok(a.reasons.some((r) => r.policy === 'us' && r.effect === 'allow'));
    assert.ok(a.reasons.some((r) => r.policy === 'platform' && r.code === 'no_consent'));
  });
  it('the answer names the most demanding basis of the packs that allow', () => {
    assert.equal(answer(makeCase({ contact: { country: 'US', consents: [doi()] } })).basis, 'consent');
  });
});
