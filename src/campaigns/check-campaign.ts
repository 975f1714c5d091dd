/**
 * The gate before sending: a pure check of a campaign, its sender profile, one rendered sample and the shape of
 * its audience. Each failure is one sentence the operator can act on, with the rule id of shared/RULES.md.
 * The rendered sample is checked, not the template, so a link the sanitiser removed counts as missing; the
 * templates are read only for merge tags that can hold nothing (`{{ first_name }}` instead of `{{ contact.first_name }}`).
 */
import type { Basis, PolicyPack } from '../engine/types.js';
import { isOnSenderDomain, missingImprint, type SenderProfile } from '../senders/sender-profile.js';
import type { CampaignFields } from './campaign.js';
import { unknownMergeTags, type RenderedMessage } from './render-message.js';

export type CheckFailure = { code: string; rule: string; text: string };
export type CheckResult = { ok: boolean; failures: CheckFailure[] };

/** One group of recipients by the packs that apply to them and the basis they would be mailed on. */
export type AudienceGroup = { policies: readonly PolicyPack[]; basis: Basis | null };

export type CheckCampaignOptions = {
  campaign: CampaignFields;
  sender: SenderProfile | null;
  /** The message rendered for a sample recipient with a known unsubscribe URL. */
  sample: { message: RenderedMessage; unsubscribeUrl: string; oneClickUrl: string } | null;
  /** Recipients that would receive it (verdict `send`), grouped; empty when nobody would. */
  audience: readonly AudienceGroup[];
};

const ADDRESS_LIKE = /[^\s@<>]+@[^\s@<>]+\.[a-z]{2,}/i;

/** "a", "a and b", "a, b and c". */
const andList = (items: readonly string[]) => items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** Checks a campaign before it may be sent; pure, so the API, the CLI and the send use the same rules. */
export function checkCampaign(options: CheckCampaignOptions): CheckResult {
  const { campaign, sender, sample, audience } = options;
  const failures: CheckFailure[] = [];
  const fail = (code: string, rule: string, text: string) => failures.push({ code, rule, text });

  if (!campaign.subject.trim()) fail('subject_empty', 'platform', 'The subject is empty; write a subject that says what the mail is about.');
  // Mail programs show the HTML part: with a text part alone, readers would see nothing but the footer.
  if (!campaign.html.trim()) {
    fail('body_empty', 'platform', campaign.text?.trim()
      ? 'The HTML is empty: mail programs show the HTML part, so readers would see only the footer; write the HTML too.'
      : 'The message is empty: write its HTML (a text part is made from it).');
  }
  for (const [part, source] of [['subject', campaign.subject], ['HTML', campaign.html], ['text', campaign.text ?? '']] as const) {
    const unknown = unknownMergeTags(source);
    if (unknown.length > 0) {
      fail('merge_tag_unknown', 'platform', `The ${part} reads ${andList(unknown.map((n) => `{{ ${n} }}`))}, which ${unknown.length > 1 ? 'are' : 'is'} always empty: a contact's fields are read as {{ contact.${unknown[0]} }}, the links as {{ unsubscribe_url }} and {{ preferences_url }}.`);
    }
  }
  if (campaign.listIds.length === 0 && campaign.segmentIds.length === 0) {
    fail('audience_empty', 'platform', 'The campaign has no list or segment to send to.');
  }

  if (!sender) {
    fail('sender_missing', 'CR-OPS-05b', 'The workspace has no sender profile yet: add the legal imprint, the postal address and the sending domain.');
  } else {
    const missing = missingImprint(sender);
    if (missing.length > 0) fail('imprint_missing', 'CR-OPS-05b', `The legal imprint is incomplete: the ${andList(missing)} ${missing.length > 1 ? 'are' : 'is'} missing from the sender profile.`);
    if (!isOnSenderDomain(campaign.fromAddress, sender.domains)) {
      fail('from_domain', 'CR-OPS-05c', `The From address ${campaign.fromAddress} is not on the sender's domain${sender.domains.length > 1 ? 's' : ''} (${sender.domains.join(', ')}); use an address there so that DKIM and DMARC align.`);
    }
  }
  const name = campaign.fromName.trim();
  if (!name) {
    fail('from_hidden', 'CR-OPS-05c', 'The From name is empty; recipients must see who the mail is from.');
  } else if (ADDRESS_LIKE.test(name) && !name.toLowerCase().includes(campaign.fromAddress.toLowerCase())) {
    fail('from_hidden', 'CR-OPS-05c', `The From name "${name}" shows an address other than the real sender ${campaign.fromAddress}, which hides the sender.`);
  }

  if (sample) {
    const { message } = sample;
    const inHtml = message.html.includes(`href="${sample.unsubscribeUrl.replace(/&/g, '&amp;')}"`);
    const inText = message.text.includes(sample.unsubscribeUrl);
    if (!inHtml || !inText) fail('unsubscribe_missing', 'CR-OPS-05a', `The unsubscribe link is missing from the ${!inHtml ? 'HTML' : 'text'} part of the rendered mail.`);
    if (campaign.purpose === 'marketing' && !sample.oneClickUrl.startsWith('https://')) {
      fail('one_click_not_https', 'TECH-02a', 'The one-click unsubscribe URL must use HTTPS (RFC 8058); set an https:// base URL.');
    }
  }

  const marketing = campaign.purpose === 'marketing';
  const has = (pack: PolicyPack) => audience.some((g) => g.policies.includes(pack));
  if (audience.some((g) => g.basis === 'legitimate_interest') && campaign.legitimateInterestDisclosure.length < 40) {
    fail('li_disclosure_missing', 'B2B-06', 'Some recipients are mailed on legitimate interest: add the disclosure saying how their address was obtained, why they are contacted and how to object.');
  }
  if (marketing && audience.some((g) => g.policies.includes('us') && g.basis !== 'consent') && !campaign.advertisementLabel) {
    fail('ad_label_missing', 'US-04', 'Recipients in the United States who did not consent must see that the mail is an advertisement: add an advertisement label.');
  }
  if (marketing && has('us') && !sender?.postalAddress) {
    fail('postal_address_missing', 'US-05', 'Recipients in the United States must find a valid physical postal address in the mail: add it to the sender profile.');
  }
  if (has('ca') && (!sender?.postalAddress || !(sender.contactPhone || sender.contactEmail || sender.website))) {
    fail('identification_missing', 'CA-06', 'Recipients in Canada must find the sender\'s mailing address plus a phone number, email or web address in the mail: complete the sender profile.');
  }
  return { ok: failures.length === 0, failures };
}
