/**
 * A workspace's sender profile: who the mail says it is from (legal imprint, postal address, the identification
 * CASL asks for), which domains it may use in From, where bounces return, and the DKIM key. One per workspace.
 */
import { z } from 'zod';
import { knownFields } from '../server/known-fields.js';

const hostname = z.string().trim().toLowerCase()
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name such as mail.example.com');
const text = (max: number) => z.string().trim().max(max);

/** Names an operator may reach for that are not ours (compared without case or separators). */
const senderAliases = { web: 'website', url: 'website', street: 'address', postal: 'postalAddress', mailingaddress: 'postalAddress', dkimkey: 'dkimPrivateKeyPem', keytype: 'dkimKeyType' } as const;

export const senderProfileSchema = knownFields({
  /** Legal imprint (CR-OPS-05b): the company, its registered address, registration, representative. */
  company: text(200).default(''),
  address: text(500).default(''),
  registration: text(200).default(''),
  representative: text(200).default(''),
  /** Physical postal address printed in every mail (CAN-SPAM 7704(a)(5)(A)(iii), US-05; CASL CA-06). */
  postalAddress: text(500).default(''),
  /** CASL CA-06 asks for a mailing address plus one of phone, email or web address. */
  contactPhone: text(50).default(''),
  contactEmail: z.union([z.literal(''), z.email()]).default(''),
  website: z.union([z.literal(''), z.url()]).default(''),
  /** Domains the From address may use; the DKIM `d=` is the first one. */
  domains: z.array(hostname).min(1, 'at least one sending domain is needed').max(20),
  /** Domain of the VERP return path (bounces come back there). */
  returnPathDomain: hostname,
  /** Kept when absent (`lw1` for a new profile): a PUT that leaves it out must not move the key to a selector whose
   *  DNS record was never published. */
  dkimSelector: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'must be a DNS label').optional(),
  /** PEM of an existing key to import (RSA or Ed25519); a key is generated when absent. */
  dkimPrivateKeyPem: z.string().max(20_000).optional(),
  /** The type of key to generate when no PEM is given: a stored key of another type is replaced (default: keep it, or RSA). */
  dkimKeyType: z.enum(['rsa', 'ed25519']).optional(),
}, { aliases: senderAliases, readOnly: ['workspaceId', 'dkimDnsName', 'dkimDnsRecord'] });

export type SenderProfileInput = z.input<typeof senderProfileSchema>;
export type SenderProfile = Omit<z.output<typeof senderProfileSchema>, 'dkimPrivateKeyPem' | 'dkimKeyType' | 'dkimSelector'> & {
  workspaceId: string;
  dkimSelector: string;
  /** Always set once stored (imported or generated). */
  dkimPrivateKeyPem: string;
};

/** The missing parts of the legal imprint, as words for a sentence ("company name", "representative"). */
export function missingImprint(p: Pick<SenderProfile, 'company' | 'address' | 'representative'>): string[] {
  const missing: string[] = [];
  if (!p.company) missing.push('company name');
  if (!p.address) missing.push('registered address');
  if (!p.representative) missing.push('legal representative');
  return missing;
}

/** True when `address` is on one of the profile's domains or a subdomain of one (DMARC relaxed alignment). */
export function isOnSenderDomain(address: string, domains: readonly string[]): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return domains.some((d) => domain === d || domain.endsWith('.' + d));
}
