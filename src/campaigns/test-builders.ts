/** Tiny builders for campaign and sender fixtures in unit and integration tests. */
import { campaignInputSchema, type CampaignFields, type CampaignInput } from './campaign.js';
import type { SenderProfile } from '../senders/sender-profile.js';

export function aCampaign(overrides: Partial<CampaignInput> = {}): CampaignFields {
  return campaignInputSchema.parse({
    name: 'Spring sale', purpose: 'marketing', listIds: ['1'], fromName: 'Shop', fromAddress: 'news@shop.example',
    subject: 'Spring sale for {{ contact.first_name }}',
    html: '<h1>Hello {{ contact.first_name }}</h1><p>See <a href="https://shop.example/sale?a=1&amp;b=2">the sale</a>.</p>',
    ...overrides,
  });
}

export function aSender(overrides: Partial<SenderProfile> = {}): SenderProfile {
  return {
    workspaceId: 'w1', company: 'Shop SAS', address: '1 rue de la Paix, 75002 Paris, France', registration: 'RCS Paris 123 456 789',
    representative: 'Jeanne Martin', postalAddress: '1 rue de la Paix, 75002 Paris, France', contactPhone: '+33 1 23 45 67 89',
    contactEmail: 'contact@shop.example', website: 'https://shop.example', domains: ['shop.example'],
    returnPathDomain: 'bounces.shop.example', dkimSelector: 'lw1', dkimPrivateKeyPem: '', ...overrides,
  };
}
