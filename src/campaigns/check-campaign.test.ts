import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCampaign, type CheckCampaignOptions } from './check-campaign.js';
import { compileCampaign, renderMessage } from './render-message.js';
import { aCampaign, aSender } from './test-builders.js';
import type { CampaignFields } from './campaign.js';
import type { SenderProfile } from '../senders/sender-profile.js';

const unsubscribeUrl = 'https://lists.example/p/unsubscribe?t=x.y';
const oneClickUrl = 'https://lists.example/u/x.y';

function options(campaign: CampaignFields = aCampaign(), sender: SenderProfile | null = aSender(), audience: CheckCampaignOptions['audience'] = [{ policies: ['platform', 'fr'], basis: 'consent' }]): CheckCampaignOptions {
  const compiled = compileCampaign({ campaign, sender: sender ?? aSender() });
  assert.ok(compiled.ok);
  const message = renderMessage(compiled.value, { contact: { first_name: 'Ann' }, unsubscribeUrl });
  return { campaign, sender, sample: { message, unsubscribeUrl, oneClickUrl }, audience };
}
const codes = (o: CheckCampaignOptions) => checkCampaign(o).failures.map((f) => f.code).sort();

test('a complete campaign passes', () => {
  assert.deepEqual(checkCampaign(options()), { ok: true, failures: [] });
});

test('empty subject, missing imprint parts and no sender profile are refused with sentences', () => {
  const r = checkCampaign(options(aCampaign({ subject: '  ' }), aSender({ company: '', representative: '' })));
  assert.equal(r.ok, false);
  assert.deepEqual(r.failures.map((f) => f.code).sort(), ['imprint_missing', 'subject_empty']);
  const imprint = r.failures.find((f) => f.code === 'imprint_missing')!;
  assert.equal(imprint.rule, 'CR-OPS-05b');
  assert.equal(imprint.text, 'The legal imprint is incomplete: the company name and legal representative are missing from the sender profile.');
  assert.deepEqual(codes({ ...options(), sender: null }), ['sender_missing']);
});

test('a hidden From or one off the sender domain is refused', () => {
  assert.deepEqual(codes(options(aCampaign({ fromName: '' }))), ['from_hidden']);
  assert.deepEqual(codes(options(aCampaign({ fromName: 'security@bank.example' }))), ['from_hidden']);
  assert.deepEqual(codes(options(aCampaign({ fromAddress: 'news@other.example' }))), ['from_domain']);
  assert.deepEqual(codes(options(aCampaign({ fromAddress: 'news@mail.shop.example' }))), [], 'a subdomain aligns');
});

test('the unsubscribe link must be in both parts of the rendered mail, and the one-click URL on HTTPS', () => {
  const o = options();
  const stripped = { ...o, sample: { ...o.sample!, message: { ...o.sample!.message, text: o.sample!.message.text.replace(unsubscribeUrl, '') } } };
  assert.deepEqual(codes(stripped), ['unsubscribe_missing']);
  assert.deepEqual(codes({ ...o, sample: { ...o.sample!, oneClickUrl: 'http://lists.example/u/x' } }), ['one_click_not_https']);
  assert.deepEqual(codes({ ...options(aCampaign({ purpose: 'service' })), sample: { ...o.sample!, oneClickUrl: 'http://x/u' } }), []);
});

test('legitimate-interest recipients need the disclosure (B2B-06)', () => {
  const li = [{ policies: ['platform', 'fr'] as const, basis: 'legitimate_interest' as const }];
  assert.deepEqual(codes(options(aCampaign(), aSender(), li)), ['li_disclosure_missing']);
  const disclosed = aCampaign({ legitimateInterestDisclosure: 'We found your work address on your company website; we write because our tool fits your role; reply STOP or use the link below to object.' });
  assert.deepEqual(codes(options(disclosed, aSender(), li)), []);
});

test('us recipients need the advertisement label unless they consented, and the postal address (US-04, US-05)', () => {
  const us = [{ policies: ['platform', 'us'] as const, basis: 'no_consent_required' as const }];
  assert.deepEqual(codes(options(aCampaign(), aSender({ postalAddress: '' }), us)), ['ad_label_missing', 'postal_address_missing']);
  assert.deepEqual(codes(options(aCampaign({ advertisementLabel: 'Advertisement' }), aSender(), us)), []);
  assert.deepEqual(codes(options(aCampaign(), aSender(), [{ policies: ['platform', 'us'], basis: 'consent' }])), []);
  assert.deepEqual(codes(options(aCampaign({ purpose: 'service' }), aSender({ postalAddress: '' }), us)), [], 'CAN-SPAM content rules are for commercial mail');
});

test('ca recipients need the identification: mailing address plus phone, email or web (CA-06), even for service mail', () => {
  const ca = [{ policies: ['platform', 'ca'] as const, basis: 'consent' as const }];
  assert.deepEqual(codes(options(aCampaign(), aSender({ contactPhone: '', contactEmail: '', website: '' }), ca)), ['identification_missing']);
  assert.deepEqual(codes(options(aCampaign({ purpose: 'service' }), aSender({ postalAddress: '' }), ca)), ['identification_missing']);
  assert.deepEqual(codes(options(aCampaign(), aSender({ contactPhone: '', website: '' }), ca)), []);
});
