/**
 * Saves the workspace's sender profile. A DKIM key given as PEM is checked and imported; without one, the key
 * already stored is kept, or a new 2048-bit key is generated. Returns the profile as shown to the operator:
 * the DNS record to publish, never the private key.
 */
import type { Db } from '../db/database.js';
import { invalidInput, type Result } from '../errors.js';
import { generateDkimKey, importDkimKey } from './dkim-key.js';
import { senderProfileSchema, type SenderProfile } from './sender-profile.js';
import { findSenderProfile, upsertSenderProfile } from './senders.repository.js';

export type SenderProfileView = Omit<SenderProfile, 'dkimPrivateKeyPem'> & { dkimDnsName: string; dkimDnsRecord: string };

export function viewOf(p: SenderProfile): SenderProfileView {
  const { dkimPrivateKeyPem, ...rest } = p;
  const key = importDkimKey({ domain: p.domains[0], selector: p.dkimSelector, pem: dkimPrivateKeyPem });
  return { ...rest, dkimDnsName: `${p.dkimSelector}._domainkey.${p.domains[0]}`, dkimDnsRecord: key.ok ? key.value.dnsRecord : '' };
}

export async function saveSenderProfile(options: { db: Db; workspaceId: string; input: unknown; now: Date }): Promise<Result<SenderProfileView>> {
  const parsed = senderProfileSchema.safeParse(options.input);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues) };
  const { dkimPrivateKeyPem: pem, ...fields } = parsed.data;
  let keyPem: string;
  if (pem) {
    const imported = importDkimKey({ domain: fields.domains[0], selector: fields.dkimSelector, pem });
    if (!imported.ok) return imported;
    keyPem = imported.value.privateKeyPem;
  } else {
    const existing = await findSenderProfile(options.db, options.workspaceId);
    keyPem = existing?.dkimPrivateKeyPem || generateDkimKey({ domain: fields.domains[0], selector: fields.dkimSelector }).privateKeyPem;
  }
  const profile: SenderProfile = { ...fields, workspaceId: options.workspaceId, dkimPrivateKeyPem: keyPem };
  await upsertSenderProfile(options.db, profile, options.now);
  return { ok: true, value: viewOf(profile) };
}
