// The workspace setting b2bColdEmail (RULES.md C-1): `forbidden` keeps CR-NO-05, `jurisdictional` leaves B2B
// email without consent to the law pack of the contact's country; every other rule is unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerLine, answerToJson, evaluate } from './evaluate.js';
import { consent, doi, makeCase, type CaseParts } from './builders.js';
import { parseCase } from './parse-case.js';
import type { AnswerJson, B2bColdEmail } from './types.js';

function judge(parts: CaseParts, b2bColdEmail?: B2bColdEmail): AnswerJson {
  const parsed = parseCase(makeCase(parts), b2bColdEmail === undefined ? {} : { workspacePolicy: { b2bColdEmail } });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return answerToJson(evaluate(parsed.case));
}

const rules = (a: AnswerJson, effect?: string) => a.reasons.filter((r) => effect === undefined || r.effect === effect).map((r) => r.rule);

/** A French buyer at a company, told at collection, offered something that fits the job; no consent at all. */
const frProspect: CaseParts = {
  contact: {
    email: 'claire.dubois@fabrique.example', country: 'FR', kind: 'corporate',
    source: { type: 'web_form', legitimateInterest: { reason: 'buyer of packaging', roleRelevant: true, informedAtCollection: true } },
  },
};

describe('workspace setting b2bColdEmail (C-1)', () => {
  it('forbidden (and the default): a French corporate prospect without consent is blocked by CR-NO-05', () => {
    for (const setting of [undefined, 'forbidden'] as const) {
      const a = judge(frProspect, setting);
      assert.equal(a.verdict, 'block');
      assert.ok(rules(a, 'block').includes('CR-NO-05'), JSON.stringify(a.reasons));
      assert.ok(!rules(a).includes('C-1'));
    }
  });

  it('the default setting leaves the answer byte for byte as before (no setting given at all)', () => {
    const withDefault = parseCase(makeCase(frProspect), { workspacePolicy: { b2bColdEmail: 'forbidden' } });
    const bare = makeCase(frProspect);
    const parsed = parseCase(bare);
    assert.ok(withDefault.ok && parsed.ok);
    const { workspacePolicy: _, ...noPolicy } = parsed.case;
    assert.equal(answerLine(evaluate(withDefault.case)), answerLine(evaluate(noPolicy)));
  });

  it('jurisdictional: the same prospect may be emailed on the French legitimate interest (FR-04), and the answer says why', () => {
    const a = judge(frProspect, 'jurisdictional');
    assert.equal(a.verdict, 'send');
    assert.equal(a.basis, 'legitimate_interest');
    assert.ok(rules(a, 'allow').includes('FR-04'));
    const waiver = a.reasons.find((r) => r.rule === 'C-1');
    assert.ok(waiver, JSON.stringify(a.reasons));
    assert.equal(waiver.policy, 'platform');
    assert.equal(waiver.code, 'jurisdiction_decides');
    assert.match(waiver.text, /CR-NO-05/);
    assert.ok(!rules(a).includes('CR-NO-05'));
  });

  it('jurisdictional: the French law still blocks an offer that does not fit the job, or a prospect not told at collection', () => {
    const offTopic = judge({ contact: { ...frProspect.contact, source: { type: 'web_form', legitimateInterest: { reason: 'x', roleRelevant: false, informedAtCollection: true } } } }, 'jurisdictional');
    assert.equal(offTopic.verdict, 'block');
    assert.deepEqual(rules(offTopic, 'block'), ['FR-04']);
    const uninformed = judge({ contact: { ...frProspect.contact, source: { type: 'web_form', legitimateInterest: { reason: 'x', roleRelevant: true, informedAtCollection: false } } } }, 'jurisdictional');
    assert.equal(uninformed.verdict, 'block');
    assert.ok(rules(uninformed, 'block').includes('FR-04'));
  });

  it('a German corporate contact without consent is blocked both ways (UWG §7 has no B2B exception)', () => {
    const de: CaseParts = { contact: { email: 'k.weber@werk.example', country: 'DE', kind: 'corporate', source: { type: 'web_form', legitimateInterest: { reason: 'buyer', roleRelevant: true, informedAtCollection: true } } } };
    const forbidden = judge(de, 'forbidden');
    assert.equal(forbidden.verdict, 'block');
    assert.ok(rules(forbidden, 'block').includes('CR-NO-05'));
    const byLaw = judge(de, 'jurisdictional');
    assert.equal(byLaw.verdict, 'block');
    assert.ok(!rules(byLaw).includes('CR-NO-05'));
    assert.ok(rules(byLaw, 'block').includes('DE-01'), JSON.stringify(byLaw.reasons));
  });

  it('a consumer is unaffected: the same answer under either setting', () => {
    for (const contact of [{ kind: 'consumer' as const }, { kind: 'consumer' as const, consents: [doi()] }, { kind: 'consumer' as const, consents: [consent('single_opt_in')] }]) {
      assert.deepEqual(judge({ contact }, 'jurisdictional'), judge({ contact }, 'forbidden'));
    }
  });

  it('the other platform rules still block under jurisdictional: a bought list, a role address, a business card without permission', () => {
    const cases: [CaseParts, string][] = [
      [{ contact: { kind: 'corporate', country: 'US', source: { type: 'list_broker' } } }, 'CR-NO-01'],
      [{ contact: { kind: 'corporate', country: 'US', email: 'sales@acme.example' } }, 'CR-OPS-02'],
      [{ contact: { kind: 'corporate', country: 'US', source: { type: 'business_card' } } }, 'CR-EX-08'],
      [{ contact: { kind: 'corporate', country: 'US', birthDate: '2010-05-01' } }, 'MIN-01'],
    ];
    for (const [parts, rule] of cases) {
      const a = judge(parts, 'jurisdictional');
      assert.equal(a.verdict, 'block', rule);
      assert.ok(rules(a, 'block').includes(rule), `${rule}: ${JSON.stringify(a.reasons)}`);
    }
  });

  it('only email is concerned: a B2B text message without consent stays blocked by CR-NO-05', () => {
    const a = judge({ contact: { ...frProspect.contact, phone: '+33612345678' }, message: { channel: 'sms' } }, 'jurisdictional');
    assert.equal(a.verdict, 'block');
    assert.ok(rules(a, 'block').includes('CR-NO-05'));
  });

  it('US and UK corporate contacts: the law allows, so the setting decides', () => {
    const us: CaseParts = { contact: { email: 'j.smith@corp.example', country: 'US', kind: 'corporate' } };
    assert.equal(judge(us, 'forbidden').verdict, 'block');
    const usByLaw = judge(us, 'jurisdictional');
    assert.equal(usByLaw.verdict, 'send');
    assert.equal(usByLaw.basis, 'no_consent_required');
    const uk: CaseParts = { contact: { email: 'j.smith@corp.example', country: 'GB', kind: 'corporate', source: { type: 'web_form', legitimateInterest: { reason: 'procurement lead', roleRelevant: true, informedAtCollection: true } } } };
    assert.equal(judge(uk, 'forbidden').verdict, 'block');
    assert.equal(judge(uk, 'jurisdictional').basis, 'legitimate_interest');
  });

  it('under jurisdictional a B2B consent the platform finds too weak is judged by the law too (no weaker than no consent)', () => {
    const single: CaseParts = { contact: { email: 'j.smith@corp.example', country: 'US', kind: 'corporate', consents: [consent('single_opt_in')] } };
    const forbidden = judge(single, 'forbidden');
    assert.deepEqual(rules(forbidden, 'block'), ['CR-NO-03', 'CR-NO-05']);
    const byLaw = judge(single, 'jurisdictional');
    assert.equal(byLaw.verdict, 'send');
    const deSingle = judge({ contact: { ...single.contact, country: 'DE' } }, 'jurisdictional');
    assert.equal(deSingle.verdict, 'block');
    assert.ok(rules(deSingle, 'block').includes('DE-07'));
  });

  it('a B2B contact with a double opt-in needs no waiver: C-1 stays silent and the basis is consent', () => {
    const a = judge({ contact: { ...frProspect.contact, consents: [doi()] } }, 'jurisdictional');
    assert.equal(a.verdict, 'send');
    assert.equal(a.basis, 'consent');
    assert.ok(!rules(a).includes('C-1'));
  });
});
