/**
 * Saves the workspace's sender profile. A DKIM key given as PEM is checked and imported; without one, the key
 * already stored is kept (unless `dkimKeyType` asks for another type), or a new key is generated: RSA-2048 by
 * default, or Ed25519. The DKIM selector left out keeps the stored one. Returns the profile as shown to the operator: the DNS record to publish, never the key.
 */
import type { Db } from '../db/database.js';
import { invalidInput, type Result } from '../errors.js';
import { generateDkimKey, importDkimKey, type DkimKeyType } from './dkim-key.js';
import { senderProfileSchema, type SenderProfile } from './sender-profile.js';
import { findSenderProfile, upsertSenderProfile } from './senders.repository.js';

export type SenderProfileView = Omit<SenderProfile, 'dkimPrivateKeyPem'> & { dkimDnsName: string; dkimDnsRecord: string; dkimKeyType: DkimKeyType | null };

export function viewOf(p: SenderProfile): SenderProfileView {
  const { dkimPrivateKeyPem, ...rest } = p;
  const key = importDkimKey({ domain: p.domains[0], selector: p.dkimSelector, pem: dkimPrivateKeyPem });
  return { ...rest, dkimDnsName: `${p.dkimSelector}._domainkey.${p.domains[0]}`, dkimDnsRecord: key.ok ? key.value.dnsRecord : '', dkimKeyType: key.ok ? key.value.type : null };
}

export async function saveSenderProfile(options: { db: Db; workspaceId: string; input: unknown; now: Date }): Promise<Result<SenderProfileView>> {
  const parsed = senderProfileSchema.safeParse(options.input);
  if (!parsed.success) return { ok: false, error: invalidInput(parsed.error.issues) };
  const { dkimPrivateKeyPem: pem, dkimKeyType: type, dkimSelector: selector, ...rest } = parsed.data;
  const stored = await findSenderProfile(options.db, options.workspaceId);
  const fields = { ...rest, dkimSelector: selector ?? stored?.dkimSelector ?? 'lw1' };
  let keyPem: string;
  if (pem) {
    const imported = importDkimKey({ domain: fields.domains[0], selector: fields.dkimSelector, pem });
    if (!imported.ok) return imported;
    keyPem = imported.value.privateKeyPem;
  } else {
    const existing = stored?.dkimPrivateKeyPem;
    const current = existing && type ? importDkimKey({ domain: fields.domains[0], selector: fields.dkimSelector, pem: existing }) : undefined;
    const keep = existing && (!type || (current?.ok && current.value.type === type));
    keyPem = keep ? existing : generateDkimKey({ domain: fields.domains[0], selector: fields.dkimSelector, type }).privateKeyPem;
  }
  const profile: SenderProfile = { ...fields, workspaceId: options.workspaceId, dkimPrivateKeyPem: keyPem };
  await upsertSenderProfile(options.db, profile, options.now);
  return { ok: true, value: viewOf(profile) };
}
