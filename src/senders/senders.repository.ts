/** SQL of the sender profiles (one per workspace). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import '../sending/sending.table.js';
import type { SenderProfile } from './sender-profile.js';

export async function findSenderProfile(db: Kysely<Database>, workspaceId: string): Promise<SenderProfile | undefined> {
  const r = await db.selectFrom('sender_profiles').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!r) return undefined;
  return {
    workspaceId: r.workspace_id, company: r.company, address: r.address, registration: r.registration,
    representative: r.representative, postalAddress: r.postal_address, contactPhone: r.contact_phone,
    contactEmail: r.contact_email, website: r.website, domains: r.domains, returnPathDomain: r.return_path_domain,
    dkimSelector: r.dkim_selector, dkimPrivateKeyPem: r.dkim_private_key,
  };
}

export async function upsertSenderProfile(db: Kysely<Database>, p: SenderProfile, now: Date): Promise<void> {
  const row = {
    workspace_id: p.workspaceId, company: p.company, address: p.address, registration: p.registration,
    representative: p.representative, postal_address: p.postalAddress, contact_phone: p.contactPhone,
    contact_email: p.contactEmail, website: p.website, domains: JSON.stringify(p.domains),
    return_path_domain: p.returnPathDomain, dkim_selector: p.dkimSelector, dkim_private_key: p.dkimPrivateKeyPem, updated_at: now,
  };
  const { workspace_id: _w, ...changes } = row;
  await db.insertInto('sender_profiles').values(row).onConflict((oc) => oc.column('workspace_id').doUpdateSet(changes)).execute();
}
